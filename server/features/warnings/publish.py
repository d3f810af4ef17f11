"""A warning event as a CAP 1.2 alert (Vietnamese ``info`` first, English second) and the Atom
feed of the active ones. Nothing private goes out: no token ids, no counts, no contacts.
"""
from __future__ import annotations

from datetime import timezone
from typing import Any

from lxml import etree

from geo.agencies import AgencyRegistry
from geo.areas import AreaSet
from server.core.timefmt import parse_rfc3339, to_rfc3339
from server.features.warnings.areas import cap_areas
from server.features.warnings.cap import CapAlert, CapInfo
from server.features.warnings.kinds import DRILLS

ATOM = "http://www.w3.org/2005/Atom"
CAP_TYPE = "application/cap+xml"
LANGS = (("vi", "vi-VN"), ("en", "en-US"))
CONTACT = {"vi": "Đường dây nóng 1900 1075", "en": "Hotline 1900 1075"}


def cap_time(text: str | None, tz: timezone) -> str | None:
    """Return an RFC 3339 time as CAP wants it (seconds, explicit offset), None stays None."""
    return to_rfc3339(parse_rfc3339(text), tz, "seconds") if text else None


def _text(props: dict[str, Any], field: str, lang: str) -> str | None:
    value = props.get(field)
    return value.get(lang) if value else None


def _info(ev: dict[str, Any], lang: str, code: str, sender_name: str, areaset: AreaSet,
          category_label: str, tz: timezone) -> CapInfo:
    p = ev["props"]
    return CapInfo(language=code, categories=p.get("cap_categories") or ["Met"],
                   event=_text(p, "event", lang) or category_label,
                   responses=p.get("responses") or [], urgency=p.get("urgency", "Expected"),
                   severity=p.get("cap_severity", "Moderate"),
                   certainty=p.get("certainty", "Likely"),
                   effective=cap_time(p.get("effective"), tz),
                   expires=cap_time(p.get("expires"), tz), sender_name=sender_name,
                   headline=_text(p, "headline", lang), description=_text(p, "description", lang),
                   instruction=_text(p, "instruction", lang), contact=CONTACT[lang],
                   areas=cap_areas(p.get("communes", []), p.get("cells", []), areaset, lang))


def alert_of(ev: dict[str, Any], sender: str, agencies: AgencyRegistry, areaset: AreaSet,
             labels: dict[str, dict[str, str]], now: int, tz: timezone) -> CapAlert:
    """Return the CAP alert of a warning event: a received one as it came; one of ours as
    ``Draft`` until sent (``sent`` = now), then its ``cap_status`` (``Actual``, or ``Test`` /
    ``Exercise`` for a drill); ``Alert``, ``Update`` (it references
    earlier messages) or ``Cancel`` (cancelled after sending: a new identifier that references
    the cancelled message, the reason in ``note``)."""
    p = ev["props"]
    if p.get("cap"):
        return CapAlert.model_validate(p["cap"])
    agency = agencies.get(ev["agency_id"])
    refs, cancel = list(p.get("references", [])), p.get("cancel")
    if cancel:
        refs.append(f"{sender},{p['identifier']},{cap_time(p['sent'], tz)}")
    infos = [_info(ev, lang, code, getattr(agency, lang, "") if agency else "", areaset,
                   labels.get(ev["category"], {}).get(lang, ev["category"]), tz)
             for lang, code in LANGS]
    return CapAlert(identifier=cancel["identifier"] if cancel else p["identifier"], sender=sender,
                    sent=cap_time(cancel["sent"] if cancel else p.get("sent"), tz)
                    or to_rfc3339(now, tz, "seconds"),
                    status=p.get("cap_status", "Actual") if p.get("sent") else "Draft",
                    msg_type="Cancel" if cancel else ("Update" if refs else "Alert"),
                    scope="Public", note=cancel.get("reason") if cancel else None,
                    references=refs, infos=infos)


def is_drill(ev: dict[str, Any]) -> bool:
    """Return True for a drill: one of ours with CAP status Test or Exercise, or a received
    message whose status is not ``Actual``."""
    p = ev["props"]
    if p.get("cap"):
        return p["cap"].get("status") != "Actual"
    return p.get("cap_status", "Actual") in DRILLS


def is_active(ev: dict[str, Any], now: int) -> bool:
    """Return True for a sent or received warning not cancelled, superseded or past
    ``expires`` (of its own or of every CAP info block)."""
    if ev["status"] not in ("sent", "received"):
        return False
    p = ev["props"]
    ends = [p.get("expires")] if not p.get("cap") else \
        [i.get("expires") for i in p["cap"].get("infos", [])]
    ends = [parse_rfc3339(e) for e in ends if e]
    return not ends or max(ends) > now


def _sub(parent: etree._Element, tag: str, text: str | None = None, **attrs: str) -> etree._Element:
    el = etree.SubElement(parent, f"{{{ATOM}}}{tag}", **attrs)
    if text is not None:
        el.text = text
    return el


def _entry(feed: etree._Element, ev: dict[str, Any], alert: CapAlert, base_url: str) -> None:
    entry = _sub(feed, "entry")
    first = alert.infos[0] if alert.infos else None
    english = next((i for i in alert.infos if (i.language or "en").startswith("en")), first)
    _sub(entry, "id", f"urn:cap:{alert.sender}:{alert.identifier}")
    title = first.headline or first.event if first else alert.identifier
    if english is not None and english is not first and english.headline:
        title = f"{title} / {english.headline}"
    _sub(entry, "title", title)
    _sub(entry, "updated", alert.sent)
    _sub(entry, "published", alert.sent)
    _sub(_sub(entry, "author"), "name", first.sender_name if first and first.sender_name
         else alert.sender)
    _sub(entry, "link", rel="alternate", type=CAP_TYPE,
         href=f"{base_url}/api/v1/public/warnings/{ev['id']}.cap")
    for info in alert.infos[:1]:
        for c in info.categories:
            _sub(entry, "category", term=c)
        if info.description:
            _sub(entry, "summary", info.description)


def atom_feed(items: list[tuple[dict[str, Any], CapAlert]], base_url: str, now: int,
              tz: timezone) -> bytes:
    """Return an Atom 1.0 feed with one entry per (event, alert) whose CAP status is
    ``Actual`` (a drill never reaches the public feed), newest first, each linking its CAP
    message."""
    items = [(ev, alert) for ev, alert in items if alert.status == "Actual"]
    feed = etree.Element(f"{{{ATOM}}}feed", nsmap={None: ATOM})
    _sub(feed, "id", f"{base_url}/api/v1/public/warnings.atom")
    _sub(feed, "title", "Cảnh báo đang hiệu lực — thành phố Huế / Active warnings — Huế")
    _sub(feed, "updated", to_rfc3339(now, tz, "seconds"))
    _sub(_sub(feed, "author"), "name", "Huế IOC")
    _sub(feed, "link", rel="self", href=f"{base_url}/api/v1/public/warnings.atom")
    for ev, alert in sorted(items, key=lambda it: parse_rfc3339(it[1].sent), reverse=True):
        _entry(feed, ev, alert, base_url)
    return etree.tostring(feed, xml_declaration=True, encoding="UTF-8", pretty_print=True)

