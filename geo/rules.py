"""Routing rules compiled once into tables: for every boundary generation, category and area,
the agency that acts and the agencies that get a copy.

A category names an agency type (``route.agency_type``), optional fallback types tried in order
when no unit of that type serves the place (``route.fallback``) and copy types
(``route.copy``). For each generation, each type's *coverage* maps every area (plus column 0:
outside every area, i.e. the sea) to at most one unit:

- a unit whose area is an area code covers that area in every generation that has the code;
- a service area covers its listed areas; in a generation it does not list, each area goes to the
  type's service area that overlaps it most, provided that type's service areas together cover
  more than half of it;
- ``city`` covers every column, ``sea`` only column 0.

Nothing resolving → the IOC triages (never dropped). ``RoutingRules`` refuses a registry with
problems and says all of them (``RegistryError``).
"""
from __future__ import annotations

import logging
from dataclasses import dataclass

import numpy as np
import shapely

from geo.agencies import AREA_CITY, AREA_SEA, IOC_TRIAGE, Agency, AgencyRegistry, ServiceArea
from geo.areas import AreaSet, Generations
from geo.categories import Category, CategoryRegistry

log = logging.getLogger(__name__)

OUTSIDE = 0


class RegistryError(ValueError):
    """The registry or the category rules are inconsistent; ``problems`` lists every issue."""

    def __init__(self, problems: list[str]):
        super().__init__("invalid routing registry:\n  " + "\n  ".join(problems))
        self.problems = problems


@dataclass(frozen=True)
class Resolved:
    """Where events of one category in one area of one generation go."""

    area: str | None
    agency_id: str
    copied_to: tuple[str, ...]
    deadline_hours: float | None
    generation: str


def _overlap_share(target: AreaSet, regions: dict[str, object]) -> dict[str, np.ndarray]:
    """Return, per region id, the share of each target area it covers."""
    geoms = [a.geometry for a in target.areas]
    size = np.array([g.area for g in geoms])
    return {rid: shapely.area(shapely.intersection(geoms, geom)) / size
            for rid, geom in regions.items()}


class Coverage:
    """Which unit of each type serves each column (0 = outside, 1 + area index) of a generation."""

    def __init__(self, areaset: AreaSet, generations: Generations, registry: AgencyRegistry,
                 agency_index: dict[str, int], problems: list[str]):
        self.areaset = areaset
        self.by_type: dict[str, np.ndarray] = {}
        cols = {a.code: i + 1 for i, a in enumerate(areaset.areas)}
        derived = self._derived_members(areaset, generations, registry)
        for a in registry.all():
            for col in self._columns(a, cols, registry, derived):
                self._assign(a, col, agency_index, problems)

    def _columns(self, a: Agency, cols: dict[str, int], registry: AgencyRegistry,
                 derived: dict[tuple[str, str], list[str]]) -> list[int]:
        if a.area == AREA_CITY:
            return list(range(len(cols) + 1))
        if a.area == AREA_SEA:
            return [OUTSIDE]
        if a.area in registry.service_areas:
            sa = registry.service_areas[a.area]
            codes = sa.areas.get(self.areaset.generation, derived.get((a.type, sa.id), []))
            return [cols[c] for c in codes if c in cols]
        return [cols[a.area]] if a.area in cols else []

    def _assign(self, a: Agency, col: int, agency_index: dict[str, int],
                problems: list[str]) -> None:
        table = self.by_type.setdefault(a.type, np.full(len(self.areaset.areas) + 1, -1, np.int32))
        if table[col] != -1:
            where = self.areaset.areas[col - 1].code if col else "outside every area"
            problems.append(f"{self.areaset.generation}: two units of type {a.type} serve "
                            f"{where}: {list(agency_index)[table[col]]} and {a.id}")
        table[col] = agency_index[a.id]

    @staticmethod
    def _derived_members(areaset: AreaSet, generations: Generations,
                         registry: AgencyRegistry) -> dict[tuple[str, str], list[str]]:
        """Return {(agency type, service area id): area codes of ``areaset``} for the service
        areas that do not list ``areaset``'s generation."""
        by_type: dict[str, list[ServiceArea]] = {}
        for a in registry.all():
            sa = registry.service_areas.get(a.area or "")
            if sa is not None and areaset.generation not in sa.areas:
                by_type.setdefault(a.type, []).append(sa)
        out: dict[tuple[str, str], list[str]] = {}
        for agency_type, sas in by_type.items():
            shares = _overlap_share(areaset, {s.id: _service_geometry(s, generations) for s in sas})
            ids = list(shares)
            stack = np.vstack([shares[i] for i in ids])
            for k, area in enumerate(areaset.areas):
                if stack[:, k].sum() > 0.5:
                    key = (agency_type, ids[int(stack[:, k].argmax())])
                    out.setdefault(key, []).append(area.code)
        return out


def _service_geometry(sa: ServiceArea, generations: Generations):  # noqa: ANN202 - a geometry
    """Return the union of a service area's listed areas (in the first generation it lists)."""
    gen_id = next(g for g in sa.areas if g in generations.ids)
    areaset = generations.get(gen_id)
    return shapely.union_all([areaset.by_code(c).geometry for c in sa.areas[gen_id]])


class RoutingRules:
    """The compiled tables. ``resolved[g][c][col]``: the Resolved of generation g, category
    index c (the last index: unknown category) and column col; ``primary[g]`` the same agencies
    as an int32 array ``[category, column]`` of indexes into ``agency_ids``."""

    def __init__(self, categories: CategoryRegistry, registry: AgencyRegistry,
                 generations: Generations):
        codes = {a.code for s in generations.sets for a in s.areas}
        problems = registry.problems(codes)
        self.categories = categories.all()
        self.category_index = {c.code: i for i, c in enumerate(self.categories)}
        self.agency_ids = [a.id for a in registry.all()]
        agency_index = {a: i for i, a in enumerate(self.agency_ids)}
        coverages = [Coverage(s, generations, registry, agency_index, problems)
                     for s in generations.sets]
        problems += self._category_problems(registry.types())
        self.resolved = [self._resolve(cov) for cov in coverages]
        problems += self._unserved_land(coverages)
        if problems:
            raise RegistryError(problems)
        self.primary = [np.array([[agency_index[r.agency_id] for r in row] for row in gen],
                                 np.int32) for gen in self.resolved]

    def _category_problems(self, types: set[str]) -> list[str]:
        out = []
        for c in self.categories:
            named = ([c.agency_type] if c.agency_type else []) + list(c.fallback_types) \
                + list(c.copy_types)
            out += [f"category {c.code} routes to unknown agency type {t!r}"
                    for t in named if t not in types]
        return out

    def _resolve(self, cov: Coverage) -> list[list[Resolved]]:
        codes = [None] + cov.areaset.codes
        rows = [[self._resolve_one(cov, c, col, codes[col]) for col in range(len(codes))]
                for c in self.categories]
        rows.append([Resolved(code, IOC_TRIAGE, (), None, cov.areaset.generation)
                     for code in codes])
        return rows

    def _unit(self, cov: Coverage, agency_type: str, col: int) -> str | None:
        table = cov.by_type.get(agency_type)
        idx = -1 if table is None else int(table[col])
        return self.agency_ids[idx] if idx >= 0 else None

    def _resolve_one(self, cov: Coverage, cat: Category, col: int, code: str | None) -> Resolved:
        chain = ([cat.agency_type] if cat.agency_type else []) + list(cat.fallback_types)
        acting = next((u for t in chain if (u := self._unit(cov, t, col))), IOC_TRIAGE)
        copies: list[str] = []
        for t in cat.copy_types:
            unit = self._unit(cov, t, col)
            if unit and unit != acting and unit not in copies:
                copies.append(unit)
        return Resolved(code, acting, tuple(copies), cat.deadline_hours, cov.areaset.generation)

    def _unserved_land(self, coverages: list[Coverage]) -> list[str]:
        """A category that names a type but reaches only the IOC somewhere on land is a gap."""
        out = []
        for g, cov in enumerate(coverages):
            for c, cat in enumerate(self.categories):
                if cat.agency_type in (None, "ioc"):
                    continue
                gaps = [r.area for r in self.resolved[g][c][1:] if r.agency_id == IOC_TRIAGE]
                if gaps:
                    out.append(f"{cov.areaset.generation}: category {cat.code} ({cat.agency_type})"
                               f" reaches no unit in {len(gaps)} area(s), e.g. {gaps[0]}")
        return out

    def index_of(self, category: str) -> int:
        """Return a category's index (unknown categories get the IOC row)."""
        return self.category_index.get(category, len(self.categories))

    def indexes_of(self, categories) -> np.ndarray:  # noqa: ANN001 - a sequence or an array
        """Return int32 category indexes of a sequence of codes (integer arrays pass through)."""
        arr = np.asarray(categories)
        if arr.dtype.kind in "iu":
            return arr.astype(np.int32)
        uniq, inverse = np.unique(arr.astype(str), return_inverse=True)
        return np.array([self.index_of(u) for u in uniq], np.int32)[inverse]
