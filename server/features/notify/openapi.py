"""The notify feature's part of the OpenAPI document."""
from __future__ import annotations

from server.core import policy
from server.core.openapi import EVERYONE, MANAGERS, Op, Operations, q, who
from server.features.notify.push import SubscriptionIn

POSITIVE = {"type": "integer", "minimum": 1, "maximum": 2**62}
PERSONAL_ROLES = who(policy.PERSONAL)


def operations() -> Operations:
    """Return ``{path template: [Op]}`` of the notify feature."""
    return {"/api/v1/notifications": [Op("get", "Tin đã gửi / what was sent to whom", MANAGERS, (
        q("source"), q("state", {"type": "string", "enum": ["pending", "sent", "dead"]}),
        q("before", POSITIVE), q("limit", {"type": "integer", "minimum": 1, "maximum": 1000})))],
            "/api/v1/push/key": [Op("get", "Khoá VAPID / the Web Push public key (404: off)",
                                    EVERYONE)],
            "/api/v1/push/subscriptions": [
                Op("post", "Nhận thông báo đẩy / subscribe this browser", PERSONAL_ROLES,
                   body=SubscriptionIn, ok=201),
                Op("delete", "Thôi nhận / unsubscribe this browser", PERSONAL_ROLES,
                   body={"type": "object", "required": ["endpoint"],
                         "properties": {"endpoint": {"type": "string", "maxLength": 1000}}})]}
