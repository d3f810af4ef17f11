"""The pieces of the OpenAPI document that the core and every feature describe their operations
with: ``Op`` (one operation), ``Param`` (``q`` a query, ``p`` a path parameter), the media types,
the common patterns and parameters, and the role texts.

Each feature's ``openapi.py`` returns ``{path template: [Op]}``; ``server.web.openapi`` adds the
core's operations and renders the whole document.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel

from server.core import policy

JSON = "application/json"
FORM = "application/x-www-form-urlencoded"
CAP = "application/cap+xml"
MULTIPART = "multipart/form-data"
ATOM = "application/atom+xml"
UUID_RE = "^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$"
SLUG_RE = "^[a-z0-9][a-z0-9_-]{0,63}$"

#: The order roles are named in the descriptions.
ROLE_ORDER = ("admin", "supervisor", "operator", "wall", "agency", "responder", "public")


def who(group: frozenset[str], **notes: str) -> str:
    """Return the description of a policy group, e.g. ``"admin, supervisor, agency (its own)"``
    (``notes``: role → a remark written after it)."""
    return ", ".join(f"{r} {notes[r]}" if r in notes else r for r in ROLE_ORDER if r in group)


#: Roles, as the description says them (from the policy's groups, ``server.core.policy``).
EVERYONE = "anyone, no token"
STAFF = who(policy.STAFF, agency="(its own)")
READERS = who(policy.READERS, agency="(its own)", public="(public form)")
MANAGERS = who(policy.MANAGERS)
DESK = who(policy.DESK, agency="(its own)")
ADMIN = who(policy.ADMINS)
WARNING_READERS = who(policy.STAFF)
VIEWERS = who(policy.READERS)


@dataclass(frozen=True)
class Param:
    """A query or path parameter."""

    name: str
    schema: dict[str, Any]
    where: str = "query"
    required: bool = False

    def to_json(self) -> dict[str, Any]:
        """Return the OpenAPI Parameter Object."""
        return {"name": self.name, "in": self.where, "required": self.required or
                self.where == "path", "schema": self.schema}


def q(name: str, schema: dict[str, Any] | None = None, required: bool = False) -> Param:
    """Return a query parameter (a string unless ``schema`` says)."""
    return Param(name, schema or {"type": "string", "maxLength": 200}, "query", required)


def p(name: str, pattern: str) -> Param:
    """Return a path parameter matching ``pattern``."""
    return Param(name, {"type": "string", "pattern": pattern}, "path", True)


INT = {"type": "integer", "minimum": 0, "maximum": 2**62}
SINCE, LIMIT = q("since", INT), q("limit", {"type": "integer", "minimum": 1, "maximum": 10000})
PERIOD = (q("month"), q("from"), q("to"))


@dataclass(frozen=True)
class Op:
    """One operation: method, summary (Vietnamese / English), who may call it, parameters,
    body (a pydantic model, a media type, the JSON Schema of a JSON body, or a tuple of these
    when it reads several media types), and the success answer (status, media types
    comma-separated, and other success statuses ``also``).

    ``ok_content`` and ``errors``, when given, are the content of the success answers and of
    the ``default`` (error) answer as they are, for operations outside the one error shape
    (Open311)."""

    method: str
    summary: str
    roles: str
    params: tuple[Param, ...] = ()
    body: type[BaseModel] | str | dict[str, Any] | tuple[Any, ...] | None = None
    ok: int = 200
    ok_type: str = JSON
    also: tuple[int, ...] = ()
    ok_content: dict[str, Any] | None = None
    errors: dict[str, Any] | None = None


#: ``{path template: [Op]}``: a part of the document (the core's or one feature's).
Operations = dict[str, list[Op]]
