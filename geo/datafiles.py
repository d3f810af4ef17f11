"""Paths of the geodata shipped inside the project (see ``geo/data/SOURCES.md``)."""
from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path
from typing import Any

DATA_DIR = Path(__file__).resolve().parent / "data"

COMMUNES_2025 = "hue_communes_2025.geojson"
DISTRICTS_2019 = "hue_districts_2019.geojson"
PROVINCE_2019 = "hue_province_2019.geojson"
RIVERS = "hue_rivers_huong_basin.geojson"
ROADS = "hue_main_roads.geojson"
STATIONS = "hue_hydro_stations.geojson"
DAMS = "hue_hydropower_dams.geojson"
WATER_LEVELS = "hue_water_levels_2025-11.csv"


def data_path(name: str) -> Path:
    """Return the absolute path of a data file; raise FileNotFoundError with the name if missing."""
    path = DATA_DIR / name
    if not path.is_file():
        raise FileNotFoundError(f"data file {name!r} is missing from {DATA_DIR}")
    return path


@lru_cache(maxsize=None)
def _load_text(name: str) -> str:
    return data_path(name).read_text(encoding="utf-8")


def load_geojson(name: str) -> dict[str, Any]:
    """Return a fresh copy of a GeoJSON FeatureCollection shipped with the project."""
    return json.loads(_load_text(name))
