"""Cases over HTTP: file (app, hotline API), work lists, detail, transitions and KPIs for
``/api/v1/reports`` and ``/api/v1/questions``. Citizens act with ``X-Citizen-Token``."""
from __future__ import annotations

from typing import Any

from server.core.errors import BadRequest, detail
from server.core.params import parse_int
from server.features.reports import kpis
from server.features.reports.casebook import fold
from server.features.reports.desk import SORTS, ReportDesk
from server.features.reports.lifecycle import ACTIONS
from server.core.timefmt import parse_rfc3339
from server.web.base import BaseHandler, StreamedBodyHandler

UUID = r"([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})"
PLURAL = {"report": "reports", "question": "questions"}


def parse_period(get: Any, tz: Any) -> tuple[int | None, int | None]:
    """Return [start, end) from ``month=YYYY-MM`` or ``from``/``to`` (RFC 3339); BadRequest."""
    if get("month"):
        try:
            return kpis.month_bounds(get("month"), tz)
        except ValueError as exc:
            raise BadRequest(str(exc), [detail("month", "YYYY-MM")]) from None
    out = []
    for name in ("from", "to"):
        raw = get(name)
        try:
            out.append(parse_rfc3339(raw) if raw else None)
        except ValueError:
            raise BadRequest(f"{name} must be RFC 3339 with an offset",
                             [detail(name, f"got {raw!r}")]) from None
    return out[0], out[1]


def parse_filters(get: Any, known: Any, tz: Any) -> dict[str, Any]:
    """Return the work list's filters from the query (``known``: the kind's statuses):
    ``{status, overdue, agency_id, area, category, extension, from, to, words, sort}``;
    BadRequest for an unknown status, order or date."""
    statuses = [s for s in (get("status") or "").split(",") if s]
    bad = [s for s in statuses if s != "open" and s not in known]
    if bad:
        raise BadRequest(f"unknown status {', '.join(bad)}",
                         [detail("status", f"one of open, {', '.join(known)}")])
    start, end = parse_period(get, tz)
    return {"status": statuses, "overdue": get("overdue") in ("1", "true"),
            "agency_id": get("agency"), "area": get("area"), "category": get("category"),
            "extension": get("extension"), "from": start, "to": end,
            "words": fold(get("q") or "").split()[:10], "sort": parse_sort(get)}


def parse_sort(get: Any) -> str:
    """Return the work list's order (``sort``, default newest); BadRequest if unknown."""
    sort = get("sort") or "newest"
    if sort not in SORTS:
        raise BadRequest(f"sort must be one of {', '.join(SORTS)}",
                         [detail("sort", f"got {sort!r}")])
    return sort


def parse_by(get: Any) -> str:
    """Return the KPI grouping (``by``, default agency); BadRequest if unknown."""
    by = get("by") or "agency"
    if by not in kpis.GROUPINGS:
        raise BadRequest(f"by must be one of {', '.join(kpis.GROUPINGS)}",
                         [detail("by", f"got {by!r}")])
    return by


class DeskMixin:
    """Handlers of one case kind: receive the desk and the kind; read query arguments."""

    def initialize(self, core, ref, desk: ReportDesk, kind: str) -> None:  # noqa: ANN001
        """Receive the desk and the kind this route serves."""
        super().initialize(core, ref)
        self.desk = desk
        self.kind = kind

    def arg(self, name: str) -> str | None:
        """Return a query argument or None."""
        return self.get_query_argument(name, None)


class CaseHandler(DeskMixin, BaseHandler):
    """Base: the desk, the kind, and the caller (bearer token or ``X-Citizen-Token``)."""

    async def prepare(self) -> None:
        """A citizen token (header) makes a citizen principal; else the bearer token."""
        citizen = self.request.headers.get("X-Citizen-Token")
        if citizen:
            self.limit_rate(None)
            self.principal = self.desk.citizen(citizen)
        else:
            await super().prepare()


class CasesHandler(DeskMixin, StreamedBodyHandler):
    """``POST /api/v1/{kind}s`` files one case; ``GET`` lists cases for staff."""

    async def post(self) -> None:
        """Answer 201 ``{"case", "citizen_token", "duplicate_of", "notice", "replayed"}``."""
        doc = self.body_json()
        out = await self.desk.file(doc, self.principal, self.kind,
                                   self.request.headers.get("Idempotency-Key"))
        self.write_json(out, 201)

    async def get(self) -> None:
        """Answer ``{"cases": [summary…], "total": N}`` (filters: status, overdue, agency,
        area, category, extension (requested, approved, refused), from/to or month (filed), q
        (words, id); sort; limit, offset)."""
        get = self.arg
        filters = parse_filters(get, self.core.kinds.get(self.kind).statuses, self.desk.tz)
        limit = parse_int(get, "limit", 100, 1, 1000)
        offset = parse_int(get, "offset", 0, 0, 10**9)
        self.write_json(await self.desk.work_list(self.principal, self.kind, filters, limit,
                                                  offset))


class CaseDetailHandler(CaseHandler):
    """``GET /api/v1/{kind}s/{id}``: the case, what the caller may do, its history."""

    async def get(self, case_id: str) -> None:
        """Answer ``{"case", "actions", "history"}`` (citizens: public form, no history)."""
        self.write_json(await self.desk.case_detail(case_id, self.principal))


class TransitionHandler(CaseHandler):
    """``POST /api/v1/{kind}s/{id}/transitions`` ``{"action": …, "reason": …}``."""

    async def post(self, case_id: str) -> None:
        """Answer 200 ``{"case": updated event}``."""
        doc = self.body_json()
        self.write_json({"case": await self.desk.transition(case_id, doc, self.principal)})


class KPIHandler(CaseHandler):
    """``GET /api/v1/{kind}s/kpis?by=agency|area|category|all&month=|from=&to=``."""

    async def get(self) -> None:
        """Answer the KPI document for the caller's scope."""
        start, end = parse_period(self.arg, self.desk.tz)
        self.write_json(await self.desk.kpi_document(self.principal, parse_by(self.arg),
                                                     start, end, self.kind))


class ActionsHandler(CaseHandler):
    """``GET /api/v1/{kind}s/actions``: the lifecycle table for this kind."""

    def get(self) -> None:
        """Answer ``{"actions": [{name, vi, en, from, to, roles, reason}]}``."""
        rows = [a.to_json() for a in ACTIONS.values() if self.kind in a.kinds]
        self.write_json({"actions": rows})


def routes(base: dict, desk: ReportDesk) -> list[tuple]:
    """Return the case routes for both kinds (``base``: the handler kwargs every route takes)."""
    out = []
    for kind, plural in PLURAL.items():
        args = {**base, "desk": desk, "kind": kind}
        out += [(rf"/api/v1/{plural}", CasesHandler, args),
                (rf"/api/v1/{plural}/kpis", KPIHandler, args),
                (rf"/api/v1/{plural}/actions", ActionsHandler, args),
                (rf"/api/v1/{plural}/{UUID}", CaseDetailHandler, args),
                (rf"/api/v1/{plural}/{UUID}/transitions", TransitionHandler, args)]
    return out
