"""The features of the command center, one folder each (see docs/FEATURES.md).

``FEATURES`` is the one list of them: adding a feature is one line here. The registry builds
them in dependency order (``Feature.requires``), not in this order. ``Settings`` is the
server's settings class: the core's fields and every feature's (``Feature.settings``).
"""
from __future__ import annotations

from server.core.feature import Feature, FeatureRegistry, settings_bases
from server.core.kinds import KindRegistry
from server.core.service import kind_registry
from server.core.settings import CoreSettings
from server.features.cameras.feature import CamerasFeature
from server.features.dispatch.feature import DispatchFeature
from server.features.flood_roads.feature import FloodRoadsFeature
from server.features.reports.feature import ReportsFeature
from server.features.sensors.feature import SensorsFeature
from server.features.vessels.feature import VesselsFeature
from server.features.warnings.feature import WarningsFeature

FEATURES: tuple[type[Feature], ...] = (
    ReportsFeature,
    VesselsFeature,
    SensorsFeature,
    WarningsFeature,
    FloodRoadsFeature,
    CamerasFeature,
    DispatchFeature,
)


class Settings(*settings_bases(CoreSettings, FEATURES)):
    """All server settings. ``Settings()`` reads the environment; CLI flags override fields."""


def default_features() -> FeatureRegistry:
    """Return a registry of every feature, fresh (not installed)."""
    return FeatureRegistry(cls() for cls in FEATURES)


def default_kinds() -> KindRegistry:
    """Return the KindRegistry of a server with every feature: the core's kinds and theirs."""
    return kind_registry(default_features().kinds())
