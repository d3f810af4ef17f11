"""Sensors: the feature (stations, MQTT and posted readings, threshold levels, the wall's river
and reservoir figures; docs/VESSELS_AND_SENSORS.md)."""
from __future__ import annotations

from typing import Any, Mapping

from layers.base import Layer
from layers.sensors import SensorsLayer
from server.core.feature import Feature, Route
from server.core.kinds import Kind
from server.core.openapi import Operations
from server.core.policy import Permission
from server.features.sensors import actions, handlers
from server.features.sensors.kinds import SensorReadingKind
from server.features.sensors.kpis import Reservoirs, RiverLevels
from server.features.sensors.openapi import operations
from server.features.sensors.service import SensorService
from server.features.sensors.settings import SensorsSettings


class SensorsFeature(Feature):
    """Gauges, rain, reservoirs and air: readings, levels and alerts."""

    name = "sensors"
    settings = SensorsSettings

    def kinds(self) -> list[Kind]:
        """Return ``sensor_reading``."""
        return [SensorReadingKind()]

    def layers(self) -> list[Layer]:
        """Return the wall layers of the stations."""
        return [SensorsLayer()]

    def actions(self) -> list[Permission]:
        """Return the named actions this feature checks (``actions.py``)."""
        return list(actions.ACTIONS)

    def install(self, core: Any, needs: Mapping[str, Feature]) -> None:
        """Build the sensor service: the intake stage of posted readings, its book (stations and
        open alerts, followed on the bus) with the MQTT feed and timers, the river and reservoir
        figures. Its ``engine.on_crossing`` lets other
        features (warnings, flooded roads) hear level crossings."""
        self.service = SensorService(core)
        core.add_intake(self.service)
        self.service.attach()
        core.kpis.register(RiverLevels(self.service))
        core.kpis.register(Reservoirs(self.service))

    def routes(self, base: dict[str, Any]) -> list[Route]:
        """Return the station, series and readings routes."""
        return handlers.routes(base, self.service)

    def openapi(self) -> Operations:
        """Return the station, series and readings operations of the OpenAPI document."""
        return operations()
