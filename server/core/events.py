"""The GeoEvent contract: validation of incoming events and the wire form of stored ones.

Wire form (what clients see)::

    {"id", "seq", "kind", "category", "lat", "lon", "cell" (15 hex digits), "area",
     "agency_id", "copied_to": [agency ids], "deadline" (RFC 3339 or null),
     "observed_at", "received_at" (RFC 3339 with offset),
     "source": {"channel", "ref"}, "severity", "status", "props": {...}}
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any, Literal

import numpy as np
import orjson
import uuid6
from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, ValidationError

from geo import h3grid
from geo.categories import CategoryRegistry
from geo.region import ServiceRegion
from geo.router import Router
from server.core.errors import BadRequest, PayloadTooLarge, ValidationFailed, detail
from server.core.kinds import KindRegistry
from server.core.text import check_control, find_control
from server.core.timefmt import in_range, now_micros, to_micros, to_rfc3339

Severity = Literal["unknown", "minor", "moderate", "severe", "extreme"]
SERVER_FIELDS = frozenset({"id", "seq", "cell", "area", "agency_id", "copied_to", "deadline",
                           "received_at"})
FUTURE_TOLERANCE_US = 5 * 60 * 1_000_000


@dataclass(frozen=True)
class TimeBounds:
    """How far a trusted source may date an event: ``max_age_us`` into the past,
    ``max_ahead_us`` into the future (``IOC_OBSERVED_MAX_AGE_DAYS``,
    ``IOC_OBSERVED_MAX_AHEAD_S``)."""

    max_age_us: int = 3650 * 86_400_000_000
    max_ahead_us: int = FUTURE_TOLERANCE_US

    def problem(self, observed_at: datetime | None, now: int) -> str | None:
        """Return what is wrong with ``observed_at`` at ``now`` (epoch µs), or None if fine."""
        if observed_at is None:
            return None
        at = to_micros(observed_at)
        if at > now + self.max_ahead_us:
            return (f"is more than {self.max_ahead_us / 60e6:g} minutes in the future; "
                    "check the sender's clock or leave observed_at out")
        if at < now - self.max_age_us:
            return (f"is more than {self.max_age_us / 86_400e6:g} days in the past; "
                    "send recent events only")
        return None


def _received_now(ev: EventIn, props: dict[str, Any]) -> tuple[EventIn, dict[str, Any]]:
    """Return ``(ev, props)`` of public input: observed_at left to the server (the receipt
    time); a time the client claimed kept in ``props.claimed_observed_at``."""
    props = {k: v for k, v in props.items() if k != "claimed_observed_at"}
    if ev.observed_at is not None:
        props["claimed_observed_at"] = ev.observed_at.isoformat()
    return ev.model_copy(update={"observed_at": None}), props


class SourceIn(BaseModel):
    """Where an event came from: the channel and the channel's own reference (for retries)."""

    model_config = ConfigDict(extra="forbid")
    channel: str = Field("api", min_length=1, max_length=40, pattern=r"^[a-z0-9_.-]+$")
    ref: str | None = Field(None, min_length=1, max_length=200)


class EventIn(BaseModel):
    """An event as a client sends it. The server adds id, seq, cell, area, agency_id."""

    model_config = ConfigDict(extra="forbid")
    kind: str = Field(min_length=1, max_length=40)
    category: str = Field(min_length=1, max_length=80)
    lat: float = Field(ge=-90, le=90, allow_inf_nan=False)
    lon: float = Field(ge=-180, le=180, allow_inf_nan=False)
    observed_at: AwareDatetime | None = None
    source: SourceIn = Field(default_factory=SourceIn)
    severity: Severity = "unknown"
    status: str | None = Field(None, max_length=40)
    props: dict[str, Any] = Field(default_factory=dict)


@dataclass
class NewEvent:
    """A validated, routed event ready for the store (times in epoch microseconds)."""

    id: str
    kind: str
    category: str
    lat: float
    lon: float
    cell: int
    area: str | None
    agency_id: str
    observed_at: int
    received_at: int
    source_channel: str
    source_ref: str | None
    severity: str
    status: str
    props: dict[str, Any] = field(default_factory=dict)
    copied_to: list[str] = field(default_factory=list)
    deadline: int | None = None


def wire_event(row: dict[str, Any], tz: timezone) -> dict[str, Any]:
    """Return the wire form of a stored row (columns as in NewEvent plus ``seq``; ``copied_to``
    a list, times in epoch microseconds)."""
    return {
        "id": row["id"], "seq": row["seq"], "kind": row["kind"], "category": row["category"],
        "lat": row["lat"], "lon": row["lon"], "cell": h3grid.cell_to_str(row["cell"]),
        "area": row["area"], "agency_id": row["agency_id"], "copied_to": row["copied_to"],
        "deadline": to_rfc3339(row["deadline"], tz) if row["deadline"] is not None else None,
        "observed_at": to_rfc3339(row["observed_at"], tz),
        "received_at": to_rfc3339(row["received_at"], tz),
        "source": {"channel": row["source_channel"], "ref": row["source_ref"]},
        "severity": row["severity"], "status": row["status"], "props": row["props"],
    }


def wire_feature(event: dict[str, Any]) -> dict[str, Any]:
    """Return a wire event as a GeoJSON Feature: ``{"type": "Feature", "id", "geometry": Point
    [lon, lat], "properties": the wire event without lat and lon}``."""
    props = {k: v for k, v in event.items() if k not in ("lat", "lon")}
    return {"type": "Feature", "id": event["id"],
            "geometry": {"type": "Point", "coordinates": [event["lon"], event["lat"]]},
            "properties": props}


def _deadline(observed: int, hours: float | None) -> int | None:
    return observed + int(hours * 3_600_000_000) if hours else None


def parse_json(body: bytes, max_bytes: int) -> Any:
    """Return the decoded JSON of a request body; raise PayloadTooLarge, BadRequest or
    ValidationFailed (a control character in any text, ``server.core.text``)."""
    if len(body) > max_bytes:
        raise PayloadTooLarge(f"body is {len(body)} bytes; the limit is {max_bytes}")
    if not body.strip():
        raise BadRequest("the body is empty; send a JSON event or {\"events\": [...]}")
    try:
        doc = orjson.loads(body)
    except orjson.JSONDecodeError as exc:
        raise BadRequest(f"malformed JSON: {exc}") from None
    check_control(doc, "the body")
    return doc


def _loc(prefix: str, loc: tuple) -> str:
    path = prefix
    for part in loc:
        path += f"[{part}]" if isinstance(part, int) else (f".{part}" if path else str(part))
    return path


def pydantic_details(prefix: str, exc: ValidationError) -> list[dict[str, str]]:
    """Return the ``details`` of a pydantic error: one ``{path, message}`` per problem, paths
    under ``prefix``."""
    out = []
    for err in exc.errors(include_url=False):
        path = _loc(prefix, err["loc"])
        msg = err["msg"]
        if err["type"] == "extra_forbidden" and err["loc"] and err["loc"][-1] in SERVER_FIELDS:
            msg = "is set by the server; leave it out"
        out.append(detail(path, msg))
    return out


def parse_model(model: type[BaseModel], doc: Any, what: str) -> Any:
    """Return ``doc`` (a decoded JSON body) validated by ``model``; raise ValidationFailed naming
    every problem (``what`` names the body in the message)."""
    if not isinstance(doc, dict):
        raise ValidationFailed(f"expected a JSON object ({what})", [detail("", "not an object")])
    try:
        return model.model_validate(doc)
    except ValidationError as exc:
        raise ValidationFailed(f"invalid {what}", pydantic_details("", exc)) from None


class EventValidator:
    """Turn request bodies into routed NewEvents, or raise one error naming every problem."""

    def __init__(self, kinds: KindRegistry, categories: CategoryRegistry, region: ServiceRegion,
                 router: Router, max_batch: int, land: ServiceRegion | None = None,
                 times: TimeBounds | None = None):
        """``region``: where sea kinds may lie; ``land``: where land kinds may lie (default:
        ``region``); ``times``: how far a trusted source may date observed_at."""
        self.kinds = kinds
        self.categories = categories
        self.region = region
        self.land = land or region
        self.router = router
        self.max_batch = max_batch
        self.times = times or TimeBounds()

    def unpack(self, doc: Any) -> tuple[list[Any], str]:
        """Return (items, path prefix) from one event object or ``{"events": [...]}``."""
        if isinstance(doc, dict) and "events" in doc:
            items = doc["events"]
            if not isinstance(items, list) or not items:
                raise ValidationFailed("`events` must be a non-empty list",
                                       [detail("events", "expected a non-empty list")])
            if len(doc) > 1:
                extra = sorted(set(doc) - {"events"})
                raise ValidationFailed("unexpected keys next to `events`",
                                       [detail(k, "not allowed next to events") for k in extra])
            if len(items) > self.max_batch:
                raise PayloadTooLarge(f"{len(items)} events in one batch; "
                                      f"the limit is {self.max_batch}")
            return items, "events"
        if isinstance(doc, dict):
            return [doc], ""
        raise ValidationFailed("expected an event object or {\"events\": [...]}",
                               [detail("", f"got JSON {type(doc).__name__}")])

    def validate(self, items: list[Any], prefix: str, now: int | None = None,
                 trusted: bool = True) -> list[NewEvent]:
        """Return routed NewEvents for ``items``; raise ValidationFailed listing all problems.

        ``trusted`` False (public input): every event is dated ``now`` (the receipt time) and a
        time the client claimed is kept as ``props.claimed_observed_at``; trusted sources keep
        their observed_at within ``times``."""
        now = now if now is not None else now_micros()
        details: list[dict[str, str]] = []
        parsed: list[tuple[str, EventIn, dict]] = []
        for i, raw in enumerate(items):
            p = f"{prefix}[{i}]" if prefix else ""
            ev, props = self._check_one(raw, p, now if trusted else None, details)
            if ev is not None and not trusted:
                ev, props = _received_now(ev, props)
            if ev is not None:
                parsed.append((p, ev, props))
        if parsed:
            self._check_region(parsed, details)
        if details:
            n = len({d["path"].split(".")[0] for d in details})
            raise ValidationFailed(f"{n} invalid event(s); nothing was stored", details)
        return self._route(parsed, now)

    def _check_one(self, raw: Any, p: str, now: int | None,
                   details: list) -> tuple[EventIn | None, dict]:
        """Return ``(event, props)`` checked, or ``(None, {})`` with the problems added to
        ``details``; ``now`` None: observed_at is not checked (public input is dated anyway)."""
        if not isinstance(raw, dict):
            details.append(detail(p, "expected an event object"))
            return None, {}
        control = find_control(raw, p)
        if control:
            details.extend(control)
            return None, {}
        try:
            ev = EventIn.model_validate(raw)
        except ValidationError as exc:
            details.extend(pydantic_details(p, exc))
            return None, {}
        kind = self.kinds.get(ev.kind)
        if kind is None:
            details.append(detail(_loc(p, ("kind",)),
                                  f"unknown kind {ev.kind!r}; "
                                  f"known kinds: {', '.join(self.kinds.names)}"))
            return None, {}
        cat = self.categories.get(ev.category)
        if cat is None or ev.kind not in cat.kinds:
            details.append(detail(_loc(p, ("category",)),
                                  f"{ev.category!r} is not a category of kind {ev.kind!r}; "
                                  "see GET /api/v1/categories"))
            return None, {}
        if ev.status is not None and ev.status not in kind.accepted_statuses:
            details.append(detail(_loc(p, ("status",)),
                                  f"must be one of {', '.join(kind.accepted_statuses)}"))
            return None, {}
        if ev.observed_at is not None and not in_range(to_micros(ev.observed_at)):
            details.append(detail(_loc(p, ("observed_at",)), "is out of range (years 1 to 9999)"))
            return None, {}
        problem = self.times.problem(ev.observed_at, now) if now is not None else None
        if problem:
            details.append(detail(_loc(p, ("observed_at",)), problem))
            return None, {}
        try:
            props = kind.validate_props(ev.props)
        except ValidationError as exc:
            details.extend(pydantic_details(_loc(p, ("props",)), exc))
            return None, {}
        return ev, props

    def _check_region(self, parsed: list[tuple[str, EventIn, dict]], details: list) -> None:
        lat = np.array([ev.lat for _, ev, _ in parsed])
        lon = np.array([ev.lon for _, ev, _ in parsed])
        at_sea = self.region.contains_many(lat, lon)
        on_land = self.land.contains_many(lat, lon)
        for (p, ev, props), sea_ok, land_ok in zip(parsed, at_sea, on_land):
            land = self.kinds.get(ev.kind).on_land(props)
            if not (land_ok if land else sea_ok):
                details.append(detail(_loc(p, ("lat",)), self._outside(ev, land)))

    def _outside(self, ev: EventIn, land: bool) -> str:
        """Return what to tell a client whose point lies outside its kind's region."""
        far = self.land.distance_km(ev.lat, ev.lon)
        where = f"({ev.lat}, {ev.lon}) is {far:.1f} km from Huế, outside the service region"
        if land:
            return (f"{where} of a {ev.kind} (Huế's 40 communes and "
                    f"{self.land.buffer_km:g} km around them); check the position")
        return f"{where} (Huế and ~{self.region.buffer_km:g} km of sea around it)"

    def _route(self, parsed: list[tuple[str, EventIn, dict]], now: int) -> list[NewEvent]:
        lat = np.array([ev.lat for _, ev, _ in parsed])
        lon = np.array([ev.lon for _, ev, _ in parsed])
        observed_at = [to_micros(ev.observed_at) if ev.observed_at else now for _, ev, _ in parsed]
        routes = self.router.route_many(lat, lon, [ev.category for _, ev, _ in parsed], observed_at)
        out = []
        for (_, ev, props), r, observed in zip(parsed, routes, observed_at):
            kind = self.kinds.get(ev.kind)
            out.append(NewEvent(
                id=str(uuid6.uuid7()), kind=ev.kind, category=ev.category,
                lat=ev.lat, lon=ev.lon, cell=r.cell, area=r.area, agency_id=r.agency_id,
                observed_at=observed, received_at=now, source_channel=ev.source.channel,
                source_ref=ev.source.ref, severity=ev.severity,
                status=ev.status or kind.initial_status(r.agency_id), props=props,
                copied_to=list(r.copied_to), deadline=_deadline(observed, r.deadline_hours)))
        return out
