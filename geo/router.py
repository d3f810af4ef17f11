"""Routing: a point, a category and a time give the H3 cell, the area, the one responsible agency,
the agencies that get a copy, and the deadline.

The boundary generation in force at the event's time picks the areas (``geo.areas.Generations``);
``geo.locator`` finds the area (H3 cell table + exact grid point-in-polygon, numba) and
``geo.rules`` the agencies (tables compiled once). Two paths share that implementation:

- ``route(lat, lon, category, observed_at)``: one event (streaming), one numba call;
- ``route_arrays(lat[], lon[], category[], t[])``: a batch, vectorised (all cores when large);
  ``route_many`` turns a batch into Route objects.
"""
from __future__ import annotations

import time
from dataclasses import dataclass
from typing import NamedTuple, Sequence

import numpy as np

from geo.agencies import AgencyRegistry
from geo.areas import AreaSet, Generations
from geo.categories import CategoryRegistry
from geo.locator import AreaLocator
from geo.region import ServiceRegion
from geo.rules import RoutingRules


class Route(NamedTuple):
    """Where one event goes: its H3 cell (int), area code (None outside every area), the
    responsible agency id, agencies that get a copy, the handling deadline in hours (None: no
    deadline) and the boundary generation used."""

    cell: int
    area: str | None
    agency_id: str
    copied_to: tuple[str, ...] = ()
    deadline_hours: float | None = None
    generation: str | None = None


@dataclass
class RouteBatch:
    """A routed batch as arrays (same order as the input): cells (int64), area index within its
    generation (int32, -1 outside), generation index (int8), category index (int32) and
    responsible agency index into ``RoutingRules.agency_ids`` (int32)."""

    cells: np.ndarray
    area: np.ndarray
    generation: np.ndarray
    category: np.ndarray
    agency: np.ndarray


def _now_us() -> int:
    return time.time_ns() // 1000


class Router:
    """Route events with the boundary generation in force at their time."""

    def __init__(self, generations: Generations, categories: CategoryRegistry,
                 agencies: AgencyRegistry, res: int = 9):
        self.generations = generations
        self.categories = categories
        self.agencies = agencies
        self.res = res
        self.rules = RoutingRules(categories, agencies, generations)
        self.locators = [AreaLocator(s, res) for s in generations.sets]

    @classmethod
    def default(cls, res: int = 9) -> "Router":
        """Return a router over the shipped generations, categories and agencies."""
        return cls(Generations.load(), CategoryRegistry.load(), AgencyRegistry.load(), res)

    @property
    def areaset(self) -> AreaSet:
        """Return the generation in force now."""
        return self.generations.sets[self.generations.index_at(_now_us())]

    @property
    def nbytes(self) -> int:
        """Return the memory held by every generation's grid and cell table, in bytes."""
        return sum(loc.nbytes for loc in self.locators) + sum(p.nbytes for p in self.rules.primary)

    def route(self, lat: float, lon: float, category: str, observed_at: int | None = None) -> Route:
        """Return the Route of one event (``observed_at`` in epoch µs; None: now)."""
        g = self.generations.index_at(_now_us() if observed_at is None else observed_at)
        cell, area = self.locators[g].locate(lat, lon)
        return self._route_of(g, self.rules.index_of(category), cell, area)

    def route_arrays(self, lat: np.ndarray, lon: np.ndarray, categories: Sequence[str] | np.ndarray,
                     times: np.ndarray | None = None, generation: str | None = None) -> RouteBatch:
        """Route a batch: ``categories`` as codes or category indexes, ``times`` in epoch µs
        (None: now). ``generation`` forces one boundary generation for every event instead of
        the one in force at its time. Return a RouteBatch."""
        lat = np.ascontiguousarray(lat, np.float64)
        lon = np.ascontiguousarray(lon, np.float64)
        cat = self.rules.indexes_of(categories)
        if generation is not None:
            gen = np.full(len(lat), self.generations.index_of(generation), np.int8)
        else:
            t = np.full(len(lat), _now_us(), np.int64) if times is None else np.asarray(times)
            gen = self.generations.indexes_at(t)
        cells, area = np.empty(len(lat), np.int64), np.empty(len(lat), np.int32)
        agency = np.empty(len(lat), np.int32)
        present = np.flatnonzero(np.bincount(gen, minlength=len(self.locators))).tolist()
        for g in present:
            pick = slice(None) if len(present) == 1 else gen == g
            cells[pick], area[pick] = self.locators[g].locate_many(lat[pick], lon[pick])
            agency[pick] = self.rules.primary[g][cat[pick], area[pick] + 1]
        return RouteBatch(cells, area, gen, cat, agency)

    def route_many(self, lat: np.ndarray, lon: np.ndarray, categories: Sequence[str],
                   times: Sequence[int] | np.ndarray | None = None,
                   generation: str | None = None) -> list[Route]:
        """Return one Route per event (same order); ``times`` in epoch µs (None: now);
        ``generation`` as in ``route_arrays``."""
        batch = self.route_arrays(lat, lon, categories, times, generation)
        return [self._route_of(g, c, cell, a) for g, c, cell, a in
                zip(batch.generation.tolist(), batch.category.tolist(), batch.cells.tolist(),
                    batch.area.tolist())]

    def _route_of(self, g: int, category: int, cell: int, area: int) -> Route:
        r = self.rules.resolved[g][category][area + 1]
        return Route(cell, r.area, r.agency_id, r.copied_to, r.deadline_hours, r.generation)


def service_region(areaset: AreaSet, buffer_km: float = 100.0) -> ServiceRegion:
    """Return the region of accepted points around ``areaset``'s territory."""
    return ServiceRegion(areaset.union(), buffer_km)
