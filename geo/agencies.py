"""The agency registry: the units that act on events, and the service areas of companies.

Read from ``geo/data/agencies/*.json`` (each file may hold ``agencies`` and ``service_areas``;
see SOURCES there). An agency's ``area`` says where it is responsible:

- an area code (a commune or, in the districts-2019 generation, a district) — in every boundary
  generation that has an area with that code;
- a service area id (``sa-…``) — a company's area, listed as areas of one generation;
- ``"city"`` — everywhere (land and sea); ``"sea"`` — outside every land area (the border guard);
- none — the unit is not routed to directly (a company head office); it must then have a parent.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from geo.datafiles import DATA_DIR

AGENCIES_DIR = DATA_DIR / "agencies"
IOC_TRIAGE = "ioc"
AREA_CITY = "city"
AREA_SEA = "sea"


@dataclass(frozen=True)
class Agency:
    """A unit: id, Vietnamese and English names, type, level, parent id, area, note."""

    id: str
    vi: str
    en: str
    type: str
    level: str
    parent: str | None = None
    area: str | None = None
    note: str | None = None

    def to_json(self) -> dict[str, Any]:
        """Return ``{id, vi, en, type, level, parent, area, note}``."""
        return {"id": self.id, "vi": self.vi, "en": self.en, "type": self.type,
                "level": self.level, "parent": self.parent, "area": self.area, "note": self.note}


@dataclass(frozen=True)
class ServiceArea:
    """A company's service area: area codes per boundary generation; ``illustrative`` when the
    real area is not published and this one was built from communes."""

    id: str
    vi: str
    en: str
    illustrative: bool
    areas: dict[str, tuple[str, ...]] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        """Return ``{id, vi, en, illustrative, areas: {generation: [codes]}}``."""
        return {"id": self.id, "vi": self.vi, "en": self.en, "illustrative": self.illustrative,
                "areas": {g: list(c) for g, c in self.areas.items()}}


class AgencyRegistry:
    """All agencies and service areas by id (refuses duplicate ids)."""

    def __init__(self, agencies: list[Agency], service_areas: list[ServiceArea] = ()):
        self._by_id = {a.id: a for a in agencies}
        self.service_areas = {s.id: s for s in service_areas}
        if len(self._by_id) != len(agencies):
            raise ValueError("duplicate agency ids in the registry")
        if len(self.service_areas) != len(service_areas):
            raise ValueError("duplicate service area ids in the registry")
        self._children: dict[str, list[str]] = {}
        for a in agencies:
            if a.parent:
                self._children.setdefault(a.parent, []).append(a.id)
        self._subtrees: dict[str, frozenset[str]] = {}

    @classmethod
    def load(cls, folder: Path = AGENCIES_DIR) -> "AgencyRegistry":
        """Return the registry read from every ``*.json`` file in ``folder`` (sorted by name)."""
        agencies: list[Agency] = []
        areas: list[ServiceArea] = []
        for path in sorted(folder.glob("*.json")):
            doc = json.loads(path.read_text(encoding="utf-8"))
            agencies.extend(Agency(**{k: v for k, v in a.items() if not k.startswith("_")})
                            for a in doc.get("agencies", []))
            areas.extend(ServiceArea(s["id"], s["vi"], s["en"], bool(s.get("illustrative")),
                                     {g: tuple(c) for g, c in s["areas"].items()})
                         for s in doc.get("service_areas", []))
        return cls(agencies, areas)

    def get(self, agency_id: str) -> Agency | None:
        """Return the Agency with ``agency_id``, or None."""
        return self._by_id.get(agency_id)

    def all(self) -> list[Agency]:
        """Return every agency."""
        return list(self._by_id.values())

    def subtree(self, agency_id: str) -> frozenset[str]:
        """Return ``agency_id`` and every unit below it (``parent`` links): what a supervisor
        bound to it oversees."""
        if agency_id not in self._subtrees:
            seen, todo = {agency_id}, [agency_id]
            while todo:
                for child in self._children.get(todo.pop(), ()):
                    if child not in seen:
                        seen.add(child)
                        todo.append(child)
            self._subtrees[agency_id] = frozenset(seen)
        return self._subtrees[agency_id]

    def types(self) -> set[str]:
        """Return the agency types present."""
        return {a.type for a in self._by_id.values()}

    def problems(self, area_codes: set[str]) -> list[str]:
        """Return what is wrong with the registry itself (empty when valid).

        ``area_codes`` are the codes of every boundary generation. Checked: every agency has an
        area or a parent; parents exist and do not loop; an area is ``city``, ``sea``, a known
        service area or a known area code; service areas list known codes.
        """
        out = [] if IOC_TRIAGE in self._by_id else [f"no {IOC_TRIAGE!r} agency for triage"]
        for a in self._by_id.values():
            out.extend(self._agency_problems(a, area_codes))
        for s in self.service_areas.values():
            unknown = sorted({c for codes in s.areas.values() for c in codes} - area_codes)
            if unknown:
                out.append(f"service area {s.id} lists unknown area codes {unknown}")
        return out

    def _agency_problems(self, a: Agency, area_codes: set[str]) -> list[str]:
        out = []
        if a.area is None and a.parent is None:
            out.append(f"agency {a.id} has neither an area nor a parent")
        if a.parent is not None and a.parent not in self._by_id:
            out.append(f"agency {a.id} has an unknown parent {a.parent!r}")
        if a.area not in (None, AREA_CITY, AREA_SEA) and a.area not in self.service_areas \
                and a.area not in area_codes:
            out.append(f"agency {a.id} has an unknown area {a.area!r}")
        seen, cur = {a.id}, a.parent
        while cur is not None and cur in self._by_id:
            if cur in seen:
                out.append(f"agency {a.id}: its parents loop through {cur}")
                break
            seen.add(cur)
            cur = self._by_id[cur].parent
        return out
