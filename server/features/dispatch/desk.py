"""``DispatchDesk``: the feature object of flood operations, built once per server.

- an **intake stage** of ``core.ingest`` for ``sos`` and ``hotline_call`` (every channel goes
  through it): the server's ``triage``, a checked ``sos_id``;
- **filing**: a hotline call with the operator's override (``POST /api/v1/calls``), and the
  app's one-tap SOS (``POST /api/v1/sos``), which joins the open call of the same phone instead
  of opening a second one;
- **transitions** of a call through the lifecycle table (``server.features.dispatch.lifecycle``),
  each stored with ``core.update`` (new seq, audited, streamed), the unit following its case;
- the **units** (``server.features.dispatch.units``): registration, the tablet's fixes and statuses;
- a **timer** that re-triages waiting calls (waiting raises the score);
- **reading**: the queue, a call with its history, earlier calls of a caller, suggestions, the
  tablet's view. Every change of a call or unit happens under one lock, so that a fix and an
  assignment never overwrite each other's props.
"""
from __future__ import annotations

import asyncio
import logging
import uuid
from typing import Any, Awaitable, Callable

from pydantic import BaseModel, ConfigDict, Field

from geo import h3grid
from server.core import policy
from server.features.dispatch import actions
from server.core.auth import Principal, View, case_scope
from server.features.dispatch.kinds import Need
from server.features.dispatch.book import (CALL_KINDS, CallBook, is_open, load_book, unit_of,
                                  urgency_key)
from server.features.dispatch.lifecycle import STAMPS, TABLE, UNIT_AFTER, CallRequest
from server.features.dispatch.triage import assess, category_for, severity_of, situation
from server.features.dispatch.units import Roster
from server.core.errors import Forbidden, NotFound, ValidationFailed, detail
from server.core.events import NewEvent, parse_model
from server.core.kit.feeds import every
from server.core.kit.follow import StoreFollower
from server.core.service import EventService, IntakeStage, Proceed
from server.store import AppendResult, AuditEntry
from server.core.timefmt import parse_rfc3339, to_rfc3339
from server.core.kit.transitions import Action, parse_request
from server.core.policy import SYSTEM

log = logging.getLogger(__name__)

TIMER = Principal("dispatch-timer", SYSTEM)
HOUR_US = 3_600_000_000
MAX_NOTES = 50


class Override(BaseModel):
    """The operator's priority, given while logging a call."""

    model_config = ConfigDict(extra="forbid")
    priority: int = Field(ge=1, le=4)
    reason: str = Field(min_length=1, max_length=500)


class SosIn(BaseModel):
    """``POST /api/v1/sos``: the app's one tap (location and phone; the rest is optional)."""

    model_config = ConfigDict(extra="forbid")
    lat: float = Field(ge=-90, le=90, allow_inf_nan=False)
    lon: float = Field(ge=-180, le=180, allow_inf_nan=False)
    phone: str = Field(max_length=32, pattern=r"^\+?[0-9 ().-]{6,32}$")
    name: str | None = Field(None, max_length=200)
    note: str | None = Field(None, max_length=1000)
    needs: list[Need] = Field(default_factory=list, max_length=10)
    people: int = Field(1, ge=1, le=10_000)
    water_depth_m: float | None = Field(None, ge=0, le=30)
    category: str | None = Field(None, max_length=80)
    ref: str | None = Field(None, min_length=1, max_length=200,
                            description="The app's id of this SOS (a retry is recognised).")


class TriageIn(BaseModel):
    """``POST /api/v1/calls/triage``: what the rules would say about a call being logged."""

    model_config = ConfigDict(extra="forbid")
    category: str = Field("sos.other", max_length=80)
    needs: list[Need] = Field(default_factory=list, max_length=10)
    people: int = Field(1, ge=1, le=10_000)
    water_depth_m: float | None = Field(None, ge=0, le=30)


class DispatchDesk(StoreFollower[CallBook], IntakeStage):
    """See the module docstring. ``DispatchFeature.install`` builds and attaches one."""

    kinds = CALL_KINDS

    def __init__(self, core: EventService):
        super().__init__(core, CallBook(), load_book, "dispatch book")
        self.settings = core.settings
        self.tz = core.tz
        self.roster = Roster(core, self, self.apply)  # reads self.book, replaced at start
        self._lock = asyncio.Lock()

    def ts(self, micros: int | None) -> str | None:
        """Return RFC 3339 text in the server's offset (None stays None)."""
        return to_rfc3339(micros, self.tz) if micros is not None else None

    # -- timer -------------------------------------------------------------------------------
    def loops(self) -> list[Callable[[], Awaitable[Any]]]:
        """Return the timer, started once the dispatch book is read: re-triage waiting calls."""
        return [lambda: every(self.settings.dispatch_retriage_s, self.retriage,
                              "dispatch book timer")]

    async def retriage(self) -> list[str]:
        """Re-assess waiting calls (no unit yet, no override); store those whose priority
        changed; return their ids."""
        await self.ready()
        done = []
        async with self._lock:
            now = self.core.clock.now()
            for call in list(self.book.calls.values()):
                triage = call["props"].get("triage") or {}
                if call["status"] not in ("new", "triaged") or triage.get("override"):
                    continue
                fresh = self._assess(call, now)
                if fresh["priority"] != triage.get("priority"):
                    await self._store(call, {"props": {**call["props"], "triage": fresh}},
                                      TABLE.get("retriage"), TIMER, None,
                                      {"priority": [triage.get("priority"), fresh["priority"]]})
                    done.append(call["id"])
        if done:
            log.info("re-triaged %d waiting call(s)", len(done))
        return done

    def _assess(self, call: dict[str, Any], now: int) -> dict[str, Any]:
        waited = now - _micros(call["observed_at"]) if call["status"] in ("new", "triaged") else 0
        return assess(call["props"], call["category"], waited)

    # -- intake --------------------------------------------------------------------------------
    async def intake(self, events: list[NewEvent], proceed: Proceed) -> AppendResult:
        """Triage the calls of a batch (client ``triage``/``dispatch`` are the server's to set),
        check ``sos_id``, store, and take the stored calls into the book."""
        await self.ready()
        problems = []
        for i, ev in enumerate(events):
            if ev.kind not in CALL_KINDS:
                continue
            ev.props.pop("triage", None)
            ev.props.pop("dispatch", None)
            sos_id = ev.props.get("sos_id")
            if sos_id and (self.book.call(sos_id) or {}).get("kind") != "sos":
                path = f"events[{i}].props.sos_id" if len(events) > 1 else "props.sos_id"
                problems.append(detail(path, f"no SOS {sos_id!r}"))
            ev.props["triage"] = assess(ev.props, ev.category, ev.received_at - ev.observed_at)
            ev.severity = severity_of(ev.props["triage"]["priority"])
        if problems:
            raise ValidationFailed(f"{len(problems)} problem(s) in the calls; nothing was stored",
                                   problems)
        result = await proceed()
        self.book.observe_all(result.events)
        return result

    # -- filing --------------------------------------------------------------------------------
    async def file_call(self, doc: Any, principal: Principal,
                        idem_key: str | None = None) -> dict[str, Any]:
        """File one call (default kind ``hotline_call``), then apply the operator's ``override``
        (``{"priority", "reason"}``) as a ``triage`` action; return ``{"call", "replayed"}``."""
        if not isinstance(doc, dict):
            raise ValidationFailed("expected one call object", [detail("", "not an object")])
        doc = dict(doc)
        override = parse_model(Override, doc.pop("override"), "override") \
            if doc.get("override") is not None else None
        doc.pop("override", None)
        kind = doc.setdefault("kind", "hotline_call")
        if kind not in CALL_KINDS:
            raise ValidationFailed("this address files a call",
                                   [detail("kind", "sos or hotline_call")])
        if override is not None:
            policy.require(principal, actions.CALLS_PRIORITISE)
        result = await self.core.ingest(doc, principal, idem_key)
        call = result.events[0]
        if override is not None:
            call = (await self.transition(call["id"], {
                "action": "triage", "priority": override.priority, "reason": override.reason},
                principal))["call"]
        return {"call": call, "replayed": result.replayed}

    async def file_sos(self, doc: Any, principal: Principal,
                       idem_key: str | None = None) -> tuple[int, dict[str, Any]]:
        """File the app's SOS, or join it to the open call of the same phone (younger than
        ``dispatch_sos_merge_hours``); return (201 new | 200 joined, ``{"sos", "repeat_of",
        "notice", "replayed"}``). The answer is in the caller's view (public: no phone)."""
        policy.require(principal, policy.EVENTS_POST_CITIZEN)  # before a join, which is no ingest
        await self.ready()
        body: SosIn = parse_model(SosIn, doc, "SOS")
        ref = body.ref or idem_key
        async with self._lock:
            earlier = self._earlier_from(body.phone)
            if earlier is not None:
                return 200, await self._join(earlier, body, ref, principal)
            event = {"kind": "sos", "category": body.category or category_for(body.needs),
                     "lat": body.lat, "lon": body.lon, "source": {"channel": "app", "ref": ref},
                     "props": body.model_dump(exclude={"lat", "lon", "category", "ref"},
                                              exclude_none=True)}
            result = await self.core.ingest(event, principal, idem_key)
        sos = result.events[0]
        return 201, {"sos": self.core.render(sos, _view(principal)), "repeat_of": None,
                     "notice": self._notice(sos, False), "replayed": result.replayed}

    def _earlier_from(self, phone: str) -> dict[str, Any] | None:
        hours = self.settings.dispatch_sos_merge_hours
        if not hours:
            return None
        return self.book.open_from_phone(phone, self.core.clock.now() - int(hours * HOUR_US))

    async def _join(self, earlier: dict[str, Any], body: SosIn, ref: str | None,
                    principal: Principal) -> dict[str, Any]:
        request = CallRequest(action="repeat", ref=ref, needs=body.needs or None,
                              people=body.people if body.people > 1 else None,
                              water_depth_m=body.water_depth_m, note=body.note, lat=body.lat,
                              lon=body.lon)
        if earlier["source"]["ref"] is not None and earlier["source"]["ref"] == ref:
            return {"sos": self.core.render(earlier, _view(principal)), "repeat_of": None,
                    "notice": self._notice(earlier, False), "replayed": True}
        done = await self._act(earlier, request, TABLE.get("repeat"), principal, SYSTEM)
        return {"sos": self.core.render(done["call"], _view(principal)),
                "repeat_of": earlier["id"], "notice": self._notice(done["call"], True),
                "replayed": done["replayed"]}

    def _notice(self, call: dict[str, Any], joined: bool) -> dict[str, str]:
        at = to_rfc3339(_micros(call["observed_at"]), self.tz)[11:16]
        if joined:
            return {"vi": f"Yêu cầu cứu hộ của bạn đã được ghi nhận lúc {at} và đang được xử lý; "
                          "thông tin mới đã được bổ sung. Giữ máy, đừng gửi lại.",
                    "en": f"Your SOS was received at {at} and is being handled; the new details "
                          "were added to it. Keep your phone on; no need to send again."}
        return {"vi": f"Đã nhận SOS của bạn lúc {at}. Giữ máy: tổng đài 1900 1075 sẽ gọi lại.",
                "en": f"Your SOS was received at {at}. Keep your phone on: the hotline "
                      "1900 1075 will call you back."}

    # -- who sees and acts ---------------------------------------------------------------------
    def can_see(self, principal: Principal, call: dict[str, Any]) -> bool:
        """Return True if ``principal`` may read this call in full (a responder: its unit's)."""
        if principal.role == "responder":
            return principal.unit_id is not None and unit_of(call) == principal.unit_id
        return case_scope(principal, call["agency_id"], call["copied_to"],
                          self.core.router.agencies.subtree)

    def can_act(self, principal: Principal, call: dict[str, Any]) -> bool:
        """Return True if ``principal`` may act on this call (an agency: its own)."""
        if principal.role == "responder":
            return self.can_see(principal, call)
        return case_scope(principal, call["agency_id"], call["copied_to"],
                          self.core.router.agencies.subtree, acting=True)

    def visible(self, call_id: str, principal: Principal) -> dict[str, Any]:
        """Return the call if ``principal`` may read it; raise NotFound."""
        call = self.book.call(call_id)
        if call is None or not self.can_see(principal, call):
            raise NotFound(f"no call {call_id!r}")
        return call

    # -- transitions -----------------------------------------------------------------------------
    async def transition(self, call_id: str, doc: Any, principal: Principal) -> dict[str, Any]:
        """Apply a transition request; return ``{"call", "unit", "replayed"}`` (``unit``: the
        unit on the case after it, or None)."""
        await self.ready()
        policy.require_token(principal)
        request, act = parse_request(CallRequest, doc, TABLE)
        async with self._lock:
            call = self.visible(call_id, principal)
            return await self._act(call, request, act, principal, principal.role)

    async def _act(self, call: dict[str, Any], request: CallRequest, act: Action,
                   principal: Principal, role: str) -> dict[str, Any]:
        if role != SYSTEM and not self.can_act(principal, call):
            raise Forbidden("this call belongs to another unit; you may read it, not act on it")
        TABLE.check_role(act, role)
        if self._replayed(call, request, act):
            return {"call": call, "unit": self._unit_on(call), "replayed": True}
        TABLE.check(act, call["kind"], call["status"], role, bool(request.reason))
        effect = getattr(self, f"_do_{act.name}", self._do_step)
        return await effect(call, request, act, principal)

    def _unit_on(self, call: dict[str, Any]) -> dict[str, Any] | None:
        unit_id = unit_of(call)
        return self.book.unit(unit_id) if unit_id else None

    def _replayed(self, call: dict[str, Any], r: CallRequest, act: Action) -> bool:
        """Return True if ``r`` is already done (a retry whose first answer was lost)."""
        dispatch = call["props"].get("dispatch") or {}
        if act.name == "note":
            return r.ref is not None and any(n["id"] == r.ref for n in dispatch.get("notes", ()))
        if act.name == "repeat":
            return r.ref is not None and any(x.get("ref") == r.ref
                                             for x in dispatch.get("repeats", ()))
        if act.name in ("assign", "reassign"):
            return call["status"] == "assigned" and dispatch.get("unit_id") == r.unit_id
        if act.name == "triage":
            override = (call["props"].get("triage") or {}).get("override")
            now = (override["priority"], override["reason"]) if override else None
            wanted = _wanted_override(call, r)
            return call["status"] != "new" and now == (
                (wanted, r.reason) if wanted is not None else None)
        return act.target is not None and call["status"] == act.target

    async def _store(self, ev: dict[str, Any], changes: dict[str, Any], act: Action | None,
                     principal: Principal, reason: str | None, data: dict[str, Any]) -> dict:
        name = act.name if act else "update"
        return await self.apply(ev, changes, name, principal, reason=reason, data=data)

    async def apply(self, ev: dict[str, Any], changes: dict[str, Any], action: str,
                    principal: Principal, reason: str | None = None,
                    data: dict[str, Any] | None = None) -> dict[str, Any]:
        """Store ``changes`` of a call or unit with ``core.update`` (audited ``action`` by
        ``principal``, ``data`` with the status before and after); return the new version.
        A call's severity follows its triage priority."""
        triage = (changes.get("props") or {}).get("triage")
        if triage and ev["kind"] in CALL_KINDS:
            changes = {**changes, "severity": severity_of(triage["priority"])}
        audit = AuditEntry(action, principal.actor, principal.role, reason=reason,
                           data={"from": ev["status"], "to": changes.get("status", ev["status"]),
                                 **(data or {})}, at=self.core.clock.now())
        new = await self.core.update(ev["id"], changes, audit, expect_status=ev["status"])
        self.book.observe(new)
        return new

    def _dispatch(self, call: dict[str, Any], **fields: Any) -> dict[str, Any]:
        dispatch = dict(call["props"].get("dispatch") or {})
        dispatch.update({k: v for k, v in fields.items() if v is not None})
        return {**call["props"], "dispatch": dispatch}

    async def _step(self, call: dict[str, Any], r: CallRequest, act: Action,
                    principal: Principal, props: dict[str, Any] | None = None,
                    data: dict[str, Any] | None = None) -> dict[str, Any]:
        """Store the case's status change (and ``props``), then move its unit after it."""
        changes: dict[str, Any] = {"props": props or call["props"]}
        if act.target is not None:
            changes["status"] = act.target
        if act.name in STAMPS:
            stamp = {STAMPS[act.name]: self.ts(self.core.clock.now())}
            if act.name in ("rescued", "handed_to_hospital", "resolve", "cancel"):
                stamp["outcome"] = r.reason or act.vi
            changes["props"] = self._dispatch({**call, "props": changes["props"]}, **stamp)
        new = await self._store(call, changes, act, principal, r.reason, data or {})
        unit = self._unit_on(new)
        if unit is not None and act.name in UNIT_AFTER:
            unit = await self.roster.follow(unit, new, UNIT_AFTER[act.name], act.name, principal)
        return {"call": new, "unit": unit, "replayed": False}

    # one effect per action -----------------------------------------------------------------
    async def _do_triage(self, call, r: CallRequest, act, principal) -> dict[str, Any]:
        wanted = _wanted_override(call, r)
        override = None if wanted is None else {
            "priority": wanted, "reason": r.reason, "by": principal.actor,
            "at": self.ts(self.core.clock.now())}
        if override is not None and not r.reason:
            raise ValidationFailed("a priority other than the computed one needs a reason",
                                   [detail("reason", "say why (it is audited)")])
        before = (call["props"].get("triage") or {}).get("priority")
        props = {**call["props"], "triage": {**(call["props"].get("triage") or {})}}
        props["triage"].pop("override", None)
        if override:
            props["triage"]["override"] = override
        props["triage"] = self._assess({**call, "props": props}, self.core.clock.now())
        return await self._keep_or_triaged(call, props, act, principal, r.reason,
                                           {"priority": [before, props["triage"]["priority"]]})

    async def _keep_or_triaged(self, call, props, act, principal, reason, data) -> dict:
        changes: dict[str, Any] = {"props": props}
        if call["status"] == "new" and policy.allows(principal, actions.CALLS_PRIORITISE):
            changes["status"] = "triaged"
        new = await self._store(call, changes, act, principal, reason, data)
        return {"call": new, "unit": self._unit_on(new), "replayed": False}

    async def _do_repeat(self, call, r: CallRequest, act, principal) -> dict[str, Any]:
        props = dict(call["props"])
        if r.needs:
            props["needs"] = sorted(set(props.get("needs") or ()) | set(r.needs))
        if r.people is not None:
            props["people"] = r.people
        if r.water_depth_m is not None:
            props["water_depth_m"] = r.water_depth_m
        dispatch = dict(props.get("dispatch") or {})
        entry = {"at": self.ts(self.core.clock.now()), "ref": r.ref, "by": principal.actor,
                 "channel": "app" if principal.role in ("public", policy.ANYONE, SYSTEM)
                 else "hotline",
                 "note": r.note, "lat": r.lat, "lon": r.lon}
        repeats = [*dispatch.get("repeats", ()), {k: v for k, v in entry.items() if v is not None}]
        props["dispatch"] = {**dispatch, "repeats": repeats[-MAX_NOTES:]}
        props["triage"] = self._assess({**call, "props": props}, self.core.clock.now())
        return await self._keep_or_triaged(call, props, act, principal, r.note,
                                           {"repeats": len(repeats)})

    async def _do_note(self, call, r: CallRequest, act, principal) -> dict[str, Any]:
        if not r.text:
            raise ValidationFailed("note needs a text", [detail("text", "required")])
        dispatch = call["props"].get("dispatch") or {}
        note = {"id": r.ref or str(uuid.uuid4()), "at": self.ts(self.core.clock.now()),
                "by": principal.actor, "role": principal.role, "text": r.text}
        notes = [*dispatch.get("notes", ()), note][-MAX_NOTES:]
        props = self._dispatch(call, notes=notes)
        new = await self._store(call, {"props": props}, act, principal, r.text, {})
        return {"call": new, "unit": self._unit_on(new), "replayed": False}

    async def _do_assign(self, call, r: CallRequest, act, principal) -> dict[str, Any]:
        unit = self._free_unit(r, call)
        props = self._dispatch(call, unit_id=unit["props"]["unit_id"],
                               unit_name=unit["props"]["name"])
        return await self._step(call, r, act, principal, props, {"unit_id": r.unit_id})

    async def _do_reassign(self, call, r: CallRequest, act, principal) -> dict[str, Any]:
        old = self._unit_on(call)
        unit = self._free_unit(r, call)
        if old is not None and (old["props"].get("assignment") or {}).get("case_id") == call["id"]:
            await self.roster.follow(old, call, None, act.name, principal)
        props = self._dispatch(call, unit_id=unit["props"]["unit_id"],
                               unit_name=unit["props"]["name"])
        data = {"unit_id": r.unit_id, "previous_unit": old["props"]["unit_id"] if old else None}
        return await self._step(call, r, act, principal, props, data)

    def _free_unit(self, r: CallRequest, call: dict[str, Any]) -> dict[str, Any]:
        if not r.unit_id:
            raise ValidationFailed("name the unit", [detail("unit_id", "required")])
        unit = self.roster.get(r.unit_id)
        self.roster.check_free(unit, call["id"])
        return unit

    async def _do_step(self, call, r, act, principal) -> dict[str, Any]:
        """en_route, on_scene, rescued, handed_to_hospital, resolve, cancel: the status (and
        its time) changes, the unit follows."""
        return await self._step(call, r, act, principal)

    # -- units (under the lock) ------------------------------------------------------------
    async def register_unit(self, principal: Principal, unit_id: str, doc: Any) -> dict:
        """Register or describe a unit (``Roster.register``)."""
        await self.ready()
        async with self._lock:
            return await self.roster.register(principal, unit_id, doc)

    async def unit_position(self, principal: Principal, unit_id: str, doc: Any) -> dict:
        """Take a tablet's fix (``Roster.position``)."""
        await self.ready()
        async with self._lock:
            return await self.roster.position(principal, unit_id, doc)

    async def unit_status(self, principal: Principal, unit_id: str, doc: Any) -> dict:
        """Set a unit available or off duty (``Roster.set_status``)."""
        await self.ready()
        async with self._lock:
            return await self.roster.set_status(principal, unit_id, doc)

    async def seed_units(self) -> int:
        """Register the illustrative units not registered yet; return how many."""
        await self.ready()
        async with self._lock:
            return await self.roster.seed()

    # -- reading ---------------------------------------------------------------------------
    async def queue(self, principal: Principal, open_only: bool, limit: int) -> dict[str, Any]:
        """Return ``{"calls": [...], "total"}``: the calls ``principal`` may see, most urgent
        first (open ones only unless ``open_only`` is False, then the newest closed after)."""
        await self.ready()
        policy.require(principal, actions.CALLS_READ)
        calls = [c for c in self.book.calls.values()
                 if (is_open(c) or not open_only) and self.can_see(principal, c)]
        calls.sort(key=lambda c: (not is_open(c), urgency_key(c) if is_open(c) else -c["seq"]))
        return {"calls": calls[:limit], "total": len(calls)}

    async def detail(self, call_id: str, principal: Principal) -> dict[str, Any]:
        """Return ``{"call", "actions", "unit", "history"}`` (actions: what the caller may do)."""
        await self.ready()
        policy.require_token(principal)
        call = self.visible(call_id, principal)
        actions = TABLE.allowed(call["kind"], call["status"], principal.role) \
            if self.can_act(principal, call) else []
        history = [a.to_json(self.tz) for a in await self.core.history(call_id)]
        return {"call": call, "actions": actions, "unit": self._unit_on(call), "history": history}

    async def related(self, principal: Principal, phone: str | None, lat: float | None,
                      lon: float | None, exclude: str | None, limit: int = 20) -> dict:
        """Return ``{"calls": [{"call", "match": ["phone"|"place"]}]}``: earlier calls from the
        same phone or the same or neighbouring H3 cells (``dispatch_related_hours``)."""
        await self.ready()
        policy.require(principal, actions.CALLS_READ)
        cell = h3grid.latlng_to_cell_int(lat, lon, self.settings.h3_res) \
            if lat is not None and lon is not None else None
        since = self.core.clock.now() - int(self.settings.dispatch_related_hours * HOUR_US)
        found = [{"call": c, "match": m} for c, m in self.book.related(phone, cell, since, exclude)
                 if self.can_see(principal, c)]
        return {"calls": found[:limit]}

    async def suggestions(self, principal: Principal, call_id: str, n: int) -> dict[str, Any]:
        """Return the nearest free suitable units for a call (``Roster.suggest``)."""
        await self.ready()
        policy.require(principal, actions.CALLS_READ)
        call = self.visible(call_id, principal)
        s = situation(call["props"], call["category"], 0)
        return {"call_id": call_id, **self.roster.suggest(call, s, n)}

    def triage_preview(self, principal: Principal, doc: Any) -> dict[str, Any]:
        """Return what the rules say about a call being logged (no waiting time)."""
        policy.require(principal, actions.CALLS_READ)
        body: TriageIn = parse_model(TriageIn, doc, "triage preview")
        if self.core.categories.get(body.category) is None:
            raise ValidationFailed("unknown category", [detail("category", body.category)])
        return assess(body.model_dump(exclude={"category"}), body.category, 0)

    async def unit_list(self, principal: Principal) -> dict[str, Any]:
        """Return ``{"units": [events]}`` by type and name (an agency: every unit; units are
        not cases)."""
        await self.ready()
        policy.require(principal, actions.CALLS_READ)
        units = sorted(self.book.units.values(),
                       key=lambda u: (u["props"]["type"], u["props"]["name"]))
        return {"units": units}

    async def tablet(self, principal: Principal, unit_id: str | None) -> dict[str, Any]:
        """Return the tablet's view: ``{"unit", "calls": [{"call", "actions"}], "at"}`` (the
        unit's open case and those it closed in the last ``dispatch_closed_shown_hours``)."""
        await self.ready()
        policy.require_token(principal)
        unit_id = unit_id or principal.unit_id
        if unit_id is None:
            raise NotFound("this token is not a unit's tablet; use /api/v1/units/{id}/tablet")
        self.roster.check_own(principal, unit_id)
        unit = self.roster.get(unit_id)
        since = self.core.clock.now() - int(self.settings.dispatch_closed_shown_hours * HOUR_US)
        calls = [{"call": c, "actions": TABLE.allowed(c["kind"], c["status"], "responder")}
                 for c in self.book.calls_of_unit(unit_id, since)]
        return {"unit": unit, "calls": calls, "at": self.ts(self.core.clock.now())}

    async def unit_token(self, principal: Principal, unit_id: str,
                         ttl_days: float | None) -> dict[str, Any]:
        """Issue a responder token for a registered unit's tablet (staff only); return
        ``{"token", "unit_id", "tablet": "/tablet#token=…"}``."""
        policy.require(principal, actions.UNITS_TOKEN)
        await self.ready()
        self.roster.get(unit_id)
        token = await self.core.write(self.core.create_token, "responder", None,
                                      f"tablet:{unit_id}", ttl_days * 86400 if ttl_days else None,
                                      unit_id)
        return {"token": token, "unit_id": unit_id, "tablet": f"/tablet#token={token}"}


def _view(principal: Principal) -> View:
    """Return the view an answer is rendered in: the public form for a public token or a
    caller without one (an SOS joined to an earlier call never hands back its phone or notes)."""
    return View(principal.role in ("public", policy.ANYONE), None)


def _micros(text: str) -> int:
    return parse_rfc3339(text)


def _wanted_override(call: dict[str, Any], r: CallRequest) -> int | None:
    """Return the priority a triage request overrides to (None: the computed one stands)."""
    computed = (call["props"].get("triage") or {}).get("computed")
    return None if r.priority is None or r.priority == computed else r.priority
