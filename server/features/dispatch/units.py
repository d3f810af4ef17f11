"""Responder units on the server: registration, the tablet's position fixes, the statuses a unit
sets itself, nearest suitable units for a call, and the illustrative seed set.

**Storage.** A unit is one ``responder`` event (source ``responder``/its unit id, so registering
twice finds the same event) changed in place with ``core.update``: a fix moves the event's point
(lat, lon, H3 cell, commune, ``observed_at`` = the fix time), a status change sets its status.
Every change gets a new seq, an audit entry (the positions' history is the audit trail) and goes
out on the stream, so the wall, agencies' scopes, exports and the warnings' impact count (units
inside an area) see the unit where it is now, with no second kind to reconcile. A fix is stored
when the unit moved ``dispatch_fix_min_move_m`` or ``dispatch_fix_interval_s`` passed.

**Distance.** Suggestions rank by great-circle distance from the unit's last fix (``geo.sphere``,
the sphere PostGIS measures on): in a flood the roads of ``hue_main_roads.geojson`` (a coarse
main-road network) are exactly what is cut, boats cross fields and the lagoon, and a road
distance on that network would be both wrong and falsely precise. The H3 grid distance would
only round the same straight line to ~350 m steps.
"""
from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from typing import Any, Awaitable, Callable

import numpy as np
from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from geo.datafiles import DATA_DIR
from geo.sphere import distance_m
from server.core import policy
from server.features.dispatch import actions
from server.core.auth import Principal
from server.features.dispatch.kinds import Capability, Place, UnitProps, UnitType, category_of
from server.features.dispatch.book import CallBook
from server.features.dispatch.lifecycle import UnitStatusIn
from server.features.dispatch.triage import Situation
from server.core.errors import Conflict, Forbidden, NotFound, ValidationFailed, detail
from server.core.events import FUTURE_TOLERANCE_US, parse_model
from server.core.timefmt import in_range, parse_rfc3339, to_micros, to_rfc3339

log = logging.getLogger(__name__)

SEED_FILE = DATA_DIR / "responder_units_illustrative.json"
CHANNEL = "responder"
ROSTER = Principal("dispatch-roster", "admin")
FREE = frozenset({"available", "done"})  # may take a case
WORKING = frozenset({"assigned", "en_route", "on_scene"})
#: Statuses a unit sets itself, and from which (the others follow its case).
SELF_STATUS = {"available": frozenset({"available", "done", "off_duty"}),
               "off_duty": frozenset({"available", "done", "off_duty"})}

Apply = Callable[..., Awaitable[dict[str, Any]]]


@dataclass(frozen=True)
class CapabilityRule:
    """A capability a call needs (``required``) or is better served with (preferred)."""

    capability: str
    required: bool
    when: Callable[[Situation], bool]


#: What a call needs of the unit sent to it (one small table; docs/FLOOD_OPERATIONS.md).
CAPABILITY_RULES: tuple[CapabilityRule, ...] = (
    CapabilityRule("boat", True, lambda s: s.depth(0.5) or bool(
        s.needs & {"trapped", "drowning", "isolated", "at_sea"})),
    CapabilityRule("medical", False, lambda s: bool(s.needs & {"medical", "cardiac", "labour"})),
    CapabilityRule("diver", False, lambda s: "drowning" in s.needs),
    CapabilityRule("evacuation", False, lambda s: "evacuation" in s.needs),
    CapabilityRule("supplies", False, lambda s: "food_water" in s.needs),
)


class UnitIn(BaseModel):
    """``PUT /api/v1/units/{id}``: a unit's description (and, optionally, where and how it is)."""

    model_config = ConfigDict(extra="forbid")
    name: str = Field(min_length=1, max_length=200)
    name_en: str | None = Field(None, max_length=200)
    type: UnitType
    capacity: int = Field(0, ge=0, le=1000)
    capabilities: list[Capability] = Field(default_factory=list, max_length=10)
    home: Place
    crew: int | None = Field(None, ge=0, le=1000)
    phone: str | None = Field(None, max_length=32, pattern=r"^\+?[0-9 ().-]{6,32}$")
    illustrative: bool = False
    lat: float | None = Field(None, ge=-90, le=90, description="Where it is now (default: home).")
    lon: float | None = Field(None, ge=-180, le=180)
    status: str | None = Field(None, pattern="^(available|off_duty)$")


class FixIn(BaseModel):
    """``POST /api/v1/units/{id}/position``: one position fix of the tablet."""

    model_config = ConfigDict(extra="forbid")
    lat: float = Field(ge=-90, le=90, allow_inf_nan=False)
    lon: float = Field(ge=-180, le=180, allow_inf_nan=False)
    at: AwareDatetime | None = Field(None, description="When the device took it (default: now).")
    accuracy_m: float | None = Field(None, ge=0, le=100_000)
    speed_mps: float | None = Field(None, ge=0, le=200)
    heading: float | None = Field(None, ge=0, lt=360)


def needs_of(s: Situation) -> tuple[set[str], set[str]]:
    """Return (required, preferred) capabilities for a call's situation."""
    required = {r.capability for r in CAPABILITY_RULES if r.required and r.when(s)}
    preferred = {r.capability for r in CAPABILITY_RULES if not r.required and r.when(s)}
    return required, preferred


def seed_units() -> list[dict[str, Any]]:
    """Return the illustrative units of ``geo/data/responder_units_illustrative.json``."""
    return json.loads(SEED_FILE.read_text(encoding="utf-8"))["units"]


class Roster:
    """The units: registration, fixes, self-set statuses and suggestions (see the module
    docstring). ``apply(event, changes, action, principal, reason=, data=)`` stores a change."""

    def __init__(self, core: Any, follower: Any, apply: Apply):
        self.core = core
        self.follower = follower  # its ``book`` (a CallBook) is replaced once, at start
        self.apply = apply
        self.settings = core.settings

    @property
    def book(self) -> CallBook:
        """Return the dispatch book (calls and units)."""
        return self.follower.book

    def ts(self, micros: int) -> str:
        """Return RFC 3339 text in the server's offset."""
        return to_rfc3339(micros, self.core.tz)

    def get(self, unit_id: str) -> dict[str, Any]:
        """Return the unit's event; raise NotFound."""
        unit = self.book.unit(unit_id)
        if unit is None:
            raise NotFound(f"no unit {unit_id!r}; register it with PUT /api/v1/units/{{id}}")
        return unit

    def check_own(self, principal: Principal, unit_id: str) -> None:
        """Raise Unauthorized (no token) or Forbidden unless ``principal`` is staff or the
        tablet of ``unit_id``."""
        policy.require_token(principal)
        if policy.allows(principal, actions.UNITS_OPERATE):
            return
        if principal.role == "responder" and principal.unit_id == unit_id:
            return
        raise Forbidden("only the unit's own tablet or the operators may do this")

    # -- registration ------------------------------------------------------------------------
    async def register(self, principal: Principal, unit_id: str, doc: Any) -> dict[str, Any]:
        """Register a unit or change its description; return its event. Staff register any
        unit, an agency only its own (the unit routes to it)."""
        policy.require(principal, actions.UNITS_REGISTER)
        if unit_id == "me":
            raise ValidationFailed("'me' names the caller's own unit", [detail("id", "another id")])
        body: UnitIn = parse_model(UnitIn, doc, "unit")
        props = UnitProps.model_validate({"unit_id": unit_id, **body.model_dump(
            exclude={"lat", "lon", "status"}, exclude_none=True)})
        lat = body.lat if body.lat is not None else body.home.lat
        lon = body.lon if body.lon is not None else body.home.lon
        route = self.core.router.route(lat, lon, category_of(body.type))
        if principal.role == "agency" and route.agency_id != principal.agency_id:
            raise Forbidden(f"a {body.type} unit here belongs to {route.agency_id!r}, "
                            "not to your agency")
        existing = self.book.unit(unit_id)
        if existing is None:
            return await self._create(unit_id, props, lat, lon, body.status or "available")
        return await self._describe(existing, props, body, route.agency_id, principal)

    async def _create(self, unit_id: str, props: UnitProps, lat: float, lon: float,
                      status: str) -> dict[str, Any]:
        doc = {"kind": "responder", "category": category_of(props.type), "lat": lat, "lon": lon,
               "status": status, "source": {"channel": CHANNEL, "ref": unit_id},
               "props": props.model_dump(mode="json", exclude_none=True)}
        unit = (await self.core.ingest(doc, ROSTER)).events[0]
        self.book.observe(unit)
        log.info("unit %s registered (%s)", unit_id, props.type)
        return unit

    async def _describe(self, unit: dict, props: UnitProps, body: UnitIn, agency_id: str,
                        principal: Principal) -> dict[str, Any]:
        kept = {k: unit["props"][k] for k in ("assignment", "fix") if k in unit["props"]}
        changes: dict[str, Any] = {"props": {**props.model_dump(mode="json", exclude_none=True),
                                             **kept}}
        if unit["category"] != category_of(body.type):
            changes.update(category=category_of(body.type), agency_id=agency_id)
        if body.status and body.status != unit["status"]:
            self._check_self_status(unit, body.status)
            changes["status"] = body.status
        if changes["props"] == unit["props"] and len(changes) == 1:
            return unit
        return await self.apply(unit, changes, "unit.register", principal)

    def _check_self_status(self, unit: dict[str, Any], status: str) -> None:
        if unit["status"] not in SELF_STATUS[status]:
            raise Conflict(f"the unit is {unit['status']!r} on a case; it becomes free when the "
                           "case is closed, cancelled or given to another unit")

    async def seed(self) -> int:
        """Register the illustrative units that are not registered yet; return how many."""
        added = 0
        for unit in seed_units():
            if self.book.unit(unit["unit_id"]) is None:
                await self.register(ROSTER, unit["unit_id"],
                                    {k: v for k, v in unit.items() if k != "unit_id"})
                added += 1
        return added

    # -- the tablet: position and status -----------------------------------------------------
    async def position(self, principal: Principal, unit_id: str, doc: Any) -> dict[str, Any]:
        """Take one fix; return ``{"unit", "stored"}`` (False: too close to the last stored
        fix, or older than it)."""
        self.check_own(principal, unit_id)
        fix: FixIn = parse_model(FixIn, doc, "position")
        now = self.core.clock.now()
        at = to_micros(fix.at) if fix.at else now
        if at > now + FUTURE_TOLERANCE_US:
            raise ValidationFailed("the fix is in the future", [detail("at", "check the clock")])
        if not in_range(at):
            raise ValidationFailed("the fix's time is out of range",
                                   [detail("at", "years 1 to 9999")])
        if not self.core.validator.region.contains_many(np.array([fix.lat]),
                                                        np.array([fix.lon]))[0]:
            raise ValidationFailed("the position is outside the service region",
                                   [detail("lat", f"({fix.lat}, {fix.lon}) is not near Huế")])
        unit = self.get(unit_id)
        if not self._worth_storing(unit, fix, at):
            return {"unit": unit, "stored": False}
        route = self.core.router.route(fix.lat, fix.lon, unit["category"], at)
        props = {**unit["props"], "fix": {"at": self.ts(at), **fix.model_dump(
            exclude={"lat", "lon", "at"}, exclude_none=True)}}
        changes = {"lat": fix.lat, "lon": fix.lon, "cell": route.cell, "area": route.area,
                   "observed_at": at, "props": props}
        unit = await self.apply(unit, changes, "unit.position", principal,
                                data={"at": [fix.lat, fix.lon], "was": [unit["lat"], unit["lon"]]})
        return {"unit": unit, "stored": True}

    def _worth_storing(self, unit: dict[str, Any], fix: FixIn, at: int) -> bool:
        last = (unit["props"].get("fix") or {}).get("at")
        if last is None:
            return True
        elapsed = at - parse_rfc3339(last)
        if elapsed <= 0:
            return False
        moved = float(distance_m(unit["lat"], unit["lon"], np.array([fix.lat]),
                                 np.array([fix.lon]))[0])
        return moved >= self.settings.dispatch_fix_min_move_m or \
            elapsed >= self.settings.dispatch_fix_interval_s * 1e6

    async def set_status(self, principal: Principal, unit_id: str, doc: Any) -> dict[str, Any]:
        """Set ``available`` or ``off_duty`` (the other statuses follow the unit's case);
        return the unit. Setting the status it has is a no-op (a retry)."""
        self.check_own(principal, unit_id)
        body: UnitStatusIn = parse_model(UnitStatusIn, doc, "unit status")
        unit = self.get(unit_id)
        if unit["status"] == body.status:
            return unit
        self._check_self_status(unit, body.status)
        return await self.apply(unit, {"status": body.status}, "unit.status", principal,
                                reason=body.reason)

    # -- the case's effects --------------------------------------------------------------------
    def check_free(self, unit: dict[str, Any], call_id: str) -> None:
        """Raise Conflict unless the unit may take a case (or already has this one)."""
        own = (unit["props"].get("assignment") or {}).get("case_id") == call_id
        if unit["status"] not in FREE and not own:
            raise Conflict(f"unit {unit['props']['unit_id']!r} is {unit['status']!r}; "
                           "choose an available unit (see …/suggestions)")

    async def follow(self, unit: dict[str, Any], call: dict[str, Any], status: str | None,
                     action: str, principal: Principal) -> dict[str, Any]:
        """Move ``unit`` with its case: to ``status`` with the assignment (assigned, en route,
        on scene), to ``done`` (the case closed) or, with None, released (available). A unit
        already working on another case is left alone."""
        unit = self.book.unit(unit["props"]["unit_id"]) or unit
        other = (unit["props"].get("assignment") or {}).get("case_id") not in (None, call["id"])
        if status not in WORKING and other:
            return unit
        props = dict(unit["props"])
        if status in WORKING:
            props["assignment"] = {"case_id": call["id"], "kind": call["kind"],
                                   "lat": call["lat"], "lon": call["lon"],
                                   "at": self.ts(self.core.clock.now())}
        else:
            props.pop("assignment", None)
        target = status or "available"
        if target == unit["status"] and props == unit["props"]:
            return unit
        return await self.apply(unit, {"status": target, "props": props}, f"unit.{action}",
                                principal, data={"case_id": call["id"]})

    # -- suggestions ---------------------------------------------------------------------------
    def suggest(self, call: dict[str, Any], s: Situation, n: int) -> dict[str, Any]:
        """Return ``{"method", "required", "preferred", "units": [...], "busy"}``: up to ``n``
        free units, suitable ones first (the required capabilities), then those missing the
        fewest preferred ones, those with room for everyone, the nearest."""
        required, preferred = needs_of(s)
        free = [u for u in self.book.units.values() if u["status"] in FREE]
        if not free:
            return {"method": "great_circle", "required": sorted(required),
                    "preferred": sorted(preferred), "units": [], "busy": len(self.book.units)}
        dist = distance_m(call["lat"], call["lon"], np.array([u["lat"] for u in free]),
                          np.array([u["lon"] for u in free]))
        rows = [self._candidate(u, float(d), required, preferred, s.people)
                for u, d in zip(free, dist)]
        rows.sort(key=lambda r: (not r["suitable"], len(r["missing_preferred"]), not r["fits"],
                                 r["distance_m"]))
        return {"method": "great_circle", "required": sorted(required),
                "preferred": sorted(preferred), "units": rows[:n],
                "busy": len(self.book.units) - len(free)}

    @staticmethod
    def _candidate(unit: dict[str, Any], dist: float, required: set[str], preferred: set[str],
                   people: int) -> dict[str, Any]:
        p = unit["props"]
        caps = set(p.get("capabilities") or ())
        return {"unit_id": p["unit_id"], "name": p["name"], "name_en": p.get("name_en"),
                "type": p["type"], "status": unit["status"], "capacity": p.get("capacity", 0),
                "capabilities": sorted(caps), "lat": unit["lat"], "lon": unit["lon"],
                "distance_m": round(dist, 1), "suitable": required <= caps,
                "missing": sorted(required - caps), "missing_preferred": sorted(preferred - caps),
                "fits": p.get("capacity", 0) >= people}

