"""Public warnings: the feature (drafts from gauge crossings and by hand, approval, CAP 1.2 out and
in, reach, the contacts registry, the Atom feed; docs/WARNINGS.md)."""
from __future__ import annotations

from typing import Any, Mapping

from layers.base import Layer
from layers.warnings import WarningsLayer
from server.core.feature import Feature, Route
from server.core.kinds import Kind
from server.core.openapi import Operations
from server.core.policy import Permission
from server.features.warnings import actions, handlers
from server.features.warnings.desk import WarningDesk
from server.features.warnings.kinds import WarningKind
from server.features.warnings.openapi import operations
from server.features.warnings.settings import WarningsSettings


class WarningsFeature(Feature):
    """Warnings drafted, approved, sent, updated, cancelled and expired."""

    name = "warnings"
    requires = ("sensors",)  # gauge crossings draft warnings
    optional = ("vessels",)  # a sent warning's area becomes a danger zone for vessels
    settings = WarningsSettings

    def kinds(self) -> list[Kind]:
        """Return ``warning``."""
        return [WarningKind()]

    def layers(self) -> list[Layer]:
        """Return the wall layers of the warnings."""
        return [WarningsLayer()]

    def actions(self) -> list[Permission]:
        """Return the named actions this feature checks (``actions.py``)."""
        return list(actions.ACTIONS)

    def install(self, core: Any, needs: Mapping[str, Feature]) -> None:
        """Build the desk, hook it to the sensors' threshold engine, start its timer."""
        vessels = needs.get("vessels")
        self.desk = WarningDesk(core, vessels.service if vessels else None)
        needs["sensors"].service.engine.on_crossing(self.desk.on_crossing)
        core.add_background(self.desk.run)

    def routes(self, base: dict[str, Any]) -> list[Route]:
        """Return the warning, CAP and public feed routes."""
        return handlers.routes(base, self.desk)

    def openapi(self) -> Operations:
        """Return the warning, CAP and public feed operations of the OpenAPI document."""
        return operations()
