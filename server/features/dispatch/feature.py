"""Flood operations: the feature (hotline calls and the app's SOS, triage, responder units and
their tablets, dispatch; docs/FLOOD_OPERATIONS.md)."""
from __future__ import annotations

from typing import Any, Mapping

from layers.base import Layer
from layers.emergency import HotlineCallsLayer, SosLayer
from layers.responders import RespondersLayer
from server.core.feature import Feature, Route
from server.core.kinds import Kind
from server.core.openapi import Operations
from server.core.policy import Permission
from server.features.dispatch import actions, handlers
from server.features.dispatch.desk import DispatchDesk
from server.features.dispatch.kinds import HotlineCallKind, ResponderKind, SosKind
from server.features.dispatch.kpis import providers
from server.features.dispatch.openapi import operations
from server.features.dispatch.settings import DispatchSettings


class DispatchFeature(Feature):
    """Calls for help, triaged and dispatched to responder units."""

    name = "dispatch"
    settings = DispatchSettings

    def kinds(self) -> list[Kind]:
        """Return ``sos``, ``hotline_call`` and ``responder``."""
        return [SosKind(), HotlineCallKind(), ResponderKind()]

    def layers(self) -> list[Layer]:
        """Return the wall layers of SOS, hotline calls and responder units."""
        return [SosLayer(), HotlineCallsLayer(), RespondersLayer()]

    def actions(self) -> list[Permission]:
        """Return the named actions this feature checks (``actions.py``)."""
        return list(actions.ACTIONS)

    def install(self, core: Any, needs: Mapping[str, Feature]) -> None:
        """Build the desk: intake stage, bus listener, re-triage timer, key figures; tell the
        core which responder units exist (tokens and persons bound to a unit)."""
        self.desk = DispatchDesk(core)
        core.unit_exists = lambda unit_id: self.desk.book.unit(unit_id) is not None
        core.add_intake(self.desk)
        self.desk.attach()
        for provider in providers(self.desk):
            core.kpis.register(provider)

    def routes(self, base: dict[str, Any]) -> list[Route]:
        """Return the call, SOS and unit routes."""
        return handlers.routes(base, self.desk)

    def openapi(self) -> Operations:
        """Return the call, SOS and unit operations of the OpenAPI document."""
        return operations()
