"""Sensors: readings over MQTT → ``sensor_reading`` events, threshold rules → ``alert`` events.

Topic scheme (prefix ``IOC_MQTT_TOPIC_PREFIX``, default ``ioc/sensors``)::

    {prefix}/{station}/{quantity}      e.g. ioc/sensors/kim-long/water_level

Payload: a plain number in the quantity's canonical unit (``2.35``), or JSON: a number, or
``{"value": 235, "unit": "cm", "observed_at": "2025-11-17T08:00:00+07:00"}`` (``unit`` and
``observed_at`` optional; ``time`` is accepted for ``observed_at``). Units are checked against
the quantity's accepted units and converted to its canonical unit; a reading with an unknown
station, quantity or unit, an unreadable payload or a value outside the quantity's range is
counted, logged and dropped. Quantities, units and rules: ``geo/data/sensor_rules.json``;
stations: ``geo/data/hue_sensor_stations.geojson`` plus the real gauges of
``hue_hydro_stations.geojson`` (with their BĐ1/2/3 alarm levels), plus stations registered
through the API (store records ``sensor_station``).

Rain gauges send ``rain`` (mm since their previous reading); the service derives ``rain_1h`` and
``rain_24h`` sums, which carry their own rules. Every crossing of a rule's threshold
(``server.features.sensors.thresholds``, with hysteresis) opens, replaces or clears an alert, one
at a time in arrival order; ``SensorService.engine.on_crossing`` lets other features hook in.

A quantity's companions (a reservoir's volume, inflow and release with its level) come in the
same reading: keys of the JSON payload, ``props.derived`` of the event. ``sensor_reading``
events posted to ``POST /api/v1/events`` pass through ``SensorService.intake`` (an intake
stage): the same checks, conversions and rules as MQTT readings.
"""
from __future__ import annotations

import asyncio
import json
import logging
import math
from collections import deque
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Awaitable, Callable
from urllib.parse import urlparse

import orjson

from geo.datafiles import data_path
from geo.stations import Station, load_stations
from server.core.kit.alerts import AlertBook, read_open
from server.core.errors import NotFound, ValidationFailed, detail
from server.core.kit.feeds import FeedBatcher, drain, reconnecting
from server.core.kit.follow import StoreFollower
from server.core.service import IntakeStage, Proceed
from server.features.sensors.thresholds import Crossing, Rule, Threshold, ThresholdEngine
from server.core.timefmt import parse_rfc3339, to_rfc3339

if TYPE_CHECKING:
    from server.core.events import NewEvent
    from server.core.service import EventService
    from server.store import AppendResult

log = logging.getLogger(__name__)

RULES_FILE = "sensor_rules.json"
STATION_RECORDS = "sensor_station"
US = 1_000_000
HOUR_US = 3600 * US
SEVERITY_OF_LEVEL0 = "unknown"


class ReadingError(ValueError):
    """A reading that cannot be used; ``reason`` is the counter it goes to."""

    def __init__(self, reason: str, message: str):
        super().__init__(message)
        self.reason = reason


@dataclass(frozen=True)
class Quantity:
    """A measured quantity: canonical unit, accepted units (factor to canonical), category,
    plausible range, the quantities derived from it, and its companions (quantities reported
    with it in one reading, e.g. a reservoir's release with its level)."""

    id: str
    vi: str
    en: str
    unit: str
    units: dict[str, float]
    category: str
    min: float
    max: float
    derived: tuple[str, ...] = ()
    companions: tuple[str, ...] = ()

    def to_json(self) -> dict[str, Any]:
        """Return ``{id, vi, en, unit, units, min, max, companions}``."""
        return {"id": self.id, "vi": self.vi, "en": self.en, "unit": self.unit,
                "units": sorted(self.units), "min": self.min, "max": self.max,
                "companions": list(self.companions)}

    def canonical(self, value: Any, unit: str | None = None) -> float:
        """Return ``value`` (in ``unit``, default the canonical one) in the canonical unit;
        raise ReadingError (bad_payload, bad_unit, out_of_range)."""
        if isinstance(value, bool) or not isinstance(value, (int, float)) \
                or not math.isfinite(value):
            raise ReadingError("bad_payload",
                               f"{self.id}: value must be a finite number, got {value!r}")
        unit = self.unit if unit is None else unit
        if unit not in self.units:
            raise ReadingError("bad_unit", f"unit {unit!r} is not one of {sorted(self.units)} "
                                           f"for {self.id}")
        out = float(value) * self.units[unit]
        if not self.min <= out <= self.max:
            raise ReadingError("out_of_range", f"{out:g} {self.unit} is outside "
                                               f"[{self.min:g}, {self.max:g}] for {self.id}")
        return out


def load_quantities_and_rules() -> tuple[dict[str, Quantity], list[Rule], set[str]]:
    """Return (quantities by id, rules, ids of rules whose thresholds come from the station)."""
    doc = json.loads(data_path(RULES_FILE).read_text(encoding="utf-8"))
    quantities = {k: Quantity(k, q["vi"], q["en"], q["unit"], q["units"], q["category"], q["min"],
                              q["max"], tuple(q.get("derived", ())), tuple(q.get("companions", ())))
                  for k, q in doc["quantities"].items()}
    rules = [Rule(r["id"], r["quantity"], r["direction"],
                  tuple(Threshold(t["value"], t["severity"], t["name"]) for t in r["thresholds"]),
                  r.get("hysteresis", 0.0), r["category"]) for r in doc["rules"]]
    return quantities, rules, {r["id"] for r in doc["rules"] if r.get("station_levels")}


def parse_payload(payload: bytes, quantity: Quantity,
                  now: int) -> tuple[float, int, dict[str, float]]:
    """Return (value in the canonical unit, observed_at µs, companions in their canonical
    units) of an MQTT payload; raise ReadingError (see the module docstring for the accepted
    forms; companions are keys of the JSON object named like the quantity's companions)."""
    text = payload.decode("utf-8", "replace").strip()
    try:
        doc: Any = float(text)
    except ValueError:
        try:
            doc = orjson.loads(payload)
        except orjson.JSONDecodeError:
            raise ReadingError("bad_payload", f"not a number or JSON: {text[:80]!r}") from None
    unit, observed, companions = quantity.unit, now, {}
    if isinstance(doc, dict):
        companions = {c: doc[c] for c in quantity.companions if doc.get(c) is not None}
        unit = doc.get("unit", quantity.unit)
        when = doc.get("observed_at", doc.get("time"))
        if when is not None:
            try:
                observed = parse_rfc3339(str(when))
            except ValueError as exc:
                raise ReadingError("bad_payload", f"observed_at: {exc}") from None
        doc = doc.get("value")
    return quantity.canonical(doc, unit), min(observed, now), companions


class RainWindow:
    """Rain increments of one gauge over the last 24 hours, summed over 1 h and 24 h."""

    def __init__(self) -> None:
        self._items: deque[tuple[int, float]] = deque()

    def add(self, t: int, mm: float) -> dict[str, float]:
        """Add an increment; return ``{"rain_1h": …, "rain_24h": …}``."""
        self._items.append((t, mm))
        while self._items and self._items[0][0] <= t - 24 * HOUR_US:
            self._items.popleft()
        last_hour = sum(v for ts, v in self._items if ts > t - HOUR_US)
        return {"rain_1h": round(last_hour, 2),
                "rain_24h": round(sum(v for _, v in self._items), 2)}


@dataclass
class SensorCounters:
    """What the MQTT feed received and why readings were dropped."""

    received: int = 0
    accepted: int = 0
    bad_topic: int = 0
    unknown_station: int = 0
    unknown_quantity: int = 0
    bad_payload: int = 0
    bad_unit: int = 0
    out_of_range: int = 0
    posted: int = 0
    subscribed: bool = False


def severity_of(level: int) -> str:
    """Return the event severity of a reading at threshold ``level`` (0: ``unknown``)."""
    return (("minor", "moderate", "severe", "extreme")[min(level, 4) - 1] if level
            else SEVERITY_OF_LEVEL0)


def load_stored(store: Any) -> tuple[dict[str, dict[str, Any]], dict[str, dict[str, Any]]]:
    """Return (the stations registered through the API, the open alerts) from the store's
    records (blocking: a reader thread)."""
    return store.records(STATION_RECORDS), read_open(store)


class SensorService(StoreFollower[AlertBook], IntakeStage):
    """Readings in, events and alerts out (see the module docstring). Also the intake stage
    of ``sensor_reading`` events posted through the API. Its book is the open alerts (followed
    on the bus) with the stations registered through the API; ``SensorsFeature.install``
    attaches it."""

    kinds = frozenset({"sensor_reading"})

    def __init__(self, core: "EventService"):
        alerts = AlertBook(core, "sensor-rules")
        super().__init__(core, alerts, load_stored, "the sensor stations")
        self.quantities, rules, self.station_rules = load_quantities_and_rules()
        self.stations = load_stations()
        self.engine = ThresholdEngine(rules)
        self.batcher = FeedBatcher(core, core.settings.feed_flush_ms / 1000)
        self.alerts = alerts
        self.counters = SensorCounters()
        self._series: dict[tuple[str, str], deque] = {}
        self._rain: dict[str, RainWindow] = {}
        self._crossings: asyncio.Queue[Crossing] = asyncio.Queue()

    # -- readings --------------------------------------------------------------------------------
    def handle_message(self, topic: str, payload: bytes) -> dict[str, Any] | None:
        """Take one MQTT message; return the reading event queued, or None if dropped."""
        self.counters.received += 1
        prefix = self.core.settings.mqtt_topic_prefix.rstrip("/") + "/"
        parts = topic[len(prefix):].split("/") if topic.startswith(prefix) else []
        try:
            if len(parts) != 2:
                raise ReadingError("bad_topic",
                                   f"topic {topic!r} is not {prefix}{{station}}/{{quantity}}")
            doc = self.reading(parts[0], parts[1], payload, self.core.clock.now())
        except ReadingError as exc:
            setattr(self.counters, exc.reason, getattr(self.counters, exc.reason) + 1)
            log.info("sensor reading dropped (%s): %s", exc.reason, exc)
            return None
        self.counters.accepted += 1
        return doc

    def reading(self, station_id: str, quantity_id: str, payload: bytes,
                now: int) -> dict[str, Any]:
        """Check, convert and evaluate one reading; queue its event and return it (API form)."""
        station, quantity = self._lookup(station_id, quantity_id)
        value, t, companions = parse_payload(payload, quantity, now)
        level, derived = self._assess(station, quantity, value, t, companions)
        doc = self._event(station, quantity, value, t, level, derived)
        self.batcher.add(doc)
        return doc

    def _lookup(self, station_id: str, quantity_id: str) -> tuple[Station, Quantity]:
        station = self.stations.get(station_id)
        if station is None:
            raise ReadingError("unknown_station", f"no station {station_id!r}; register it first")
        quantity = self.quantities.get(quantity_id)
        if quantity is None:
            raise ReadingError("unknown_quantity", f"unknown quantity {quantity_id!r}; known: "
                                                   f"{', '.join(sorted(self.quantities))}")
        return station, quantity

    def _assess(self, station: Station, quantity: Quantity, value: float, t: int,
                companions: dict[str, Any]) -> tuple[int, dict[str, float]]:
        """Remember and evaluate a reading (value canonical, companions raw numbers in their
        canonical units); return (level, derived and companion values)."""
        values = {quantity.id: value}
        for cid, raw in companions.items():
            values[cid] = self.quantities[cid].canonical(raw)
        if "rain_1h" in quantity.derived:
            values.update(self._rain.setdefault(station.id, RainWindow()).add(t, value))
        level = 0
        for qid, v in values.items():
            self._remember(station.id, qid, t, v)
            level = max(level, self._evaluate(station, qid, v, t))
        return level, {k: round(v, 6) for k, v in values.items() if k != quantity.id}

    # -- readings posted through the events API ---------------------------------------------------
    async def intake(self, events: list[NewEvent], proceed: Proceed) -> AppendResult:
        """Put ``sensor_reading`` events posted through ``/api/v1/events`` (a gateway, a
        scenario) through the checks, unit conversion and threshold rules of MQTT readings: the
        server sets ``value`` (canonical unit), ``unit``, ``level``, ``derived`` and the severity;
        companions come from ``props.derived``. A bad reading rejects the batch, naming it."""
        await self.ready()  # stations registered through the API, alert levels
        checked, problems = [], []
        for i, ev in enumerate(events):
            if ev.kind != "sensor_reading":
                continue
            try:
                checked.append((ev, *self._check_posted(ev)))
            except ReadingError as exc:
                problems.append(detail(f"events[{i}].props" if len(events) > 1 else "props",
                                       str(exc)))
        if problems:
            raise ValidationFailed(f"{len(problems)} reading(s) refused; nothing was stored",
                                   problems)
        for ev, station, quantity, value, companions in checked:
            level, derived = self._assess(station, quantity, value, ev.observed_at, companions)
            ev.props.update(station_name=station.name, value=round(value, 6), unit=quantity.unit,
                            level=level, derived=derived)
            ev.severity = severity_of(level)
        self.counters.posted += len(checked)
        return await proceed()

    def _check_posted(self, ev: NewEvent) -> tuple[Station, Quantity, float, dict[str, Any]]:
        p = ev.props
        station, quantity = self._lookup(p["station"], p["quantity"])
        if ev.category != quantity.category:
            raise ReadingError("bad_payload",
                               f"category must be {quantity.category!r} for {quantity.id}")
        value = quantity.canonical(p["value"], p.get("unit"))
        extra = set(p.get("derived", {})) - set(quantity.companions) - set(quantity.derived)
        if extra:
            raise ReadingError("bad_payload",
                               f"{sorted(extra)} may not be sent with {quantity.id} "
                               f"(companions: {list(quantity.companions) or 'none'})")
        companions = {c: p["derived"][c] for c in quantity.companions if c in p.get("derived", {})}
        for cid, raw in companions.items():
            self.quantities[cid].canonical(raw)
        return station, quantity, value, companions

    async def post_readings(self, station_id: str, doc: Any) -> dict[str, Any]:
        """Take readings posted through the API (``{"readings": [{"quantity", "value",
        "unit"?, "observed_at"?}]}``, in time order) as if they came over MQTT: all are checked
        first (one bad reading refuses the batch, nothing applied), then evaluated, stored and
        their alerts applied before the answer. Return ``{"station", "accepted", "level"}``."""
        items = doc.get("readings") if isinstance(doc, dict) else None
        if not isinstance(items, list) or not 0 < len(items) <= self.core.settings.max_batch:
            raise ValidationFailed("expected {\"readings\": [...]}", [detail(
                "readings", f"a list of 1 to {self.core.settings.max_batch} readings")])
        await self.ready()
        now = self.core.clock.now()
        payloads, problems = [], []
        for i, item in enumerate(items):
            try:
                payloads.append(self._check_item(station_id, item, now))
            except ReadingError as exc:
                problems.append(detail(f"readings[{i}]", str(exc)))
        if problems:
            raise ValidationFailed("invalid readings", problems)
        for quantity_id, payload in payloads:
            self.counters.received += 1
            self.counters.accepted += 1
            self.reading(station_id, quantity_id, payload, now)
        await self.settle()
        quantity_id = payloads[-1][0]
        return {"station": station_id, "accepted": len(payloads),
                "level": self._level(self.stations[station_id], quantity_id)}

    def _check_item(self, station_id: str, item: Any, now: int) -> tuple[str, bytes]:
        if not isinstance(item, dict) or not isinstance(item.get("quantity"), str):
            raise ReadingError("bad_payload",
                               "each reading is {quantity, value, unit?, observed_at?}")
        _, quantity = self._lookup(station_id, item["quantity"])
        payload = orjson.dumps({k: item[k] for k in ("value", "unit", "observed_at") if k in item})
        parse_payload(payload, quantity, now)
        return quantity.id, payload

    def _remember(self, station_id: str, quantity_id: str, t: int, value: float) -> None:
        key = (station_id, quantity_id)
        if key not in self._series:
            self._series[key] = deque(maxlen=self.core.settings.sensor_series_points)
        self._series[key].append((t, value))

    def _rules(self, station: Station, quantity_id: str) -> list[Rule]:
        rules = []
        for rule in self.engine.rules_for(quantity_id):
            if rule.id in self.station_rules:
                if quantity_id not in station.levels:
                    continue
                rule = rule.with_thresholds(station.levels[quantity_id])
            rules.append(rule)
        return rules

    def _evaluate(self, station: Station, quantity_id: str, value: float, t: int) -> int:
        level = 0
        for rule in self._rules(station, quantity_id):
            crossing = self.engine.evaluate(station.id, rule, value, t, {"station": station})
            if crossing is not None:
                self._crossings.put_nowait(crossing)
            level = max(level, self.engine.level(station.id, rule.id))
        return level

    def _event(self, station: Station, quantity: Quantity, value: float, t: int, level: int,
               derived: dict[str, float]) -> dict[str, Any]:
        return {"kind": "sensor_reading", "category": quantity.category, "lat": station.lat,
                "lon": station.lon, "observed_at": to_rfc3339(t, self.core.tz),
                "source": {"channel": "mqtt"},
                "severity": severity_of(level),
                "props": {"station": station.id, "station_name": station.name,
                          "quantity": quantity.id, "value": round(value, 6), "unit": quantity.unit,
                          "level": level, "derived": derived}}

    # -- alerts ----------------------------------------------------------------------------------
    async def _apply_crossing(self, c: Crossing) -> None:
        fell = f"level {c.new} at {c.value:g}"
        if c.new == 0:
            await self.alerts.close(c.key, f"back to normal at {c.value:g}",
                                    {"level": 0, "value": c.value})
            return
        if self.alerts.is_open(c.key):
            await self.alerts.close(c.key, f"replaced: {fell}")
        await self.alerts.open(c.key, self._alert_doc(c), {"level": c.new})

    def _alert_doc(self, c: Crossing) -> dict[str, Any]:
        station: Station = c.context["station"]
        q = self.quantities[c.rule.quantity]
        th = c.threshold
        word_vi, word_en = ("vượt", "above") if c.rule.direction == "above" else ("dưới", "below")
        return {"kind": "alert", "category": c.rule.category,
                "lat": station.lat, "lon": station.lon,
                "observed_at": to_rfc3339(c.at, self.core.tz), "severity": th.severity,
                "props": {"rule": c.rule.id, "key": c.key, "subject_type": "sensor",
                          "subject_id": station.id,
                          "title_vi": f"{station.name}: {q.vi} {c.value:g} {q.unit} "
                                      f"{word_vi} {th.name}",
                          "title_en": f"{station.name}: {q.en} {c.value:g} {q.unit} "
                                      f"{word_en} {th.name}",
                          "level": c.new, "level_name": th.name, "quantity": q.id, "value": c.value,
                          "threshold": th.value, "unit": q.unit,
                          "details": {"rising": c.rising, "previous_level": c.old}}}

    async def settle(self) -> None:
        """Wait until queued readings are stored and their alerts applied (tests, benchmarks)."""
        await self.batcher.flush()
        await self._crossings.join()

    # -- stations and views ----------------------------------------------------------------------
    async def register(self, station_id: str, doc: Any) -> Station:
        """Add or replace a station from ``{name, lat, lon, kind, quantities, levels?}``."""
        station = parse_station(station_id, doc, self.quantities,
                                self.core.validator.region.contains)
        await self.ready()
        await self.core.write(self.core.store.put_records, STATION_RECORDS,
                              {station_id: station.to_record()}, self.core.clock.now())
        self.stations[station_id] = station
        return station

    def listing(self) -> list[dict[str, Any]]:
        """Return every station with its latest value and level per quantity."""
        return [self.describe(s) for s in self.stations.values()]

    def describe(self, s: Station) -> dict[str, Any]:
        """Return one station as the API shows it."""
        latest = {}
        for (sid, qid), series in self._series.items():
            if sid == s.id and series:
                t, v = series[-1]
                latest[qid] = {"value": v, "unit": self.quantities[qid].unit,
                               "at": to_rfc3339(t, self.core.tz), "level": self._level(s, qid)}
        return {"id": s.id, **s.to_record(), "latest": latest,
                "topic": f"{self.core.settings.mqtt_topic_prefix}/{s.id}/{{quantity}}"}

    def latest(self, station: Station, quantity_id: str) -> tuple[float | None, int]:
        """Return (the latest value of ``quantity_id`` at ``station`` or None, the level its
        rules are at)."""
        series = self._series.get((station.id, quantity_id))
        return (series[-1][1] if series else None), self._level(station, quantity_id)

    def _level(self, s: Station, quantity_id: str) -> int:
        return max([self.engine.level(s.id, r.id) for r in self._rules(s, quantity_id)] or [0])

    def series(self, station_id: str, quantity_id: str | None) -> dict[str, Any]:
        """Return ``{station, quantity, unit, t: [epoch s], v: [values], level, thresholds}``;
        raise NotFound."""
        station = self.stations.get(station_id)
        if station is None:
            raise NotFound(f"no station {station_id!r}")
        quantity_id = quantity_id or station.quantities[0]
        if quantity_id not in self.quantities:
            raise NotFound(f"unknown quantity {quantity_id!r}")
        points = list(self._series.get((station_id, quantity_id), ()))
        thresholds = [t.value for r in self._rules(station, quantity_id) for t in r.thresholds]
        return {"station": station_id, "quantity": quantity_id,
                "unit": self.quantities[quantity_id].unit,
                "t": [round(t / US, 3) for t, _ in points], "v": [v for _, v in points],
                "level": self._level(station, quantity_id), "thresholds": thresholds}

    # -- running ---------------------------------------------------------------------------------
    def adopt(self, loaded: tuple[dict[str, dict[str, Any]], dict[str, dict[str, Any]]]) -> None:
        """Take the stations and open alerts read from the store (warm start): each open
        alert's level is where its rule stands."""
        stations, alerts = loaded
        for key, doc in stations.items():
            self.stations[key] = Station(key, **doc)
        self.alerts.adopt(alerts)
        for key, meta in self.alerts.open_meta().items():
            self.engine.levels[key] = int(meta.get("level", 0))

    def loops(self) -> list[Callable[[], Awaitable[Any]]]:
        """Return the flush loop, the alert worker and the MQTT client (when configured),
        started once the stations and alerts are read."""
        jobs: list[Callable[[], Awaitable[Any]]] = [
            self.batcher.run, lambda: drain(self._crossings, self._apply_crossing, "sensor alert")]
        url = self.core.settings.mqtt_url
        if url:
            jobs.append(lambda: reconnecting(f"MQTT {url}", self._mqtt_once))
        return jobs

    async def _mqtt_once(self) -> None:
        import aiomqtt
        u = urlparse(self.core.settings.mqtt_url)
        topic = f"{self.core.settings.mqtt_topic_prefix.rstrip('/')}/#"
        try:
            async with aiomqtt.Client(u.hostname, u.port or 1883,
                                      tls_params=None if u.scheme == "mqtt"
                                      else aiomqtt.TLSParameters()) as client:
                await client.subscribe(topic, qos=1)
                self.counters.subscribed = True
                log.info("MQTT: subscribed to %s on %s", topic, u.netloc)
                async for message in client.messages:
                    self.handle_message(str(message.topic), bytes(message.payload or b""))
        finally:
            self.counters.subscribed = False


def parse_station(station_id: str, doc: Any, quantities: dict[str, Quantity], in_region) -> Station:  # noqa: ANN001
    """Return a Station from an API document; raise ValidationFailed naming every problem."""
    if not isinstance(doc, dict):
        raise ValidationFailed("expected a JSON object",
                               [detail("", "send {name, lat, lon, kind, quantities}")])
    problems = []
    name, kind = doc.get("name"), doc.get("kind", "other")
    lat, lon = doc.get("lat"), doc.get("lon")
    if not isinstance(name, str) or not 0 < len(name) <= 100:
        problems.append(detail("name", "a text of 1 to 100 characters"))
    if not all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in (lat, lon)) \
            or not in_region(lat, lon):
        problems.append(detail("lat", "lat and lon must be numbers inside the service region"))
    qs = doc.get("quantities")
    if not isinstance(qs, list) or not qs or any(q not in quantities for q in qs):
        problems.append(detail("quantities",
                               f"a non-empty list of: {', '.join(sorted(quantities))}"))
    levels = doc.get("levels", {})
    if not isinstance(levels, dict) or not all(
            isinstance(v, list) and all(isinstance(x, (int, float)) for x in v)
            for v in levels.values()):
        problems.append(detail("levels", "an object quantity → [threshold values]"))
    if not isinstance(kind, str) or len(kind) > 40:
        problems.append(detail("kind", "a short text (hydro, rain, air, waste_water…)"))
    if problems:
        raise ValidationFailed("invalid station", problems)
    return Station(station_id, name, float(lat), float(lon), kind, qs,
                   {k: [float(x) for x in v] for k, v in levels.items()},
                   bool(doc.get("illustrative")),
                   str(doc.get("source", ""))[:300])
