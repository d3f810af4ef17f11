"""The store contract. Implementations: ``server.store.sqlite`` (embedded, default) and PostGIS.

All methods are synchronous and thread-safe for one writer thread plus reader threads; the async
service runs them in executors. Events come back in wire form (see ``server.events``).
"""
from __future__ import annotations

import abc
from dataclasses import dataclass, field
from datetime import timezone
from typing import Any

from server.events import NewEvent


@dataclass(frozen=True)
class EventQuery:
    """Filters for ``since``: any field left None does not filter."""

    kinds: frozenset[str] | None = None
    category: str | None = None
    area: str | None = None
    agency_id: str | None = None  # the responsible agency, or one the event is copied to
    bbox: tuple[float, float, float, float] | None = None  # min lon, min lat, max lon, max lat

    def matches(self, ev: dict[str, Any]) -> bool:
        """Return True if a wire event passes every filter (the in-memory twin of the SQL)."""
        if self.kinds is not None and ev["kind"] not in self.kinds:
            return False
        if self.category is not None and ev["category"] != self.category:
            return False
        if self.area is not None and ev["area"] != self.area:
            return False
        if self.agency_id is not None and self.agency_id != ev["agency_id"] \
                and self.agency_id not in ev["copied_to"]:
            return False
        if self.bbox is not None:
            x0, y0, x1, y1 = self.bbox
            return x0 <= ev["lon"] <= x1 and y0 <= ev["lat"] <= y1
        return True


@dataclass
class Page:
    """Events with seq > since in ascending seq order; resume with ``since=next_since``."""

    events: list[dict[str, Any]]
    next_since: int


@dataclass
class AppendResult:
    """Stored events (wire form, in input order) and whether this was an idempotent replay."""

    events: list[dict[str, Any]]
    replayed: bool = False


@dataclass
class TokenRecord:
    """A token as stored: only the SHA-256 of the secret is kept."""

    id: str
    hash: str
    role: str
    agency_id: str | None = None
    label: str = ""
    created_at: int = 0
    expires_at: int | None = None
    revoked_at: int | None = None
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass
class AuditEntry:
    """One append-only audit record: who (token id, role) did what to which event, and why."""

    action: str
    actor: str | None
    role: str
    event_id: str | None = None
    reason: str | None = None
    data: dict[str, Any] = field(default_factory=dict)
    at: int = 0

    def to_json(self, tz: timezone) -> dict[str, Any]:
        """Return ``{action, actor, role, event_id, reason, data, at (RFC 3339)}``."""
        from server.timefmt import to_rfc3339
        return {"action": self.action, "actor": self.actor, "role": self.role,
                "event_id": self.event_id, "reason": self.reason, "data": self.data,
                "at": to_rfc3339(self.at, tz)}


#: One update of ``update_many``: (event id, changes, audit entry).
UpdateItem = tuple[str, dict[str, Any], AuditEntry]

UPDATABLE = frozenset({"status", "agency_id", "copied_to", "deadline", "area", "severity",
                       "category", "props"})


class EventStore(abc.ABC):
    """Durable event log with store-assigned, strictly increasing ``seq``."""

    def __init__(self, tz: timezone):
        self.tz = tz

    @abc.abstractmethod
    def append(self, events: list[NewEvent], idem_key: str | None = None,
               idem_hash: str | None = None) -> AppendResult:
        """Store ``events`` in one transaction and return them with their seq, once committed.

        With ``idem_key`` already used for the same ``idem_hash``: store nothing and return the
        events stored the first time (``replayed=True``); for another hash raise Conflict. An
        event whose (source channel, source ref) is already stored is not stored again: the
        stored one is returned in its place.
        """

    @abc.abstractmethod
    def update(self, event_id: str, changes: dict[str, Any], audit: AuditEntry,
               expect_status: str | None = None) -> dict[str, Any] | None:
        """Change an event and move it to the head of the log, in one transaction.

        ``changes`` may set any of UPDATABLE (``props`` replaces the props; ``deadline`` in
        epoch microseconds or None; ``copied_to`` a list of agency ids). The event gets a
        new seq (so ``since`` readers see its latest version), and ``audit`` is recorded with
        ``event_id`` and ``at`` filled in. Return the new wire event, or None if there is no such
        event. With ``expect_status`` given and different from the stored status, raise Conflict
        and change nothing.
        """

    def update_many(self, changes: list[UpdateItem]) -> list[dict[str, Any]]:
        """Apply many ``(event_id, changes, audit)`` updates (bulk re-routing); return the new
        wire events of those that exist, in input order.

        Each update has the meaning of ``update`` (new seq, audited; no status check). This
        default applies them one by one; a store may override it to use one transaction (the
        SQLite store does), which is what makes re-routing 10⁵ events take seconds, not minutes.
        """
        out = []
        for event_id, change, audit in changes:
            event = self.update(event_id, change, audit)
            if event is not None:
                out.append(event)
        return out

    @abc.abstractmethod
    def history(self, event_id: str) -> list[AuditEntry]:
        """Return the audit entries of one event, oldest first."""

    @abc.abstractmethod
    def record_audit(self, entry: AuditEntry) -> None:
        """Append an audit entry that concerns no single event (e.g. a privileged token use)."""

    @abc.abstractmethod
    def since(self, since: int, query: EventQuery, limit: int) -> Page:
        """Return up to ``limit`` matching events with seq > ``since``, ascending.

        ``next_since`` is the seq to resume from: the last returned seq when the page is full,
        otherwise the highest seq committed when the page was read (so no event is skipped).
        """

    @abc.abstractmethod
    def get(self, event_id: str) -> dict[str, Any] | None:
        """Return one event (wire form) by id, or None."""

    @abc.abstractmethod
    def last_seq(self) -> int:
        """Return the highest committed seq (0 when empty)."""

    @abc.abstractmethod
    def save_token(self, token: TokenRecord) -> None:
        """Store a new token record."""

    @abc.abstractmethod
    def token_by_hash(self, token_hash: str) -> TokenRecord | None:
        """Return the token record with this hash, or None."""

    @abc.abstractmethod
    def revoke_tokens(self, label: str, at: int) -> int:
        """Revoke every live token with ``label``; return how many were revoked."""

    def close(self) -> None:
        """Release connections."""
