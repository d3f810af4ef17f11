"""The store contract. Implementations: ``server.store.sqlite`` (embedded, default) and
``server.store.postgis`` (PostgreSQL + PostGIS).

All methods are synchronous and thread-safe (any number of writer and reader threads, and, for
PostGIS, any number of processes on one database); the async service runs them in executors.
Events come back in wire form (see ``server.core.events``). Both stores keep one schema history
(``server.store.migrate``) and pass the same test suite.
"""
from __future__ import annotations

import abc
from dataclasses import dataclass, field
from datetime import timezone
from typing import TYPE_CHECKING, Any, Iterator

import shapely
from shapely.geometry.base import BaseGeometry

from server.core.errors import Conflict
from server.core.events import NewEvent
from server.core.timefmt import now_micros, parse_rfc3339, to_rfc3339

if TYPE_CHECKING:
    import geopandas


Box = tuple[float, float, float, float]  # min lon, min lat, max lon, max lat


@dataclass(frozen=True)
class EventQuery:
    """Filters for ``since``: any field left None does not filter."""

    kinds: frozenset[str] | None = None
    category: str | None = None
    area: str | None = None
    agency_id: str | None = None  # the responsible agency, or one the event is copied to
    bbox: Box | None = None
    polygon: BaseGeometry | None = None  # polygonal, lon/lat (EPSG:4326): points intersecting it

    def __post_init__(self) -> None:
        if self.polygon is not None:
            shapely.prepare(self.polygon)

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
            if not (x0 <= ev["lon"] <= x1 and y0 <= ev["lat"] <= y1):
                return False
        return self.polygon is None or bool(shapely.intersects_xy(self.polygon, ev["lon"],
                                                                  ev["lat"]))

    def search_box(self) -> Box | None:
        """Return the box every matching point lies in (bbox ∩ polygon bounds), or None."""
        return intersect_boxes(self.bbox, self.polygon.bounds if self.polygon is not None else None)


def intersect_boxes(*boxes: Box | None) -> Box | None:
    """Return the intersection of the boxes that are not None (None if all are); an empty
    intersection comes back with min > max, which no point matches."""
    given = [b for b in boxes if b is not None]
    if not given:
        return None
    return (max(b[0] for b in given), max(b[1] for b in given),
            min(b[2] for b in given), min(b[3] for b in given))


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
    """A token as stored: only the SHA-256 of the secret is kept. ``owner`` is the username of
    the person it belongs to (a sign-in session) or who answers for it (a machine's, a kiosk's);
    ``last_used_at`` is written in batches (``touch_tokens``). A sign-in session has label
    ``session`` and ``extra["kind"] == "session"``."""

    id: str
    hash: str
    role: str
    agency_id: str | None = None
    label: str = ""
    created_at: int = 0
    expires_at: int | None = None
    revoked_at: int | None = None
    extra: dict[str, Any] = field(default_factory=dict)
    owner: str | None = None
    last_used_at: int | None = None

    @property
    def kind(self) -> str:
        """Return ``session``, ``kiosk`` or ``machine``."""
        return (self.extra or {}).get("kind", "machine")

    def live(self, now: int) -> bool:
        """Return True when neither revoked nor expired at ``now`` (epoch µs)."""
        return self.revoked_at is None and (self.expires_at is None or self.expires_at >= now)


#: The label of every sign-in session's token.
SESSION_LABEL = "session"


@dataclass
class OutboxItem:
    """One message to send, as stored: what (``text`` in ``lang``, ``data`` for the channel),
    to whom (``channel`` and ``address``: a phone, an e-mail, a chat user id, a push
    subscription — private; ``recipient``: who that is, a username or contact id), why
    (``topic`` and ``source``: e.g. ``warning`` and the warning's id) and how it went
    (``state`` pending, sent or dead; ``attempts``, ``next_at``, ``last_error``). ``key`` is
    unique: one row per (notification, recipient, channel), so enqueuing again adds nothing."""

    key: str
    topic: str
    channel: str
    address: str
    text: str
    lang: str = "vi"
    source: str | None = None
    recipient: str | None = None
    data: dict[str, Any] = field(default_factory=dict)
    id: int = 0
    state: str = "pending"
    attempts: int = 0
    next_at: int = 0
    claimed_by: str | None = None
    claimed_until: int | None = None
    created_at: int = 0
    sent_at: int | None = None
    last_error: str | None = None


@dataclass(frozen=True)
class Settled:
    """What became of a claimed message: ``sent``, ``retry`` (at ``next_at``) or ``dead``."""

    id: int
    outcome: str
    error: str | None = None
    next_at: int | None = None


#: The states of an outbox message.
OUTBOX_STATES = ("pending", "sent", "dead")


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
        return {"action": self.action, "actor": self.actor, "role": self.role,
                "event_id": self.event_id, "reason": self.reason, "data": self.data,
                "at": to_rfc3339(self.at, tz)}


GROUPABLE = frozenset({"kind", "category", "status", "severity", "area", "agency_id"})
COUNT_PAGE = 5000


@dataclass(frozen=True)
class CountQuery:
    """What to count among the latest versions of events: every filter given must hold.

    Times are epoch microseconds; ``received_from`` is inclusive, ``deadline_before`` exclusive.
    ``group_by`` names columns of GROUPABLE; the counts come back keyed by their values.
    """

    kinds: frozenset[str] | None = None
    agency_id: str | None = None  # the responsible agency, or one the event is copied to
    received_from: int | None = None
    exclude_statuses: frozenset[str] | None = None
    deadline_before: int | None = None
    group_by: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        """Refuse unknown grouping columns."""
        bad = set(self.group_by) - GROUPABLE
        if bad:
            raise ValueError(f"cannot group by {sorted(bad)}; groupable: {sorted(GROUPABLE)}")

    def event_query(self) -> EventQuery:
        """Return the EventQuery that pre-selects candidates (kinds and agency)."""
        return EventQuery(kinds=self.kinds, agency_id=self.agency_id)

    def matches(self, ev: dict[str, Any]) -> bool:
        """Return True if a wire event passes the filters beyond ``event_query``."""
        if self.exclude_statuses is not None and ev["status"] in self.exclude_statuses:
            return False
        if self.received_from is not None and parse_rfc3339(ev["received_at"]) < self.received_from:
            return False
        if self.deadline_before is not None:
            return (ev["deadline"] is not None
                    and parse_rfc3339(ev["deadline"]) < self.deadline_before)
        return True

    def key(self, ev: dict[str, Any]) -> tuple:
        """Return the group key of a wire event."""
        return tuple(ev[col] for col in self.group_by)


#: One update of ``update_many``: (event id, changes, audit entry).
UpdateItem = tuple[str, dict[str, Any], AuditEntry]

UPDATABLE = frozenset({"status", "agency_id", "copied_to", "deadline", "area", "severity",
                       "category", "props", "lat", "lon", "cell", "observed_at"})
#: A move changes the point and its H3 cell together (PostGIS recomputes ``geom`` from them).
POSITION = frozenset({"lat", "lon", "cell"})

#: Columns of the frames that ``export_frames`` yields, in order (plus ``geometry``).
EXPORT_COLUMNS = ("seq", "id", "kind", "category", "lat", "lon", "cell", "area", "agency_id",
                  "copied_to", "deadline", "observed_at", "received_at", "source_channel",
                  "source_ref", "severity", "status", "props")


def check_changes(changes: dict[str, Any]) -> None:
    """Raise ValueError if ``changes`` names a field that ``update`` may not set, or moves the
    point without its cell (``lat``, ``lon`` and ``cell`` change together)."""
    bad = set(changes) - UPDATABLE
    if bad:
        raise ValueError(f"cannot update {sorted(bad)}")
    moved = POSITION & set(changes)
    if moved and moved != POSITION:
        raise ValueError(f"a move sets lat, lon and cell together, not only {sorted(moved)}")


def check_replay(stored_hash: str, idem_hash: str | None) -> None:
    """Raise Conflict when an Idempotency-Key comes back with a different request."""
    if stored_hash != idem_hash:
        raise Conflict("this Idempotency-Key was used for a different request; "
                       "use a new key for new data")


def check_status(stored: str, expected: str | None) -> None:
    """Raise Conflict when ``update`` expected another status than the stored one."""
    if expected is not None and stored != expected:
        raise Conflict(f"the event is {stored!r}, not {expected!r}; reload it")


def stamp_audit(entry: AuditEntry, event_id: str | None) -> AuditEntry:
    """Return ``entry`` with its event id set and its time set if it had none."""
    entry.event_id, entry.at = event_id, entry.at or now_micros()
    return entry


def plan_append(events: list[NewEvent], stored: dict[tuple[str, str], str]
                ) -> tuple[list[NewEvent], list[str]]:
    """Return (events to insert, the id answering each input event, in input order).

    ``stored`` maps (source channel, source ref) to the id of an event already stored; an event
    whose reference is stored, or repeats an earlier one of the same batch, is answered by that id.
    """
    seen = dict(stored)
    fresh: list[NewEvent] = []
    ids: list[str] = []
    for ev in events:
        key = (ev.source_channel, ev.source_ref)
        if ev.source_ref is not None and key in seen:
            ids.append(seen[key])
            continue
        if ev.source_ref is not None:
            seen[key] = ev.id
        fresh.append(ev)
        ids.append(ev.id)
    return fresh, ids


def source_keys(events: list[NewEvent]) -> list[tuple[str, str]]:
    """Return the distinct (source channel, source ref) pairs of ``events`` that have a ref."""
    return sorted({(e.source_channel, e.source_ref) for e in events if e.source_ref is not None})


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
    def replayed(self, idem_key: str, idem_hash: str | None) -> AppendResult | None:
        """Return what ``append`` returns for an ``idem_key`` already used with the same
        ``idem_hash`` (the events stored the first time, ``replayed=True``), or None when the
        key is new; raise Conflict when it was used for another request. Lets the intake
        stages skip a retried request (``append`` checks again in its transaction)."""

    @abc.abstractmethod
    def update(self, event_id: str, changes: dict[str, Any], audit: AuditEntry,
               expect_status: str | None = None) -> dict[str, Any] | None:
        """Change an event and move it to the head of the log, in one transaction.

        ``changes`` may set any of UPDATABLE (``props`` replaces the props; ``deadline`` and
        ``observed_at`` in epoch microseconds, ``deadline`` may be None; ``copied_to`` a list of
        agency ids; a move sets ``lat``, ``lon`` and ``cell`` (the integer H3 index) together,
        usually with ``area``, and PostGIS recomputes the point). The event gets a
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

    def record_audit(self, entry: AuditEntry) -> None:
        """Append an audit entry that concerns no single event (e.g. a privileged token use)."""
        self.record_audits([entry])

    @abc.abstractmethod
    def record_audits(self, entries: list[AuditEntry]) -> None:
        """Append audit entries in one transaction (entries with ``at`` 0 are stamped now).
        The audit table is append-only: no method updates or deletes it, and from migration
        0005 on the database refuses UPDATE and DELETE on it."""

    @abc.abstractmethod
    def audit_page(self, after_id: int, since_at: int, limit: int) -> list[tuple[int, AuditEntry]]:
        """Return up to ``limit`` ``(id, entry)`` with id > ``after_id`` and ``at`` >=
        ``since_at`` (epoch microseconds), ascending by id (resume with the last id)."""

    @abc.abstractmethod
    def since(self, since: int, query: EventQuery, limit: int) -> Page:
        """Return up to ``limit`` matching events with seq > ``since``, ascending.

        ``next_since`` is the seq to resume from: the last returned seq when the page is full,
        otherwise the highest seq committed when the page was read (so no event is skipped).
        """

    def tally(self, query: CountQuery) -> dict[tuple, int]:
        """Return ``{group key: number of events}`` for the events matching ``query`` (the key is
        ``()`` without ``group_by``; groups with no event are absent).

        This default pages through ``since`` and filters in Python, so every store answers
        correctly; a store overrides it with one aggregate query.
        """
        counts: dict[tuple, int] = {}
        since, pre = 0, query.event_query()
        while True:
            page = self.since(since, pre, COUNT_PAGE)
            for ev in page.events:
                if query.matches(ev):
                    key = query.key(ev)
                    counts[key] = counts.get(key, 0) + 1
            if len(page.events) < COUNT_PAGE:
                return counts
            since = page.next_since

    @abc.abstractmethod
    def nearest(self, lat: float, lon: float, n: int, query: EventQuery) -> list[dict[str, Any]]:
        """Return up to ``n`` matching events nearest to (lat, lon), nearest first.

        Each is a wire event plus ``"distance_m"``: the great-circle distance in metres on the
        sphere of ``geo.sphere.EARTH_RADIUS_M`` (what PostGIS's geography ``<->`` measures).
        Equal distances come in seq order.
        """

    @abc.abstractmethod
    def count(self, since: int, query: EventQuery) -> int:
        """Return how many events with seq > ``since`` match ``query``."""

    @abc.abstractmethod
    def export_geojson(self, since: int, query: EventQuery, chunk: int) -> Iterator[list[str]]:
        """Yield the matching events (seq > ``since``, ascending) as GeoJSON Feature texts.

        Each text decodes to ``server.core.events.wire_feature`` of the wire event; lists hold at
        most ``chunk`` features, and at most one list is held in memory at a time.
        """

    @abc.abstractmethod
    def export_frames(self, since: int, query: EventQuery, chunk: int
                      ) -> Iterator["geopandas.GeoDataFrame"]:
        """Yield the matching events (seq > ``since``, ascending) as GeoDataFrames of at most
        ``chunk`` rows, streamed from the database.

        Columns: EXPORT_COLUMNS plus a point ``geometry`` (EPSG:4326). Times are epoch
        microseconds (``deadline`` may be missing), ``cell`` the integer H3 index, ``props`` and
        ``copied_to`` JSON text; ``server.core.export.tidy`` turns them into what files carry.
        """

    @abc.abstractmethod
    def get(self, event_id: str) -> dict[str, Any] | None:
        """Return one event (wire form) by id, or None."""

    @abc.abstractmethod
    def last_seq(self) -> int:
        """Return the highest committed seq (0 when empty)."""

    # -- keyed records: small feature state that is not an event ------------------------------
    @abc.abstractmethod
    def put_records(self, kind: str, records: dict[str, dict[str, Any] | None], at: int) -> None:
        """Upsert the JSON object of each key of ``kind`` (a None value deletes that key), in one
        transaction; ``at`` (epoch microseconds) is kept as the record's ``updated_at``.

        For slowly changing state of features that must survive a restart but is not a geo-event:
        the AIS vessel registry (kind ``vessel``, key the MMSI), danger zones (``danger_zone``),
        open alerts of the rule engines (``alert_open``), sensor stations added through the API
        (``sensor_station``). Kinds and keys are short strings; documents are small JSON objects.
        """

    @abc.abstractmethod
    def records(self, kind: str) -> dict[str, dict[str, Any]]:
        """Return every record of ``kind`` as ``{key: document}`` (empty when there is none)."""

    @abc.abstractmethod
    def record(self, kind: str, key: str) -> dict[str, Any] | None:
        """Return the record ``key`` of ``kind``, or None."""

    @abc.abstractmethod
    def add_record(self, kind: str, key: str, doc: dict[str, Any], at: int) -> bool:
        """Insert the record unless ``key`` of ``kind`` exists; return True if it was added."""

    @abc.abstractmethod
    def take_record(self, kind: str, key: str) -> dict[str, Any] | None:
        """Delete the record ``key`` of ``kind`` and return it (None when there was none): of two
        callers taking the same record at once, one gets it (one-time codes)."""

    @abc.abstractmethod
    def save_token(self, token: TokenRecord) -> None:
        """Store a new token record."""

    @abc.abstractmethod
    def token_by_hash(self, token_hash: str) -> TokenRecord | None:
        """Return the token record with this hash, or None."""

    @abc.abstractmethod
    def revoke_tokens(self, label: str, at: int) -> int:
        """Revoke every live token with ``label``; return how many were revoked."""

    # -- the outbox ---------------------------------------------------------------------------
    @abc.abstractmethod
    def enqueue(self, items: list[OutboxItem], at: int) -> int:
        """Store ``items`` as pending (due at once unless ``next_at`` says), in one transaction;
        an item whose ``key`` is stored already is left as it is. Return how many were new."""

    @abc.abstractmethod
    def claim(self, node: str, now: int, until: int, limit: int) -> list[OutboxItem]:
        """Claim up to ``limit`` pending messages due at ``now`` that no live claim holds (a
        claim lapses at its ``claimed_until``: a node that died lets go) for ``node`` until
        ``until``, oldest first; two nodes never claim one message at once. Return them."""

    @abc.abstractmethod
    def settle(self, node: str, results: list[Settled], at: int) -> int:
        """Record the outcomes of messages ``node`` claimed (one it no longer holds is left
        alone) and release them; return how many were recorded."""

    @abc.abstractmethod
    def outbox_page(self, before_id: int | None, limit: int, source: str | None = None,
                    state: str | None = None) -> list[OutboxItem]:
        """Return messages newest first (ids below ``before_id`` when given), of ``source``
        and in ``state`` when given."""

    @abc.abstractmethod
    def outbox_counts(self, since_at: int) -> dict[tuple[str, str, str], int]:
        """Return ``{(topic, channel, state): n}`` of messages created at or after
        ``since_at``."""

    def unavailable(self, exc: BaseException) -> bool:
        """Return True when ``exc``, raised by a method of this store, means the database cannot
        be reached or cannot write now (server down, connection lost, disk full, locked): the
        service answers 503 with ``Retry-After`` and the client retries. Errors of the request
        itself (a Conflict, a bad value) return False. This default knows none."""
        return False

    @abc.abstractmethod
    def revoke_token(self, token_id: str, at: int) -> bool:
        """Revoke the token ``token_id`` if live; return True if it was revoked now."""

    @abc.abstractmethod
    def list_tokens(self, sessions: bool = True) -> list[TokenRecord]:
        """Return every token record (hashes included: callers strip them), oldest first;
        without sign-in sessions when ``sessions`` is False."""

    @abc.abstractmethod
    def revoke_owned(self, owner: str, at: int, sessions_only: bool = True) -> int:
        """Revoke the live sign-in sessions of ``owner`` (every live token of theirs when
        ``sessions_only`` is False); return how many."""

    @abc.abstractmethod
    def touch_tokens(self, used: dict[str, int]) -> None:
        """Set ``last_used_at`` of each token id in ``used`` (never moving it back)."""

    def prepare(self) -> None:
        """Make the store ready if opening it could not (the database was away): check and
        migrate its schema; raise what the database raises (``unavailable`` tells). Cheap once
        ready; this default has nothing to do."""

    def close(self) -> None:
        """Release connections."""
