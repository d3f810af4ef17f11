"""The kinds of the sensors feature: ``sensor_reading``, one event per reading of a station
(rain, river level, air, waste water, reservoirs)."""
from __future__ import annotations

from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict, Field

from server.core.kinds import Kind

ID_PATTERN = r"^[a-z0-9][a-z0-9_-]{0,63}$"


class SensorReadingProps(BaseModel):
    """Props of a ``sensor_reading``: station, quantity, value in the quantity's canonical unit,
    the threshold level reached (0: none), and derived values (e.g. ``rain_1h``, ``rain_24h``) or
    companions reported with it (a reservoir's ``reservoir_volume``, ``inflow``, ``outflow``)."""

    model_config = ConfigDict(extra="forbid")
    station: str = Field(pattern=ID_PATTERN)
    station_name: str | None = Field(None, max_length=100)
    quantity: str = Field(pattern=ID_PATTERN)
    value: float = Field(allow_inf_nan=False)
    unit: str = Field(max_length=16)
    level: int = Field(0, ge=0, le=10)
    derived: dict[str, float] = Field(default_factory=dict)


class SensorReadingKind(Kind):
    """A reading: stored ``observed``; the wall keeps the newest per station and quantity."""

    name = "sensor_reading"
    props_model = SensorReadingProps
    statuses = ("observed",)
    example_props: ClassVar[dict[str, Any]] = {"station": "kim-long", "quantity": "water_level",
                                               "value": 1.2, "unit": "m"}
