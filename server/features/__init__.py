"""The features of the command center, one folder each (see docs/FEATURES.md).

``FEATURES`` is the one list of them: adding a feature is one line here. The registry builds
them in dependency order (``Feature.requires``), not in this order. ``Settings`` is the
server's settings class: the core's fields and every feature's (``Feature.settings``).
"""
from __future__ import annotations

from layers.registry import LayerRegistry, core_layers
from server.core.clock import Clock
from server.core.feature import Feature, FeatureRegistry, settings_bases
from server.core.kinds import KindRegistry
from server.core.service import EventService, build_service, kind_registry
from server.core.settings import CoreSettings
from server.features.cameras.feature import CamerasFeature
from server.features.dispatch.feature import DispatchFeature
from server.features.flood_roads.feature import FloodRoadsFeature
from server.features.media.feature import MediaFeature
from server.features.notify.feature import NotifyFeature
from server.features.people.feature import PeopleFeature
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
    PeopleFeature,
    NotifyFeature,
    MediaFeature,
)


class Settings(*settings_bases(CoreSettings, FEATURES)):
    """All server settings. ``Settings()`` reads the environment; CLI flags override fields."""


def default_features() -> FeatureRegistry:
    """Return a registry of every feature, fresh (not installed)."""
    return FeatureRegistry(cls() for cls in FEATURES)


def build_core(settings: CoreSettings, features: FeatureRegistry,
               clock: Clock | None = None) -> EventService:
    """Return the core (an EventService, not started) for ``features``: their kinds and layers
    with the core's own; ``features.install(core)`` comes next (``make_app`` does it)."""
    return build_service(settings, clock, kinds=features.kinds(), layers=features.layers())


def default_layers() -> LayerRegistry:
    """Return the LayerRegistry of a server with every feature: the core's layers and theirs."""
    return LayerRegistry([*core_layers(), *default_features().layers()])


def default_kinds() -> KindRegistry:
    """Return the KindRegistry of a server with every feature: the core's kinds and theirs."""
    return kind_registry(default_features().kinds())
