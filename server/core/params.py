"""Query parameters of the HTTP API, parsed and checked without Tornado."""
from __future__ import annotations

import dataclasses
import math
from typing import Any, Callable

import numpy as np
import shapely
import shapely.validation
from shapely.geometry.base import BaseGeometry

from server.core.errors import BadRequest, ValidationFailed, detail
from server.store.base import EventQuery

DEFAULT_LIMIT = 1000
MAX_LIMIT = 10_000
DEFAULT_NEAREST, MAX_NEAREST = 10, 1000
MAX_POLYGON_POINTS = 20_000
SEARCH_KEYS = frozenset({"intersects", "since", "limit", "kind", "category", "area", "bbox"})
Getter = Callable[[str], str | None]


def parse_int(get: Getter, name: str, default: int, lo: int, hi: int) -> int:
    """Return integer parameter ``name`` within [lo, hi]; raise BadRequest naming it."""
    raw = get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise BadRequest(f"{name} must be an integer", [detail(name, f"got {raw!r}")]) from None
    if not lo <= value <= hi:
        raise BadRequest(f"{name} must be between {lo} and {hi}", [detail(name, f"got {value}")])
    return value


def parse_float(get: Getter, name: str, lo: float, hi: float) -> float:
    """Return the required number parameter ``name`` within [lo, hi]; raise BadRequest naming it."""
    raw = get(name)
    try:
        value = float(raw) if raw not in (None, "") else math.nan
    except ValueError:
        value = math.nan
    if not lo <= value <= hi:
        raise BadRequest(f"{name} must be a number between {lo:g} and {hi:g}",
                         [detail(name, f"got {raw!r}")])
    return value


def parse_bbox(raw: str | None, name: str = "bbox") -> tuple[float, float, float, float] | None:
    """Return ``minlon,minlat,maxlon,maxlat`` as floats, or None; raise BadRequest."""
    if raw is None or raw == "":
        return None
    parts = raw.split(",") if isinstance(raw, str) else list(raw)
    try:
        box = tuple(float(p) for p in parts)
    except (TypeError, ValueError):
        box = ()
    if len(box) != 4 or not all(math.isfinite(v) for v in box):
        raise BadRequest(f"{name} must be minlon,minlat,maxlon,maxlat",
                         [detail(name, f"got {raw!r}")])
    x0, y0, x1, y1 = box
    if not (-180 <= x0 <= x1 <= 180 and -90 <= y0 <= y1 <= 90):
        raise BadRequest(f"{name} needs -180 ≤ minlon ≤ maxlon ≤ 180 "
                         "and -90 ≤ minlat ≤ maxlat ≤ 90",
                         [detail(name, f"got {raw!r}")])
    return box  # type: ignore[return-value]


def parse_kinds(raw: str | None, known_kinds: list[str]) -> frozenset[str] | None:
    """Return the kinds of a comma-separated ``kind`` parameter, or None; raise BadRequest."""
    if not raw:
        return None
    kinds = frozenset(k.strip() for k in raw.split(",") if k.strip())
    unknown = sorted(kinds - set(known_kinds))
    if unknown:
        raise BadRequest(f"unknown kind(s): {', '.join(unknown)}",
                         [detail("kind", f"known kinds: {', '.join(known_kinds)}")])
    return kinds


def parse_filters(get: Getter, known_kinds: list[str]) -> EventQuery:
    """Return the EventQuery of ``kind, category, area, bbox``."""
    return EventQuery(kinds=parse_kinds(get("kind"), known_kinds), category=get("category") or None,
                      area=get("area") or None, bbox=parse_bbox(get("bbox")))


def parse_event_query(get: Getter, known_kinds: list[str]) -> tuple[int, EventQuery, int]:
    """Return (since, EventQuery, limit) from ``since, kind, category, area, bbox, limit``."""
    since = parse_int(get, "since", 0, 0, 2**62)
    limit = parse_int(get, "limit", DEFAULT_LIMIT, 1, MAX_LIMIT)
    return since, parse_filters(get, known_kinds), limit


def parse_nearest(get: Getter, known_kinds: list[str]) -> tuple[float, float, int, EventQuery]:
    """Return (lat, lon, n, EventQuery) from ``lat, lon, n`` and the filters."""
    lat, lon = parse_float(get, "lat", -90, 90), parse_float(get, "lon", -180, 180)
    n = parse_int(get, "n", DEFAULT_NEAREST, 1, MAX_NEAREST)
    return lat, lon, n, parse_filters(get, known_kinds)


def parse_polygon(geometry: Any, path: str = "intersects") -> BaseGeometry:
    """Return a GeoJSON Polygon/MultiPolygon (lon, lat) as a valid shapely geometry; raise
    ValidationFailed saying what is wrong."""
    def fail(message: str) -> ValidationFailed:
        return ValidationFailed(f"{path} is not a usable polygon", [detail(path, message)])
    if not isinstance(geometry, dict) or geometry.get("type") not in ("Polygon", "MultiPolygon"):
        raise fail('expected a GeoJSON geometry {"type": "Polygon" or "MultiPolygon", '
                   '"coordinates": [...]} in lon, lat order')
    try:
        geom = shapely.geometry.shape(geometry)
        xy = shapely.get_coordinates(geom)
    except (ValueError, TypeError, KeyError, IndexError, AttributeError,
            shapely.errors.ShapelyError) as exc:
        raise fail(f"unreadable coordinates: {exc}") from None
    if len(xy) > MAX_POLYGON_POINTS:
        raise fail(f"{len(xy)} points; at most {MAX_POLYGON_POINTS}")
    if geom.is_empty:
        raise fail("has no points")
    if not (np.isfinite(xy).all() and (np.abs(xy) <= [180, 90]).all()):
        raise fail("needs points with -180 ≤ lon ≤ 180 and -90 ≤ lat ≤ 90")
    if not geom.is_valid:
        raise fail(f"invalid polygon: {shapely.validation.explain_validity(geom)}")
    return geom


def parse_search(doc: Any, known_kinds: list[str]) -> tuple[int, EventQuery, int]:
    """Return (since, EventQuery with the polygon, limit) of a search body
    ``{"intersects": GeoJSON polygon, "since", "limit", "kind", "category", "area", "bbox"}``."""
    if not isinstance(doc, dict) or "intersects" not in doc:
        raise ValidationFailed("expected {\"intersects\": GeoJSON polygon, …}",
                               [detail("intersects", "required")])
    extra = sorted(set(doc) - SEARCH_KEYS)
    if extra:
        raise ValidationFailed("unexpected keys in the search",
                               [detail(k, f"allowed: {', '.join(sorted(SEARCH_KEYS))}")
                                for k in extra])

    def get(name: str) -> str | None:
        value = doc.get(name)
        return ",".join(map(str, value)) if isinstance(value, list) else \
            (None if value is None else str(value))

    since, query, limit = parse_event_query(get, known_kinds)
    return since, dataclasses.replace(query, polygon=parse_polygon(doc["intersects"])), limit
