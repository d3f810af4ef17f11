"""Lifecycles as tables: each action says for which kinds, from which statuses, to which status
and by which roles (groups of ``server.core.policy``), and whether it needs a reason. Field
reports (``server.features.reports.lifecycle``) and emergency calls
(``server.features.dispatch.lifecycle``) each keep one such table; this module holds what they
share: the row, the checks every action passes before its own guards, and the
"what may I do now" list the pages show.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Iterable, TypeVar

from pydantic import BaseModel

from server.core.errors import Conflict, ValidationFailed, detail
from server.core.events import parse_model
from server.core.policy import SYSTEM, refusal

Request = TypeVar("Request", bound=BaseModel)

#: ``Action.target`` meaning "back to the status stored before" (e.g. a refused rejection).
PREVIOUS = "@previous"


@dataclass(frozen=True)
class Action:
    """One row of a lifecycle table: who may do what to a case in which status."""

    name: str
    vi: str
    en: str
    kinds: frozenset[str]
    sources: frozenset[str]
    target: str | None  # None: the status does not change; PREVIOUS: back to the stored one
    roles: frozenset[str]
    reason: bool = False  # a reason is required

    def to_json(self) -> dict[str, Any]:
        """Return ``{name, vi, en, kinds, from, to, roles, reason}``."""
        return {"name": self.name, "vi": self.vi, "en": self.en, "kinds": sorted(self.kinds),
                "from": sorted(self.sources), "to": self.target, "roles": sorted(self.roles),
                "reason": self.reason}


def action(name: str, vi: str, en: str, kinds: Iterable[str], sources: Iterable[str],
           target: str | None, roles: Iterable[str], reason: bool = False) -> Action:
    """Return an Action (sets from any iterables)."""
    return Action(name, vi, en, frozenset(kinds), frozenset(sources), target, frozenset(roles),
                  reason)


class ActionTable:
    """The rows of one lifecycle by name, and the checks they share."""

    def __init__(self, actions: Iterable[Action]):
        self.actions: dict[str, Action] = {a.name: a for a in actions}

    def get(self, name: str) -> Action | None:
        """Return the row named ``name``, or None."""
        return self.actions.get(name)

    def offered(self) -> list[str]:
        """Return the names of the actions a client may ask for (not the system's own)."""
        return [n for n, a in self.actions.items() if a.roles != {SYSTEM}]

    def of_kind(self, kind: str) -> list[str]:
        """Return the names of the client actions on ``kind``."""
        return [n for n in self.offered() if kind in self.actions[n].kinds]

    def allowed(self, kind: str, status: str, role: str) -> list[str]:
        """Return the actions ``role`` may take on a ``kind`` case in ``status`` (guards aside)."""
        return [a.name for a in self.actions.values()
                if kind in a.kinds and status in a.sources and role in a.roles]

    def lookup(self, name: str) -> Action:
        """Return the client action ``name``; raise ValidationFailed naming the others."""
        found = self.actions.get(name)
        if found is None or found.roles == {SYSTEM}:
            raise ValidationFailed(f"unknown action {name!r}",
                                   [detail("action", f"one of {', '.join(self.offered())}")])
        return found

    def check(self, act: Action, kind: str, status: str, role: str, has_reason: bool) -> None:
        """Raise ValidationFailed (wrong kind, missing reason), Forbidden (role) or Conflict
        (status) unless ``role`` may take ``act`` on a ``kind`` case in ``status``."""
        if kind not in act.kinds:
            raise ValidationFailed(f"a {kind} has no action {act.name!r}",
                                   [detail("action",
                                           f"{kind} actions: {', '.join(self.of_kind(kind))}")])
        self.check_role(act, role)
        if status not in act.sources:
            allowed = ", ".join(self.allowed(kind, status, role)) or "none"
            raise Conflict(f"cannot {act.name} a case that is {status!r}; "
                           f"your actions now: {allowed}")
        if act.reason and not has_reason:
            raise ValidationFailed(f"{act.name} needs a reason",
                                   [detail("reason", "required for this action")])

    @staticmethod
    def check_role(act: Action, role: str) -> None:
        """Raise Forbidden unless ``role`` may take ``act`` at all."""
        if role not in act.roles:
            raise refusal(role, act.name, act.roles)

    def rows(self, kind: str) -> list[dict[str, Any]]:
        """Return the table of ``kind`` for clients (``Action.to_json`` of each client action)."""
        return [self.actions[n].to_json() for n in self.of_kind(kind)]


def parse_request(model: type[Request], doc: Any, table: ActionTable) -> tuple[Request, Action]:
    """Return a transition request (``model``, which has an ``action`` field) and its table row;
    raise ValidationFailed naming every problem."""
    request = parse_model(model, doc, "transition")
    return request, table.lookup(request.action)
