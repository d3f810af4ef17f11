"""Notifications: the durable outbox, its dispatcher and channels, and the triggers that fill
it (docs/NOTIFICATIONS.md)."""
from __future__ import annotations

from typing import Any, Mapping

from server.core.bus import default_node_id
from server.core.feature import Feature, Route
from server.core.openapi import Operations
from server.core.policy import Permission
from server.features.notify import actions, handlers
from server.features.notify.dispatcher import Dispatcher, channels_of
from server.features.notify.kpis import WarningDeliveries
from server.features.notify.openapi import operations
from server.features.notify.settings import NotifySettings
from server.features.notify.templates import check_all
from server.features.notify.channels.webpush import WebPush, load_vapid, public_key
from server.features.notify.push import Assignments, NewCases
from server.features.notify.triggers import Deriver
from server.features.notify.warnings import WarningNotices


class NotifyFeature(Feature):
    """Every message stored before it is sent, then sent by one node, retried, dead-lettered."""

    name = "notify"
    requires = ("warnings",)  # a warning sent reaches the contacts inside it
    settings = NotifySettings

    def actions(self) -> list[Permission]:
        """Return the named actions this feature checks (``actions.py``)."""
        return list(actions.ACTIONS)

    def install(self, core: Any, needs: Mapping[str, Feature]) -> None:
        """Check the SMS templates (a server whose templates cannot fit one SMS does not
        start), build the dispatcher and the warnings' trigger, register the wall's figures."""
        settings = core.settings
        check_all(settings.notify_link)
        node = settings.node_id or default_node_id()
        channels = channels_of(settings)
        self.push_key = None
        if settings.push_enabled:
            vapid = load_vapid(settings.vapid_private_key, settings.data_dir)
            channels["push"] = WebPush(vapid, settings.vapid_subject)
            self.push_key = public_key(vapid)
        self.dispatcher = Dispatcher(core, settings, channels, node)
        self.warnings = WarningNotices(core, needs["warnings"].desk, settings.notify_link)
        self.deriver = Deriver(core, [self.warnings, NewCases(core), Assignments(core)], node)
        core.bus.subscribe(self.deriver.on_bus)
        core.add_background(self.deriver.run)
        core.add_background(self.dispatcher.run)
        core.kpis.register(WarningDeliveries(core))

    def routes(self, base: dict[str, Any]) -> list[Route]:
        """Return the notification routes."""
        return handlers.routes(base, self)

    def openapi(self) -> Operations:
        """Return the notify operations of the OpenAPI document."""
        return operations()
