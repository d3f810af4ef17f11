"""Flood operations over HTTP: calls (file, queue, detail, transitions, earlier calls of a
caller, suggestions, triage), the app's SOS, and responder units (register, tablet view, fixes,
statuses, tablet tokens). Thin: parse, call the DispatchDesk, write JSON."""
from __future__ import annotations

from server.features.dispatch.desk import DispatchDesk
from server.features.dispatch.lifecycle import TABLE
from server.features.dispatch.triage import rules_json
from server.core.params import parse_float, parse_int
from server.web.base import FeatureHandler

UUID = r"([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})"
UNIT = r"([a-z0-9][a-z0-9_-]{0,63})"


class DeskHandler(FeatureHandler):
    """A handler of the dispatch desk (``self.feature``)."""

    @property
    def desk(self) -> DispatchDesk:
        """Return the DispatchDesk."""
        return self.feature

    def key(self) -> str | None:
        """Return the request's Idempotency-Key header, or None."""
        return self.request.headers.get("Idempotency-Key")


class CallsHandler(DeskHandler):
    """``POST /api/v1/calls`` files a call; ``GET`` lists the queue."""

    async def post(self) -> None:
        """Answer 201 ``{"call", "replayed"}`` (body: an event, optionally with ``override``)."""
        self.write_json(await self.desk.file_call(self.body_json(), self.principal, self.key()),
                        201)

    async def get(self) -> None:
        """Answer ``{"calls": [...], "total"}``, most urgent first (``?all=1``: closed too)."""
        get = self.get_query_argument_or_none
        limit = parse_int(get, "limit", 500, 1, 5000)
        self.write_json(await self.desk.queue(self.principal, get("all") not in ("1", "true"),
                                              limit))


class SosHandler(DeskHandler):
    """``POST /api/v1/sos``: the app's one tap (callers without a staff token draw from the
    SOS bucket of their address, never used up by other requests)."""

    address_limit = "sos"

    async def post(self) -> None:
        """Answer 201 (a new SOS) or 200 (joined to the caller's open call)."""
        status, doc = await self.desk.file_sos(self.body_json(), self.principal, self.key())
        self.write_json(doc, status)


class CallHandler(DeskHandler):
    """``GET /api/v1/calls/{id}``: the call, what the caller may do, its unit and history."""

    async def get(self, call_id: str) -> None:
        """Answer ``{"call", "actions", "unit", "history"}``."""
        self.write_json(await self.desk.detail(call_id, self.principal))


class CallTransitionHandler(DeskHandler):
    """``POST /api/v1/calls/{id}/transitions`` ``{"action": …}``."""

    async def post(self, call_id: str) -> None:
        """Answer ``{"call", "unit", "replayed"}``."""
        self.write_json(await self.desk.transition(call_id, self.body_json(), self.principal))


class SuggestionsHandler(DeskHandler):
    """``GET /api/v1/calls/{id}/suggestions?n=5``: the nearest free suitable units."""

    async def get(self, call_id: str) -> None:
        """Answer ``{"call_id", "method", "required", "preferred", "units", "busy"}``."""
        n = parse_int(self.get_query_argument_or_none, "n", 5, 1, 50)
        self.write_json(await self.desk.suggestions(self.principal, call_id, n))


class RelatedHandler(DeskHandler):
    """``GET /api/v1/calls/related?phone=&lat=&lon=&exclude=``: earlier calls of a caller."""

    async def get(self) -> None:
        """Answer ``{"calls": [{"call", "match"}]}``."""
        get = self.get_query_argument_or_none
        lat = parse_float(get, "lat", -90, 90) if get("lat") else None
        lon = parse_float(get, "lon", -180, 180) if get("lon") else None
        self.write_json(await self.desk.related(self.principal, get("phone"), lat, lon,
                                                get("exclude")))


class TriageHandler(DeskHandler):
    """``POST /api/v1/calls/triage``: what the rules say about a call being logged;
    ``GET /api/v1/calls/triage-rules``: the rule table."""

    async def post(self) -> None:
        """Answer the ``triage`` props the call would get."""
        self.write_json(self.desk.triage_preview(self.principal, self.body_json()))


class TriageRulesHandler(DeskHandler):
    """``GET /api/v1/calls/triage-rules`` and ``GET /api/v1/calls/actions``."""

    def get(self, what: str) -> None:
        """Answer the triage table or the lifecycle table."""
        if what == "triage-rules":
            self.write_json(rules_json())
        else:
            self.write_json({"actions": TABLE.rows("sos")})


class UnitsHandler(DeskHandler):
    """``GET /api/v1/units``: every responder unit."""

    async def get(self) -> None:
        """Answer ``{"units": [events]}``."""
        self.write_json(await self.desk.unit_list(self.principal))


class UnitHandler(DeskHandler):
    """``PUT /api/v1/units/{id}``: register a unit or change its description."""

    async def put(self, unit_id: str) -> None:
        """Answer the unit's event."""
        self.write_json(await self.desk.register_unit(self.principal, unit_id, self.body_json()))


class TabletHandler(DeskHandler):
    """``GET /api/v1/units/me`` (a tablet's own) and ``/api/v1/units/{id}/tablet``."""

    async def get(self, unit_id: str | None = None) -> None:
        """Answer ``{"unit", "calls": [{"call", "actions"}], "at"}``."""
        self.write_json(await self.desk.tablet(self.principal, unit_id))


class UnitPositionHandler(DeskHandler):
    """``POST /api/v1/units/{id}/position``: one fix from the tablet."""

    async def post(self, unit_id: str) -> None:
        """Answer ``{"unit", "stored"}``."""
        self.write_json(await self.desk.unit_position(self.principal, unit_id, self.body_json()))


class UnitStatusHandler(DeskHandler):
    """``POST /api/v1/units/{id}/status`` ``{"status": "available"|"off_duty"}``."""

    async def post(self, unit_id: str) -> None:
        """Answer the unit's event."""
        self.write_json(await self.desk.unit_status(self.principal, unit_id, self.body_json()))


class UnitTokenHandler(DeskHandler):
    """``POST /api/v1/units/{id}/token`` ``{"ttl_days"?}``: a token for the unit's tablet."""

    async def post(self, unit_id: str) -> None:
        """Answer 201 ``{"token", "unit_id", "tablet"}``."""
        doc = self.body_json() if self.request.body.strip() else {}
        ttl = doc.get("ttl_days") if isinstance(doc, dict) else None
        self.write_json(await self.desk.unit_token(self.principal, unit_id, ttl), 201)


def routes(base: dict, desk: DispatchDesk) -> list[tuple]:
    """Return the flood-operations routes over ``desk``."""
    args = {**base, "feature": desk}
    return [
        (r"/api/v1/calls", CallsHandler, args),
        (r"/api/v1/sos", SosHandler, args),
        (r"/api/v1/calls/related", RelatedHandler, args),
        (r"/api/v1/calls/triage", TriageHandler, args),
        (r"/api/v1/calls/(triage-rules|actions)", TriageRulesHandler, args),
        (rf"/api/v1/calls/{UUID}", CallHandler, args),
        (rf"/api/v1/calls/{UUID}/transitions", CallTransitionHandler, args),
        (rf"/api/v1/calls/{UUID}/suggestions", SuggestionsHandler, args),
        (r"/api/v1/units", UnitsHandler, args),
        (r"/api/v1/units/me", TabletHandler, args),
        (rf"/api/v1/units/{UNIT}", UnitHandler, args),
        (rf"/api/v1/units/{UNIT}/tablet", TabletHandler, args),
        (rf"/api/v1/units/{UNIT}/position", UnitPositionHandler, args),
        (rf"/api/v1/units/{UNIT}/status", UnitStatusHandler, args),
        (rf"/api/v1/units/{UNIT}/token", UnitTokenHandler, args),
    ]
