"""Settings split by concern: the core's and each feature's fields do not overlap, the server's
``Settings`` holds them all, and every ``IOC_*`` variable still reaches its field."""
from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from server.core.feature import Feature, settings_bases
from server.core.settings import CoreSettings, SettingsBase
from server.features import FEATURES, Settings


def test_every_feature_declares_its_own_fields_disjoint_from_the_core_and_each_other():
    seen = dict.fromkeys(CoreSettings.model_fields, "core")
    for feature in FEATURES:
        assert feature.settings is not None, feature.name
        assert issubclass(feature.settings, SettingsBase)
        for field in feature.settings.model_fields:
            assert field not in seen, f"{field} of {feature.name} is also in {seen[field]}"
            seen[field] = feature.name
    assert set(Settings.model_fields) == set(seen)
    assert issubclass(Settings, CoreSettings)
    assert all(issubclass(Settings, f.settings) for f in FEATURES)


def test_a_field_declared_twice_is_refused():
    class Twice(SettingsBase):
        port: int = 1

    class Clash(Feature):
        name = "clash"
        settings = Twice

    with pytest.raises(ValueError, match="'port'"):
        settings_bases(CoreSettings, [Clash])


@pytest.mark.parametrize("env, field, value", [
    ("IOC_FLUSH_MS", "flush_ms", 250),
    ("DATABASE_URL", "db", "postgresql+psycopg://u@h/ioc"),
    ("IOC_DATA_DIR", "data_dir", Path("elsewhere")),
    ("IOC_REPORT_DISPUTE_DAYS", "report_dispute_days", 12.5),
    ("IOC_DISPATCH_RETRIAGE_S", "dispatch_retriage_s", 7.0),
    ("IOC_WARNING_SENDER", "warning_sender", "alerts@example.org"),
    ("IOC_FLOOD_ROAD_SNAP_M", "flood_road_snap_m", 150.0),
    ("IOC_AIS_TCP", "ais_tcp", "127.0.0.1:5631"),
    ("IOC_MQTT_TOPIC_PREFIX", "mqtt_topic_prefix", "hue/sensors"),
    ("IOC_CAMERA_STALE_S", "camera_stale_s", 90.0),
])
def test_each_environment_variable_reaches_its_field(monkeypatch, env, field, value):
    monkeypatch.setenv(env, str(value))
    assert getattr(Settings(), field) == value


def test_feature_validators_and_properties_carry_over(monkeypatch):
    monkeypatch.setenv("IOC_AIS_TCP", "a:1, b:2")
    assert Settings().ais_tcp_feeds == [("a", 1), ("b", 2)]
    with pytest.raises(ValidationError, match="is not host:port"):
        Settings(ais_tcp="nowhere")
    with pytest.raises(ValidationError, match="db must start with"):
        Settings(db="mysql://x")
    with pytest.raises(ValidationError, match="Extra inputs"):
        Settings(no_such_setting=1)
