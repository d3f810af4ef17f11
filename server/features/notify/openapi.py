"""The notify feature's part of the OpenAPI document."""
from __future__ import annotations

from server.core.openapi import MANAGERS, Op, Operations, q

POSITIVE = {"type": "integer", "minimum": 1, "maximum": 2**62}


def operations() -> Operations:
    """Return ``{path template: [Op]}`` of the notify feature."""
    return {"/api/v1/notifications": [Op("get", "Tin đã gửi / what was sent to whom", MANAGERS, (
        q("source"), q("state", {"type": "string", "enum": ["pending", "sent", "dead"]}),
        q("before", POSITIVE), q("limit", {"type": "integer", "minimum": 1, "maximum": 1000})))]}
