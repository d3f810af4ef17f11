"""Cases over HTTP: file (app, hotline API), work lists, detail, transitions and KPIs for
``/api/v1/reports`` and ``/api/v1/questions``. Citizens act with ``X-Citizen-Token``.

Filing and transitions also take ``multipart/form-data`` with photos (parts named ``file``,
through the media feature): the case as form fields or a JSON part named ``case`` (a transition:
``transition``); the photos' URLs join ``props.media`` (a transition: ``media``). A request
refused after its photos were kept removes them again."""
from __future__ import annotations

from typing import Any, Awaitable, Callable

from server.core.errors import BadRequest, detail
from server.core.events import EventIn
from server.core.params import parse_int
from server.core.timefmt import parse_rfc3339
from server.features.media.handlers import UploadHandler
from server.features.media.service import Accepted, MediaService
from server.features.reports import kpis
from server.features.reports.casebook import fold
from server.features.reports.desk import SORTS, ReportDesk
from server.features.reports.lifecycle import ACTIONS
from server.web.base import BaseHandler

UUID = r"([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})"
PLURAL = {"report": "reports", "question": "questions"}
#: Form fields of a filing that are the event's own (the others are its props).
CASE_FIELDS = frozenset(EventIn.model_fields) - {"props"}
CASE_NUMBERS = frozenset({"lat", "lon"})


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
    """Handlers of one case kind: receive the desk, the kind and the media service (None: no
    photos on this server); read query arguments."""

    def initialize(self, core, ref, desk: ReportDesk, kind: str,  # noqa: ANN001
                   media: MediaService | None = None) -> None:
        """Receive the desk, the kind this route serves and the media service."""
        super().initialize(core, ref)
        self.desk = desk
        self.kind = kind
        self.media = media

    def arg(self, name: str) -> str | None:
        """Return a query argument or None."""
        return self.get_query_argument(name, None)

    async def with_photos(self, kept: Accepted, work: Callable[[], Awaitable[Any]]) -> Any:
        """Return ``await work()``; the photos this request wrote are removed if it fails."""
        try:
            return await work()
        except BaseException:
            if kept.new_ids:
                await self.media.discard(kept.new_ids)
            raise


class CitizenMixin:
    """The caller: ``X-Citizen-Token`` (a citizen of one case), else the bearer token or the
    session."""

    async def authenticate(self) -> Any:
        """Return the citizen principal of the header, else the usual caller."""
        citizen = self.request.headers.get("X-Citizen-Token")
        if citizen:
            return self.desk.citizen(citizen)
        return await super().authenticate()


class CaseHandler(CitizenMixin, DeskMixin, BaseHandler):
    """Base: the desk, the kind, and the caller (bearer token or ``X-Citizen-Token``)."""


def with_urls(doc: Any, urls: list[str], *path: str) -> Any:
    """Return ``doc`` with ``urls`` appended to the list at ``path`` (made when absent);
    ``doc`` as it is when it is not an object there (the validator names the problem)."""
    if not urls:
        return doc
    target = doc
    for key in path[:-1]:
        if not isinstance(target, dict):
            return doc
        target = target.setdefault(key, {})
    if isinstance(target, dict):
        have = target.get(path[-1], [])
        target[path[-1]] = [*have, *urls] if isinstance(have, list) else have
    return doc


class CasesHandler(DeskMixin, UploadHandler):
    """``POST /api/v1/{kind}s`` files one case (JSON, or multipart with photos); ``GET`` lists
    cases for staff."""

    async def post(self) -> None:
        """Answer 201 ``{"case", "citizen_token", "duplicate_of", "notice", "replayed"}``."""
        if self.upload is None:
            doc, kept = self.body_json(), Accepted([], [])
        else:
            form = self.upload_form()
            doc = form.document("case", CASE_FIELDS, CASE_NUMBERS)
            kept = await self.keep_photos(form)
            doc = with_urls(doc, kept.urls, "props", "media")
        out = await self.with_photos(kept, lambda: self.desk.file(
            doc, self.principal, self.kind, self.request.headers.get("Idempotency-Key")))
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


class TransitionHandler(CitizenMixin, DeskMixin, UploadHandler):
    """``POST /api/v1/{kind}s/{id}/transitions`` ``{"action": …, "reason": …}`` (JSON, or
    multipart: the fields or a JSON part ``transition``, photos as ``file`` parts → ``media``,
    e.g. the result photos of ``resolve``)."""

    async def post(self, case_id: str) -> None:
        """Answer 200 ``{"case": updated event}``."""
        if self.upload is None:
            doc, kept = self.body_json(), Accepted([], [])
        else:
            form = self.upload_form()
            doc = form.document("transition", numbers=frozenset({"hours"}))
            kept = await self.keep_photos(form)
            doc = with_urls(doc, kept.urls, "media")
        case = await self.with_photos(
            kept, lambda: self.desk.transition(case_id, doc, self.principal))
        self.write_json({"case": case})


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


def routes(base: dict, desk: ReportDesk, media: MediaService | None = None) -> list[tuple]:
    """Return the case routes for both kinds (``base``: the handler kwargs every route takes;
    ``media``: photos with filings and transitions, None for none)."""
    out = []
    for kind, plural in PLURAL.items():
        args = {**base, "desk": desk, "kind": kind, "media": media}
        out += [(rf"/api/v1/{plural}", CasesHandler, args),
                (rf"/api/v1/{plural}/kpis", KPIHandler, args),
                (rf"/api/v1/{plural}/actions", ActionsHandler, args),
                (rf"/api/v1/{plural}/{UUID}", CaseDetailHandler, args),
                (rf"/api/v1/{plural}/{UUID}/transitions", TransitionHandler, args)]
    return out
