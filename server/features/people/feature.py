"""People: staff accounts, sign-in sessions and the admin's people API (docs/PEOPLE.md)."""
from __future__ import annotations

from typing import Any, Mapping

import click

from server.core.feature import Feature, Route
from server.core.openapi import Operations
from server.core.policy import Permission
from server.features.people import actions, handlers, sign_on
from server.features.people.cli import users
from server.features.people.openapi import operations
from server.features.people.service import People
from server.features.people.settings import PeopleSettings


class PeopleFeature(Feature):
    """Persons with roles who sign in; their sessions are the core's tokens."""

    name = "people"
    optional = ("dispatch",)  # a responder's unit is one of the dispatch book's units
    settings = PeopleSettings

    def actions(self) -> list[Permission]:
        """Return the named actions this feature checks (``actions.py``)."""
        return list(actions.ACTIONS)

    def install(self, core: Any, needs: Mapping[str, Feature]) -> None:
        """Build the People service; name persons in the histories staff read."""
        dispatch = needs.get("dispatch")
        unit_exists = (lambda uid: dispatch.desk.book.unit(uid) is not None) if dispatch else None
        self.people = People(core, core.settings, unit_exists)
        self.sign_on = sign_on.SignOn(core, self.people, core.settings)
        core.actor_names = self.people.names

    def sign_on_offer(self) -> dict[str, Any]:
        """Return ``{"enabled": bool, "label": {vi, en}}``: whether the sign-in page offers
        the province's sign-on (OpenID Connect), and its button's label."""
        return self.sign_on.offer()

    def routes(self, base: dict[str, Any]) -> list[Route]:
        """Return the sign-in and people routes."""
        return [*handlers.routes(base, self), *sign_on.routes({**base, "feature": self})]

    def openapi(self) -> Operations:
        """Return the people operations of the OpenAPI document."""
        return operations()

    def commands(self, cli: click.Group) -> None:
        """Add ``ioc users``."""
        cli.add_command(users)
