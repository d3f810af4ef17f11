"""Flooded roads: the feature (segments of the main roads marked flooded or cleared by hand or by
a river gauge past alarm level 3; docs/FLOOD_OPERATIONS.md)."""
from __future__ import annotations

from typing import Any, Mapping

from layers.base import Layer
from layers.floodroads import FloodRoadsLayer
from server.core.feature import Feature, Route
from server.core.kinds import Kind
from server.core.openapi import Operations
from server.core.policy import Permission
from server.features.flood_roads import actions, handlers
from server.features.flood_roads.book import FloodRoads
from server.features.flood_roads.kinds import FloodRoadKind
from server.features.flood_roads.openapi import operations
from server.features.flood_roads.settings import FloodRoadsSettings


class FloodRoadsFeature(Feature):
    """One event per road segment, kept current on every node."""

    name = "flood_roads"
    requires = ("sensors",)  # a gauge past BĐ3 marks the roads near it
    settings = FloodRoadsSettings

    def kinds(self) -> list[Kind]:
        """Return ``flood_road``."""
        return [FloodRoadKind()]

    def layers(self) -> list[Layer]:
        """Return the wall layers of the flooded roads."""
        return [FloodRoadsLayer()]

    def actions(self) -> list[Permission]:
        """Return the named actions this feature checks (``actions.py``)."""
        return list(actions.ACTIONS)

    def install(self, core: Any, needs: Mapping[str, Feature]) -> None:
        """Build the book: it follows the store (bus and background task), refuses flood_road
        events posted to the events API (an intake stage) and hears the sensors' level
        crossings."""
        self.book = FloodRoads(core)
        self.book.attach()
        core.add_intake(self.book)
        needs["sensors"].service.engine.on_crossing(self.book.on_crossing)

    def routes(self, base: dict[str, Any]) -> list[Route]:
        """Return the flooded-road routes."""
        return handlers.routes(base, self.book)

    def openapi(self) -> Operations:
        """Return the flooded-road operations of the OpenAPI document."""
        return operations()
