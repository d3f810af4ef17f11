"""Flood operations: the feature (hotline calls and the app's SOS, triage, responder units and
their tablets, dispatch; docs/FLOOD_OPERATIONS.md)."""
from __future__ import annotations

from typing import Any, Mapping

from server.core.feature import Feature, Route
from server.features.dispatch import handlers
from server.features.dispatch.desk import DispatchDesk
from server.features.dispatch.kpis import providers


class DispatchFeature(Feature):
    """Calls for help, triaged and dispatched to responder units."""

    name = "dispatch"

    def install(self, core: Any, needs: Mapping[str, Feature]) -> None:
        """Build the desk: intake stage, bus listener, re-triage timer, key figures."""
        self.desk = DispatchDesk(core)
        core.add_intake(self.desk)
        self.desk.attach()
        for provider in providers(self.desk):
            core.kpis.register(provider)

    def routes(self, base: dict[str, Any]) -> list[Route]:
        """Return the call, SOS and unit routes."""
        return handlers.routes(base, self.desk)
