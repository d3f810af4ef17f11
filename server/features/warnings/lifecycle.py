"""The lifecycle of a public warning as one table (``server.core.kit.transitions``)::

    draft ──approve──► approved ──send──► sent ──cancel──► cancelled (a CAP Cancel)
      ▲   ◄──edit───────┘                  │  ──update──► a new draft that references it;
      └──edit (draft, approved)            │              sending it moves this one to updated
    discard (draft, approved) ──► cancelled └── (timer) expires ──► expired
    received (CAP from outside) ──cancel──► cancelled

Operators (and supervisors, admins) draft, edit, update and discard; only supervisors and
admins approve, send and cancel a sent warning. A river gauge crossing a higher alarm level
drafts a warning (``server.features.warnings.desk``).
"""
from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from server.core.kit.transitions import ActionTable, action
from server.core.policy import MANAGERS, SUPERVISORS, SYSTEM
from server.features.warnings.kinds import (CapCategory, CapSeverity, CapStatus, Certainty,
                                            ResponseType, Text, Urgency)

KIND = ("warning",)
ACTIVE = ("sent", "received")

TABLE = ActionTable([
    action("edit", "Sửa bản nháp", "Edit the draft", KIND, ("draft", "approved"), "draft",
           MANAGERS),
    action("approve", "Duyệt", "Approve", KIND, ("draft",), "approved", SUPERVISORS),
    action("send", "Phát cảnh báo", "Send", KIND, ("approved",), "sent", SUPERVISORS),
    action("update", "Cập nhật (bản tin mới)", "Update (a new message)", KIND, ("sent",), None,
           MANAGERS),
    action("discard", "Bỏ bản nháp", "Discard the draft", KIND, ("draft", "approved"),
           "cancelled", MANAGERS, reason=True),
    action("cancel", "Hủy cảnh báo đã phát", "Cancel a sent warning", KIND, ACTIVE, "cancelled",
           SUPERVISORS, reason=True),
    action("expire", "Hết hiệu lực", "Expired", KIND, ACTIVE, "expired", {SYSTEM}),
    action("supersede", "Đã được cập nhật", "Superseded by an update", KIND, ("sent",),
           "updated", {SYSTEM}),
])


class Content(BaseModel):
    """What a draft says and whom it targets (every field optional in an edit)."""

    model_config = ConfigDict(extra="forbid")
    category: str | None = Field(None, pattern=r"^warning\.[a-z_]+$")
    event: Text | None = None
    headline: Text | None = None
    description: Text | None = None
    instruction: Text | None = None
    cap_status: CapStatus | None = None
    urgency: Urgency | None = None
    cap_severity: CapSeverity | None = None
    certainty: Certainty | None = None
    cap_categories: list[CapCategory] | None = Field(None, min_length=1)
    responses: list[ResponseType] | None = None
    communes: list[str] | None = Field(None, max_length=40)
    cells: list[str] | None = Field(None, max_length=2000)
    effective: str | None = Field(None, max_length=40)
    expires: str | None = Field(None, max_length=40)


class NewWarning(Content):
    """``POST /api/v1/warnings``: a new draft (headline and a target required)."""

    headline: Text
    category: str = Field("warning.flood", pattern=r"^warning\.[a-z_]+$")


class WarningRequest(BaseModel):
    """``POST /api/v1/warnings/{id}/transitions``: ``{"action", "reason"?, "content"?}``."""

    model_config = ConfigDict(extra="forbid")
    action: str = Field(max_length=40)
    reason: str | None = Field(None, min_length=1, max_length=500)
    content: Content | None = None
