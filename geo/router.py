"""Routing: a point and a category give the cell, the area and the one responsible agency.

The batch path (``route_many``) and the scalar path (``route``) share one implementation.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from geo.agencies import IOC_TRIAGE, AgencyRegistry, commune_committee_id
from geo.areas import AreaSet, communes_2025
from geo.categories import CategoryRegistry
from geo.locator import AreaLocator
from geo.region import ServiceRegion


@dataclass(frozen=True)
class Route:
    """Where one event goes: its H3 cell (int), area code (or None), the responsible agency id,
    agencies that get a copy, and the handling deadline in hours (None: no deadline)."""

    cell: int
    area: str | None
    agency_id: str
    copied_to: tuple[str, ...] = ()
    deadline_hours: float | None = None


class Router:
    """Route events to areas and agencies within one generation of areas."""

    def __init__(self, areaset: AreaSet, categories: CategoryRegistry, agencies: AgencyRegistry,
                 res: int = 9):
        self.areaset = areaset
        self.categories = categories
        self.agencies = agencies
        self.locator = AreaLocator(areaset, res)

    @classmethod
    def default(cls, res: int = 9) -> "Router":
        """Return a router over the 2025 communes with the shipped categories."""
        areas = communes_2025()
        return cls(areas, CategoryRegistry.load(), AgencyRegistry.from_communes(areas), res)

    def route_many(self, lat: np.ndarray, lon: np.ndarray, categories: list[str]) -> list[Route]:
        """Return one Route per point (same order)."""
        cells, idx = self.locator.locate_many(lat, lon)
        codes = self.locator.codes_of(idx)
        return [self._route_one(int(c), code, cat)
                for c, code, cat in zip(cells.tolist(), codes, categories)]

    def route(self, lat: float, lon: float, category: str) -> Route:
        """Return the Route of one point (the scalar path of ``route_many``)."""
        return self.route_many(np.array([lat]), np.array([lon]), [category])[0]

    def _route_one(self, cell: int, area: str | None, category: str) -> Route:
        cat = self.categories.get(category)
        agency = commune_committee_id(area) if area else IOC_TRIAGE
        return Route(cell, area, agency, (), cat.deadline_hours if cat else None)


def service_region(areaset: AreaSet, buffer_km: float = 100.0) -> ServiceRegion:
    """Return the region of accepted points around ``areaset``'s territory."""
    return ServiceRegion(areaset.union(), buffer_km)
