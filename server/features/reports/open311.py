"""Open311 GeoReport v2 over the report pipeline (no Tornado here).

Follows the GeoReport v2 specification: ``services``, ``services/{code}``, ``requests`` (GET and
form-encoded POST with ``api_key``), ``requests/{id}``, ``tokens/{token}`` and the service
discovery document, in XML (root element after an XML declaration, no namespace) and JSON (the
Spark convention: lists are arrays). Errors are a list of ``{code, description}`` with HTTP 404
for what does not exist, 403 for a missing or wrong ``api_key`` and 400 for everything else.
Datetimes are W3C/ISO 8601 with the ``+07:00`` offset. Services are the report categories;
requests are reports in their public form. See docs/REPORTS.md for the mapping.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import orjson
from lxml import etree

from geo.categories import Category
from geo.geocode import CommuneGeocoder
from server.core.auth import Principal
from server.core.errors import IOCError
from server.core.text import strip_control
from server.features.reports.attributes import check_attributes
from server.features.reports.casebook import OPEN, Case
from server.features.reports.desk import ReportDesk
from server.core.timefmt import parse_rfc3339, to_rfc3339

SPEC_URL = "http://wiki.open311.org/GeoReport_v2"
FORMATS = {"xml": "text/xml; charset=utf-8", "json": "application/json; charset=utf-8"}
MAX_RESULTS = 1000
DAY_US = 86_400_000_000
MAX_SPAN_US = 90 * DAY_US
#: Element names of list items (XML) for each list-valued field.
ITEM = {"services": "service", "service_requests": "request", "attributes": "attribute",
        "values": "value", "errors": "error", "endpoints": "endpoint", "formats": "format"}
ATTRIBUTE_KEY = re.compile(r"^attribute\[([^\]\[]+)\](\[\])?$")
STATUS_NOTES = {"new": "Đang phân loại / being triaged",
                "routed": "Đã chuyển đến đơn vị xử lý / sent to the responsible unit",
                "accepted": "Đơn vị đã tiếp nhận / accepted by the unit",
                "in_progress": "Đang xử lý / work in progress",
                "reject_requested": "Đang xem xét phạm vi xử lý / scope under review"}


@dataclass
class Open311Error(Exception):
    """An Open311 error answer: HTTP status and ``[(code, description)]``."""

    status: int
    errors: list[tuple[int, str]] = field(default_factory=list)

    @classmethod
    def one(cls, status: int, description: str) -> "Open311Error":
        """Return an error with one entry whose code is the HTTP status."""
        return cls(status, [(status, description)])

    @classmethod
    def from_ioc(cls, err: IOCError) -> "Open311Error":
        """Map the project's error family to Open311's 403 / 404 / 400; a rate limit (429) and
        a database away (503) keep their status, which tells the client to retry later, and so
        do a photo too large (413) or not a photo (415), which say what to change."""
        status = {401: 403, 403: 403, 404: 404, 413: 413, 415: 415, 429: 429,
                  503: 503}.get(err.status, 400)
        entries = [(err.status, f"{d['path']}: {d['message']}" if d.get("path") else d["message"])
                   for d in err.details] or [(err.status, err.message)]
        return cls(status, entries)

    def payload(self) -> list[dict[str, Any]]:
        """Return the ``errors`` list."""
        return [{"code": code, "description": text} for code, text in self.errors]


#: Characters XML 1.0 cannot carry (control characters other than tab, newline, return).
_NOT_XML = re.compile(r"[^\x09\x0a\x0d\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def _fill(el: etree._Element, value: Any, name: str) -> None:
    if value is None:
        return
    if isinstance(value, bool):
        el.text = "true" if value else "false"
    elif isinstance(value, dict):
        for key, sub in value.items():
            _fill(etree.SubElement(el, key), sub, key)
    elif isinstance(value, list):
        for sub in value:
            _fill(etree.SubElement(el, ITEM[name]), sub, ITEM[name])
    else:
        el.text = _NOT_XML.sub("", str(value))


def render(root: str, payload: Any, fmt: str) -> tuple[bytes, str]:
    """Return (body, content type) of ``payload`` under ``root`` in ``fmt`` (xml or json)."""
    if fmt == "json":
        return orjson.dumps(payload), FORMATS["json"]
    el = etree.Element(root)
    _fill(el, payload, root)
    body = etree.tostring(el, encoding="utf-8", xml_declaration=False, pretty_print=True)
    return b'<?xml version="1.0" encoding="utf-8"?>\n' + body, FORMATS["xml"]


def check_format(fmt: str) -> str:
    """Return ``fmt`` if it is xml or json; raise Open311Error (400) otherwise."""
    if fmt not in FORMATS:
        raise Open311Error.one(400, f"unknown format {fmt!r}: use .xml or .json")
    return fmt


def _w3c(micros: int | None, desk: ReportDesk) -> str | None:
    return to_rfc3339(micros, desk.tz, "seconds") if micros is not None else None


class Open311:
    """The six GeoReport v2 methods (plus discovery) over a ReportDesk."""

    def __init__(self, desk: ReportDesk, geocoder: CommuneGeocoder):
        self.desk = desk
        self.geocoder = geocoder
        self.settings = desk.settings
        self.categories = desk.core.categories

    # -- arguments ------------------------------------------------------------------------------
    def check_jurisdiction(self, value: str | None) -> None:
        """Raise 404 for a jurisdiction_id this server does not answer for."""
        if value and value != self.settings.open311_jurisdiction_id:
            raise Open311Error.one(404, f"jurisdiction_id {value!r} not found; this endpoint "
                                        f"serves {self.settings.open311_jurisdiction_id}")

    def _category(self, code: str | None, missing_status: int = 400) -> Category:
        if not code:
            raise Open311Error.one(missing_status, "service_code was not provided")
        cat = self.categories.get(code)
        if cat is None or "report" not in cat.kinds:
            raise Open311Error.one(404, f"service_code {code!r} not found; see services.xml")
        return cat

    # -- services -------------------------------------------------------------------------------
    def services(self) -> list[dict[str, Any]]:
        """Return the service list (one service per report category)."""
        domains = {d["code"]: d for d in self.categories.domains}
        return [self._service(c, domains) for c in self.categories.for_kind("report")]

    def _service(self, cat: Category, domains: dict[str, dict]) -> dict[str, Any]:
        due = f"; hạn xử lý {cat.deadline_hours:g} giờ / due within {cat.deadline_hours:g} h" \
            if cat.deadline_hours else ""
        group = domains.get(cat.domain, {}).get("vi", cat.domain)
        return {"service_code": cat.code, "service_name": cat.vi,
                "description": f"{cat.vi} / {cat.en}{due}", "metadata": bool(cat.attributes),
                "type": self.settings.open311_request_type,
                "keywords": ", ".join(cat.keywords) or None, "group": group}

    def service_definition(self, code: str) -> dict[str, Any]:
        """Return the service definition of ``code``; raise 404 when unknown."""
        cat = self._category(code)
        ordered = sorted(cat.attributes, key=lambda a: a.get("order", 1))
        attrs = [self._attribute(a) for a in ordered]
        return {"service_code": cat.code, "attributes": attrs}

    @staticmethod
    def _attribute(a: dict[str, Any]) -> dict[str, Any]:
        return {"variable": True, "code": a["code"], "datatype": a["datatype"],
                "required": bool(a.get("required")),
                "datatype_description": a.get("datatype_description"),
                "order": int(a.get("order", 1)), "description": f"{a['vi']} / {a['en']}",
                "values": [{"key": v["key"], "name": f"{v['vi']} / {v['en']}"}
                           for v in a.get("values", [])]}

    # -- POST requests --------------------------------------------------------------------------
    async def create(self, args: dict[str, list[str]], principal: Principal) -> list[dict]:
        """File a report from POST arguments; return the ``service_requests`` answer. Control
        characters are dropped from the arguments (a citizen's text is cleaned, never refused:
        ``server.core.text``)."""
        args = {strip_control(k): [strip_control(v) for v in vs] for k, vs in args.items()}
        one = _first(args)
        self.check_jurisdiction(one.get("jurisdiction_id"))
        cat = self._category(one.get("service_code"))
        doc = {"category": cat.code, "source": {"channel": "open311"},
               "props": self._props(one, args)}
        _, problems = check_attributes(cat, doc["props"].get("attributes", {}), "attribute",
                                       require=True)
        if problems:
            raise Open311Error(400, [(400, f"{p['path']}: {p['message']}") for p in problems])
        doc.update(self._location(one, doc["props"]))
        try:
            filing = await self.desk.file(doc, principal)
        except IOCError as err:
            raise Open311Error.from_ioc(err) from None
        notice = filing["notice"]
        answer = {"service_notice": f"{notice['vi']} / {notice['en']}",
                  "account_id": one.get("account_id") or None}
        if self.settings.open311_request_type == "batch":
            return [{"token": filing["citizen_token"], **answer}]
        return [{"service_request_id": filing["case"]["id"], **answer}]

    def _props(self, one: dict[str, str], args: dict[str, list[str]]) -> dict[str, Any]:
        props: dict[str, Any] = {"description": one.get("description", "")}
        if one.get("media_url"):
            props["media"] = [one["media_url"]]
        name = " ".join(p for p in (one.get("first_name"), one.get("last_name")) if p)
        reporter = {k: v for k, v in (("name", name), ("phone", one.get("phone")),
                                      ("email", one.get("email"))) if v}
        if reporter:
            props["reporter"] = reporter
        attributes = _attributes(args)
        if attributes:
            props["attributes"] = attributes
        return props

    def _location(self, one: dict[str, str], props: dict[str, Any]) -> dict[str, Any]:
        lat, lon, address = one.get("lat"), one.get("long"), one.get("address_string")
        if address:
            props["address"] = address[:500]
        if lat or lon:
            return self._latlong(lat, lon)
        if address:
            found = self.geocoder.locate(address)
            if found is None:
                raise Open311Error.one(400, "address_string names no commune or ward of Huế; "
                                            "send lat and long, or include the ward (phường/xã)")
            return {"lat": found.lat, "lon": found.lon}
        if one.get("address_id"):
            raise Open311Error.one(400, "address_id is not supported here; send lat and long "
                                        "or address_string")
        raise Open311Error.one(400, "a location is required: lat and long, or address_string")

    @staticmethod
    def _latlong(lat: str | None, lon: str | None) -> dict[str, float]:
        if not (lat and lon):
            raise Open311Error.one(400, "lat and long must be sent together")
        try:
            return {"lat": float(lat), "lon": float(lon)}
        except ValueError:
            raise Open311Error.one(
                400, f"lat and long must be numbers, got {lat!r}, {lon!r}") from None

    # -- GET requests ---------------------------------------------------------------------------
    async def requests(self, args: dict[str, list[str]]) -> list[dict[str, Any]]:
        """Return the requests matching the GET filters (newest first, at most 1000)."""
        one = _first(args)
        self.check_jurisdiction(one.get("jurisdiction_id"))
        await self.desk.ready()
        if one.get("service_request_id"):
            ids = [i.strip() for i in one["service_request_id"].split(",") if i.strip()]
            chosen = [c for i in ids if (c := self.desk.book.get(i)) and c.kind == "report"]
        else:
            chosen = self._search(one)
        chosen = chosen[:MAX_RESULTS]
        events = await self.desk.public_events([c.id for c in chosen])
        return [self.request_view(ev) for ev in events]

    async def request(self, request_id: str, jurisdiction: str | None) -> list[dict[str, Any]]:
        """Return the one-element list of request ``request_id``; raise 404 when unknown."""
        self.check_jurisdiction(jurisdiction)
        await self.desk.ready()
        case = self.desk.book.get(request_id)
        if case is None or case.kind != "report":
            raise Open311Error.one(404, f"service_request_id {request_id!r} not found")
        return [self.request_view((await self.desk.public_events([case.id]))[0])]

    def _search(self, one: dict[str, str]) -> list[Case]:
        start, end = self._window(one.get("start_date"), one.get("end_date"))
        codes = _csv(one.get("service_code"))
        for code in codes:
            self._category(code)
        wanted = _csv(one.get("status"))
        bad = [s for s in wanted if s not in ("open", "closed")]
        if bad:
            raise Open311Error.one(400, f"status must be open or closed, got {', '.join(bad)}")
        out = [c for c in self.desk.book.all() if c.kind == "report" and not c.hidden
               and start <= c.observed_at <= end and (not codes or c.category in codes)
               and (not wanted or self.open_status(c) in wanted)]
        out.sort(key=lambda c: (c.observed_at, c.seq), reverse=True)
        return out

    def _window(self, start_text: str | None, end_text: str | None) -> tuple[int, int]:
        start, end = _date(start_text, "start_date"), _date(end_text, "end_date")
        if start is None and end is None:
            end = self.desk.core.clock.now()
        if start is None:
            start = end - MAX_SPAN_US
        if end is None:
            end = start + MAX_SPAN_US
        if end < start:
            raise Open311Error.one(400, "end_date is before start_date")
        if end - start > MAX_SPAN_US:
            raise Open311Error.one(400, "start_date and end_date may not span more than 90 days")
        return start, end

    def open_status(self, case: Case) -> str:
        """Return ``open`` or ``closed`` (a duplicate follows the case it is linked to)."""
        if case.duplicate_of is not None:
            original = self.desk.book.get(case.duplicate_of)
            return self.open_status(original) if original else "closed"
        return "open" if case.status in OPEN else "closed"

    def request_view(self, ev: dict[str, Any]) -> dict[str, Any]:
        """Return the Open311 request of a report's public form (all fields, spec order)."""
        case_props = ev["props"].get("case") or {}
        case = self.desk.book.get(ev["id"])
        cat = self.categories.get(ev["category"])
        status = self.open_status(case)
        media = ev["props"].get("media") or []
        return {
            "service_request_id": ev["id"], "status": status,
            "status_notes": self._notes(case, case_props, status),
            "service_name": cat.vi if cat else ev["category"], "service_code": ev["category"],
            "description": ev["props"].get("description") or None,
            "agency_responsible": self.desk.agency_name(ev["agency_id"])["vi"],
            "service_notice": None,
            "requested_datetime": _w3c(case.observed_at, self.desk),
            "updated_datetime": _w3c(self._updated(case, status), self.desk),
            "expected_datetime": _w3c(case.deadline, self.desk),
            "address": self._address(ev), "address_id": None, "zipcode": None,
            "lat": ev["lat"], "long": ev["lon"], "media_url": media[0] if media else None}

    @staticmethod
    def _notes(case: Case, case_props: dict[str, Any], status: str) -> str | None:
        if case.hidden:
            return "Nội dung không được công khai / content withheld"
        if case.duplicate_of is not None:
            return f"Trùng với phản ánh {case.duplicate_of} / duplicate request"
        if status == "closed":
            return case_props.get("note")
        return STATUS_NOTES.get(case.status)

    @staticmethod
    def _updated(case: Case, status: str) -> int:
        if status == "closed" and case.resolved_at is not None:
            return case.resolved_at
        return case.updated_at

    def _address(self, ev: dict[str, Any]) -> str | None:
        if not ev.get("area"):
            return None
        try:
            area = self.desk.core.router.areaset.by_code(ev["area"])
        except KeyError:
            return None
        return f"{area.full_name}, thành phố Huế"

    # -- tokens and discovery -------------------------------------------------------------------
    async def token(self, token: str, jurisdiction: str | None) -> list[dict[str, Any]]:
        """Return ``[{service_request_id, token}]``; raise 404 for an unknown token."""
        self.check_jurisdiction(jurisdiction)
        await self.desk.ready()
        case_id = self.desk.tokens.verify(token)
        if case_id is None or self.desk.book.get(case_id) is None:
            raise Open311Error.one(404, "token not found")
        return [{"service_request_id": case_id, "token": token}]

    def discovery(self, base_url: str, changeset: str) -> dict[str, Any]:
        """Return the service discovery document for this server."""
        endpoint = {"specification": SPEC_URL, "url": base_url.rstrip("/") + "/open311/v2",
                    "changeset": changeset, "type": "production",
                    "formats": [v.split(";")[0] for v in FORMATS.values()]}
        return {"changeset": changeset,
                "contact": "Trung tâm IOC Huế, đường dây nóng 1900 1075 / Huế IOC hotline",
                "key_service": "Xin khóa API (api_key) tại Trung tâm IOC / ask the IOC for a key",
                "endpoints": [endpoint]}


def _first(args: dict[str, list[str]]) -> dict[str, str]:
    return {k: v[0].strip() for k, v in args.items() if v and not k.startswith("attribute[")}


def _csv(text: str | None) -> list[str]:
    return [p.strip() for p in (text or "").split(",") if p.strip()]


def _date(text: str | None, name: str) -> int | None:
    if not text:
        return None
    try:
        return parse_rfc3339(text)
    except ValueError:
        raise Open311Error.one(400, f"{name} must be a W3C datetime with an offset, e.g. "
                                    f"2025-11-17T00:00:00+07:00; got {text!r}") from None


def _attributes(args: dict[str, list[str]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, values in args.items():
        match = ATTRIBUTE_KEY.match(key)
        if match is None:
            continue
        code, many = match.groups()
        values = [v for v in values if v != ""]
        if values:
            out[code] = values if many or len(values) > 1 else values[0]
    return out
