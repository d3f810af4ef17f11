"""Flooded roads: the feature (segments of the main roads marked flooded or cleared by hand or by
a river gauge past alarm level 3; docs/FLOOD_OPERATIONS.md)."""
from __future__ import annotations

from typing import Any, Mapping

from server.core.feature import Feature, Route
from server.features.flood_roads import handlers
from server.features.flood_roads.book import FloodRoads


class FloodRoadsFeature(Feature):
    """One event per road segment, kept current on every node."""

    name = "flood_roads"
    requires = ("sensors",)  # a gauge past BĐ3 marks the roads near it

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
