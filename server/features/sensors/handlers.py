"""Sensor handlers: stations with their latest readings, sparkline series, station registration."""
from __future__ import annotations

from server.core import policy
from server.features.sensors import actions
from server.core.auth import view_of
from server.features.sensors.service import SensorService
from server.web.base import FeatureHandler, StreamedBodyHandler


class SensorHandler(FeatureHandler):
    """Base: ``self.sensors`` is the SensorService."""

    @property
    def sensors(self) -> SensorService:
        """Return the SensorService built once in ``install``."""
        return self.feature


class SensorsHandler(SensorHandler):
    """``GET /api/v1/sensors``: stations, latest readings and levels, quantities, feed counters."""

    def get(self) -> None:
        """Answer ``{"stations": [...], "quantities": [...], "topic_scheme", "feed"}``."""
        view_of(self.principal)
        prefix = self.core.settings.mqtt_topic_prefix
        self.write_json({"stations": self.sensors.listing(),
                         "quantities": [q.to_json() for q in self.sensors.quantities.values()],
                         "topic_scheme": f"{prefix}/{{station}}/{{quantity}}",
                         "feed": dict(self.sensors.counters.__dict__)})


class StationHandler(SensorHandler, StreamedBodyHandler):
    """``GET /api/v1/sensors/{id}``; ``PUT`` registers or replaces a station."""

    def get(self, station_id: str) -> None:
        """Answer the station with its latest readings."""
        view_of(self.principal)
        self.sensors.series(station_id, None)  # raises NotFound for an unknown station
        self.write_json(self.sensors.describe(self.sensors.stations[station_id]))

    async def put(self, station_id: str) -> None:
        """Store the station; answer it."""
        policy.require(self.principal, actions.MANAGE)
        station = await self.sensors.register(station_id, self.body_json())
        self.write_json(self.sensors.describe(station))


class SeriesHandler(SensorHandler):
    """``GET /api/v1/sensors/{id}/series?quantity=``: recent values for a sparkline."""

    def get(self, station_id: str) -> None:
        """Answer ``{station, quantity, unit, t: [epoch s], v: [...], level, thresholds}``."""
        view_of(self.principal)
        self.write_json(self.sensors.series(station_id, self.get_query_argument("quantity", None)))


class ReadingsHandler(SensorHandler, StreamedBodyHandler):
    """``POST /api/v1/sensors/{id}/readings``: readings through the API (operators, supervisors,
    admins), e.g. a gauge series replayed or a station without MQTT."""

    async def post(self, station_id: str) -> None:
        """Answer ``{"station", "accepted", "level"}`` once every reading is stored."""
        policy.require(self.principal, actions.MANAGE)
        self.write_json(await self.sensors.post_readings(station_id, self.body_json()))


def routes(base: dict, sensors: SensorService) -> list[tuple]:
    """Return the sensor routes over ``sensors``."""
    args = {**base, "feature": sensors}
    sid = r"([a-z0-9][a-z0-9_-]{0,63})"
    return [
        (r"/api/v1/sensors", SensorsHandler, args),
        (rf"/api/v1/sensors/{sid}", StationHandler, args),
        (rf"/api/v1/sensors/{sid}/series", SeriesHandler, args),
        (rf"/api/v1/sensors/{sid}/readings", ReadingsHandler, args),
    ]
