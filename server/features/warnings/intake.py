"""CAP messages from outside (``POST /api/v1/warnings/cap``), e.g. from the national
hydro-meteorological service.

A message is read and checked (``server.features.warnings.cap.from_xml``: schema + the rules the
schema cannot express; a bad one is refused with 422 naming each problem). Then:

- it states an area (polygon, circle, or a ``GSO`` geocode of a Huế commune) that overlaps
  Huế → a ``warning`` event with status ``received``, targeted at the communes it touches,
  routed like every warning; a ``Cancel`` that references a stored message cancels that one
  instead, an ``Update`` moves the one it references to ``updated``;
- it states no area, or only areas outside Huế → **kept for reference** in the store's records
  (kind ``warning_external``), answered with the reason; it is not a geo-event (it has no
  place in the service region), is not on the map or the feed, and its CAP can be read back.

The same message sent twice (same sender, identifier and sent) is stored once.

Reading a message (XML, schema, the merge of its areas) runs on a reader thread, never on the
event loop, within ``READ_BUDGET_S``; ``cap.check`` bounds its polygons (``MAX_POLYGON_POINTS``
each, ``MAX_MESSAGE_POINTS`` in all) so that the merge stays short.
"""
from __future__ import annotations

import asyncio
import hashlib
from typing import TYPE_CHECKING, Any

from geo.areas import AreaSet
from server.core import policy
from server.core.auth import Principal
from server.core.errors import NotFound, ValidationFailed, detail
from server.core.policy import SYSTEM
from server.features.warnings import actions
from server.features.warnings import areas as geo_areas
from server.features.warnings.cap import CapAlert, from_xml

if TYPE_CHECKING:
    from server.features.warnings.desk import WarningDesk

EXTERNAL = "warning_external"
INTAKE = Principal("cap-intake", SYSTEM)
CATEGORY_WORDS = (("warning.tsunami", ("tsunami", "sóng thần", "earthquake", "động đất")),
                  ("warning.storm", ("storm", "bão", "cyclone", "typhoon", "áp thấp")),
                  ("warning.landslide", ("landslide", "sạt lở", "lũ quét", "flash flood")),
                  ("warning.flood", ("flood", "lũ", "ngập")),
                  ("warning.heavy_rain", ("rain", "mưa")))
#: How long reading one message (XML, schema, areas) may take on its thread before a 422.
READ_BUDGET_S = 10.0
SEVERITY = {"Extreme": "Extreme", "Severe": "Severe", "Moderate": "Moderate", "Minor": "Minor"}


def category_of(alert: CapAlert) -> str:
    """Return the warning category whose words appear in the alert's events or headlines."""
    text = " ".join(f"{i.event} {i.headline or ''}" for i in alert.infos).lower()
    return next((code for code, words in CATEGORY_WORDS if any(w in text for w in words)),
                "warning.other")


def cap_ref(alert: CapAlert) -> str:
    """Return ``sender,identifier,sent``: the CAP reference of a message."""
    return f"{alert.sender},{alert.identifier},{alert.sent}"


def _texts(alert: CapAlert, field: str) -> dict[str, str] | None:
    values = {(i.language or "en-US")[:2]: getattr(i, field)
              for i in alert.infos if getattr(i, field)}
    if not values:
        return None
    first = next(iter(values.values()))
    return {"vi": values.get("vi", first)[:4000], "en": values.get("en", first)[:4000]}


def summary(item_id: str, alert: CapAlert, status: str, communes: list[str]) -> dict[str, Any]:
    """Return what the API answers about a received message."""
    headline = _texts(alert, "headline")
    return {"id": item_id, "status": status, "identifier": alert.identifier,
            "sender": alert.sender, "sent": alert.sent, "msg_type": alert.msg_type,
            "headline": headline, "communes": communes}


def read_message(body: bytes, areaset: AreaSet) -> tuple[CapAlert, geo_areas.AlertPlace]:
    """Return ``(alert, place)`` of a CAP message (blocking: run on a thread); raise
    ValidationFailed naming what is wrong."""
    alert = from_xml(body)
    return alert, geo_areas.alert_place(alert, areaset)


class CapIntake:
    """Receive CAP messages for a WarningDesk (see the module docstring)."""

    def __init__(self, desk: "WarningDesk"):
        self.desk = desk
        self.core = desk.core

    async def receive(self, principal: Principal, body: bytes) -> tuple[dict[str, Any], int]:
        """Read, check and store one CAP message; return (answer, HTTP status): ``{"warning":
        summary, "stored_as": "event" | "record", "in_region", "reason"?, "replayed"}``."""
        policy.require(principal, actions.IMPORT)
        alert, place = await self._read(body)
        if place.point is None:
            reason = ("its areas lie outside Huế (the service region)" if place.stated else
                      "the message states no area")
            return await self._keep(alert, reason)
        async with self.desk.lock:
            return await self._store(alert, place)

    async def _read(self, body: bytes) -> tuple[CapAlert, geo_areas.AlertPlace]:
        """Return the alert and its place, parsed, checked and merged on a reader thread (the
        XML and the geometry never run on the event loop) within READ_BUDGET_S; raise
        ValidationFailed (422) for a bad message or one too complex to read in time."""
        work = self.core.read(read_message, body, self.desk.areaset)
        try:
            async with asyncio.timeout(READ_BUDGET_S):  # not wait_for: see EventService._run
                return await work
        except TimeoutError:
            raise ValidationFailed("the CAP message is too complex to read", [detail(
                "info.area", f"its areas could not be merged in {READ_BUDGET_S:g} s; simplify "
                             "the polygons or name the communes by GSO geocode")]) from None

    async def _keep(self, alert: CapAlert, reason: str) -> tuple[dict[str, Any], int]:
        key = hashlib.sha256(cap_ref(alert).encode()).hexdigest()[:32]
        stored = await self.core.read(self.core.store.records, EXTERNAL)
        replayed = key in stored
        if not replayed:
            doc = {"cap": alert.model_dump(mode="json"), "reason": reason,
                   "received_at": self.core.clock.now()}
            await self.core.write(self.core.store.put_records, EXTERNAL, {key: doc},
                                  self.core.clock.now())
        return ({"warning": summary(key, alert, "kept", []), "stored_as": "record",
                 "in_region": False, "reason": f"kept for reference, not on the map: {reason}",
                 "replayed": replayed}, 200 if replayed else 201)

    async def _store(self, alert: CapAlert,
                     place: geo_areas.AlertPlace) -> tuple[dict[str, Any], int]:
        communes = place.communes
        referenced = await self._referenced(alert)
        if alert.msg_type == "Cancel" and referenced:
            return await self._cancel(alert, referenced, communes)
        lon, lat = place.point or (0.0, 0.0)
        info = alert.infos[0] if alert.infos else None
        props = {"origin": "ingest", "identifier": alert.identifier, "communes": communes,
                 "cap": alert.model_dump(mode="json"), "references": alert.references,
                 "headline": _texts(alert, "headline"), "event": _texts(alert, "event"),
                 "description": _texts(alert, "description"),
                 "cap_severity": SEVERITY.get(info.severity, "Unknown") if info else "Unknown",
                 "sent": alert.sent}
        doc = {"kind": "warning", "category": category_of(alert), "lat": lat,
               "lon": lon, "observed_at": alert.sent, "status": "draft",
               "source": {"channel": "cap", "ref": cap_ref(alert)[:200]},
               "props": {k: v for k, v in props.items() if v is not None}}
        events = self.core.validator.validate([doc], "", self.core.clock.now())
        # a Cancel of a message never received here is kept, already cancelled
        events[0].status = "cancelled" if alert.msg_type == "Cancel" else "received"
        stored = (await self.core.append(events)).events[0]
        replayed = stored["id"] != events[0].id
        if not replayed:
            for ev in referenced:
                if ev["status"] == "received":
                    await self.desk.apply(ev, {"status": "updated"}, "supersede", INTAKE,
                                          f"CAP {alert.msg_type} {alert.identifier}")
        return ({"warning": summary(stored["id"], alert, stored["status"], communes),
                 "stored_as": "event", "in_region": True, "replayed": replayed},
                200 if replayed else 201)

    async def _cancel(self, alert: CapAlert, referenced: list[dict[str, Any]],
                      communes: list[str]) -> tuple[dict[str, Any], int]:
        """Cancel the received warnings a CAP Cancel references (their CAP becomes it)."""
        done = [await self.desk.apply(ev, {"status": "cancelled", "props": {
            **ev["props"], "cap": alert.model_dump(mode="json")}}, "cancel", INTAKE,
            f"CAP Cancel {alert.identifier}") for ev in referenced]
        return ({"warning": summary(done[0]["id"], alert, "cancelled", communes),
                 "stored_as": "event", "in_region": True, "replayed": False}, 200)

    async def _referenced(self, alert: CapAlert) -> list[dict[str, Any]]:
        wanted = {tuple(r.split(",")[:2]) for r in alert.references}
        if not wanted:
            return []
        return [ev for ev in await self.desk.all() if ev["props"].get("cap")
                and (ev["props"]["cap"]["sender"], ev["props"]["cap"]["identifier"]) in wanted
                and ev["status"] == "received"]

    async def external(self, key: str) -> CapAlert:
        """Return the CAP alert kept for reference under ``key``; raise NotFound."""
        doc = (await self.core.read(self.core.store.records, EXTERNAL)).get(key)
        if doc is None:
            raise NotFound(f"no warning {key!r}")
        return CapAlert.model_validate(doc["cap"])

    async def listing(self) -> list[dict[str, Any]]:
        """Return the summaries of the messages kept for reference, with their reason."""
        docs = await self.core.read(self.core.store.records, EXTERNAL)
        return [{**summary(k, CapAlert.model_validate(d["cap"]), "kept", []),
                 "reason": d["reason"]} for k, d in docs.items()]
