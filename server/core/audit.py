"""The audit trail beyond event changes: every request made with a privileged token (the
policy's MANAGERS: admin, supervisor, operator) is recorded as an ``access`` entry (method,
path, token id, role, time, outcome), written in batches so a busy feed is not slowed by one
insert per request; and the whole trail (event changes included) is exported as CSV or JSON
lines.

The trail is append-only: the store has no method that changes or deletes an entry, and the
database refuses UPDATE and DELETE on the table (migration 0005).
"""
from __future__ import annotations

import asyncio
import csv
import io
import logging
from datetime import timezone
from typing import Any, Awaitable, Callable, Iterator

import orjson

from server.core import policy
from server.core.auth import Principal
from server.core.errors import BadRequest, detail
from server.store.base import AuditEntry, EventStore, TokenRecord
from server.core.timefmt import now_micros, parse_rfc3339, to_rfc3339

log = logging.getLogger(__name__)

#: The action of an access entry.
ACCESS = "access"
FORMATS = ("jsonl", "csv")
CSV_FIELDS = ("id", "at", "action", "actor", "role", "event_id", "reason", "data")
EXPORT_PAGE = 2000


class AccessLog:
    """Queue access entries of privileged principals; ``run`` writes them every ``interval``
    seconds (or as soon as ``batch`` are waiting) in one transaction through ``write``."""

    def __init__(self, write: Callable[[list[AuditEntry]], Awaitable[None]],
                 interval: float = 1.0, batch: int = 500):
        self._write = write
        self._interval = interval
        self._batch = batch
        self._queue: list[AuditEntry] = []
        self._wake = asyncio.Event()

    def note(self, principal: Principal | None, method: str, path: str, status: int) -> bool:
        """Queue an access entry if ``principal`` is privileged; return True if queued."""
        if principal is None or principal.role not in policy.MANAGERS:
            return False
        self._queue.append(AuditEntry(ACCESS, principal.actor, principal.role,
                                      data={"method": method, "path": path[:500],
                                            "status": status}, at=now_micros()))
        if len(self._queue) >= self._batch:
            self._wake.set()
        return True

    @property
    def pending(self) -> int:
        """Return how many entries wait to be written."""
        return len(self._queue)

    async def flush(self) -> int:
        """Write what is queued; return how many entries were written."""
        batch, self._queue = self._queue, []
        if batch:
            try:
                await self._write(batch)
            except Exception:  # noqa: BLE001 - keep them for the next try
                self._queue[:0] = batch
                log.exception("audit: writing %d access entries failed; will retry", len(batch))
                return 0
        return len(batch)

    async def run(self) -> None:
        """Flush every ``interval`` seconds until cancelled; flush once more when cancelled."""
        try:
            while True:
                try:
                    async with asyncio.timeout(self._interval):  # see EventService._run
                        await self._wake.wait()
                except TimeoutError:
                    pass
                self._wake.clear()
                await self.flush()
        finally:
            await self.flush()


def iter_audit(store: EventStore, since_at: int, page: int = EXPORT_PAGE
               ) -> Iterator[tuple[int, AuditEntry]]:
    """Yield ``(id, entry)`` of every audit entry at or after ``since_at``, ascending by id,
    read page by page."""
    after = 0
    while True:
        rows = store.audit_page(after, since_at, page)
        yield from rows
        if len(rows) < page:
            return
        after = rows[-1][0]


def audit_row(entry_id: int, entry: AuditEntry, tz: timezone) -> dict[str, Any]:
    """Return ``{id, at (RFC 3339), action, actor, role, event_id, reason, data}``."""
    return {"id": entry_id, **entry.to_json(tz)}


def export_lines(rows: Iterator[tuple[int, AuditEntry]], fmt: str, tz: timezone) -> Iterator[str]:
    """Yield the export text line by line: JSON lines, or CSV with a header (``data`` as JSON)."""
    if fmt not in FORMATS:
        raise ValueError(f"format must be one of {', '.join(FORMATS)}")
    if fmt == "jsonl":
        for entry_id, entry in rows:
            yield orjson.dumps(audit_row(entry_id, entry, tz)).decode() + "\n"
        return
    yield ",".join(CSV_FIELDS) + "\r\n"
    for entry_id, entry in rows:
        row = audit_row(entry_id, entry, tz)
        row["data"] = orjson.dumps(row["data"]).decode()
        buf = io.StringIO()
        csv.writer(buf).writerow([row[f] if row[f] is not None else "" for f in CSV_FIELDS])
        yield buf.getvalue()


def token_listing(records: list[TokenRecord], tz: timezone, now: int) -> list[dict[str, Any]]:
    """Return the tokens without secrets or hashes: ``[{id, kind, role, agency_id, unit_id,
    label, owner, created_at, expires_at, revoked_at, last_used_at, state}]`` (kind: machine,
    kiosk or session; state: live, expired or revoked)."""
    return [token_row(r, tz, now) for r in records]


def token_row(r: TokenRecord, tz: timezone, now: int) -> dict[str, Any]:
    """Return one row of ``token_listing``."""
    state = "revoked" if r.revoked_at else \
        "expired" if r.expires_at is not None and r.expires_at < now else "live"
    times = {f"{name}_at": to_rfc3339(at, tz) if at else None
             for name, at in (("expires", r.expires_at), ("revoked", r.revoked_at),
                              ("last_used", r.last_used_at))}
    return {"id": r.id, "kind": r.kind, "role": r.role, "agency_id": r.agency_id,
            "unit_id": (r.extra or {}).get("unit"), "label": r.label, "owner": r.owner,
            "created_at": to_rfc3339(r.created_at, tz), **times, "state": state}


def parse_since(raw: str | None) -> int:
    """Return ``since`` (RFC 3339 with an offset; absent: the beginning) as epoch microseconds;
    raise BadRequest."""
    if not raw:
        return 0
    try:
        return parse_rfc3339(raw)
    except ValueError:
        raise BadRequest("since must be RFC 3339 with an offset, e.g. 2025-11-25T00:00:00+07:00",
                         [detail("since", f"got {raw[:60]!r}")]) from None


def parse_format(raw: str | None) -> str:
    """Return the export format (default jsonl); raise BadRequest for another."""
    fmt = raw or "jsonl"
    if fmt not in FORMATS:
        raise BadRequest(f"format must be one of {', '.join(FORMATS)}",
                         [detail("format", f"got {fmt[:20]!r}")])
    return fmt
