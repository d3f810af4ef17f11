"""Query parameters of the HTTP API, parsed and checked without Tornado."""
from __future__ import annotations

import math
from typing import Callable

from server.errors import BadRequest, detail
from server.store.base import EventQuery

DEFAULT_LIMIT = 1000
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
        raise BadRequest(f"{name} must be minlon,minlat,maxlon,maxlat", [detail(name, f"got {raw!r}")])
    x0, y0, x1, y1 = box
    if not (-180 <= x0 <= x1 <= 180 and -90 <= y0 <= y1 <= 90):
        raise BadRequest(f"{name} needs -180 ≤ minlon ≤ maxlon ≤ 180 and -90 ≤ minlat ≤ maxlat ≤ 90",
                         [detail(name, f"got {raw!r}")])
    return box  # type: ignore[return-value]


def parse_event_query(get: Getter, known_kinds: list[str]) -> tuple[int, EventQuery, int]:
    """Return (since, EventQuery, limit) from ``since, kind, category, area, bbox, limit``."""
    since = parse_int(get, "since", 0, 0, 2**62)
    limit = parse_int(get, "limit", DEFAULT_LIMIT, 1, 10_000)
    kinds = None
    if get("kind"):
        kinds = frozenset(k.strip() for k in get("kind").split(",") if k.strip())
        unknown = sorted(kinds - set(known_kinds))
        if unknown:
            raise BadRequest(f"unknown kind(s): {', '.join(unknown)}",
                             [detail("kind", f"known kinds: {', '.join(known_kinds)}")])
    query = EventQuery(kinds=kinds, category=get("category") or None, area=get("area") or None,
                       bbox=parse_bbox(get("bbox")))
    return since, query, limit
