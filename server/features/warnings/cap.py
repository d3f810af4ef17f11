"""OASIS CAP 1.2 in and out: a pydantic model of an alert, XML writing (lxml), XML reading with
validation against the OASIS schema (``schema/cap12.xsd``) plus the rules the schema cannot
express (``check``), one list of problems for a clear 422.

CAP 1.1 messages are read too (some services still send them, e.g. ``earthquake.cap``): their
namespace is mapped to 1.2 and the 1.2 schema applies (1.2 only tightened 1.1). Kept: every
element of ``alert``, ``info`` and ``area`` except ``resource``, ``altitude`` and ``ceiling``
(dropped, and said so in docs/WARNINGS.md). Times are kept as the text received.
"""
from __future__ import annotations

import math
import re
from functools import lru_cache
from pathlib import Path
from typing import Any

from lxml import etree
from pydantic import BaseModel, ConfigDict, Field

from server.core.errors import ValidationFailed, detail
from server.core.timefmt import parse_rfc3339

NS = "urn:oasis:names:tc:emergency:cap:1.2"
NS_11 = "urn:oasis:names:tc:emergency:cap:1.1"
SCHEMA = Path(__file__).resolve().parent / "schema" / "cap12.xsd"
MAX_PROBLEMS = 20
TIME = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[-+]\d\d:\d\d$")
FORBIDDEN_ID = re.compile(r"[\s,<&]")
#: Bounds of the geometry of one message (the area merge grows faster than the points): points
#: of one polygon, and points of all polygons of a message, a circle counting CIRCLE_POINTS.
MAX_POLYGON_POINTS = 1000
MAX_MESSAGE_POINTS = 4000
CIRCLE_POINTS = 33


class Pair(BaseModel):
    """A ``valueName`` / ``value`` pair (eventCode, parameter, geocode)."""

    model_config = ConfigDict(extra="forbid")
    name: str
    value: str


class CapArea(BaseModel):
    """An ``area``: description, polygons and circles as CAP text, geocodes."""

    model_config = ConfigDict(extra="forbid")
    desc: str
    polygons: list[str] = Field(default_factory=list)
    circles: list[str] = Field(default_factory=list)
    geocodes: list[Pair] = Field(default_factory=list)


class CapInfo(BaseModel):
    """An ``info`` block (one language)."""

    model_config = ConfigDict(extra="forbid")
    language: str | None = None  # absent: en-US (CAP 1.2)
    categories: list[str]
    event: str
    responses: list[str] = Field(default_factory=list)
    urgency: str
    severity: str
    certainty: str
    audience: str | None = None
    event_codes: list[Pair] = Field(default_factory=list)
    effective: str | None = None
    onset: str | None = None
    expires: str | None = None
    sender_name: str | None = None
    headline: str | None = None
    description: str | None = None
    instruction: str | None = None
    web: str | None = None
    contact: str | None = None
    parameters: list[Pair] = Field(default_factory=list)
    areas: list[CapArea] = Field(default_factory=list)


class CapAlert(BaseModel):
    """An ``alert`` message."""

    model_config = ConfigDict(extra="forbid")
    identifier: str
    sender: str
    sent: str
    status: str
    msg_type: str
    source: str | None = None
    scope: str
    restriction: str | None = None
    addresses: str | None = None
    codes: list[str] = Field(default_factory=list)
    note: str | None = None
    references: list[str] = Field(default_factory=list)
    incidents: str | None = None
    infos: list[CapInfo] = Field(default_factory=list)


# -- writing -------------------------------------------------------------------------------------
ALERT_TEXT = (("identifier", "identifier"), ("sender", "sender"), ("sent", "sent"),
              ("status", "status"), ("msgType", "msg_type"), ("source", "source"),
              ("scope", "scope"), ("restriction", "restriction"), ("addresses", "addresses"))
INFO_HEAD = (("event", "event"),)
INFO_GRADE = (("urgency", "urgency"), ("severity", "severity"), ("certainty", "certainty"),
              ("audience", "audience"))
INFO_TEXT = (("effective", "effective"), ("onset", "onset"), ("expires", "expires"),
             ("senderName", "sender_name"), ("headline", "headline"),
             ("description", "description"), ("instruction", "instruction"), ("web", "web"),
             ("contact", "contact"))


def _sub(parent: etree._Element, tag: str, text: str | None) -> None:
    if text is not None:
        etree.SubElement(parent, f"{{{NS}}}{tag}").text = text


def _pairs(parent: etree._Element, tag: str, pairs: list[Pair]) -> None:
    for p in pairs:
        el = etree.SubElement(parent, f"{{{NS}}}{tag}")
        _sub(el, "valueName", p.name)
        _sub(el, "value", p.value)


def _fields(parent: etree._Element, obj: BaseModel, table: tuple[tuple[str, str], ...]) -> None:
    for tag, attr in table:
        _sub(parent, tag, getattr(obj, attr))


def _info(parent: etree._Element, info: CapInfo) -> None:
    el = etree.SubElement(parent, f"{{{NS}}}info")
    _sub(el, "language", info.language)
    for c in info.categories:
        _sub(el, "category", c)
    _fields(el, info, INFO_HEAD)
    for r in info.responses:
        _sub(el, "responseType", r)
    _fields(el, info, INFO_GRADE)
    _pairs(el, "eventCode", info.event_codes)
    _fields(el, info, INFO_TEXT)
    _pairs(el, "parameter", info.parameters)
    for area in info.areas:
        a = etree.SubElement(el, f"{{{NS}}}area")
        _sub(a, "areaDesc", area.desc)
        for p in area.polygons:
            _sub(a, "polygon", p)
        for c in area.circles:
            _sub(a, "circle", c)
        _pairs(a, "geocode", area.geocodes)


def to_xml(alert: CapAlert) -> bytes:
    """Return the alert as CAP 1.2 XML (UTF-8, with the XML declaration)."""
    root = etree.Element(f"{{{NS}}}alert", nsmap={None: NS})
    _fields(root, alert, ALERT_TEXT)
    for code in alert.codes:
        _sub(root, "code", code)
    _sub(root, "note", alert.note)
    _sub(root, "references", " ".join(alert.references) or None)
    _sub(root, "incidents", alert.incidents)
    for info in alert.infos:
        _info(root, info)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)


# -- reading -------------------------------------------------------------------------------------
@lru_cache(maxsize=1)
def schema() -> etree.XMLSchema:
    """Return the OASIS CAP 1.2 schema (read once)."""
    return etree.XMLSchema(etree.parse(str(SCHEMA)))


def _parser() -> etree.XMLParser:
    return etree.XMLParser(resolve_entities=False, no_network=True, remove_comments=True,
                           remove_pis=True, huge_tree=False)


def parse_document(body: bytes) -> etree._Element:
    """Return the root ``alert`` in the 1.2 namespace; raise ValidationFailed when the body is
    not XML, not a CAP 1.1/1.2 alert, or not valid against the 1.2 schema."""
    try:
        root = etree.fromstring(body, _parser())
    except etree.XMLSyntaxError as exc:
        raise ValidationFailed("not well-formed XML", [detail("body", str(exc))]) from None
    if root.getroottree().docinfo.doctype:  # entities are not resolved: refuse any DTD
        raise ValidationFailed("a CAP message has no DOCTYPE", [detail(
            "body", "remove the <!DOCTYPE ...> declaration (DTDs and entities are refused)")])
    if root.tag not in (f"{{{NS}}}alert", f"{{{NS_11}}}alert"):
        raise ValidationFailed("not a CAP alert", [detail(
            "alert", f"the root element must be <alert> in {NS} (or CAP 1.1); got {root.tag}")])
    if root.tag.startswith(f"{{{NS_11}}}"):
        for el in root.iter():
            if isinstance(el.tag, str):
                el.tag = el.tag.replace(NS_11, NS)
        etree.cleanup_namespaces(root)
        root = etree.fromstring(etree.tostring(root), _parser())
    xsd = schema()
    if not xsd.validate(root):
        problems = [detail(f"line {e.line}", e.message) for e in list(xsd.error_log)[:MAX_PROBLEMS]]
        raise ValidationFailed("the CAP message is not valid against the CAP 1.2 schema", problems)
    return root


def _text(el: etree._Element, tag: str) -> str | None:
    found = el.find(f"{{{NS}}}{tag}")
    if found is None:
        return None
    return (found.text or "").strip() or None


def _texts(el: etree._Element, tag: str) -> list[str]:
    return [(x.text or "").strip() for x in el.findall(f"{{{NS}}}{tag}") if (x.text or "").strip()]


def _read_pairs(el: etree._Element, tag: str) -> list[Pair]:
    return [Pair(name=_text(x, "valueName") or "", value=_text(x, "value") or "")
            for x in el.findall(f"{{{NS}}}{tag}")]


def _read_fields(el: etree._Element, table: tuple[tuple[str, str], ...]) -> dict[str, Any]:
    return {attr: _text(el, tag) for tag, attr in table}


def _read_info(el: etree._Element) -> CapInfo:
    areas = [CapArea(desc=_text(a, "areaDesc") or "", polygons=_texts(a, "polygon"),
                     circles=_texts(a, "circle"), geocodes=_read_pairs(a, "geocode"))
             for a in el.findall(f"{{{NS}}}area")]
    return CapInfo(language=_text(el, "language"), categories=_texts(el, "category"),
                   responses=_texts(el, "responseType"), event_codes=_read_pairs(el, "eventCode"),
                   parameters=_read_pairs(el, "parameter"), areas=areas,
                   **_read_fields(el, INFO_HEAD + INFO_GRADE + INFO_TEXT))


def from_xml(body: bytes) -> CapAlert:
    """Return the CapAlert of a CAP 1.1/1.2 message; raise ValidationFailed naming what is wrong
    (schema problems with their line, then the rules of ``check``)."""
    root = parse_document(body)
    alert = CapAlert(codes=_texts(root, "code"), note=_text(root, "note"),
                     references=(_text(root, "references") or "").split(),
                     incidents=_text(root, "incidents"),
                     infos=[_read_info(i) for i in root.findall(f"{{{NS}}}info")],
                     **_read_fields(root, ALERT_TEXT))
    problems = check(alert)
    if problems:
        raise ValidationFailed("the CAP message breaks rules of the CAP 1.2 specification",
                               problems)
    return alert


# -- rules the schema cannot express --------------------------------------------------------------
def polygon_points(text: str) -> int:
    """Return the number of points of a CAP polygon text (pairs separated by white space)."""
    return len(text.split())


def _check_polygon(path: str, text: str) -> list[dict[str, str]]:
    points = polygon_points(text)
    if points > MAX_POLYGON_POINTS:
        return [detail(path, f"a polygon has at most {MAX_POLYGON_POINTS} points; this one has "
                             f"{points}: simplify it (or split it) before sending")]
    try:
        pts = [tuple(float(v) for v in pair.split(",")) for pair in text.split()]
    except ValueError:
        return [detail(path, "pairs must be lat,lon numbers separated by spaces")]
    if any(len(p) != 2 for p in pts):
        return [detail(path, "each point is one lat,lon pair")]
    if len(pts) < 4 or pts[0] != pts[-1]:
        return [detail(path, "at least four points, the first equal to the last")]
    if any(not (-90 <= lat <= 90 and -180 <= lon <= 180) for lat, lon in pts):
        return [detail(path, "latitude in [-90, 90], longitude in [-180, 180] (latitude first)")]
    return []


def _check_circle(path: str, text: str) -> list[dict[str, str]]:
    centre, _, radius = text.strip().partition(" ")
    try:
        lat, lon = (float(v) for v in centre.split(","))
        r = float(radius)
    except ValueError:
        return [detail(path, "a circle is 'lat,lon radius_km'")]
    if not (-90 <= lat <= 90 and -180 <= lon <= 180) or not 0 <= r < math.inf:
        return [detail(path, "latitude in [-90, 90], longitude in [-180, 180], "
                             "a finite radius ≥ 0 km")]
    return []


def _check_times(path: str, values: dict[str, str | None]) -> list[dict[str, str]]:
    return [detail(f"{path}{k}", "a date-time with an explicit offset (e.g. +07:00), no 'Z', "
                                 "in years 1 to 9999")
            for k, v in values.items() if v is not None and not _is_time(v)]


def _is_time(text: str) -> bool:
    """Return True for a CAP date-time (explicit offset) that a server can store."""
    if not TIME.match(text):
        return False
    try:
        parse_rfc3339(text)
    except ValueError:
        return False
    return True


def _check_info(i: int, info: CapInfo) -> list[dict[str, str]]:
    base = f"info[{i}]."
    out = _check_times(base, {"effective": info.effective, "onset": info.onset,
                              "expires": info.expires})
    for j, area in enumerate(info.areas):
        out += [p for k, poly in enumerate(area.polygons)
                for p in _check_polygon(f"{base}area[{j}].polygon[{k}]", poly)]
        out += [p for k, c in enumerate(area.circles)
                for p in _check_circle(f"{base}area[{j}].circle[{k}]", c)]
    return out


def _check_size(alert: CapAlert) -> list[dict[str, str]]:
    """Return a problem when the polygons and circles of ``alert`` hold more than
    MAX_MESSAGE_POINTS points in all (a circle counts CIRCLE_POINTS)."""
    total = sum(polygon_points(p) for info in alert.infos for area in info.areas
                for p in area.polygons)
    total += CIRCLE_POINTS * sum(len(area.circles) for info in alert.infos for area in info.areas)
    if total <= MAX_MESSAGE_POINTS:
        return []
    return [detail("info.area", f"a message's polygons and circles have at most "
                                f"{MAX_MESSAGE_POINTS} points in all (a circle counts "
                                f"{CIRCLE_POINTS}); this one has {total}: simplify its polygons "
                                "or name the communes by GSO geocode instead")]


def check(alert: CapAlert) -> list[dict[str, str]]:
    """Return the problems of ``alert`` under the rules of the CAP 1.2 specification that the
    schema cannot express (empty: none): identifier and sender without spaces, commas, ``<``
    or ``&``; times with an explicit offset; ``restriction`` only with scope Restricted,
    ``addresses`` only with scope Private; ``references`` as ``sender,identifier,sent``;
    polygons of ≥ 4 lat,lon pairs closed on themselves, at most MAX_POLYGON_POINTS points each
    and MAX_MESSAGE_POINTS in all; circles ``lat,lon radius``."""
    out = [detail(k, "no spaces, commas, '<' or '&'")
           for k, v in (("identifier", alert.identifier), ("sender", alert.sender))
           if FORBIDDEN_ID.search(v)]
    out += _check_times("", {"sent": alert.sent})
    if alert.restriction and alert.scope != "Restricted":
        out.append(detail("restriction", "only with scope Restricted"))
    if alert.addresses and alert.scope != "Private":
        out.append(detail("addresses", "only with scope Private"))
    out += [detail(f"references[{k}]", "sender,identifier,sent")
            for k, ref in enumerate(alert.references) if len(ref.split(",")) != 3]
    out += _check_size(alert)
    for i, info in enumerate(alert.infos):
        out += _check_info(i, info)
    return out[:MAX_PROBLEMS]
