"""The case lifecycle: **one table** of actions (from which statuses, to which status, by which
roles) and what each action changes. The desk checks *whose* case it is (an agency acts on its
own cases, a bound supervisor on its subordinates'); this module checks the rest and computes the
changes that ``core.update`` stores, audits and streams.

Reports::

    new ──transfer──► routed ──accept──► accepted ──start──► in_progress ──resolve──► resolved
                        ▲  │                 │                    │                  │   │
                        │  └── request_reject ──► reject_requested ──confirm_reject──► rejected
                        │                         (refuse_reject: back where it was)   │   │
                        └──────────── dispute (citizen) / reopen (staff) ◄─────────────┘   │
                                                              rate (citizen) / close ──► closed

Questions: ``new/routed ──answer──► answered``. Both: ``transfer``, ``relocate`` (a corrected
place: routed again), ``request_extension`` → ``approve_extension``/``refuse_extension``,
``hide``/``unhide`` (moderation), ``escalate`` (the overdue timer). Reports: ``merge`` (the IOC
marks an open case a duplicate of another). Times in ``props.case`` are RFC 3339 text.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timezone
from typing import Any, Callable, Literal

from pydantic import AnyUrl, BaseModel, ConfigDict, Field

from geo.router import Router
from server.features.reports.kinds import OPEN_CASE_STATUSES
from server.features.reports.settings import ReportsSettings
from server.core.errors import Conflict, ValidationFailed, detail
from server.core.timefmt import parse_rfc3339, to_rfc3339
from server.core.kit.transitions import PREVIOUS, Action, ActionTable, action, parse_request
from server.core.policy import AGENCIES, CASE_WORKERS, CITIZEN, DESK, MANAGERS, SUPERVISORS, SYSTEM

REPORT, QUESTION = "report", "question"
BOTH = frozenset({REPORT, QUESTION})
OPEN = OPEN_CASE_STATUSES
WORKING = frozenset({"routed", "accepted", "in_progress"})
ANY_STATUS = frozenset({"new", "routed", "accepted", "in_progress", "reject_requested", "resolved",
                        "closed", "rejected", "duplicate", "answered"})
HOUR_US = 3_600_000_000
DAY_US = 24 * HOUR_US
UUID_PATTERN = r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$"
RATINGS = ("satisfied", "accepted", "not_satisfied")
Rating = Literal["satisfied", "accepted", "not_satisfied"]


_a = action

ACTIONS: dict[str, Action] = {a.name: a for a in (
    _a("accept", "Tiếp nhận", "Accept", {REPORT}, {"routed"}, "accepted", CASE_WORKERS),
    _a("start", "Bắt đầu xử lý", "Start work", {REPORT}, {"accepted"}, "in_progress",
       CASE_WORKERS),
    _a("resolve", "Báo cáo kết quả xử lý", "Report the result", {REPORT},
       {"accepted", "in_progress"}, "resolved", CASE_WORKERS, reason=True),
    _a("answer", "Trả lời", "Answer", {QUESTION}, {"routed"}, "answered", CASE_WORKERS,
       reason=True),
    _a("transfer", "Chuyển đơn vị khác", "Transfer to another unit", BOTH,
       {"new"} | WORKING, "routed", DESK, reason=True),
    _a("request_extension", "Xin gia hạn", "Ask for more time", BOTH, WORKING, None, AGENCIES,
       reason=True),
    _a("approve_extension", "Duyệt gia hạn", "Approve the extension", BOTH, WORKING, None,
       SUPERVISORS),
    _a("refuse_extension", "Không duyệt gia hạn", "Refuse the extension", BOTH, WORKING, None,
       SUPERVISORS, reason=True),
    _a("request_reject", "Đề nghị không xử lý (ngoài phạm vi)", "Propose rejection (out of scope)",
       {REPORT}, WORKING, "reject_requested", AGENCIES, reason=True),
    _a("confirm_reject", "Xác nhận không xử lý", "Confirm the rejection", {REPORT},
       {"reject_requested"}, "rejected", SUPERVISORS),
    _a("refuse_reject", "Không đồng ý từ chối", "Refuse the rejection", {REPORT},
       {"reject_requested"}, PREVIOUS, SUPERVISORS, reason=True),
    _a("close", "Đóng phản ánh", "Close", {REPORT}, {"resolved"}, "closed", MANAGERS | {SYSTEM}),
    _a("rate", "Đánh giá kết quả", "Rate the result", {REPORT}, {"resolved", "closed"}, "closed",
       {CITIZEN}),
    _a("dispute", "Không đồng ý kết quả", "Dispute the result", {REPORT}, {"resolved", "closed"},
       "routed", {CITIZEN}, reason=True),
    _a("reopen", "Mở lại", "Reopen", {REPORT}, {"resolved", "closed", "rejected"}, "routed",
       MANAGERS, reason=True),
    _a("escalate", "Báo cáo cấp trên (quá hạn)", "Escalate (overdue)", BOTH, OPEN, None, {SYSTEM}),
    _a("hide", "Ẩn khỏi công khai", "Hide from the public", BOTH, ANY_STATUS, None, MANAGERS,
       reason=True),
    _a("unhide", "Công khai lại", "Publish again", BOTH, ANY_STATUS, None, MANAGERS),
    _a("merge", "Gộp vào phản ánh trùng", "Merge as a duplicate", {REPORT}, {"new"} | WORKING,
       "duplicate", MANAGERS),
    _a("relocate", "Sửa vị trí (chuyển lại đơn vị)", "Correct the location (routed again)", BOTH,
       {"new"} | WORKING, "routed", MANAGERS, reason=True),
)}
TABLE = ActionTable(ACTIONS.values())


class TransitionIn(BaseModel):
    """A transition request: ``{"action": "accept", "reason": "…", …}``."""

    model_config = ConfigDict(extra="forbid")
    action: str = Field(min_length=1, max_length=40)
    reason: str | None = Field(None, min_length=1, max_length=4000)
    agency_id: str | None = Field(None, max_length=80)  # transfer: the new unit
    category: str | None = Field(None, max_length=80)  # transfer: re-route under this category
    hours: float | None = Field(None, gt=0)  # request_extension: how many more hours
    rating: Rating | None = None  # rate
    media: list[AnyUrl] = Field(default_factory=list, max_length=10)  # resolve: result photos
    duplicate_of: str | None = Field(None, pattern=UUID_PATTERN)  # merge: the original case
    lat: float | None = Field(None, ge=-90, le=90)  # relocate: the corrected point
    lon: float | None = Field(None, ge=-180, le=180)
    seq: int | None = Field(None, ge=0)  # the version the caller saw; another one: 409


def parse_transition(doc: Any) -> tuple[TransitionIn, Action]:
    """Return the request and its table row; raise ValidationFailed naming every problem."""
    return parse_request(TransitionIn, doc, TABLE)


def actions_for(kind: str, status: str, role: str) -> list[str]:
    """Return the actions ``role`` may take on a ``kind`` case in ``status`` (guards aside)."""
    return TABLE.allowed(kind, status, role)


def open_now(event: dict[str, Any], role: str) -> list[str]:
    """Return the actions ``role`` may take on ``event`` now: the table's, less those its state
    rules out (hide a hidden case, decide an extension nobody asked for, ask twice)."""
    case = event["props"].get("case") or {}
    extension = (case.get("extension") or {}).get("state")
    hidden = bool(case.get("hidden"))
    ruled_out = {"hide" if hidden else "unhide"}
    if extension == "requested":
        ruled_out.add("request_extension")
    else:
        ruled_out |= {"approve_extension", "refuse_extension"}
    return [a for a in actions_for(event["kind"], event["status"], role) if a not in ruled_out]


def classify(resolved_at: int, due_original: int | None, deadline: int | None,
             extension: str | None) -> str:
    """Return ``on_time``, ``late_extended`` (after the first deadline, within an approved
    extension) or ``late``."""
    if due_original is None or resolved_at <= due_original:
        return "on_time"
    if extension == "approved" and deadline is not None and resolved_at <= deadline:
        return "late_extended"
    return "late"


def case_time(case: dict, key: str) -> int | None:
    """Return a time field of ``props.case`` in epoch microseconds, or None."""
    value = case.get(key)
    return parse_rfc3339(value) if value else None


def event_deadline(event: dict) -> int | None:
    """Return the event's deadline in epoch microseconds, or None."""
    return parse_rfc3339(event["deadline"]) if event.get("deadline") else None


@dataclass
class Step:
    """One transition being computed: the stored event, its case props, the request."""

    event: dict[str, Any]
    t: TransitionIn
    action: Action
    now: int
    actor: str | None
    case: dict[str, Any] = field(default_factory=dict)
    changes: dict[str, Any] = field(default_factory=dict)


class Lifecycle:
    """Guards and effects of the actions; ``changes`` returns what ``core.update`` stores."""

    def __init__(self, router: Router, settings: ReportsSettings, tz: timezone):
        self.router = router
        self.settings = settings
        self.tz = tz
        self._effects: dict[str, Callable[[Step], None]] = {
            "accept": self._accept, "start": self._start, "resolve": self._resolve,
            "answer": self._answer, "transfer": self._transfer,
            "request_extension": self._request_extension, "approve_extension": self._approve,
            "refuse_extension": self._refuse, "request_reject": self._request_reject,
            "confirm_reject": self._confirm_reject, "refuse_reject": self._refuse_reject,
            "close": self._close, "rate": self._rate, "dispute": self._dispute,
            "reopen": self._reopen, "escalate": self._escalate, "hide": self._hide,
            "unhide": self._unhide, "merge": self._merge, "relocate": self._relocate}

    def ts(self, micros: int) -> str:
        """Return ``micros`` as RFC 3339 text in the server's offset."""
        return to_rfc3339(micros, self.tz)

    # -- checks ---------------------------------------------------------------------------------
    def check(self, action: Action, event: dict[str, Any], role: str, t: TransitionIn,
              now: int) -> None:
        """Raise ValidationFailed/Forbidden/Conflict unless ``role`` may take ``action`` now."""
        TABLE.check(action, event["kind"], event["status"], role, bool(t.reason))
        self._guard(action.name, event, t, now)

    def _guard(self, name: str, event: dict[str, Any], t: TransitionIn, now: int) -> None:
        case = event["props"].get("case") or {}
        extension = (case.get("extension") or {}).get("state")
        if name == "request_extension":
            self._guard_extension_request(extension, t)
        elif name in ("approve_extension", "refuse_extension") and extension != "requested":
            raise Conflict("there is no pending extension request on this case")
        elif name == "rate" and not t.rating:
            raise ValidationFailed("rate needs a rating",
                                   [detail("rating", f"one of {', '.join(RATINGS)}")])
        elif name in ("rate", "dispute"):
            self._guard_citizen_window(case, now)
        elif name == "hide" and case.get("hidden"):
            raise Conflict("the case is already hidden")
        elif name == "unhide" and not case.get("hidden"):
            raise Conflict("the case is not hidden")
        elif name == "merge" and not t.duplicate_of:
            raise ValidationFailed("merge needs the original case",
                                   [detail("duplicate_of", "the id of the case this one repeats")])
        elif name == "relocate" and (t.lat is None or t.lon is None):
            raise ValidationFailed("relocate needs the corrected point",
                                   [detail("lat" if t.lat is None else "lon", "required")])

    def _guard_extension_request(self, extension: str | None, t: TransitionIn) -> None:
        if extension == "requested":
            raise Conflict("an extension request is already waiting for the supervisor")
        limit = self.settings.report_max_extension_h
        if t.hours is None or t.hours > limit:
            raise ValidationFailed("request_extension needs hours",
                                   [detail("hours", f"a number of hours between 0 and {limit:g}")])

    def _guard_citizen_window(self, case: dict, now: int) -> None:
        resolved = case_time(case, "resolved_at")
        days = self.settings.report_dispute_days
        if resolved is not None and now > resolved + int(days * DAY_US):
            raise Conflict(f"the result was published more than {days:g} days ago; "
                           "file a new report")

    # -- changes --------------------------------------------------------------------------------
    def changes(self, action: Action, event: dict[str, Any], t: TransitionIn, now: int,
                actor: str | None) -> dict[str, Any]:
        """Return the changes of ``action`` on ``event`` (``status``, ``props``, …)."""
        step = Step(event, t, action, now, actor, dict(event["props"].get("case") or {}))
        if action.target not in (None, PREVIOUS):
            step.changes["status"] = action.target
        self._effects[action.name](step)
        step.case["updated_at"] = self.ts(now)
        step.changes["props"] = {**event["props"], "case": step.case}
        return step.changes

    def _hours(self, category: str) -> float | None:
        cat = self.router.categories.get(category)
        return cat.deadline_hours if cat else None

    def _new_deadline(self, s: Step, category: str) -> None:
        hours = self._hours(category)
        deadline = s.now + int(hours * HOUR_US) if hours else None
        s.changes["deadline"] = deadline
        s.case["due_original"] = self.ts(deadline) if deadline else None
        for key in ("accepted_at", "started_at", "extension", "escalated_for", "escalated_to",
                    "escalated_at"):
            s.case.pop(key, None)

    def _accept(self, s: Step) -> None:
        s.case["accepted_at"] = self.ts(s.now)

    def _start(self, s: Step) -> None:
        s.case["started_at"] = self.ts(s.now)

    def _outcome(self, s: Step) -> str:
        return classify(s.now, case_time(s.case, "due_original"), event_deadline(s.event),
                        (s.case.get("extension") or {}).get("state"))

    def _resolve(self, s: Step) -> None:
        s.case.update(resolved_at=self.ts(s.now), result=s.t.reason, note=s.t.reason,
                      result_media=[str(u) for u in s.t.media], outcome=self._outcome(s))

    def _answer(self, s: Step) -> None:
        s.case.update(answered_at=self.ts(s.now), resolved_at=self.ts(s.now), answer=s.t.reason,
                      note=s.t.reason, outcome=self._outcome(s))

    def _transfer(self, s: Step) -> None:
        category = s.t.category or s.event["category"]
        cat = self.router.categories.get(category)
        if cat is None or s.event["kind"] not in cat.kinds:
            raise ValidationFailed(f"{category!r} is not a {s.event['kind']} category",
                                   [detail("category", "see GET /api/v1/categories")])
        agency, copies = self._target(s, category)
        if agency == s.event["agency_id"] and category == s.event["category"]:
            raise ValidationFailed("the case is already with this unit",
                                   [detail("agency_id", "name another unit or another category")])
        s.changes.update(agency_id=agency, copied_to=copies)
        if category != s.event["category"]:
            s.changes["category"] = category
        self._new_deadline(s, category)
        unit = self.router.agencies.get(agency)
        s.case["transfers"] = int(s.case.get("transfers", 0)) + 1
        s.case["note"] = f"Chuyển đến {unit.vi if unit else agency} / transferred"

    def _target(self, s: Step, category: str) -> tuple[str, list[str]]:
        if s.t.agency_id:
            if self.router.agencies.get(s.t.agency_id) is None:
                raise ValidationFailed(f"unknown agency {s.t.agency_id!r}",
                                       [detail("agency_id", "see GET /api/v1/agencies")])
            return s.t.agency_id, []
        route = self.router.route(s.event["lat"], s.event["lon"], category)
        return route.agency_id, list(route.copied_to)

    def _request_extension(self, s: Step) -> None:
        s.case["extension"] = {"hours": s.t.hours, "state": "requested",
                               "requested_at": self.ts(s.now), "reason": s.t.reason}

    def _approve(self, s: Step) -> None:
        ext = dict(s.case["extension"], state="approved", decided_at=self.ts(s.now))
        s.case["extension"] = ext
        base = event_deadline(s.event) or s.now
        s.changes["deadline"] = base + int(ext["hours"] * HOUR_US)

    def _refuse(self, s: Step) -> None:
        s.case["extension"] = dict(s.case["extension"], state="refused",
                                   decided_at=self.ts(s.now))

    def _request_reject(self, s: Step) -> None:
        s.case.update(before=s.event["status"], reject_reason=s.t.reason)

    def _confirm_reject(self, s: Step) -> None:
        reason = s.t.reason or s.case.get("reject_reason")
        s.case.pop("before", None)
        s.case.pop("reject_reason", None)
        s.case.update(rejected_at=self.ts(s.now), note=reason)

    def _refuse_reject(self, s: Step) -> None:
        s.changes["status"] = s.case.pop("before", "routed")
        s.case.pop("reject_reason", None)

    def _close(self, s: Step) -> None:
        s.case["closed_at"] = self.ts(s.now)

    def _rate(self, s: Step) -> None:
        s.case.update(rating=s.t.rating, rated_at=self.ts(s.now))
        if s.t.reason:
            s.case["rating_comment"] = s.t.reason
        s.case.setdefault("closed_at", self.ts(s.now))

    def _reopen(self, s: Step) -> None:
        for key in ("resolved_at", "closed_at", "rejected_at", "outcome", "result",
                    "result_media"):
            s.case.pop(key, None)
        self._new_deadline(s, s.event["category"])
        s.case["reopened"] = int(s.case.get("reopened", 0)) + 1
        s.case["note"] = "Đã mở lại để xử lý tiếp / reopened"

    def _dispute(self, s: Step) -> None:
        self._reopen(s)
        s.case["rating"] = "not_satisfied"
        s.case["rated_at"] = self.ts(s.now)

    def _escalate(self, s: Step) -> None:
        unit = self.router.agencies.get(s.event["agency_id"])
        parent = unit.parent if unit else None
        s.case.update(escalated_at=self.ts(s.now), escalated_for=s.event["deadline"],
                      escalated_to=parent)
        if parent and parent not in s.event["copied_to"]:
            s.changes["copied_to"] = [*s.event["copied_to"], parent]

    def _hide(self, s: Step) -> None:
        s.case["hidden"] = {"reason": s.t.reason, "at": self.ts(s.now), "by": s.actor}

    def _unhide(self, s: Step) -> None:
        s.case.pop("hidden", None)

    def _merge(self, s: Step) -> None:
        original = s.t.duplicate_of
        s.changes["deadline"] = None
        for key in ("extension", "escalated_for", "escalated_to", "escalated_at"):
            s.case.pop(key, None)
        s.case.update(duplicate_of=original, due_original=None, merged_at=self.ts(s.now),
                      note=f"Trùng với phản ánh {original} / duplicate")

    def _relocate(self, s: Step) -> None:
        lat, lon = float(s.t.lat), float(s.t.lon)  # type: ignore[arg-type]  # guarded
        route = self.router.route(lat, lon, s.event["category"], s.now)
        if route.area is None:
            raise ValidationFailed("the corrected point is outside every commune of Huế",
                                   [detail("lat", "place the case inside a commune")])
        s.changes.update(lat=lat, lon=lon, cell=route.cell, area=route.area,
                         agency_id=route.agency_id, copied_to=list(route.copied_to))
        self._new_deadline(s, s.event["category"])
        unit = self.router.agencies.get(route.agency_id)
        s.case["relocated"] = int(s.case.get("relocated", 0)) + 1
        s.case["note"] = (f"Đã sửa vị trí, chuyển đến {unit.vi if unit else route.agency_id}"
                          " / location corrected")
