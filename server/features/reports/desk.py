"""``ReportDesk``: the feature object of field reports and questions, built once per server.

- an **intake stage** of ``core.ingest`` for kinds ``report`` and ``question`` (every channel goes
  through it): checks the category's questions, starts the case props, links duplicates;
- **transitions** through the lifecycle table (``server.features.reports.lifecycle``), each stored
  with ``core.update`` (new seq, audited, streamed);
- a **timer** on ``core.clock`` that escalates overdue cases to the unit's supervisor and closes
  resolved cases nobody rated;
- **reading**: work lists scoped to the caller, KPIs, the public feed and map.
"""
from __future__ import annotations

import asyncio
import logging
from typing import Any, Awaitable, Callable, Iterable

from geo import h3grid
from server.core import policy
from server.features.reports import actions
from server.core.auth import Principal, View, case_scope
from server.core.errors import (Conflict, Forbidden, IOCError, NotFound, Unauthorized,
                                ValidationFailed, detail)
from server.core.events import NewEvent
from server.core.kinds import PUBLIC_CASE_RES, public_position
from server.core.kit.feeds import every
from server.core.kit.follow import StoreFollower
from server.features.reports import kpis
from server.features.reports.attributes import check_attributes
from server.features.reports.casebook import CASE_KINDS, DONE, Case, CaseBook, load_book
from server.features.reports.lifecycle import (ACTIONS, CITIZEN, HOUR_US, SYSTEM, Action, Lifecycle,
                                      TransitionIn, open_now, parse_transition)
from server.features.reports.tokens import CitizenTokens, load_secret_key
from server.core.service import EventService, IntakeStage, Proceed
from server.store import AppendResult, AuditEntry, EventQuery
from server.core.timefmt import to_rfc3339

log = logging.getLogger(__name__)

READER = Principal("report-desk", "admin")
PUBLIC = Principal("public-feed", "public")
TIMER = Principal("timer", SYSTEM)
PUBLIC_VIEW = View(True, None)


class ReportDesk(StoreFollower[CaseBook], IntakeStage):
    """See the module docstring. ``ReportsFeature.install`` builds and attaches one."""

    kinds = CASE_KINDS

    def __init__(self, core: EventService):
        super().__init__(core, CaseBook(), load_book, "case book")
        self.settings = core.settings
        self.tz = core.tz
        self.lifecycle = Lifecycle(core.router, core.settings, core.tz)
        self.tokens = CitizenTokens(load_secret_key(core.settings.secret_key,
                                                    core.settings.data_dir))
        self._lock = asyncio.Lock()

    # -- timer --------------------------------------------------------------------------------
    def loops(self) -> list[Callable[[], Awaitable[Any]]]:
        """Return the timer, started once the case book is read: escalate and close on every
        check."""
        return [lambda: every(self.settings.report_check_interval_s, self.tick, "case book timer")]

    async def tick(self) -> dict[str, list[str]]:
        """Escalate overdue cases and close unrated resolved ones; return the ids touched."""
        return {"escalated": await self.escalate_overdue(), "closed": await self.close_unrated()}

    # -- intake ---------------------------------------------------------------------------------
    async def intake(self, events: list[NewEvent], proceed: Proceed) -> AppendResult:
        """Check and start the cases of a batch, mark duplicates, store, link duplicates."""
        await self.ready()
        self._check_new(events)
        async with self._lock:
            self._start_cases(events)
            result = await proceed()
            for ev in result.events:
                self.book.observe(ev)
        return result

    def _check_new(self, events: list[NewEvent]) -> None:
        problems = []
        for i, ev in enumerate(events):
            path = f"events[{i}].props" if len(events) > 1 else "props"
            if ev.kind == "question" and not ev.props.get("question", "").strip():
                problems.append(detail(f"{path}.question", "the question is required"))
            elif ev.kind == "report":
                category = self.core.categories.get(ev.category)
                answers, found = check_attributes(category, ev.props.get("attributes", {}),
                                                  f"{path}.attributes")
                problems.extend(found)
                if answers:
                    ev.props["attributes"] = answers
        if problems:
            raise ValidationFailed(f"{len(problems)} problem(s) in the case details; nothing was "
                                   "stored", problems)

    def _start_cases(self, events: list[NewEvent]) -> None:
        """Give each new case its ``props.case``; mark duplicates of open cases (the original
        is not rewritten: the book counts the reports linked to it)."""
        window = int(self.settings.report_duplicate_window_h * HOUR_US)
        batch: list[NewEvent] = []
        for ev in events:
            if ev.kind not in CASE_KINDS:
                continue
            ev.props["case"] = {"due_original": self._ts(ev.deadline),
                                "updated_at": self._ts(ev.received_at)}
            original = self._original_of(ev, batch, window) if ev.kind == "report" else None
            if original is None:
                batch.append(ev)
                continue
            ev.status, ev.deadline = "duplicate", None
            ev.props["case"].update(duplicate_of=original, due_original=None,
                                    note=f"Trùng với phản ánh {original} / duplicate")

    def _original_of(self, ev: NewEvent, batch: list[NewEvent], window: int) -> str | None:
        found = self.book.open_near(ev.category, ev.cell, ev.observed_at, window)
        if found is not None:
            return found.id
        near = set(h3grid.grid_disk_int(ev.cell, 1))
        for other in batch:
            if other.kind == "report" and other.category == ev.category and other.cell in near \
                    and abs(other.observed_at - ev.observed_at) <= window:
                return other.id
        return None

    # -- filing ---------------------------------------------------------------------------------
    async def file(self, doc: Any, principal: Principal, kind: str = "report",
                   idem_key: str | None = None) -> dict[str, Any]:
        """File one case (any channel); return the filing answer (see ``filing``)."""
        if not isinstance(doc, dict):
            raise ValidationFailed(f"expected one {kind} object", [detail("", "not an object")])
        if doc.get("kind", kind) != kind:
            raise ValidationFailed(f"this address files a {kind}",
                                   [detail("kind", f"must be {kind!r}")])
        result = await self.core.ingest({**doc, "kind": kind}, principal, idem_key)
        return {**self.filing(result.events[0]), "replayed": result.replayed}

    def filing(self, ev: dict[str, Any]) -> dict[str, Any]:
        """Return ``{"case": event, "citizen_token", "duplicate_of", "notice": {vi, en}}``."""
        case = ev["props"].get("case") or {}
        return {"case": ev, "citizen_token": self.tokens.issue(ev["id"]),
                "duplicate_of": case.get("duplicate_of"), "notice": self.notice(ev)}

    def notice(self, ev: dict[str, Any]) -> dict[str, str]:
        """Return what the citizen is told about a filed case (Vietnamese, English)."""
        original = (ev["props"].get("case") or {}).get("duplicate_of")
        if original is not None:
            unit = self.agency_name(self.book.get(original).agency_id if self.book.get(original)
                                    else ev["agency_id"])
            return {"vi": f"Nội dung này đã được phản ánh trước đó (mã {original}) và đang được "
                          f"{unit['vi']} xử lý; phản ánh của bạn đã được gộp vào hồ sơ đó.",
                    "en": f"This was already reported (id {original}) and {unit['en']} is "
                          "handling it; your report has been linked to that case."}
        unit = self.agency_name(ev["agency_id"])
        if ev["status"] == "new":
            return {"vi": "Trung tâm IOC đã tiếp nhận và sẽ chuyển đến đơn vị phụ trách.",
                    "en": "The IOC has received it and will pass it to the responsible unit."}
        due = (ev.get("deadline") or "")[:16].replace("T", " ")
        return {"vi": f"Đã chuyển đến {unit['vi']}" + (f"; hạn xử lý {due}." if due else "."),
                "en": f"Sent to {unit['en']}" + (f"; due by {due}." if due else ".")}

    # -- who sees and acts ----------------------------------------------------------------------
    def subtree(self, agency_id: str) -> frozenset[str]:
        """Return ``agency_id`` and every unit below it (``parent`` links)."""
        return self.core.router.agencies.subtree(agency_id)

    def citizen(self, token: str | None) -> Principal:
        """Return the citizen principal a token proves; raise Unauthorized."""
        case_id = self.tokens.verify(token)
        if case_id is None:
            raise Unauthorized("the citizen token is not valid "
                               "(it is given when the report is filed)")
        return Principal(f"citizen:{case_id}", CITIZEN)

    def _citizen_case(self, principal: Principal) -> str:
        return principal.token_id.split(":", 1)[1]

    def can_see(self, principal: Principal, case: Case) -> bool:
        """Return True if ``principal`` may read this case in full (citizens: their own)."""
        if principal.role == CITIZEN:
            own = self._citizen_case(principal)
            return case.id == own or self._original(own) == case.id
        return case_scope(principal, case.agency_id, case.copied_to, self.subtree)

    def can_act(self, principal: Principal, case: Case) -> bool:
        """Return True if ``principal`` may act on this case (an agency: only its own)."""
        if principal.role == CITIZEN:
            return self.can_see(principal, case)
        return case_scope(principal, case.agency_id, case.copied_to, self.subtree, acting=True)

    def _original(self, case_id: str) -> str | None:
        case = self.book.get(case_id)
        return case.duplicate_of if case else None

    # -- transitions ----------------------------------------------------------------------------
    async def transition(self, case_id: str, doc: Any, principal: Principal) -> dict[str, Any]:
        """Apply a transition request; return the updated event (as the caller may see it)."""
        await self.ready()
        _require_caller(principal)
        t, action = parse_transition(doc)
        async with self._lock:
            case = self._visible(case_id, principal)
            if principal.role == CITIZEN and case.duplicate_of:
                case = self._visible(case.duplicate_of, principal)
            if not self.can_act(principal, case):
                raise Forbidden("this case belongs to another unit; you may read it, not act on it")
            ev = await self._load(case.id)
            _check_version(ev, t)
            now = self.core.clock.now()
            self.lifecycle.check(action, ev, principal.role, t, now)
            if action.name == "merge":
                self._check_original(case, t.duplicate_of, principal)
            changes = self.lifecycle.changes(action, ev, t, now, principal.actor)
            new = await self._store(ev, action, changes, principal, t.reason, self._data(t))
        return self.render(new, principal)

    @staticmethod
    def _data(t: TransitionIn) -> dict[str, Any]:
        dump = t.model_dump(mode="json", exclude={"action", "reason", "seq"})
        return {k: v for k, v in dump.items() if v not in (None, [])}

    def _check_original(self, case: Case, original_id: str | None, principal: Principal) -> None:
        """Raise unless ``case`` may be merged into ``original_id`` (a visible report that is no
        duplicate itself, not the case, and ``case`` has no duplicates of its own)."""
        original = self.book.get(original_id or "")
        if original is None or not self.can_see(principal, original) or original.kind != case.kind:
            raise ValidationFailed(f"no {case.kind} {original_id!r} to merge into",
                                   [detail("duplicate_of", "the id of an existing case")])
        if original.id == case.id:
            raise ValidationFailed("a case cannot repeat itself",
                                   [detail("duplicate_of", "name another case")])
        if original.duplicate_of:
            raise ValidationFailed(f"{original.id} is itself a duplicate of "
                                   f"{original.duplicate_of}",
                                   [detail("duplicate_of", f"merge into {original.duplicate_of}")])
        linked = self.book.duplicates(case.id)
        if linked:
            raise Conflict(f"{len(linked)} report(s) are linked to this case; merge the other "
                           "way (this case is the original)")

    def _visible(self, case_id: str, principal: Principal) -> Case:
        case = self.book.get(case_id)
        if case is None or not self.can_see(principal, case):
            raise NotFound(f"no case {case_id!r}")
        return case

    async def _load(self, case_id: str) -> dict[str, Any]:
        return await self.core.get(READER, case_id)

    async def _store(self, ev: dict[str, Any], action: Action, changes: dict[str, Any],
                     principal: Principal, reason: str | None, data: dict[str, Any]) -> dict:
        now = self.core.clock.now()
        audit = AuditEntry(action.name, principal.actor, principal.role, reason=reason,
                           data={"from": ev["status"], "to": changes.get("status", ev["status"]),
                                 **data}, at=now)
        new = await self.core.update(ev["id"], changes, audit, expect_status=ev["status"])
        self.book.observe(new)
        return new

    async def _system(self, case_id: str, name: str) -> bool:
        """Apply a system action if it still applies; return True when it did."""
        action, t = ACTIONS[name], TransitionIn(action=name)
        ev = await self._load(case_id)
        now = self.core.clock.now()
        try:
            self.lifecycle.check(action, ev, SYSTEM, t, now)
        except IOCError:
            return False
        changes = self.lifecycle.changes(action, ev, t, now, TIMER.token_id)
        await self._store(ev, action, changes, TIMER, self._system_reason(name), {})
        return True

    def _system_reason(self, name: str) -> str:
        if name == "close":
            return f"no rating within {self.settings.report_autoclose_days:g} days"
        return "past the deadline"

    async def escalate_overdue(self) -> list[str]:
        """Escalate every open case past its deadline (once per deadline); return their ids."""
        await self.ready()
        done = []
        async with self._lock:
            now = self.core.clock.now()
            due = [c.id for c in self.book.open_cases()
                   if c.overdue(now) and c.escalated_for != c.deadline]
            for case_id in due:
                if await self._system(case_id, "escalate"):
                    done.append(case_id)
        if done:
            log.info("escalated %d overdue case(s)", len(done))
        return done

    async def close_unrated(self) -> list[str]:
        """Close resolved reports nobody rated within the set days; return their ids."""
        await self.ready()
        limit = int(self.settings.report_autoclose_days * 24 * HOUR_US)
        done = []
        async with self._lock:
            now = self.core.clock.now()
            due = [c.id for c in self.book.all() if c.status == "resolved"
                   and c.resolved_at is not None and c.resolved_at + limit < now]
            for case_id in due:
                if await self._system(case_id, "close"):
                    done.append(case_id)
        return done

    # -- reading --------------------------------------------------------------------------------
    def render(self, ev: dict[str, Any], principal: Principal) -> dict[str, Any]:
        """Return an event as ``principal`` may see it (citizens get the public form), with
        ``props.case.linked``: how many reports were linked to it as duplicates."""
        ev = self.with_links(ev)
        if principal.role in (CITIZEN, "public"):
            return self.core.render(ev, PUBLIC_VIEW)
        return ev

    def with_links(self, ev: dict[str, Any]) -> dict[str, Any]:
        """Return ``ev`` with ``props.case.linked`` set from the book (unchanged when none)."""
        count = len(self.book.duplicates(ev["id"]))
        if not count:
            return ev
        case = {**(ev["props"].get("case") or {}), "linked": count}
        return {**ev, "props": {**ev["props"], "case": case}}

    async def case_detail(self, case_id: str, principal: Principal) -> dict[str, Any]:
        """Return ``{"case": event, "actions": [...], "history": [...]}`` (history: staff)."""
        await self.ready()
        _require_caller(principal)
        case = self._visible(case_id, principal)
        ev = await self._load(case.id)
        mine = self.can_act(principal, case)
        actions = open_now(ev, principal.role) if mine else []
        out = {"case": self.render(ev, principal), "actions": actions}
        if principal.role != CITIZEN:
            out["history"] = [a.to_json(self.tz) for a in await self.core.history(case.id)]
            out["duplicates"] = self.book.duplicates(case.id)
        return out

    async def work_list(self, principal: Principal, kind: str, filters: dict[str, Any],
                        limit: int, offset: int) -> dict[str, Any]:
        """Return ``{"cases": [summary…], "total": N}`` newest first, scoped to the caller."""
        await self.ready()
        policy.require(principal, actions.READ)
        now = self.core.clock.now()
        chosen = [c for c in self.book.all() if c.kind == kind and self.can_see(principal, c)
                  and _matches(c, filters, now)]
        order, reverse = SORTS[filters.get("sort") or "newest"]
        chosen.sort(key=lambda c: order(c, now), reverse=reverse)
        return {"cases": [c.to_json(self.tz) for c in chosen[offset:offset + limit]],
                "total": len(chosen)}

    async def kpi_document(self, principal: Principal | None, by: str, start: int | None,
                           end: int | None, kind: str = "report") -> dict[str, Any]:
        """Return the KPI document (``kpis.kpi_document``); ``principal`` None: public (all)."""
        await self.ready()
        cases: Iterable[Case] = self.book.all()
        if principal is not None:
            policy.require(principal, actions.READ)
            cases = [c for c in cases if self.can_see(principal, c)]
        rows, total = kpis.compute(cases, by, self.core.clock.now(), start, end, kind)
        doc = kpis.kpi_document(rows, total, by, lambda key: self.label(by, key))
        doc["kind"] = kind
        doc["at"] = to_rfc3339(self.core.clock.now(), self.tz)
        return doc

    def label(self, by: str, key: str) -> dict[str, str]:
        """Return ``{vi, en}`` naming a KPI group."""
        return kpis.group_label(self.core.router, by, key)

    def agency_name(self, agency_id: str) -> dict[str, str]:
        """Return ``{vi, en}`` of a unit (its id when unknown)."""
        return kpis.group_label(self.core.router, "agency", agency_id)

    # -- public ---------------------------------------------------------------------------------
    def publishable(self, case: Case) -> bool:
        """Return True if the case appears on public lists (not hidden, not a duplicate)."""
        return not case.hidden and case.duplicate_of is None

    async def public_feed(self, since: int, limit: int, query: EventQuery) -> dict[str, Any]:
        """Return ``{"cases": [public events], "next_since"}`` ascending by seq."""
        await self.ready()
        page = await self.core.query(PUBLIC, since, query, limit)
        keep = [self.with_links(e) for e in page.events
                if (c := self.book.get(e["id"])) is not None and self.publishable(c)]
        return {"cases": keep, "next_since": page.next_since}

    async def public_case(self, case_id: str) -> dict[str, Any]:
        """Return one case in public form (content withheld when hidden); raise NotFound."""
        await self.ready()
        if self.book.get(case_id) is None:
            raise NotFound(f"no case {case_id!r}")
        return self.render(await self._load(case_id), PUBLIC)

    async def public_events(self, ids: list[str]) -> list[dict[str, Any]]:
        """Return the public form of the given cases, in order."""
        events = await asyncio.gather(*(self._load(i) for i in ids))
        return [self.render(ev, PUBLIC) for ev in events]

    def public_map(self, kind: str, since_us: int | None, filters: dict[str, Any]) -> dict:
        """Return a GeoJSON FeatureCollection of published cases, each at the centre of its
        res-9 cell (a sensitive one at its res-7 parent), never at the exact point."""
        now = self.core.clock.now()
        feats = []
        for c in self.book.all():
            if c.kind != kind or not self.publishable(c) or \
                    (since_us and c.observed_at < since_us) or not _matches(c, filters, now):
                continue
            feats.append(self._feature(c))
        return {"type": "FeatureCollection", "features": feats}

    def _feature(self, c: Case) -> dict[str, Any]:
        cat = self.core.categories.get(c.category)
        lat, lon, _ = public_position(h3grid.cell_to_str(c.cell), bool(cat and cat.sensitive),
                                      PUBLIC_CASE_RES)
        return {"type": "Feature", "id": c.id,
                "geometry": {"type": "Point", "coordinates": [lon, lat]},
                "properties": {"id": c.id, "category": c.category, "status": c.status,
                               "area": c.area, "agency_id": c.agency_id,
                               "observed_at": to_rfc3339(c.observed_at, self.tz),
                               "outcome": c.outcome, "linked": c.linked}}

    def latest_done(self, kind: str, limit: int) -> list[str]:
        """Return the ids of the newest published cases with a result, newest first."""
        done = [c for c in self.book.all()
                if c.kind == kind and c.status in DONE and self.publishable(c)]
        done.sort(key=lambda c: c.updated_at, reverse=True)
        return [c.id for c in done[:limit]]

    def _ts(self, micros: int | None) -> str | None:
        return to_rfc3339(micros, self.tz) if micros is not None else None


def _require_caller(principal: Principal) -> None:
    if not principal.authenticated:
        raise Unauthorized("send a token (Authorization: Bearer TOKEN) or the citizen token "
                           "(X-Citizen-Token) given when the case was filed")


def _check_version(ev: dict[str, Any], t: TransitionIn) -> None:
    """Raise Conflict when the caller acted on an older version of the case (``seq``)."""
    if t.seq is not None and t.seq != ev["seq"]:
        raise Conflict("this case changed since it was opened (someone acted on it); reload it "
                       "and choose again", [detail("seq", f"the case is now at {ev['seq']}")])


def _matches(case: Case, f: dict[str, Any], now: int) -> bool:
    statuses = f.get("status")
    if statuses and case.status not in statuses and not ("open" in statuses and case.is_open):
        return False
    if f.get("overdue") and not case.overdue(now):
        return False
    for key in ("agency_id", "area", "category", "extension"):
        if f.get(key) and getattr(case, key) != f[key]:
            return False
    start, end = f.get("from"), f.get("to")
    if (start is not None and case.observed_at < start) or (end is not None
                                                           and case.observed_at >= end):
        return False
    return not f.get("words") or case.found_by(f["words"])


_NEVER = 2**62

#: The work list's orders (``sort=``): a key of (case, now) and whether it runs downwards.
SORTS: dict[str, tuple[Callable[[Case, int], Any], bool]] = {
    "newest": (lambda c, now: (c.observed_at, c.seq), True),
    "oldest": (lambda c, now: (c.observed_at, c.seq), False),
    "deadline": (lambda c, now: (c.deadline if c.is_open and c.deadline else _NEVER, c.seq), False),
    "overdue": (lambda c, now: (not c.overdue(now), c.deadline if c.is_open and c.deadline
                                else _NEVER, c.seq), False),
    "updated": (lambda c, now: (c.updated_at, c.seq), True),
}
