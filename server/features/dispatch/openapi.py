"""The dispatch feature's part of the OpenAPI document: calls, SOS, triage and the responder
units with their tablets."""
from __future__ import annotations

from server.core.openapi import (CITIZEN_FILERS, DESK, EVERYONE, JSON, MANAGERS, SLUG_RE, STAFF,
                                 UUID_RE, Op, Operations, p, q)
from server.features.dispatch.desk import SosIn, TriageIn
from server.features.dispatch.lifecycle import CallRequest, UnitStatusIn
from server.features.dispatch.units import FixIn, UnitIn


def _calls() -> Operations:
    """Return the operations on ``/api/v1/calls`` and ``/api/v1/sos``."""
    call = p("call_id", UUID_RE)
    return {
        "/api/v1/calls": [Op("post", "Ghi cuộc gọi / log a call", "admin, operator", body=JSON,
                             ok=201),
                          Op("get", "Hàng đợi / the queue", STAFF,
                             (q("all"), q("limit", {"type": "integer", "minimum": 1,
                                                    "maximum": 5000})))],
        "/api/v1/sos": [Op("post", "SOS một chạm / one-tap SOS", CITIZEN_FILERS,
                           body=SosIn, ok=201)],
        "/api/v1/calls/related": [Op("get", "Cuộc gọi trước / earlier calls", STAFF,
                                     (q("phone"), q("lat"), q("lon"), q("exclude")))],
        "/api/v1/calls/triage": [Op("post", "Phân loại thử / triage preview", STAFF,
                                    body=TriageIn)],
        "/api/v1/calls/triage-rules": [Op("get", "Luật phân loại / triage rules", EVERYONE)],
        "/api/v1/calls/actions": [Op("get", "Bảng thao tác / lifecycle table", EVERYONE)],
        "/api/v1/calls/{call_id}": [Op("get", "Chi tiết cuộc gọi / call detail",
                                       STAFF + "; responder (assigned)", (call,))],
        "/api/v1/calls/{call_id}/transitions": [Op("post", "Chuyển trạng thái / transition",
                                                   MANAGERS + "; responder (assigned)", (call,),
                                                   CallRequest)],
        "/api/v1/calls/{call_id}/suggestions": [
            Op("get", "Đội gần nhất / nearest free units", STAFF,
               (call, q("n", {"type": "integer", "minimum": 1, "maximum": 50})))],
    }


def _units() -> Operations:
    """Return the operations on ``/api/v1/units``."""
    unit = p("unit_id", SLUG_RE)
    return {
        "/api/v1/units": [Op("get", "Các đội / responder units", STAFF)],
        "/api/v1/units/me": [Op("get", "Máy tính bảng của tôi / my tablet", "responder")],
        "/api/v1/units/{unit_id}": [Op("put", "Đăng ký đội / register a unit", DESK,
                                       (unit,), UnitIn)],
        "/api/v1/units/{unit_id}/tablet": [Op("get", "Xem máy tính bảng / a unit's tablet",
                                              MANAGERS + "; responder (own)", (unit,))],
        "/api/v1/units/{unit_id}/position": [Op("post", "Vị trí / position fix",
                                                "responder (own), admin, operator",
                                                (unit,), FixIn)],
        "/api/v1/units/{unit_id}/status": [Op("post", "Trạng thái đội / unit status",
                                              "responder (own), admin, operator",
                                              (unit,), UnitStatusIn)],
        "/api/v1/units/{unit_id}/token": [Op("post", "Mã máy tính bảng / tablet token",
                                             MANAGERS, (unit,), JSON, ok=201)],
    }


def operations() -> Operations:
    """Return ``{path template: [Op]}`` of the dispatch feature."""
    return {**_calls(), **_units()}
