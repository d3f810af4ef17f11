"""Field reports and questions: the feature (cases, their lifecycle and deadlines, the public
feed and page, Open311 GeoReport v2, the Zalo and Messenger webhooks; docs/REPORTS.md)."""
from __future__ import annotations

from typing import Any, Mapping

import click

from geo.geocode import CommuneGeocoder
from layers.base import Layer
from layers.questions import QuestionsLayer
from layers.reports import ReportsLayer
from server.core.feature import Feature, Route
from server.core.kinds import Kind
from server.core.openapi import Operations
from server.core.policy import Permission
from server.core.timefmt import to_rfc3339
from server.features.reports import (
    actions,
    chat_handlers,
    handlers,
    open311_handlers,
    public_handlers,
)
from server.features.reports.chat import CHAT_ADAPTERS, ChatIntake
from server.features.reports.cli import report
from server.features.reports.desk import ReportDesk
from server.features.reports.figures import ReportPerformance, providers
from server.features.reports.kinds import QuestionKind, ReportKind
from server.features.reports.open311 import Open311
from server.features.reports.openapi import operations
from server.features.reports.publication import CommuneSketch
from server.features.reports.settings import ReportsSettings


class ReportsFeature(Feature):
    """Reports and questions from every channel, routed to the one responsible unit."""

    name = "reports"
    optional = ("media",)  # photos with cases, results and Open311; chat images kept
    settings = ReportsSettings

    def kinds(self) -> list[Kind]:
        """Return ``report`` and ``question``."""
        return [ReportKind(), QuestionKind()]

    def layers(self) -> list[Layer]:
        """Return the wall layers of reports and questions."""
        return [ReportsLayer(), QuestionsLayer()]

    def actions(self) -> list[Permission]:
        """Return the named actions this feature checks (``actions.py``)."""
        return list(actions.ACTIONS)

    def install(self, core: Any, needs: Mapping[str, Feature]) -> None:
        """Build the desk (intake stage, bus listener, timer, the wall's report figures) and the
        Open311, chat and public-page fronts over it; photos through the media feature when it
        is installed."""
        media = needs.get("media")
        self.media = media.service if media is not None else None
        self.desk = ReportDesk(core)
        core.add_intake(self.desk)
        self.desk.attach()
        for provider in [*providers(), ReportPerformance(self.desk)]:
            core.kpis.register(provider)
        self.open311 = Open311(self.desk, CommuneGeocoder(core.router.areaset))
        self.changeset = to_rfc3339(core.clock.now(), core.tz, "seconds")
        self.chat = ChatIntake(self.desk, core.settings, self.media)
        self.adapters = {name: cls(core.settings) for name, cls in CHAT_ADAPTERS.items()}
        self.sketch = CommuneSketch(core.router.areaset)

    def routes(self, base: dict[str, Any]) -> list[Route]:
        """Return the case, public, Open311 and webhook routes."""
        return (handlers.routes(base, self.desk, self.media)
                + public_handlers.routes(base, self.desk, self.sketch)
                + open311_handlers.routes(base, self.open311, self.changeset, self.media)
                + chat_handlers.routes(base, self.chat, self.adapters))

    def openapi(self) -> Operations:
        """Return the case, public, Open311 and webhook operations of the OpenAPI document."""
        return operations()

    def commands(self, cli: click.Group) -> None:
        """Add ``ioc report`` (the monthly figures per unit)."""
        cli.add_command(report)
