"""HTTP API handlers under /api/v1/ (thin: parse, call the core, write JSON)."""
from __future__ import annotations

from server.core.errors import NotFound, Unavailable
from server.core.params import parse_event_query, parse_nearest, parse_search
from server.web.base import BaseHandler, StreamedBodyHandler


class EventsHandler(StreamedBodyHandler):
    """``POST /api/v1/events`` (one event or ``{"events": [...]}``), ``GET`` since a seq."""

    async def post(self) -> None:
        """Store the events; answer 201 ``{"events": [...]}`` once they are durable."""
        doc = self.body_json()
        result = await self.core.ingest(doc, self.principal,
                                        self.request.headers.get("Idempotency-Key"))
        if result.replayed:
            self.set_header("Idempotent-Replayed", "true")
        self.write_json({"events": result.events}, 201)

    async def get(self) -> None:
        """Answer ``{"events": [...], "next_since": N}`` ascending by seq."""
        since, query, limit = parse_event_query(self.get_query_argument_or_none,
                                                self.core.kinds.names)
        page = await self.core.query(self.principal, since, query, limit)
        self.write_json({"events": page.events, "next_since": page.next_since})


class SearchHandler(StreamedBodyHandler):
    """``POST /api/v1/events/search``: the events in a polygon, paged like ``GET since``."""

    async def post(self) -> None:
        """Answer ``{"events": [...], "next_since": N}`` for ``{"intersects": polygon, …}``."""
        doc = self.body_json()
        since, query, limit = parse_search(doc, self.core.kinds.names)
        page = await self.core.search(self.principal, since, query, limit)
        self.write_json({"events": page.events, "next_since": page.next_since})


class NearestHandler(BaseHandler):
    """``GET /api/v1/events/nearest?lat=&lon=&n=&kind=&category=&area=&bbox=``."""

    async def get(self) -> None:
        """Answer ``{"events": [... each with "distance_m"]}``, nearest first."""
        lat, lon, n, query = parse_nearest(self.get_query_argument_or_none, self.core.kinds.names)
        events = await self.core.nearest(self.principal, lat, lon, n, query)
        self.write_json({"events": events})


class GeoJSONExportHandler(BaseHandler):
    """``GET /api/v1/events.geojson?since=&kind=&category=&area=&bbox=``: every matching event
    as one FeatureCollection, streamed (no page limit)."""

    async def get(self) -> None:
        """Stream ``application/geo+json``; errors before the first byte use the error shape."""
        since, query, _ = parse_event_query(self.get_query_argument_or_none, self.core.kinds.names)
        parts = self.core.export_geojson(self.principal, since, query)
        try:
            self.set_header("Content-Type", "application/geo+json")
            async for part in parts:
                self.write(part)
                await self.flush()
        finally:
            await parts.aclose()
        self.finish()


class EventHandler(BaseHandler):
    """``GET /api/v1/events/{id}``."""

    async def get(self, event_id: str) -> None:
        """Answer the event as the caller may see it."""
        self.write_json(await self.core.get(self.principal, event_id))


class EventHistoryHandler(BaseHandler):
    """``GET /api/v1/events/{id}/history``."""

    async def get(self, event_id: str) -> None:
        """Answer ``{"event_id", "history": [...]}`` (oldest first), access-checked like GET
        event."""
        history = await self.core.event_history(self.principal, event_id)
        self.write_json({"event_id": event_id, "history": history})


class KpiHandler(BaseHandler):
    """``GET /api/v1/kpis``: the wall's key figures (see ``server.core.kpis``)."""

    async def get(self) -> None:
        """Answer ``{"generated_at", "groups", "items"}`` in the caller's scope."""
        self.set_header("Cache-Control", "no-store")
        self.write_json(await self.core.key_figures(self.principal))


class ReferenceHandler(BaseHandler):
    """Reference documents: areas, layers, categories, agencies, basemaps."""

    def initialize(self, core, ref, doc: str) -> None:  # noqa: ANN001 - tornado kwargs
        """Also receive which document to serve."""
        super().initialize(core, ref)
        self.doc = doc

    def get(self, name: str | None = None) -> None:
        """Answer the document (cacheable)."""
        docs = {"areas": self.ref.areas_geojson, "layers": {"layers": self.ref.catalog},
                "categories": {"categories": self.ref.categories,
                               "domains": self.core.categories.domains},
                "agencies": {"agencies": self.ref.agencies}}
        if self.doc == "basemap":
            if name not in self.ref.basemaps:
                raise NotFound(f"no basemap {name!r}; have {', '.join(self.ref.basemaps)}")
            body = self.ref.basemaps[name]
        else:
            body = docs[self.doc]
        self.set_header("Cache-Control", "public, max-age=300")
        self.write_json(body)


class OpenAPIHandler(BaseHandler):
    """``GET /api/v1/openapi.json``: the OpenAPI description of this API."""

    def initialize(self, core, ref, doc: dict) -> None:  # noqa: ANN001 - tornado kwargs
        """Also receive the document built once."""
        super().initialize(core, ref)
        self.doc = doc

    def get(self) -> None:
        """Answer the OpenAPI 3.1 document (``server.web.openapi``)."""
        self.set_header("Cache-Control", "public, max-age=300")
        self.write_json(self.doc)


class HealthHandler(BaseHandler):
    """``GET /api/v1/health``: liveness, the store head and whether the database answers (no
    token needed: it must answer while the database, which holds the tokens, is away)."""

    async def prepare(self) -> None:
        """Charge the address limit only."""
        self.limit_rate(None)

    async def get(self) -> None:
        """Answer ``{"status": "ok"|"degraded", "last_seq": N, "subscribers": N, "bus": BusStats,
        "store": {"state": "ok"|"unavailable", "since", "error", "outages", "last_outage_s"}}`` (200
        while the process runs; the database is asked for its head, at most 5 s)."""
        store = await self.core.probe_store()
        self.set_header("Cache-Control", "no-store")
        self.write_json({"status": "ok" if store["state"] == "ok" else "degraded",
                         "last_seq": self.core.hub.head,
                         "subscribers": self.core.hub.subscriber_count,
                         "bus": self.core.bus.stats.to_json(), "store": store})


class ReadyHandler(HealthHandler):
    """``GET /api/v1/ready``: for load balancers, 200 ``{"status": "ready"}`` when the database
    answers, else 503 in the error shape (with ``Retry-After``)."""

    async def get(self) -> None:
        """Answer 200 or raise Unavailable."""
        store = await self.core.probe_store()
        wait = self.core.settings.store_retry_after_s
        if store["state"] != "ok":
            raise Unavailable(f"the database cannot be reached ({store['error']})",
                              headers={"Retry-After": str(wait)})
        if not self.core.started:  # the database answers: the rest starts in a moment
            raise Unavailable("the database answers; the server is still starting",
                              headers={"Retry-After": "1"})
        self.write_json({"status": "ready", "last_seq": self.core.hub.head})


def routes(base: dict, openapi: dict) -> list[tuple]:
    """Return the /api/v1 routes of the core; ``base`` holds ``core`` and ``ref``, ``openapi`` is
    the document served (``server.web.openapi.openapi_document``)."""
    args = base
    ref_routes = [(rf"/api/v1/{doc}", ReferenceHandler, {**args, "doc": doc})
                  for doc in ("areas", "layers", "categories", "agencies")]
    return [
        (r"/api/v1/events", EventsHandler, args),
        (r"/api/v1/events\.geojson", GeoJSONExportHandler, args),
        (r"/api/v1/events/search", SearchHandler, args),
        (r"/api/v1/events/nearest", NearestHandler, args),
        (r"/api/v1/events/([0-9a-fA-F-]{1,64})", EventHandler, args),
        (r"/api/v1/events/([0-9a-fA-F-]{1,64})/history", EventHistoryHandler, args),
        (r"/api/v1/kpis", KpiHandler, args),
        *ref_routes,
        (r"/api/v1/basemap/([a-z]+)", ReferenceHandler, {**args, "doc": "basemap"}),
        (r"/api/v1/health", HealthHandler, args),
        (r"/api/v1/ready", ReadyHandler, args),
        (r"/api/v1/openapi\.json", OpenAPIHandler, {**args, "doc": openapi}),
    ]
