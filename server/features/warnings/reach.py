"""Who a warning reaches, counted before it is sent: open SOS and hotline cases, responder
units, vessels and registered contacts inside the target area.

Events are counted with the store's polygon query (``EventQuery.polygon``: PostGIS
``ST_Intersects`` on its GiST index, SQLite a box then shapely), paged by seq. Contacts are
citizens or households who asked to be warned for a commune or a place; they live in the
store's records (kind ``warning_contact``) and their phone never leaves the staff API.
"""
from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

import shapely
from pydantic import BaseModel, ConfigDict, Field, ValidationError
from shapely.geometry.base import BaseGeometry

from geo.datafiles import data_path
from server.core.errors import ValidationFailed, detail
from server.core.events import pydantic_details
from server.store import EventQuery
from server.core.timefmt import parse_rfc3339

if TYPE_CHECKING:
    from server.core.service import EventService

CONTACTS = "warning_contact"
CONTACTS_FILE = "warning_contacts_illustrative.json"
PAGE = 5000
MAX_PAGES = 200
HOUR_US = 3_600_000_000
AVAILABLE_UNITS = frozenset({"available", "done"})


class Contact(BaseModel):
    """A registered contact: who, their phone (private), the communes they asked to be warned
    for and, optionally, the place (their home)."""

    model_config = ConfigDict(extra="forbid")
    name: str = Field(min_length=1, max_length=100)
    phone: str = Field(pattern=r"^\+?[0-9 .-]{6,20}$")
    communes: list[str] = Field(default_factory=list, max_length=40)
    lat: float | None = Field(None, ge=-90, le=90)
    lon: float | None = Field(None, ge=-180, le=180)
    lang: str = Field("vi", pattern=r"^(vi|en)$")
    illustrative: bool = False

    def inside(self, communes: set[str], geom: BaseGeometry) -> bool:
        """Return True when one of its communes is targeted or its place lies in ``geom``."""
        if communes.intersection(self.communes):
            return True
        return self.lat is not None and self.lon is not None \
            and bool(shapely.intersects_xy(geom, self.lon, self.lat))


def parse_contacts(doc: Any, known_communes: list[str]) -> dict[str, Contact]:
    """Return ``{id: Contact}`` from ``{"contacts": [{"id", ...Contact}]}``; raise
    ValidationFailed naming every problem."""
    items = doc.get("contacts") if isinstance(doc, dict) else None
    if not isinstance(items, list) or not items:
        raise ValidationFailed("expected {\"contacts\": [...]}",
                               [detail("contacts", "a non-empty list")])
    out, problems = {}, []
    for i, item in enumerate(items):
        cid = item.get("id") if isinstance(item, dict) else None
        if not isinstance(cid, str) or not 0 < len(cid) <= 64:
            problems.append(detail(f"contacts[{i}].id", "a text of 1 to 64 characters"))
            continue
        try:
            contact = Contact.model_validate({k: v for k, v in item.items() if k != "id"})
        except ValidationError as exc:
            problems += pydantic_details(f"contacts[{i}]", exc)
            continue
        problems += [detail(f"contacts[{i}].communes", f"unknown commune code {c!r}")
                     for c in contact.communes if c not in known_communes]
        out[cid] = contact
    if problems:
        raise ValidationFailed("invalid contacts", problems)
    return out


def illustrative_contacts() -> dict[str, Any]:
    """Return the shipped illustrative contacts file as a ``{"contacts": [...]}`` document."""
    return json.loads(data_path(CONTACTS_FILE).read_text(encoding="utf-8"))


async def _events_in(core: "EventService", kinds: set[str],
                     geom: BaseGeometry) -> list[dict[str, Any]]:
    query = EventQuery(kinds=frozenset(kinds), polygon=geom)
    out: list[dict[str, Any]] = []
    since = 0
    for _ in range(MAX_PAGES):
        page = await core.read_page(since, query, PAGE)
        out += page.events
        if len(page.events) < PAGE:
            break
        since = page.next_since
    return out


async def reach(core: "EventService", geom: BaseGeometry, communes: list[str]) -> dict[str, int]:
    """Return ``{sos_open, hotline_open, responders, responders_available, vessels, contacts}``
    inside ``geom`` (vessels: distinct MMSI seen there within ``warning_vessel_hours``)."""
    if geom.is_empty:
        return {k: 0 for k in ("sos_open", "hotline_open", "responders", "responders_available",
                               "vessels", "contacts")}
    shapely.prepare(geom)
    calls = await _events_in(core, {"sos", "hotline_call"}, geom)
    units = await _events_in(core, {"responder"}, geom)
    after = core.clock.now() - int(core.settings.warning_vessel_hours * HOUR_US)
    boats = {ev["props"].get("mmsi") for ev in await _events_in(core, {"vessel"}, geom)
             if parse_rfc3339(ev["observed_at"]) >= after}
    docs = await core.read(core.store.records, CONTACTS)
    targeted = set(communes)
    open_calls = [ev for ev in calls if ev["status"] not in core.kinds.closed(ev["kind"])]
    return {"sos_open": sum(ev["kind"] == "sos" for ev in open_calls),
            "hotline_open": sum(ev["kind"] == "hotline_call" for ev in open_calls),
            "responders": len(units),
            "responders_available": sum(ev["status"] in AVAILABLE_UNITS for ev in units),
            "vessels": len(boats - {None}),
            "contacts": sum(Contact.model_validate(d).inside(targeted, geom)
                            for d in docs.values())}
