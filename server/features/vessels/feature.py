"""Vessels at sea: the feature (AIS over TCP, UDP and HTTP, the fleet, storm readiness, sea
zones and danger zones; docs/VESSELS_AND_SENSORS.md)."""
from __future__ import annotations

from typing import Any, Mapping

import click

from layers.base import Layer
from layers.vessels import SeaZonesLayer, VesselsLayer
from server.core.feature import Feature, Route
from server.core.kinds import Kind
from server.core.openapi import Operations
from server.core.policy import Permission
from server.features.vessels import actions, handlers
from server.features.vessels.cli import ais
from server.features.vessels.kinds import VesselKind
from server.features.vessels.openapi import operations
from server.features.vessels.service import VesselService
from server.features.vessels.settings import VesselsSettings


class VesselsFeature(Feature):
    """The fleet from AIS, with silence and danger-zone alerts."""

    name = "vessels"
    settings = VesselsSettings

    def kinds(self) -> list[Kind]:
        """Return ``vessel``."""
        return [VesselKind()]

    def layers(self) -> list[Layer]:
        """Return the wall layers of the sea zones and the vessels."""
        return [SeaZonesLayer(), VesselsLayer()]

    def actions(self) -> list[Permission]:
        """Return the named actions this feature checks (``actions.py``)."""
        return list(actions.ACTIONS)

    def install(self, core: Any, needs: Mapping[str, Feature]) -> None:
        """Build the vessel service and attach it (bus listener, feeds)."""
        self.service = VesselService(core)
        self.service.attach()

    def routes(self, base: dict[str, Any]) -> list[Route]:
        """Return the vessel and AIS routes."""
        return handlers.routes(base, self.service)

    def openapi(self) -> Operations:
        """Return the vessel and AIS operations of the OpenAPI document."""
        return operations()

    def commands(self, cli: click.Group) -> None:
        """Add ``ioc ais`` (replay an AIS recording into a running server)."""
        cli.add_command(ais)
