"""Administration over HTTP (role admin only): tokens without their secrets, revocation, and the
audit trail export::

    GET    /api/v1/tokens                         every token: id, role, binding, label, state
    DELETE /api/v1/tokens/{id}                    revoke (at once; its websockets close)
    GET    /api/v1/audit?since=RFC3339&format=jsonl|csv   the audit trail, streamed
"""
from __future__ import annotations

from server.core import policy
from server.core.audit import export_lines, iter_audit, parse_format, parse_since, token_listing
from server.core.errors import NotFound
from server.web.base import BaseHandler

TOKEN_ID = r"([0-9a-f]{16})"
CONTENT_TYPES = {"jsonl": "application/jsonl; charset=utf-8", "csv": "text/csv; charset=utf-8"}


class TokensHandler(BaseHandler):
    """``GET /api/v1/tokens``."""

    async def get(self) -> None:
        """Answer ``{"tokens": [{id, role, agency_id, unit_id, label, created_at, expires_at,
        revoked_at, state}]}`` (never a secret or a hash)."""
        policy.require(self.principal, policy.TOKENS_MANAGE)
        records = await self.core.read(self.core.store.list_tokens)
        self.write_json({"tokens": token_listing(records, self.core.tz, self.core.clock.now())})


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
        """Stream the entries at or after ``since`` as JSON lines or CSV, oldest first."""
        policy.require(self.principal, policy.AUDIT_READ)
        since, fmt = parse_since(self.get_query_argument_or_none("since")), \
            parse_format(self.get_query_argument_or_none("format"))
        await self.core.access.flush()
        self.set_header("Content-Type", CONTENT_TYPES[fmt])
        self.set_header("Cache-Control", "no-store")
        lines = export_lines(iter_audit(self.core.store, since), fmt, self.core.tz)
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
