"""``WarningDesk``: the feature object of public warnings, built once per server.

- **drafts**: by staff (``POST /api/v1/warnings``) or by a river gauge: the sensor service's
  ``ThresholdEngine.on_crossing`` hands every crossing to the desk; a rising crossing of a
  gauge listed in ``warning_gauge_areas.json`` drafts a warning for the communes that gauge puts
  at risk at that level. A newer crossing discards the gauge's unsent draft ("superseded") and,
  when the gauge's warning was already sent, the new draft references it (a CAP Update).
- **transitions** through the table of ``server.features.warnings.lifecycle``, each one a
  ``core.update`` (new seq, audited, streamed); a timer expires sent warnings.
- **reach** before sending (``server.features.warnings.reach``), kept in the sent warning.
- **CAP** out (``server.features.warnings.publish``) and in (``server.features.warnings.intake``).
"""
from __future__ import annotations

import asyncio
import secrets
from datetime import datetime
from typing import TYPE_CHECKING, Any

from server.core import policy
from server.features.warnings import actions
from server.features.warnings.kinds import PUBLISHED_STATUSES as PUBLISHED
from server.core.auth import Principal
from server.core.errors import NotFound, ValidationFailed, detail
from server.core.kit.feeds import drain, every
from server.store import AuditEntry, EventQuery
from server.features.sensors.thresholds import Crossing
from server.core.timefmt import parse_rfc3339, to_rfc3339
from server.core.kit.transitions import Action
from server.core.policy import SYSTEM
from server.features.vessels.service import DangerZone
from server.features.warnings import areas as geo_areas
from server.features.warnings.cap import CapAlert
from server.features.warnings.intake import CapIntake
from server.features.warnings.lifecycle import TABLE, Content, NewWarning, WarningRequest
from server.features.warnings.publish import alert_of, atom_feed, is_active, is_drill
from server.features.warnings.reach import CONTACTS, illustrative_contacts, parse_contacts, reach

if TYPE_CHECKING:
    from server.features.vessels.service import VesselService
    from server.core.service import EventService

KIND = "warning"
TIMER = Principal("warning-timer", SYSTEM)
GAUGE = Principal("warning-gauge", SYSTEM)
HOUR_US = 3_600_000_000
OPEN = frozenset({"draft", "approved", "sent"})
PAGE = 5000
SEVERITY = {"Extreme": "extreme", "Severe": "severe", "Moderate": "moderate", "Minor": "minor",
            "Unknown": "unknown"}
LEVEL_GRADES = {1: ("Moderate", "Expected", ["Monitor", "Prepare"]),
                2: ("Severe", "Expected", ["Prepare", "Evacuate"]),
                3: ("Extreme", "Immediate", ["Evacuate"])}
LEVEL_WORDS = {1: ("Báo động 1", "Alarm level 1"), 2: ("Báo động 2", "Alarm level 2"),
               3: ("Báo động 3", "Alarm level 3")}


def new_identifier(now: datetime) -> str:
    """Return a fresh CAP identifier of this IOC (``hue-ioc-YYYYMMDD-<hex>``)."""
    return f"hue-ioc-{now:%Y%m%d}-{secrets.token_hex(6)}"


class WarningDesk:
    """Draft, approve, send, update, cancel and expire warnings; CAP and reach on demand."""

    def __init__(self, core: "EventService", vessels: "VesselService | None" = None):
        self.core = core
        self.vessels = vessels  # danger zones for sent warnings, when vessels are on
        self.settings = core.settings
        self.tz = core.tz
        self.areaset = core.router.areaset
        self.gauges = geo_areas.load_gauge_areas()
        self._crossings: asyncio.Queue[Crossing] = asyncio.Queue()
        self.lock = asyncio.Lock()
        self.intake = CapIntake(self)

    # -- reading ---------------------------------------------------------------------------------
    async def all(self) -> list[dict[str, Any]]:
        """Return every warning event (newest version), ascending by seq."""
        out: list[dict[str, Any]] = []
        since, query = 0, EventQuery(kinds=frozenset({KIND}))
        for _ in range(1000):
            page = await self.core.read_page(since, query, PAGE)
            out += page.events
            if len(page.events) < PAGE:
                break
            since = page.next_since
        return out

    async def get(self, warning_id: str) -> dict[str, Any]:
        """Return the warning event ``warning_id``; raise NotFound."""
        ev = await self.core.read(self.core.store.get, warning_id)
        if ev is None or ev["kind"] != KIND:
            raise NotFound(f"no warning {warning_id!r}")
        return ev

    async def history(self, warning_id: str) -> list[dict[str, Any]]:
        """Return the audit entries of a warning, oldest first: ``[{action, actor, actor_name,
        role, event_id, reason, data, at}]`` (``actor_name``: the person's name, None for a
        machine or the desk itself). Staff of every unit read warnings (``actions.READ``)."""
        entries = [a.to_json(self.tz) for a in await self.core.history(warning_id)]
        names = self.core.actor_names
        found = await names({e["actor"] for e in entries if e["actor"]}) if names else {}
        for e in entries:
            e["actor_name"] = found.get(e["actor"])
        return entries

    def cap(self, ev: dict[str, Any]) -> CapAlert:
        """Return the CAP alert of a warning event
        (``server.features.warnings.publish.alert_of``)."""
        labels = {c.code: {"vi": c.vi, "en": c.en} for c in self.core.categories.all()
                  if c.code.startswith("warning.")}
        return alert_of(ev, self.settings.warning_sender, self.core.router.agencies,
                        self.areaset, labels, self.core.clock.now(), self.tz)

    async def cap_by_id(self, item_id: str) -> CapAlert:
        """Return the CAP alert of a warning event (UUID) or of a message kept for reference
        (32 hex digits); raise NotFound."""
        if len(item_id) == 32:
            return await self.intake.external(item_id)
        return self.cap(await self.get(item_id))

    async def published_cap(self, warning_id: str) -> CapAlert:
        """Return the CAP alert of a published warning; raise NotFound for a draft."""
        ev = await self.get(warning_id)
        if ev["status"] not in PUBLISHED:
            raise NotFound(f"no published warning {warning_id!r}")
        return self.cap(ev)

    async def feed(self, base_url: str) -> bytes:
        """Return the Atom feed of the active warnings, linking under ``base_url``."""
        now = self.core.clock.now()
        items = [(ev, self.cap(ev)) for ev in await self.all() if is_active(ev, now)]
        return atom_feed(items, base_url, now, self.tz)

    async def register_contacts(self, principal: Principal, doc: Any) -> int:
        """Register or replace contacts from ``{"contacts": [...]}``; return how many."""
        policy.require(principal, actions.CONTACTS)
        return await self._store_contacts(doc)

    async def _store_contacts(self, doc: Any) -> int:
        parsed = parse_contacts(doc, self.areaset.codes)
        await self.core.write(self.core.store.put_records, CONTACTS,
                              {k: c.model_dump(exclude_none=True) for k, c in parsed.items()},
                              self.core.clock.now())
        return len(parsed)

    async def contacts(self, principal: Principal) -> dict[str, Any]:
        """Return ``{id: contact}`` with phones (operators, supervisors, admins only)."""
        policy.require(principal, actions.CONTACTS)
        return await self.core.read(self.core.store.records, CONTACTS)

    async def reach_of(self, ev: dict[str, Any]) -> dict[str, Any]:
        """Return ``{"counts": {...}, "communes", "area": {bbox, point}}`` inside the target."""
        geom, communes = self.geometry(ev)
        counts = await reach(self.core, geom, communes)
        return {"counts": counts, "communes": communes,
                "area": geo_areas.describe(geom) if not geom.is_empty else None}

    def geometry(self, ev: dict[str, Any]):  # noqa: ANN201 - (a shapely geometry, codes)
        """Return (the target geometry, the commune codes) of a warning."""
        p = ev["props"]
        if p.get("cap"):
            geom, _ = geo_areas.alert_geometry(CapAlert.model_validate(p["cap"]), self.areaset)
            return geom, p.get("communes", [])
        return (geo_areas.target_geometry(p.get("communes", []), p.get("cells", []), self.areaset),
                p.get("communes", []))

    async def seed_contacts(self) -> int:
        """Register the illustrative contacts when none are registered (``ioc serve --demo``);
        return how many were added."""
        if await self.core.read(self.core.store.records, CONTACTS):
            return 0
        return await self._store_contacts(illustrative_contacts())

    # -- drafting --------------------------------------------------------------------------------
    async def create(self, principal: Principal, content: NewWarning) -> dict[str, Any]:
        """Store a new draft from staff; return it."""
        policy.require(principal, actions.DRAFT)
        props = content.model_dump(exclude_none=True, exclude={"category"})
        return await self._append_draft(content.category, props, "manual", principal)

    async def _append_draft(self, category: str, props: dict[str, Any], origin: str,
                            principal: Principal, observed_at: int | None = None) -> dict[str, Any]:
        now = self.core.clock.now()
        communes, cells = props.get("communes", []), props.get("cells", [])
        geo_areas.check_targets(communes, cells, self.areaset)
        point = geo_areas.target_geometry(communes, cells, self.areaset).representative_point()
        props = {**props, "origin": origin, "by": {"draft": principal.actor or principal.role},
                 "identifier": props.get("identifier") or new_identifier(datetime.fromtimestamp(
                     now / 1e6, self.tz))}
        props.update(self._times(props))
        doc = {"kind": KIND, "category": category, "lat": point.y, "lon": point.x,
               "observed_at": to_rfc3339(observed_at or now, self.tz), "status": "draft",
               "severity": SEVERITY[props.get("cap_severity", "Moderate")],
               "source": {"channel": "warnings"}, "props": props}
        events = self.core.validator.validate([doc], "", now)
        return (await self.core.append(events)).events[0]

    def _times(self, props: dict[str, Any]) -> dict[str, str]:
        out = {}
        for field in ("effective", "expires"):
            if props.get(field):
                try:
                    out[field] = to_rfc3339(parse_rfc3339(props[field]), self.tz, "seconds")
                except ValueError as exc:
                    raise ValidationFailed(f"invalid {field}", [detail(field, str(exc))]) from None
        return out

    # -- river gauges ----------------------------------------------------------------------------
    def on_crossing(self, crossing: Crossing) -> None:
        """Take a threshold crossing (sync, from the engine): queue rising crossings of the
        gauges that have areas at risk."""
        station = crossing.context.get("station")
        if crossing.rising and station is not None and station.id in self.gauges \
                and crossing.rule.quantity == "water_level":
            self._crossings.put_nowait(crossing)

    async def settle(self) -> None:
        """Wait until every queued crossing has been drafted (tests, benchmarks)."""
        await self._crossings.join()

    async def draft_from_gauge(self, c: Crossing) -> dict[str, Any] | None:
        """Draft the warning of a rising crossing unless the gauge already has an open (draft,
        approved or sent) warning of that level or higher; discard the gauge's unsent draft of
        a lower level and reference its sent warning. Return the new draft, or None."""
        station, gauge = c.context["station"], self.gauges[c.context["station"].id]
        async with self.lock:
            earlier = [ev for ev in await self.all()
                       if (ev["props"].get("gauge") or {}).get("station") == station.id]
            open_levels = [ev["props"]["gauge"]["level"] for ev in earlier
                           if ev["status"] in OPEN]
            if open_levels and max(open_levels) >= c.new:
                return None
            th = c.threshold
            for ev in earlier:
                if ev["status"] in ("draft", "approved"):
                    await self.apply(ev, {"status": "cancelled"}, "discard", GAUGE,
                                     f"superseded: {th.name} at {c.value:g} m")
            sent = [ev for ev in earlier if ev["status"] == "sent"]
            props = self._gauge_props(c, station, gauge, sent[-1] if sent else None)
            return await self._append_draft(gauge.category, props, "gauge", GAUGE, c.at)

    def _gauge_props(self, c: Crossing, station: Any, gauge: geo_areas.GaugeArea,
                     sent: dict[str, Any] | None) -> dict[str, Any]:
        th, level = c.threshold, min(c.new, 3)
        severity, urgency, responses = LEVEL_GRADES[level]
        word_vi, word_en = LEVEL_WORDS[level]
        at = to_rfc3339(c.at, self.tz, "seconds")
        when = datetime.fromtimestamp(c.at / 1e6, self.tz).strftime("%H:%M %d/%m/%Y")
        name = station.name.split(" (")[0]
        props = {
            "event": {"vi": "Lũ trên sông", "en": "River flood"},
            "headline": {"vi": f"{word_vi} ({th.name}) trên {gauge.river} tại {name}",
                         "en": f"{word_en} ({th.name}) on {gauge.river} at {name}"},
            "description": {
                "vi": f"Mực nước {gauge.river} tại trạm {name} lúc {when} là {c.value:g} m, vượt "
                      f"mức {th.name} ({th.value:g} m). Các xã, phường ven sông, vùng trũng có "
                      "nguy cơ ngập.",
                "en": f"{gauge.river} at {name} stood at {c.value:g} m at {when}, above "
                      f"{th.name} ({th.value:g} m). Low-lying riverside communes may flood."},
            "instruction": {"vi": "Theo dõi thông tin, chuẩn bị sơ tán người và tài sản khỏi "
                                  "vùng trũng; không qua ngầm, tràn.",
                            "en": "Stay informed, be ready to move people and belongings out of "
                                  "low-lying areas; do not cross flooded roads or fords."},
            "urgency": urgency, "cap_severity": severity, "certainty": "Observed",
            "cap_categories": ["Met"], "responses": responses,
            "communes": gauge.communes(level),
            "gauge": {"station": station.id, "station_name": station.name, "level": c.new,
                      "level_name": th.name, "value": c.value, "threshold": th.value, "at": at}}
        if sent is not None:
            props.update(self._update_refs(sent))
        return props

    def _update_refs(self, sent: dict[str, Any]) -> dict[str, Any]:
        p = sent["props"]
        ref = f"{self.settings.warning_sender},{p['identifier']},{self._cap_time(p['sent'])}"
        return {"references": [*p.get("references", []), ref], "updates": sent["id"]}

    def _cap_time(self, text: str) -> str:
        return to_rfc3339(parse_rfc3339(text), self.tz, "seconds")

    # -- transitions -----------------------------------------------------------------------------
    async def transition(self, principal: Principal, warning_id: str,
                         request: WarningRequest) -> dict[str, Any]:
        """Take ``request`` on a warning; return ``{"warning", "created"?}`` (``update`` answers
        the new draft as ``warning`` and the sent one stays as it is)."""
        policy.require_token(principal)
        act = TABLE.lookup(request.action)
        async with self.lock:
            ev = await self.get(warning_id)
            TABLE.check(act, KIND, ev["status"], principal.role, bool(request.reason))
            if act.name in ("edit", "update") and request.content is None:
                raise ValidationFailed(f"{act.name} needs content",
                                       [detail("content", "the fields to change")])
            return await getattr(self, f"_do_{act.name}")(ev, act, principal, request)

    async def _do_edit(self, ev: dict[str, Any], act: Action, principal: Principal,
                       request: WarningRequest) -> dict[str, Any]:
        changes = self._content_changes(ev, request.content)
        changes["status"] = "draft"
        return {"warning": await self.apply(ev, changes, act.name, principal, request.reason)}

    def _content_changes(self, ev: dict[str, Any], content: Content) -> dict[str, Any]:
        given = content.model_dump(exclude_none=True, exclude={"category"})
        props = {**ev["props"], **given}
        props.update(self._times(given))
        changes: dict[str, Any] = {"props": props,
                                   "severity": SEVERITY[props.get("cap_severity", "Moderate")]}
        if content.category:
            if self.core.categories.get(content.category) is None:
                raise ValidationFailed("unknown category",
                                       [detail("content.category", content.category)])
            changes["category"] = content.category
        if "communes" in given or "cells" in given:
            geo_areas.check_targets(props.get("communes", []), props.get("cells", []), self.areaset)
            changes.update(self._position(props, changes.get("category", ev["category"])))
        return changes

    def _position(self, props: dict[str, Any], category: str) -> dict[str, Any]:
        pt = geo_areas.target_geometry(props.get("communes", []), props.get("cells", []),
                                       self.areaset).representative_point()
        route = self.core.router.route(pt.y, pt.x, category)
        return {"lat": pt.y, "lon": pt.x, "cell": route.cell, "area": route.area}

    async def _do_approve(self, ev: dict[str, Any], act: Action, principal: Principal,
                          request: WarningRequest) -> dict[str, Any]:
        props = {**ev["props"], "by": {**ev["props"].get("by", {}), "approve": principal.actor}}
        return {"warning": await self.apply(ev, {"status": "approved", "props": props},
                                            act.name, principal, request.reason)}

    async def _do_send(self, ev: dict[str, Any], act: Action, principal: Principal,
                       request: WarningRequest) -> dict[str, Any]:
        now = self.core.clock.now()
        counts = (await self.reach_of(ev))["counts"]
        props = {**ev["props"], "sent": to_rfc3339(now, self.tz, "seconds"), "reach": counts,
                 "by": {**ev["props"].get("by", {}), "send": principal.actor}}
        if not props.get("expires") and not props.get("cap"):
            props["expires"] = to_rfc3339(now + int(self.settings.warning_default_hours * HOUR_US),
                                          self.tz, "seconds")
        stored = await self.apply(ev, {"status": "sent", "props": props}, act.name, principal,
                                  request.reason, {"reach": counts})
        old_id = props.get("updates")
        if old_id:
            old = await self.get(old_id)
            if old["status"] == "sent":
                await self.apply(old, {"status": "updated"}, "supersede", TIMER,
                                 f"updated by {props['identifier']}")
                await self._zone_off(old_id, "updated")
        await self._zone_on(stored)
        return {"warning": stored}

    async def _zone_on(self, ev: dict[str, Any]) -> None:
        """Post a sent warning's area as a danger zone for vessels (until it expires); a drill
        posts none (a boat's alert would look real)."""
        vessels = self.vessels
        if vessels is None or is_drill(ev):
            return
        p = ev["props"]
        zone = DangerZone(f"warning-{ev['id']}", p["headline"]["vi"][:200], self.geometry(ev)[0],
                          parse_rfc3339(p["expires"]) if p.get("expires") else None,
                          f"warning {p['identifier']}")
        await vessels.add_danger_zone(zone)

    async def _zone_off(self, warning_id: str, reason: str) -> None:
        vessels = self.vessels
        if vessels is not None:
            await vessels.remove_danger_zone(f"warning-{warning_id}", reason)

    async def _do_update(self, ev: dict[str, Any], act: Action, principal: Principal,
                         request: WarningRequest) -> dict[str, Any]:
        changes = self._content_changes(ev, request.content)
        keep = {k: v for k, v in changes["props"].items()
                if k not in ("sent", "reach", "by", "cancel", "identifier", "origin", "cap")}
        keep.update(self._update_refs(ev))
        category = changes.get("category", ev["category"])
        draft = await self._append_draft(category, keep, "manual", principal)
        return {"warning": draft}

    async def _do_discard(self, ev: dict[str, Any], act: Action, principal: Principal,
                          request: WarningRequest) -> dict[str, Any]:
        return {"warning": await self.apply(ev, {"status": "cancelled"}, act.name, principal,
                                            request.reason)}

    async def _do_cancel(self, ev: dict[str, Any], act: Action, principal: Principal,
                         request: WarningRequest) -> dict[str, Any]:
        now = self.core.clock.now()
        cancel = {"identifier": f"{ev['props']['identifier']}-cancel",
                  "sent": to_rfc3339(now, self.tz, "seconds"), "reason": request.reason or ""}
        props = {**ev["props"], "by": {**ev["props"].get("by", {}), "cancel": principal.actor}}
        if not props.get("cap"):
            props["cancel"] = cancel
        stored = await self.apply(ev, {"status": "cancelled", "props": props}, act.name,
                                  principal, request.reason)
        await self._zone_off(ev["id"], "cancelled")
        return {"warning": stored}

    async def apply(self, ev: dict[str, Any], changes: dict[str, Any], action: str,
                    principal: Principal, reason: str | None,
                    data: dict[str, Any] | None = None) -> dict[str, Any]:
        """Store ``changes`` to a warning as ``warning.<action>`` (audited, streamed; refused
        with Conflict when its status changed meanwhile); return the new version."""
        audit = AuditEntry(f"warning.{action}", principal.actor, principal.role,
                           reason=reason, data=data or {})
        return await self.core.update(ev["id"], changes, audit, expect_status=ev["status"])

    # -- timer -----------------------------------------------------------------------------------
    async def expire(self) -> list[str]:
        """Move sent or received warnings past ``expires`` to expired; return their ids."""
        done = []
        async with self.lock:
            now = self.core.clock.now()
            for ev in await self.all():
                if ev["status"] in ("sent", "received") and not is_active(ev, now):
                    await self.apply(ev, {"status": "expired"}, "expire", TIMER, "expires passed")
                    done.append(ev["id"])
        return done

    async def run(self) -> None:
        """The desk's background task: draft from gauge crossings, expire sent warnings."""
        await asyncio.gather(drain(self._crossings, self.draft_from_gauge, "warning draft"),
                             every(self.settings.warning_expire_check_s, self.expire,
                                   "warning expiry"))

