"""Key figures of the rivers and reservoirs for the wall (``GET /api/v1/kpis``, group ``flood``).

``RiverLevels``: each river gauge's latest level, its status by the alarm level reached (with
the same hysteresis as the alerts): ``ok`` below BĐ1, ``warn`` at BĐ1 or BĐ2, ``alarm`` at BĐ3.
``Reservoirs``: each reservoir's latest level (``warn`` at its normal water level, ``alarm``
above its flood-limit level where known) and its release (outflow, m³/s). Both read the sensor
service's latest readings (``SensorService.latest``), not the store.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

from server.core.kpis import Kpi, KpiContext, KpiGroup, KpiProvider

if TYPE_CHECKING:
    from geo.stations import Station
    from server.features.sensors.service import SensorService

FLOOD = KpiGroup("flood", "Sông, hồ chứa", "Rivers and reservoirs", order=20)
#: Status of a river gauge by the BĐ level reached (0 … 3).
RIVER_STATUS = ("ok", "warn", "warn", "alarm")
#: Status of a reservoir by the level reached (0, normal water level, flood-limit level).
RESERVOIR_STATUS = ("ok", "warn", "alarm")


def _short(station: "Station") -> str:
    return station.name.split(" (")[0].removeprefix("Hồ thủy điện ")


class SensorFigures(KpiProvider):
    """A provider over the sensor service's stations of one kind."""

    group = FLOOD
    station_kind: str = ""

    def __init__(self, sensors: "SensorService"):
        self.sensors = sensors

    def stations(self) -> list["Station"]:
        """Return the stations of ``station_kind``, in name order."""
        return sorted((s for s in self.sensors.stations.values() if s.kind == self.station_kind),
                      key=lambda s: s.name)


class RiverLevels(SensorFigures):
    """Each river gauge's latest level against its BĐ1/2/3."""

    id = "flood.rivers"
    station_kind = "hydro"

    async def items(self, ctx: KpiContext) -> list[Kpi]:
        """Return one figure per gauge: ``{value: metres or None, status}``; the label names the
        BĐ level reached (``Kim Long: trên BĐ2``)."""
        out = []
        for s in self.stations():
            value, lvl = self.sensors.latest(s, "water_level")
            names = [f"BĐ{i}" for i in range(1, 4)]
            where_vi = f"trên {names[lvl - 1]}" if lvl else "dưới BĐ1"
            where_en = f"above {names[lvl - 1]}" if lvl else "below BĐ1"
            out.append(Kpi(f"{self.id}.{s.id}", f"{_short(s)}: {where_vi}",
                           f"{_short(s)}: {where_en}", value, self.group.id, unit="m",
                           status="unknown" if value is None else RIVER_STATUS[min(lvl, 3)]))
        return out


class Reservoirs(SensorFigures):
    """Each reservoir's latest level and release."""

    id = "flood.reservoirs"
    station_kind = "reservoir"

    async def items(self, ctx: KpiContext) -> list[Kpi]:
        """Return two figures per reservoir with readings: level (m, status by the level's
        thresholds) and release (m³/s, the outflow reported with the level)."""
        out = []
        for s in self.stations():
            value, lvl = self.sensors.latest(s, "reservoir_level")
            if value is None:
                continue
            release, _ = self.sensors.latest(s, "outflow")
            name = _short(s)
            out.append(Kpi(f"{self.id}.{s.id}.level", f"Hồ {name}: mực nước",
                           f"{name} reservoir: level", value, self.group.id, unit="m",
                           status=RESERVOIR_STATUS[min(lvl, 2)]))
            out.append(Kpi(f"{self.id}.{s.id}.release", f"Hồ {name}: xả",
                           f"{name} reservoir: release", release, self.group.id, unit="m³/s",
                           status="unknown" if release is None else "ok"))
        return out
