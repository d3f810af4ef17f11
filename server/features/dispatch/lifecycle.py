"""The lifecycle of an emergency call as **one table** (``server.core.kit.transitions``): which
action, from which statuses, to which status, by which roles; and what it does to the unit on the
case::

    new ──triage──► triaged ──assign──► assigned ──en_route──► en_route ──on_scene──► on_scene
     │                 │                   │  ▲ reassign            │                    │
     │                 │                   └──┘                     └─► rescued | handed_to_hospital
     └─────────────────┴──── resolve (any open) ──► resolved;  cancel (any open) ──► cancelled

A hotline call starts ``triaged`` (the operator saw its priority while logging it); an SOS from
the app starts ``new``. ``triage`` (confirm, or override with a reason), ``repeat`` (the caller
again: linked, not logged twice) and ``note`` keep the status (``triage`` moves ``new`` on).
The unit follows the case: ``assign`` → unit ``assigned``; ``en_route``/``on_scene`` → the same;
``rescued``/``handed_to_hospital``/``resolve`` → unit ``done``; ``cancel``/``reassign`` → the
unit left behind is ``available`` again. Who acts: staff (operator, supervisor, admin) on every
case in their scope, an agency on its own cases, a responder only on its unit's case.
"""
from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from server.core.kit.transitions import ActionTable, action
from server.core.policy import DESK, FIELD, MANAGERS, SYSTEM
from server.features.dispatch.kinds import CALL_STATUSES, CLOSED_CALL_STATUSES, Need

CALLS = ("sos", "hotline_call")
OPEN = tuple(s for s in CALL_STATUSES if s not in CLOSED_CALL_STATUSES)

TABLE = ActionTable([
    action("triage", "Xác nhận / điều chỉnh mức ưu tiên", "Confirm or override the priority",
           CALLS, OPEN, None, MANAGERS),
    action("repeat", "Gọi lại: gộp vào cuộc gọi này", "Called again: link to this call", CALLS,
           OPEN, None, MANAGERS | {SYSTEM}),
    action("assign", "Giao cho đội cứu hộ", "Assign to a unit", CALLS, ("new", "triaged"),
           "assigned", DESK),
    action("reassign", "Giao cho đội khác", "Give to another unit", CALLS,
           ("assigned", "en_route"), "assigned", DESK, reason=True),
    action("en_route", "Xuất phát", "En route", CALLS, ("assigned",), "en_route", FIELD),
    action("on_scene", "Đã đến hiện trường", "On scene", CALLS, ("assigned", "en_route"),
           "on_scene", FIELD),
    action("rescued", "Đã cứu được người", "Person rescued", CALLS, ("en_route", "on_scene"),
           "rescued", FIELD),
    action("handed_to_hospital", "Đã chuyển đến bệnh viện", "Handed to hospital", CALLS,
           ("en_route", "on_scene"), "handed_to_hospital", FIELD),
    action("resolve", "Đã xử lý xong", "Resolved", CALLS, OPEN, "resolved", DESK | FIELD),
    action("cancel", "Hủy (gọi nhầm, trùng, đã an toàn)", "Cancel (mistaken, duplicate, safe)",
           CALLS, OPEN, "cancelled", DESK, reason=True),
    action("note", "Ghi chú", "Note", CALLS, CALL_STATUSES, None, DESK | FIELD),
    action("retriage", "Đánh giá lại (thời gian chờ)", "Re-triage (waiting time)", CALLS,
           ("new", "triaged"), None, {SYSTEM}),
])

#: The unit's status after an action on its case (None: the unit is released: available).
UNIT_AFTER: dict[str, str | None] = {
    "assign": "assigned", "reassign": "assigned", "en_route": "en_route",
    "on_scene": "on_scene", "rescued": "done", "handed_to_hospital": "done", "resolve": "done",
    "cancel": None,
}
#: Case timestamps (``props.dispatch``) each action sets.
STAMPS = {"assign": "assigned_at", "reassign": "assigned_at", "en_route": "en_route_at",
          "on_scene": "on_scene_at", "rescued": "closed_at", "handed_to_hospital": "closed_at",
          "resolve": "closed_at", "cancel": "closed_at"}


class CallRequest(BaseModel):
    """A transition request on a call: ``{"action": "assign", "unit_id": "…"}`` and the like."""

    model_config = ConfigDict(extra="forbid")
    action: str = Field(min_length=1, max_length=40)
    reason: str | None = Field(None, min_length=1, max_length=1000)
    unit_id: str | None = Field(None, max_length=64, description="assign, reassign: the unit.")
    priority: int | None = Field(None, ge=1, le=4, description="triage: the priority to set.")
    text: str | None = Field(None, min_length=1, max_length=1000, description="note: the text.")
    ref: str | None = Field(None, min_length=1, max_length=200,
                            description="note, repeat: the client's id of it (a retry is "
                                        "recognised and not applied twice).")
    needs: list[Need] | None = Field(None, max_length=10, description="repeat: needs to add.")
    people: int | None = Field(None, ge=1, le=10_000, description="repeat: people now.")
    water_depth_m: float | None = Field(None, ge=0, le=30, description="repeat: depth now.")
    note: str | None = Field(None, max_length=1000, description="repeat: what the caller said.")
    lat: float | None = Field(None, ge=-90, le=90, description="repeat: where the caller is now.")
    lon: float | None = Field(None, ge=-180, le=180)


class UnitStatusIn(BaseModel):
    """``POST /api/v1/units/{id}/status``: the statuses a unit sets itself."""

    model_config = ConfigDict(extra="forbid")
    status: Literal["available", "off_duty"]
    reason: str | None = Field(None, max_length=500)
