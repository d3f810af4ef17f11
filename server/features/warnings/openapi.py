"""The warnings feature's part of the OpenAPI document: drafting and sending warnings, CAP in
and out, contacts and reach, the public Atom feed."""
from __future__ import annotations

from typing import Any

from server.core.openapi import (ATOM, CAP, EVERYONE, MANAGERS, UUID_RE, WARNING_READERS, Op,
                                 Operations, p, q)
from server.features.warnings.lifecycle import NewWarning, WarningRequest
from server.features.warnings.reach import Contact


def _contacts_body() -> dict[str, Any]:
    """Return the schema of ``{"contacts": [{"id", ...Contact}]}`` (``parse_contacts``)."""
    item = Contact.model_json_schema()
    item["properties"] = {"id": {"type": "string", "minLength": 1, "maxLength": 64},
                          **item["properties"]}
    item["required"] = ["id", *item.get("required", [])]
    return {"type": "object", "required": ["contacts"],
            "properties": {"contacts": {"type": "array", "minItems": 1, "items": item}}}


def _desk() -> Operations:
    """Return the staff operations on ``/api/v1/warnings``."""
    base, warning = "/api/v1/warnings", p("warning_id", UUID_RE)
    item = p("item_id", "^([0-9a-f]{32}|" + UUID_RE[1:-1] + ")$")
    return {
        base: [Op("get", "Cảnh báo / warnings (every status) and CAP messages kept",
                  WARNING_READERS, (q("status"),)),
               Op("post", "Soạn cảnh báo / draft a warning", MANAGERS, body=NewWarning, ok=201)],
        f"{base}/actions": [Op("get", "Bảng thao tác / lifecycle table", EVERYONE)],
        f"{base}/cap": [Op("post", "Nhận bản tin CAP / receive a CAP 1.1/1.2 message (201 "
                               "stored, 200 already stored)", MANAGERS, body=CAP, ok=201,
                           also=(200,))],
        f"{base}/contacts": [Op("get", "Danh bạ nhận cảnh báo / contacts (with phones)",
                                MANAGERS),
                             Op("post", "Đăng ký danh bạ / register contacts", MANAGERS,
                                body=_contacts_body(), ok=201)],
        f"{base}/{{warning_id}}": [Op("get", "Một cảnh báo / a warning, its actions, history",
                                      WARNING_READERS, (warning,))],
        f"{base}/{{warning_id}}/transitions": [
            Op("post", "Chuyển trạng thái / transition (who: GET /api/v1/warnings/actions)",
               "edit, update, discard: admin, supervisor, operator; approve, send, cancel: "
               "admin, supervisor", (warning,), WarningRequest)],
        f"{base}/{{warning_id}}/reach": [Op("get", "Phạm vi tiếp cận / who is inside the area",
                                            WARNING_READERS, (warning,))],
        f"{base}/{{item_id}}.cap": [Op("get", "Bản tin CAP / CAP 1.2 message of a warning or "
                                           "of a message kept", WARNING_READERS, (item,),
                                       ok_type=CAP)],
    }


def _public() -> Operations:
    """Return the public operations on ``/api/v1/public/warnings``."""
    pub, warning = "/api/v1/public/warnings", p("warning_id", UUID_RE)
    return {
        f"{pub}.atom": [Op("get", "Cảnh báo đang hiệu lực / active warnings (Atom)", EVERYONE,
                           ok_type=ATOM)],
        f"{pub}/{{warning_id}}.cap": [Op("get", "Bản tin CAP đã phát / CAP of a published "
                                             "warning (404 for drafts)", EVERYONE, (warning,),
                                         ok_type=CAP)],
    }


def operations() -> Operations:
    """Return ``{path template: [Op]}`` of the warnings feature."""
    return {**_desk(), **_public()}
