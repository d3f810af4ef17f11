"""Persons as stored (keyed records of kind ``person``, key the username) and what may be said
of them: the input models, the checks of a role's binding, the public listing of a person."""
from __future__ import annotations

import re
from dataclasses import asdict, dataclass
from datetime import timezone
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

from server.core.policy import AGENCY_BOUND, UNIT_BOUND
from server.core.text import find_control
from server.core.timefmt import to_rfc3339

#: The record kinds of this feature.
PERSON, SEEN, PASSWORD_CODE = "person", "person_seen", "password_code"
#: Roles a person may have (``public`` is the citizens' app, never a person).
PERSON_ROLES = ("admin", "supervisor", "operator", "agency", "responder", "wall")
#: Lower-case letters, digits, ``.``, ``_``, ``-``; signed-on persons get ``oidc:`` before.
USERNAME_RE = r"^[a-z0-9][a-z0-9._-]{1,39}$"
USERNAME = re.compile(USERNAME_RE)


@dataclass
class Person:
    """A member of staff: who they are, their role and binding, whether they may sign in, the
    argon2id hash of their password (None: none set yet, or reset) and where they come from
    (``local`` or ``oidc``, with the provider's subject)."""

    username: str
    name: str
    role: str
    agency_id: str | None = None
    unit_id: str | None = None
    enabled: bool = True
    source: str = "local"
    created_at: int = 0
    password: str | None = None
    subject: str | None = None

    def doc(self) -> dict[str, Any]:
        """Return the stored JSON document."""
        return asdict(self)

    @classmethod
    def of(cls, doc: dict[str, Any]) -> "Person":
        """Return the Person of a stored document (unknown fields ignored)."""
        return cls(**{k: v for k, v in doc.items() if k in cls.__dataclass_fields__})

    def listing(self, tz: timezone, last_sign_in: int | None) -> dict[str, Any]:
        """Return ``{username, name, role, agency_id, unit_id, enabled, source, created_at,
        last_sign_in, has_password}`` (never the hash)."""
        return {"username": self.username, "name": self.name, "role": self.role,
                "agency_id": self.agency_id, "unit_id": self.unit_id, "enabled": self.enabled,
                "source": self.source, "created_at": to_rfc3339(self.created_at, tz),
                "last_sign_in": to_rfc3339(last_sign_in, tz) if last_sign_in else None,
                "has_password": self.password is not None}

    def who(self) -> dict[str, Any]:
        """Return ``{username, name, role, agency_id, unit_id}`` (what /auth/me says)."""
        return {"username": self.username, "name": self.name, "role": self.role,
                "agency_id": self.agency_id, "unit_id": self.unit_id}


def binding_problems(role: str, agency_id: str | None, unit_id: str | None) -> list[tuple]:
    """Return ``[(field, problem)]`` of a role's binding: an agency person names their agency
    (a supervisor may), a responder names their unit, no one else does."""
    out = []
    if role == "agency" and not agency_id:
        out.append(("agency_id", "a person of role agency belongs to an agency: name it"))
    if agency_id and role not in AGENCY_BOUND:
        out.append(("agency_id", f"only roles {', '.join(sorted(AGENCY_BOUND))} have an agency"))
    if role in UNIT_BOUND and not unit_id:
        out.append(("unit_id", "a responder belongs to a responder unit: name it"))
    if unit_id and role not in UNIT_BOUND:
        out.append(("unit_id", "only responders have a unit"))
    return out


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


def _no_control(value: str | None) -> str | None:
    if value is not None and find_control(value):
        raise ValueError("holds control characters; remove them")
    return value


class PersonIn(_Strict):
    """``POST /api/v1/users``: a new person (no password: a one-time link is made)."""

    username: str = Field(pattern=USERNAME_RE, description="2–40: a-z 0-9 . _ - (lower case).")
    name: str = Field(min_length=1, max_length=100)
    role: str = Field(pattern="^(" + "|".join(PERSON_ROLES) + ")$")
    agency_id: str | None = Field(None, max_length=80)
    unit_id: str | None = Field(None, max_length=80)

    _checked = field_validator("name", "agency_id", "unit_id")(_no_control)

    @field_validator("username", mode="before")
    @classmethod
    def _lower(cls, value: Any) -> Any:
        return value.strip().lower() if isinstance(value, str) else value


class PersonPatch(_Strict):
    """``PATCH /api/v1/users/{username}``: what changes (absent: unchanged; ``agency_id`` or
    ``unit_id`` null: none)."""

    name: str | None = Field(None, min_length=1, max_length=100)
    role: str | None = Field(None, pattern="^(" + "|".join(PERSON_ROLES) + ")$")
    agency_id: str | None = Field(None, max_length=80)
    unit_id: str | None = Field(None, max_length=80)
    enabled: bool | None = None

    _checked = field_validator("name", "agency_id", "unit_id")(_no_control)


class LoginIn(_Strict):
    """``POST /auth/login``."""

    username: str = Field(min_length=1, max_length=80)
    password: str = Field(min_length=1, max_length=200)

    _checked = field_validator("username")(_no_control)


class PasswordIn(_Strict):
    """``POST /auth/password``: a one-time code and the new password."""

    code: str = Field(min_length=20, max_length=100, pattern="^[A-Za-z0-9_-]+$")
    password: str = Field(min_length=1, max_length=200)
