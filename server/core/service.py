"""The core of the server, without Tornado: ingest (validate → route → store → bus), queries,
tokens, and the live hub. Built once by ``build_core`` and handed to the web layer.
"""
from __future__ import annotations

import abc
import asyncio
import functools
import hashlib
import logging
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any, AsyncIterator, Awaitable, Callable, Iterable

from geo.categories import CategoryRegistry
from geo.router import Router, service_region
from layers.base import Layer
from layers.registry import LayerRegistry, core_layers
from server.core.audit import AccessLog
from server.core import policy
from server.core.auth import Principal, PublicQuery, TokenCache, View, new_token, posting, view_of
from server.core.bus import Bus, StoreSource, make_bus
from server.core.clock import Clock
from server.core.settings import CoreSettings
from server.core.errors import BadRequest, Forbidden, IOCError, NotFound, Unavailable
from server.core.events import EventValidator, NewEvent, TimeBounds
from server.core.health import StoreHealth
from server.core.hub import Hub
from server.core.kinds import Kind, KindRegistry, wall_catalog
from server.core.kit.alerts import AlertKind
from server.core.kpis import KpiContext, KpiRegistry, default_providers
from server.core.ratelimit import Limit, RateLimiter
from server.core.sessions import TOKENS_REVOKED, Sessions, live_token_ids
from server.core.reroute import PAGE_SIZE, RerouteReport, RerouteRequest, plan_changes
from server.store import (AppendResult, AuditEntry, CountQuery, EventQuery, EventStore, Page,
                          open_store)
from server.store.base import SESSION_LABEL, TokenRecord, UpdateItem
from server.core.timefmt import now_micros, parse_offset

log = logging.getLogger(__name__)

MAX_PAGE = 10_000
#: How long a health probe waits for the database before calling it unavailable.
PROBE_TIMEOUT_S = 5.0
EXPORT_CHUNK = 2000
#: The source channel of whatever a caller without a token files (the /report page): its own
#: ``source.ref`` may only ever match another such filing, never a stored event of a channel
#: (a Zalo message id, an app's reference), whose answer would hand back that event.
ANONYMOUS_CHANNEL = "web"


@dataclass
class Reference:
    """Static reference data served as-is: areas, layer catalog, categories, agencies."""

    areas_geojson: dict[str, Any]
    basemaps: dict[str, dict[str, Any]]
    catalog: list[dict[str, Any]]
    categories: list[dict[str, Any]]
    agencies: list[dict[str, Any]]


Proceed = Callable[[], Awaitable[AppendResult]]


def build_validator(settings: CoreSettings, router: Router,
                    kinds: KindRegistry) -> EventValidator:
    """Return the EventValidator of ``settings``: the sea and land regions, the time bounds."""
    times = TimeBounds(int(settings.observed_max_age_days * 86_400e6),
                       int(settings.observed_max_ahead_s * 1e6))
    return EventValidator(kinds, router.categories,
                          service_region(router.areaset, settings.region_buffer_km),
                          router, settings.max_batch,
                          land=service_region(router.areaset, settings.land_tolerance_km),
                          times=times)


class IntakeStage(abc.ABC):
    """A step of ``ingest`` for some kinds, between validation and the store (e.g. duplicate
    detection for reports). Stages wrap the append like middleware: each may change the
    validated events before calling ``proceed()`` and look at the stored result after it."""

    #: The kinds whose batches pass through this stage.
    kinds: frozenset[str] = frozenset()

    @abc.abstractmethod
    async def intake(self, events: list[NewEvent], proceed: Proceed) -> AppendResult:
        """Return the AppendResult of ``proceed()`` (called exactly once, or an error raised)."""


class EventService:
    """Everything the handlers call. One writer thread keeps commits (and seq) in order."""

    def __init__(self, settings: CoreSettings, store: EventStore, router: Router,
                 kinds: KindRegistry, bus: Bus, clock: Clock | None = None,
                 layers: LayerRegistry | None = None):
        """``kinds``: every event kind (the core's and the features'); ``layers``: the wall's
        layers (default: the core's only, ``layers.registry.core_layers``)."""
        self.settings = settings
        self.clock = clock or Clock()
        self.store = store
        self.router = router
        self.kinds = kinds
        self.layers = layers or LayerRegistry(core_layers())
        self.categories: CategoryRegistry = router.categories
        self.bus = bus
        self.tz = parse_offset(settings.tz_offset)
        self.validator = build_validator(settings, router, kinds)
        self._writer = ThreadPoolExecutor(1, thread_name_prefix="ioc-writer")
        self._readers = ThreadPoolExecutor(4, thread_name_prefix="ioc-reader")
        self.tokens = TokenCache(self._token_lookup)
        self.access = AccessLog(functools.partial(self.write, self.store.record_audits))
        self.hub = Hub(self.read_page, self.render, settings.flush_ms / 1000,
                       per_event=settings.ws_fanout == "per_event")
        self.kpis = KpiRegistry(default_providers(), settings.kpi_cache_s)
        self.health = StoreHealth()
        self.limiter = build_limiter(settings)
        self.sessions = Sessions()
        self._background: list[Callable[[], Awaitable[None]]] = [
            self.access.run, self._watch_sessions, self._record_uses]
        self._stages: list[IntakeStage] = []
        self._tasks: list[asyncio.Task] = []
        self._checks: set[asyncio.Task] = set()
        self._started = False
        #: ``await actor_names({actor…}) → {username: name}``: the people feature names the
        #: persons in the histories staff read (none: no names).
        self.actor_names: Callable[[set[str]], Awaitable[dict[str, str]]] | None = None
        #: ``unit_exists(unit_id) → bool``: the dispatch feature says which responder units
        #: exist (none: a unit is not checked).
        self.unit_exists: Callable[[str], bool] | None = None

    def add_background(self, factory: Callable[[], Awaitable[None]]) -> None:
        """Run ``factory()`` as a task while the service runs (feature listeners, timers)."""
        self._background.append(factory)
        if self._started:
            self._tasks.append(asyncio.get_running_loop().create_task(factory()))

    def add_intake(self, stage: IntakeStage) -> None:
        """Pass every ingested batch holding one of ``stage.kinds`` through ``stage``."""
        self._stages.append(stage)

    @property
    def started(self) -> bool:
        """Return True once the hub, the bus and the background tasks run (the database has
        answered since the start)."""
        return self._started

    async def start(self) -> None:
        """Connect the bus, start the hub and background tasks (on the serving event loop). When
        the database does not answer, return at once (requests get 503, ``/ready`` 503,
        ``/health`` degraded) and finish starting in the background as soon as it does."""
        self.bus.subscribe(self.hub.publish)
        self.bus.subscribe_live(self.hub.publish_live)
        self.bus.subscribe_control(self._on_control)
        try:
            head = await self.read(self.store.last_seq)
        except Unavailable:
            log.warning("starting without the database: 503 until it answers")
            task = asyncio.get_running_loop().create_task(self._start_when_reachable())
            self._checks.add(task)
            task.add_done_callback(self._checks.discard)
            return
        await self._start_at(head)

    async def _start_when_reachable(self) -> None:
        while True:
            await asyncio.sleep(1.0)
            try:
                head = await self.read(self.store.last_seq)
            except Unavailable:
                continue
            log.warning("the database answers: starting the hub, the bus and the tasks")
            await self._start_at(head)
            return

    async def _start_at(self, head: int) -> None:
        await self.bus.start(StoreSource(head, self.read_page,
                                         functools.partial(self.read, self.store.last_seq)))
        self.hub.start(head)
        loop = asyncio.get_running_loop()
        self._tasks = [loop.create_task(factory()) for factory in self._background]
        self._started = True

    async def close(self) -> None:
        """Stop background tasks, the hub, the bus, the threads and the store."""
        for task in [*self._tasks, *self._checks]:
            task.cancel()
        await asyncio.gather(*self._tasks, *self._checks, return_exceptions=True)
        await self.hub.stop()
        await self.bus.close()
        self._writer.shutdown(wait=True)
        self._readers.shutdown(wait=True)
        self.store.close()

    async def read(self, fn: Callable[..., Any], *args: Any) -> Any:
        """Return ``fn(*args)`` run on a reader thread (for store reads); raise Unavailable
        (503) when the database cannot be reached."""
        return await self._run("read", fn, *args)

    async def write(self, fn: Callable[..., Any], *args: Any) -> Any:
        """Return ``fn(*args)`` run on the single writer thread (for store writes, e.g.
        ``store.put_records``); raise Unavailable (503) when the database cannot be reached."""
        return await self._run("write", fn, *args)

    async def _run(self, side: str, fn: Callable[..., Any], *args: Any) -> Any:
        pool = self._writer if side == "write" else self._readers
        call = asyncio.get_running_loop().run_in_executor(pool, self._prepared, fn, *args)
        deadline = self.settings.store_timeout_s
        try:
            # asyncio.timeout, not wait_for: on Python 3.11 wait_for may swallow a cancellation
            # that arrives as the call completes, and a cancelled task would then run on.
            async with asyncio.timeout(deadline):
                result = await call
        except TimeoutError as exc:  # a call still queued is cancelled, not run later
            raise self._unavailable(TimeoutError(f"no answer in {deadline:g} s"), side) from exc
        except Exception as exc:
            fault = self.fault(exc, side)
            if fault is None:
                raise
            raise fault from exc
        self.health.succeeded(side)
        return result

    def _prepared(self, fn: Callable[..., Any], *args: Any) -> Any:
        """Return ``fn(*args)`` once the store is ready (its schema checked: a store opened
        while the database was away does it on its first call that reaches it)."""
        self.store.prepare()
        return fn(*args)

    def fault(self, exc: BaseException, side: str = "read") -> Unavailable | None:
        """Return the Unavailable error (503, ``Retry-After``) that ``exc`` means when it says the
        database cannot be reached (and mark the store unavailable), else None (and, for an
        answer of the database such as a Conflict, mark it reachable)."""
        if isinstance(exc, Unavailable):
            return exc
        if not self.store.unavailable(exc):
            if isinstance(exc, IOCError):
                self.health.succeeded(side)
            return None
        return self._unavailable(exc, side)

    def _unavailable(self, exc: BaseException, side: str) -> Unavailable:
        """Return the 503 for a call of ``side`` that could not reach the database (``exc``),
        after marking the store unavailable."""
        self.health.failed(exc, side)
        wait = self.settings.store_retry_after_s
        return Unavailable(f"the database cannot be reached; retry after {wait} s (a POST with "
                           "the same Idempotency-Key, which is never stored twice)",
                           headers={"Retry-After": str(wait)})

    async def probe_store(self) -> dict[str, Any]:
        """Ask the database for its head and, while writes fail, write a probe record (each at
        most PROBE_TIMEOUT_S); return ``health.to_json`` after it."""
        probes = [("read", self.read, self.store.last_seq)]
        if "write" in self.health.failing:
            probes.append(("write", self.write, functools.partial(
                self.store.put_records, "health", {"probe": {"at": self.clock.now()}},
                self.clock.now())))
        for side, run, fn in probes:
            try:
                async with asyncio.timeout(PROBE_TIMEOUT_S):
                    await run(fn)
            except Unavailable:
                pass
            except TimeoutError:
                self.health.failed(TimeoutError(f"no answer in {PROBE_TIMEOUT_S:g} s"), side)
        return self.health.to_json(self.tz)

    # -- token revocation and open sessions ---------------------------------------------------
    def announce_revoked(self) -> None:
        """Tell every node (this one included) that tokens were revoked: each drops its auth
        cache and closes its sockets whose token is no longer live."""
        self.bus.publish_control([{"op": TOKENS_REVOKED}])

    def _on_control(self, messages: list[dict[str, Any]]) -> None:
        if any(isinstance(m, dict) and m.get("op") == TOKENS_REVOKED for m in messages):
            self.tokens.forget()
            task = asyncio.get_running_loop().create_task(self.check_sessions())
            self._checks.add(task)
            task.add_done_callback(self._checks.discard)

    async def check_sessions(self) -> int:
        """Close every open session whose token is revoked or expired; return how many (0 when
        the store cannot be read: the next check tries again)."""
        if not self.sessions.token_ids():
            return 0
        try:
            records = await self.read(self.store.list_tokens)
        except Unavailable:
            return 0
        closed = self.sessions.close_all_but(live_token_ids(records, now_micros()))
        if closed:
            self.tokens.forget()  # their requests are refused at once too, not after the cache
        return closed

    async def _watch_sessions(self) -> None:
        while True:
            await asyncio.sleep(self.settings.ws_token_check_s)
            await self.check_sessions()

    async def _record_uses(self) -> None:
        """Every TOKEN_USE_WRITE_S, count the tokens of open websockets as used and write the
        last use of every token used since (``TokenRecord.last_used_at``: the idle expiry of
        sessions on every node, "last used" on the admin page)."""
        try:
            while True:
                await asyncio.sleep(TOKEN_USE_WRITE_S)
                await self.write_uses()
        finally:
            await self.write_uses()

    async def write_uses(self) -> int:
        """Write the token uses noted since the last call; return how many tokens (0 when the
        store cannot write now: those uses are kept for the next try)."""
        self.tokens.mark_used(self.sessions.token_ids())
        used = self.tokens.take_used()
        if not used:
            return 0
        try:
            await self.write(self.store.touch_tokens, used)
        except Unavailable:
            self.tokens.requeue(used)
            return 0
        return len(used)

    async def _token_lookup(self, token_hash: str):
        return await self.read(self.store.token_by_hash, token_hash)

    # -- ingest -------------------------------------------------------------------------------
    async def ingest(self, doc: Any, principal: Principal,
                     idem_key: str | None = None) -> AppendResult:
        """Validate, route and durably store ``doc`` (one event or ``{"events": [...]}``).

        Returns the AppendResult once committed; the new events are then on the bus.
        """
        items, prefix = self.validator.unpack(doc)
        kinds_posted = {i["kind"] for i in items
                        if isinstance(i, dict) and isinstance(i.get("kind"), str)}
        policy.require(principal, posting(kinds_posted, self.kinds.citizen_kinds))
        events = self.validator.validate(items, prefix, self.clock.now(),
                                         trusted=principal.role not in policy.PUBLIC_INPUT)
        if not principal.authenticated:
            for ev in events:  # a caller without a token never matches another channel's ref
                ev.source_channel = ANONYMOUS_CHANNEL
        key = f"{principal.token_id}:{idem_key}" if idem_key else None
        digest = hashlib.sha256(repr(items).encode()).hexdigest() if key else None
        proceed: Proceed = functools.partial(self.append, events, key, digest)
        kinds = {e.kind for e in events}
        stages = [s for s in self._stages if s.kinds & kinds]
        if key and stages:  # a retry is answered from the store, not evaluated again
            prior = await self.read(self.store.replayed, key, digest)
            if prior is not None:
                return prior
        for stage in reversed(stages):
            proceed = functools.partial(stage.intake, events, proceed)
        return await proceed()

    async def append(self, events: list[NewEvent], idem_key: str | None = None,
                     idem_hash: str | None = None) -> AppendResult:
        """Store already validated events on the writer thread; publish them in commit order."""
        return await self.write(self._append_and_announce, asyncio.get_running_loop(),
                                events, idem_key, idem_hash)

    def _append_and_announce(self, loop, events, idem_key, idem_hash) -> AppendResult:
        result = self.store.append(events, idem_key, idem_hash)
        new_ids = {n.id for n in events}
        fresh = {e["id"]: e for e in result.events if e["id"] in new_ids}
        if fresh and not result.replayed:
            batch = sorted(fresh.values(), key=lambda e: e["seq"])
            loop.call_soon_threadsafe(self.bus.publish, batch)
        return result

    async def update(self, event_id: str, changes: dict[str, Any], audit: AuditEntry,
                     expect_status: str | None = None) -> dict[str, Any]:
        """Change a stored event (new seq, audited) and publish its new version; raise NotFound."""
        return await self.write(self._update_and_announce, asyncio.get_running_loop(),
                                event_id, changes, audit, expect_status)

    def _update_and_announce(self, loop, event_id, changes, audit, expect_status) -> dict[str, Any]:
        event = self.store.update(event_id, changes, audit, expect_status)
        if event is None:
            raise NotFound(f"no event {event_id!r}")
        loop.call_soon_threadsafe(self.bus.publish, [event])
        return event

    async def update_many(self, changes: list[UpdateItem]) -> list[dict[str, Any]]:
        """Apply many updates (``store.update_many``) and publish the new versions in seq order."""
        return await self.write(self._update_many_and_announce, asyncio.get_running_loop(),
                                changes)

    def _update_many_and_announce(self, loop, changes) -> list[dict[str, Any]]:
        events = self.store.update_many(changes)
        if events:
            loop.call_soon_threadsafe(self.bus.publish, sorted(events, key=lambda e: e["seq"]))
        return events

    async def reroute(self, request: RerouteRequest, principal: Principal,
                      progress: Callable[[int], None] | None = None) -> RerouteReport:
        """Route the stored events again (see ``server.core.reroute``); return what changed.

        Events are read in seq order up to the head seen at the start, so an event moved to the
        head by this run is not visited twice.
        """
        policy.require(principal, policy.EVENTS_REROUTE)
        request.check(self.router)
        report = RerouteReport(request.dry_run)
        head, since = await self.read(self.store.last_seq), 0
        while since < head:
            page = await self.read_page(since, EventQuery(), PAGE_SIZE)
            batch = [e for e in page.events if e["seq"] <= head]
            await self._reroute_batch(batch, request, principal, report)
            if progress:
                progress(len(batch))
            if not page.events:
                break
            since = page.next_since
        return report

    async def _reroute_batch(self, batch: list[dict[str, Any]], request: RerouteRequest,
                             principal: Principal, report: RerouteReport) -> None:
        selected = [e for e in batch if request.matches(e)]
        report.scanned += len(batch)
        report.matched += len(selected)
        planned = plan_changes(self.router, selected, request.generation)
        report.changed += len(planned)
        report.moves.update((ev["agency_id"], ch.get("agency_id", ev["agency_id"]))
                            for ev, ch, _ in planned)
        if planned and not request.dry_run:
            await self.update_many([
                (ev["id"], ch, AuditEntry("reroute", principal.actor, principal.role,
                                          reason=f"boundary generation {gen}",
                                          data={"from": {k: ev[k] for k in ch}, "to": ch,
                                                "generation": gen}))
                for ev, ch, gen in planned])

    async def history(self, event_id: str) -> list[AuditEntry]:
        """Return the audit entries of one event, oldest first."""
        return await self.read(self.store.history, event_id)

    async def event_history(self, principal: Principal, event_id: str) -> list[dict[str, Any]]:
        """Return the history of an event ``principal`` may see (NotFound otherwise), oldest
        first: ``[{action, actor, actor_name, role, event_id, reason, data, at}]`` (``actor_name``:
        the person's name, None for a machine); a public view gets only ``{action, at}`` of each
        entry."""
        await self.get(principal, event_id)
        entries = [e.to_json(self.tz) for e in await self.history(event_id)]
        if view_of(principal).public:
            return [{"action": e["action"], "at": e["at"]} for e in entries]
        if self.actor_names is not None:
            names = await self.actor_names({e["actor"] for e in entries if e["actor"]})
            for e in entries:
                e["actor_name"] = names.get(e["actor"])
        return entries

    # -- reading ------------------------------------------------------------------------------
    def render(self, event: dict[str, Any], view: View) -> dict[str, Any]:
        """Return the event as ``view`` may see it."""
        if not view.public:
            return event
        cat = self.categories.get(event["category"])
        kind = self.kinds.get(event["kind"])
        return kind.public_view(event, bool(cat and cat.sensitive))

    async def read_page(self, since: int, query: EventQuery, limit: int) -> Page:
        """Return a Page from the store (reader thread); a PublicQuery's events are filtered
        by their public position (the page may then hold fewer than ``limit``; ``next_since``
        is the store's)."""
        page = await self.read(self.store.since, since, query, limit)
        if isinstance(query, PublicQuery):
            page.events = [e for e in page.events if query.matches(e)]
        return page

    async def query(self, principal: Principal, since: int, query: EventQuery, limit: int) -> Page:
        """Return the events ``principal`` may see, rendered for its view."""
        view = view_of(principal)
        if not 1 <= limit <= MAX_PAGE:
            raise BadRequest(f"limit must be between 1 and {MAX_PAGE}")
        page = await self.read_page(since, view.scope(query), limit)
        page.events = [self.render(e, view) for e in page.events]
        return page

    async def nearest(self, principal: Principal, lat: float, lon: float, n: int,
                      query: EventQuery) -> list[dict[str, Any]]:
        """Return up to ``n`` events ``principal`` may see nearest to (lat, lon), nearest first,
        each with ``distance_m``; raise Forbidden for the public view (exact distances would
        locate what it sees only coarsely)."""
        view = self._exact_view(principal, "nearest events")
        return await self.read(self.store.nearest, lat, lon, n, view.scope(query))

    async def search(self, principal: Principal, since: int, query: EventQuery,
                     limit: int) -> Page:
        """Return a Page of the events in ``query.polygon`` that ``principal`` may see; raise
        Forbidden for the public view."""
        self._exact_view(principal, "polygon search")
        return await self.query(principal, since, query, limit)

    async def export_geojson(self, principal: Principal, since: int, query: EventQuery,
                             chunk: int = EXPORT_CHUNK) -> AsyncIterator[bytes]:
        """Yield the bytes of a GeoJSON FeatureCollection of the events with seq > ``since`` that
        ``principal`` may see, streamed from the store chunk by chunk (features are written by
        the store, PostGIS on PostGIS); raise Forbidden for the public view."""
        from server.core.export import feature_collection
        view = self._exact_view(principal, "GeoJSON export")
        parts = feature_collection(self.store.export_geojson(since, view.scope(query), chunk))
        try:
            while (part := await self.read(next, parts, None)) is not None:
                yield part
        finally:
            try:
                await self.read(parts.close)
            except (ValueError, Unavailable):  # a chunk past its deadline still runs (the
                pass  # export already failed with 503): the generator closes when collected

    @staticmethod
    def _exact_view(principal: Principal, what: str) -> View:
        view = view_of(principal)
        if view.public:
            raise Forbidden(f"{what} is not open to the public view: it tests exact locations")
        return view

    async def get(self, principal: Principal, event_id: str) -> dict[str, Any]:
        """Return one event as ``principal`` may see it; raise NotFound."""
        view = view_of(principal)
        ev = await self.read(self.store.get, event_id)
        if ev is None or not view.scope(EventQuery()).matches(ev):
            raise NotFound(f"no event {event_id!r}")
        return self.render(ev, view)

    async def tally(self, query: CountQuery) -> dict[tuple, int]:
        """Return the store's grouped counts for ``query`` (reader thread)."""
        return await self.read(self.store.tally, query)

    async def key_figures(self, principal: Principal) -> dict[str, Any]:
        """Return the KPI document (``server.core.kpis``) in the scope ``principal`` may read."""
        view = view_of(principal)
        ctx = KpiContext(self.clock.now(), self.tz, view.agency_id, kinds=self.kinds,
                         layers=self.layers, tally=self.tally, head=self.hub.head)
        return await self.kpis.compute(ctx)

    def create_token(self, role: str, agency_id: str | None = None, label: str = "",
                     ttl_s: float | None = None, unit_id: str | None = None,
                     owner: str | None = None) -> str:
        """Store a new token and return its secret (shown once); see ``issue_token``."""
        return self.issue_token(role, agency_id, label, ttl_s, unit_id, owner)[0]

    def issue_token(self, role: str, agency_id: str | None = None, label: str = "",
                    ttl_s: float | None = None, unit_id: str | None = None,
                    owner: str | None = None, kiosk: bool = False) -> tuple[str, TokenRecord]:
        """Store a new token; return (its secret, shown once, and its record). ``unit_id``
        binds a responder token to its unit (checked by ``unit_exists`` when set); ``owner``
        is who answers for it; a ``kiosk`` is a wall's device credential (role wall)."""
        if agency_id is not None and self.router.agencies.get(agency_id) is None:
            raise BadRequest(f"unknown agency {agency_id!r}")
        if unit_id is not None and self.unit_exists is not None and not self.unit_exists(unit_id):
            raise BadRequest(f"no responder unit {unit_id!r} is registered "
                             "(PUT /api/v1/units/{id})")
        if label == SESSION_LABEL or (kiosk and role != "wall"):
            raise BadRequest(f"a kiosk credential has role wall; {SESSION_LABEL!r} is not a "
                             "label of a token")
        secret, record = new_token(role, agency_id, label, ttl_s, unit_id)
        record.owner = owner
        if kiosk:
            record.extra = {**record.extra, "kind": "kiosk"}
        self.store.save_token(record)
        return secret, record

    def revoke_label(self, label: str) -> int:
        """Revoke every live token with ``label``; return how many."""
        n = self.store.revoke_tokens(label, now_micros())
        self.tokens.forget()
        return n

    def revoke_token(self, token_id: str) -> bool:
        """Revoke token ``token_id`` (effective at once in this process; other processes
        within the cache's 30 s, or at once after ``announce_revoked``); return True if it was
        live."""
        done = self.store.revoke_token(token_id, now_micros())
        self.tokens.forget()
        return done


#: How often the last use of tokens is written (seconds).
TOKEN_USE_WRITE_S = 30.0


def build_limiter(settings: CoreSettings) -> RateLimiter:
    """Return the request limiter of ``settings``: limits ``token``, ``address`` and ``sos``
    (see ``server.core.ratelimit``)."""
    return RateLimiter([Limit("token", settings.rate_token_per_s, settings.rate_token_burst),
                        Limit("address", settings.rate_address_per_s, settings.rate_address_burst),
                        Limit("sos", settings.rate_sos_per_s, settings.rate_sos_burst)])


def build_reference(router: Router, layers: LayerRegistry, kinds: KindRegistry) -> Reference:
    """Return the static reference documents served by the API (the layer catalog composed of
    the layers and the kinds they draw)."""
    from geo.datafiles import RIVERS, ROADS, STATIONS, load_geojson
    basemaps = {"rivers": load_geojson(RIVERS), "roads": load_geojson(ROADS),
                "stations": load_geojson(STATIONS)}
    return Reference(router.areaset.to_geojson(), basemaps, wall_catalog(layers, kinds),
                     [c.to_json() for c in router.categories.all()],
                     [a.to_json() for a in router.agencies.all()])


def kind_registry(kinds: Iterable[Kind]) -> KindRegistry:
    """Return the KindRegistry of the core's own kinds (``alert``) and ``kinds`` (the
    features', ``FeatureRegistry.kinds()``)."""
    return KindRegistry([AlertKind(), *kinds])


def build_service(settings: CoreSettings, clock: Clock | None = None, *,
                  kinds: Iterable[Kind], layers: Iterable[Layer] = ()) -> EventService:
    """Return an EventService with the store, router and bus named by ``settings``, the
    features' ``kinds`` and ``layers`` (the core adds its own to both)."""
    store = open_store(settings.db, parse_offset(settings.tz_offset))
    return EventService(settings, store, Router.default(settings.h3_res), kind_registry(kinds),
                        make_bus(settings), clock, LayerRegistry([*core_layers(), *layers]))
