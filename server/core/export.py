"""``ioc export``: stream the events of a store to GeoJSON, GeoPackage or CSV, chunk by chunk
(never the whole table in memory), with a tqdm progress bar.

GeoJSON features come ready-made from the store (PostGIS writes them with ``ST_AsGeoJSON``);
GeoPackage and CSV go through GeoDataFrames (``geopandas.read_postgis`` on PostGIS) that
``tidy`` turns into what files carry, and ``to_file`` / ``to_csv`` append chunk after chunk.
"""
from __future__ import annotations

import logging
import sys
from contextlib import ExitStack
from datetime import timezone
from pathlib import Path
from typing import IO, TYPE_CHECKING, Iterable, Iterator

import orjson
from tqdm import tqdm

from server.store.base import EventQuery, EventStore
from server.core.timefmt import to_rfc3339

if TYPE_CHECKING:
    import geopandas

log = logging.getLogger(__name__)

FORMATS = ("geojson", "gpkg", "csv")
TIME_COLUMNS = ("deadline", "observed_at", "received_at")
LAYER = "events"


def tidy(frame: "geopandas.GeoDataFrame", tz: timezone) -> "geopandas.GeoDataFrame":
    """Return a store's export frame as files carry it: times as RFC 3339 text in ``tz`` exactly
    as on the wire (GeoPackage DATETIME would keep milliseconds only), the cell as its
    15-hex-digit text, ``props`` as compact JSON with sorted keys, ``copied_to`` as
    comma-separated agency ids."""
    import pandas as pd
    from geo.h3grid import cell_to_str
    out = frame.copy()
    for col in TIME_COLUMNS:
        out[col] = [to_rfc3339(int(us), tz) if pd.notna(us) else None for us in out[col]]
    out["cell"] = out["cell"].map(cell_to_str)
    out["props"] = out["props"].map(
        lambda text: orjson.dumps(orjson.loads(text), option=orjson.OPT_SORT_KEYS).decode())
    out["copied_to"] = out["copied_to"].map(lambda text: ",".join(orjson.loads(text)))
    return out


def _bar(store: EventStore, since: int, query: EventQuery, progress: bool) -> tqdm:
    total = store.count(since, query) if progress else None
    return tqdm(total=total, unit="ev", desc="export", disable=not progress, file=sys.stderr)


def feature_collection(chunks: Iterable[list[str]]) -> Iterator[bytes]:
    """Yield the bytes of one GeoJSON FeatureCollection made of chunks of Feature texts."""
    yield b'{"type": "FeatureCollection", "features": [\n'
    sep = b""
    for features in chunks:
        if features:
            yield sep + ",\n".join(features).encode()
            sep = b",\n"
    yield b"\n]}\n"


def _counted(chunks: Iterable[list], bar: tqdm, seen: list[int]) -> Iterator[list]:
    for chunk in chunks:
        seen[0] += len(chunk)
        bar.update(len(chunk))
        yield chunk


def write_geojson(store: EventStore, out: IO[bytes], since: int, query: EventQuery, chunk: int,
                  bar: tqdm) -> int:
    """Write one FeatureCollection to ``out``; return how many features."""
    seen = [0]
    for part in feature_collection(_counted(store.export_geojson(since, query, chunk), bar, seen)):
        out.write(part)
    return seen[0]


def _frames(store: EventStore, since: int, query: EventQuery, chunk: int
            ) -> Iterator["geopandas.GeoDataFrame"]:
    for frame in store.export_frames(since, query, chunk):
        yield tidy(frame, store.tz)


def write_gpkg(store: EventStore, path: Path, since: int, query: EventQuery, chunk: int,
               bar: tqdm) -> int:
    """Write layer ``events`` of a GeoPackage at ``path`` (replaced); return how many rows."""
    n = 0
    for frame in _frames(store, since, query, chunk):
        frame.to_file(path, layer=LAYER, driver="GPKG", engine="pyogrio", mode="a" if n else "w")
        n += len(frame)
        bar.update(len(frame))
    if n == 0:
        _empty_frame(store.tz).to_file(path, layer=LAYER, driver="GPKG", engine="pyogrio")
    return n


def _empty_frame(tz: timezone) -> "geopandas.GeoDataFrame":
    """Return a frame with the export columns and no rows (so empty exports keep the schema)."""
    import geopandas as gpd
    from server.store.base import EXPORT_COLUMNS
    empty = gpd.GeoDataFrame({c: [] for c in EXPORT_COLUMNS}, geometry=gpd.points_from_xy([], []),
                             crs="EPSG:4326")
    return empty.astype({c: "string" for c in EXPORT_COLUMNS})


def write_csv(store: EventStore, out: IO[str], since: int, query: EventQuery, chunk: int,
              bar: tqdm) -> int:
    """Write CSV with a header to ``out`` (lat/lon columns, no geometry); return how many rows."""
    n = 0
    for frame in _frames(store, since, query, chunk):
        frame.drop(columns="geometry").to_csv(out, header=n == 0, index=False, lineterminator="\n")
        n += len(frame)
        bar.update(len(frame))
    return n


def export(store: EventStore, fmt: str, out: Path | None, since: int = 0,
           query: EventQuery | None = None, chunk: int = 5000, progress: bool = True) -> int:
    """Export the events with seq > ``since`` matching ``query`` to ``out`` (stdout when None,
    except for gpkg); return how many were written."""
    query = query or EventQuery()
    if fmt not in FORMATS:
        raise ValueError(f"unknown format {fmt!r}; use one of {', '.join(FORMATS)}")
    with ExitStack() as stack:
        bar = stack.enter_context(_bar(store, since, query, progress))
        if fmt == "gpkg":
            if out is None:
                raise ValueError("gpkg needs a file: give --out FILE.gpkg")
            return write_gpkg(store, out, since, query, chunk, bar)
        if fmt == "geojson":
            sink = stack.enter_context(open(out, "wb")) if out else sys.stdout.buffer
            return write_geojson(store, sink, since, query, chunk, bar)
        sink = (stack.enter_context(open(out, "w", encoding="utf-8", newline="")) if out
                else sys.stdout)
        return write_csv(store, sink, since, query, chunk, bar)
