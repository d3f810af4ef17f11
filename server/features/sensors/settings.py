"""The sensors feature's settings (``IOC_MQTT_*``, ``IOC_SENSOR_*``; see
docs/VESSELS_AND_SENSORS.md)."""
from __future__ import annotations

from pydantic import Field

from server.core.settings import SettingsBase


class SensorsSettings(SettingsBase):
    """Sensors (MQTT): the broker, its topics, the series kept."""

    mqtt_url: str | None = Field(None, pattern=r"^mqtts?://[^/:]+(:\d+)?/?$",
                                 description="MQTT broker for sensor readings, "
                                             "e.g. mqtt://127.0.0.1:1883 (unset: off).")
    mqtt_topic_prefix: str = Field("ioc/sensors", pattern=r"^[^#+]+$",
                                   description="Readings arrive on {prefix}/{station}/{quantity}.")
    sensor_series_points: int = Field(288, ge=2, le=100_000,
                                      description="Recent readings kept per station and "
                                                  "quantity for sparklines.")
