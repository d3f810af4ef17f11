"""Sensor readings as a gateway posts them through the events API."""
from __future__ import annotations

from geo.stations import load_stations

STATIONS = load_stations()


def reading(station: str, value: float, unit: str = "m", quantity: str = "water_level",
            category: str = "sensor.water_level", **props) -> dict:  # noqa: ANN003
    """Return a reading posted by a gateway, at the station's place (central Huế if unknown)."""
    where = STATIONS.get(station)
    lat, lon = (where.lat, where.lon) if where else (16.4637, 107.5909)
    return {"kind": "sensor_reading", "category": category, "lat": lat, "lon": lon,
            "source": {"channel": "gateway"},
            "props": {"station": station, "quantity": quantity, "value": value, "unit": unit,
                      **props}}


def reservoir(station: str, level: float, **derived) -> dict:  # noqa: ANN003
    """Return a reservoir's level with its companions."""
    return reading(station, level, quantity="reservoir_level", category="sensor.reservoir",
                   derived=derived)
