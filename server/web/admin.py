"""Administration over HTTP (role admin only): tokens without their secrets, new machine tokens
and kiosk credentials, revocation, and the audit trail export::

    GET    /api/v1/tokens                         machine tokens and kiosks (?sessions=1: and
                                                  sign-in sessions): id, kind, role, binding,
                                                  label, owner, times, state
    POST   /api/v1/tokens                         a new one: its secret, shown once
    DELETE /api/v1/tokens/{id}                    revoke (at once; its websockets close)
    GET    /api/v1/audit?since=RFC3339&actor=&format=jsonl|csv   the audit trail, streamed
"""
from __future__ import annotations

import re

from pydantic import BaseModel, ConfigDict, Field

from server.core import policy
from server.core.audit import (export_lines, iter_audit, parse_format, parse_since, token_listing,
                               token_row)
from server.core.errors import NotFound
from server.core.events import parse_model
from server.core.timefmt import now_micros
from server.web.base import BaseHandler

TOKEN_ID = r"([0-9a-f]{16})"
CONTENT_TYPES = {"jsonl": "application/jsonl; charset=utf-8", "csv": "text/csv; charset=utf-8"}


class TokenIn(BaseModel):
    """``POST /api/v1/tokens``: a machine's bearer token, or a wall's kiosk credential."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    role: str = Field(pattern="^(" + "|".join(r for r in policy.ROLES) + ")$")
    label: str = Field(min_length=1, max_length=80, pattern=r"^[^\x00-\x1f\x7f]+$")
    owner: str | None = Field(None, pattern=r"^(oidc:)?[a-z0-9][a-z0-9._-]{1,79}$",
                              description="Who answers for it (default: who creates it).")
    agency_id: str | None = Field(None, max_length=80)
    unit_id: str | None = Field(None, max_length=80)
    ttl_days: float | None = Field(None, gt=0, le=3650)
    kiosk: bool = False


class TokensHandler(BaseHandler):
    """``GET /api/v1/tokens``, ``POST /api/v1/tokens``."""

    async def get(self) -> None:
        """Answer ``{"tokens": [token_row…]}`` (never a secret or a hash); sign-in sessions
        only with ``?sessions=1``."""
        policy.require(self.principal, policy.TOKENS_MANAGE)
        sessions = self.get_query_argument("sessions", "0") == "1"
        records = await self.core.read(self.core.store.list_tokens, sessions)
        self.set_header("Cache-Control", "no-store")
        self.write_json({"tokens": token_listing(records, self.core.tz, now_micros())})

    async def post(self) -> None:
        """Answer 201 ``{"token": token_row, "secret"}`` (and ``"kiosk_url"`` for a kiosk: the
        wall's address that stores the credential in the browser), shown once."""
        policy.require(self.principal, policy.TOKENS_MANAGE)
        given = parse_model(TokenIn, self.body_json(), "token")
        secret, record = await self.core.write(
            self.core.issue_token, given.role, given.agency_id, given.label,
            given.ttl_days * 86400 if given.ttl_days else None, given.unit_id,
            given.owner or self.principal.actor, given.kiosk)
        out = {"token": token_row(record, self.core.tz, now_micros()), "secret": secret}
        if given.kiosk:
            out["kiosk_url"] = f"/wall#kiosk={secret}"
        self.set_header("Cache-Control", "no-store")
        self.write_json(out, 201)


class TokenHandler(BaseHandler):
    """``DELETE /api/v1/tokens/{id}``."""

    async def delete(self, token_id: str) -> None:
        """Answer ``{"revoked": id}``; 404 when no live token has this id."""
        policy.require(self.principal, policy.TOKENS_MANAGE)
        if not await self.core.write(self.core.revoke_token, token_id):
            raise NotFound(f"no live token {token_id!r}")
        self.core.announce_revoked()  # its open websockets close, on every node
        self.write_json({"revoked": token_id})


class AuditHandler(BaseHandler):
    """``GET /api/v1/audit?since=&format=``."""

    async def get(self) -> None:
        """Stream the entries at or after ``since`` (of ``actor`` only, when given: a person's
        username or a token id) as JSON lines or CSV, oldest first."""
        policy.require(self.principal, policy.AUDIT_READ)
        since, fmt = parse_since(self.get_query_argument_or_none("since")), \
            parse_format(self.get_query_argument_or_none("format"))
        actor = self.get_query_argument_or_none("actor")
        await self.core.access.flush()
        self.set_header("Content-Type", CONTENT_TYPES[fmt])
        self.set_header("Cache-Control", "no-store")
        if fmt == "csv":
            name = "audit-" + re.sub(r"[^A-Za-z0-9._-]", "_", actor or "all")[:60] + ".csv"
            self.set_header("Content-Disposition", f'attachment; filename="{name}"')
        rows = iter_audit(self.core.store, since)
        if actor:
            rows = ((i, e) for i, e in rows if e.actor == actor)
        lines = export_lines(rows, fmt, self.core.tz)
        while chunk := await self.core.read(_take, lines, 500):
            self.write(chunk)
            await self.flush()
        self.finish()


def _take(lines, n: int) -> str:  # noqa: ANN001 - an iterator of str
    """Return the next ``n`` lines joined (empty at the end)."""
    out = []
    for line in lines:
        out.append(line)
        if len(out) >= n:
            break
    return "".join(out)


def routes(base: dict) -> list[tuple]:
    """Return the admin routes."""
    args = base
    return [(r"/api/v1/tokens", TokensHandler, args),
            (rf"/api/v1/tokens/{TOKEN_ID}", TokenHandler, args),
            (r"/api/v1/audit", AuditHandler, args)]
