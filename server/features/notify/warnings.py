"""A warning sent → an SMS to every registered contact inside its target (a commune they asked
for, or their place inside its area); an update or a cancel → the same people again. Keys
``warning:{id}:{phase}:{contact}:sms`` (a trigger: ``triggers.py``)."""
from __future__ import annotations

import logging
from typing import Any, Callable

from pydantic import ValidationError

from server.features.notify.templates import WARNING_SMS
from server.features.notify.triggers import Trigger
from server.features.warnings.reach import CONTACTS, Contact
from server.store.base import OutboxItem

log = logging.getLogger(__name__)


def phase_of(ev: dict[str, Any]) -> str | None:
    """Return ``alert``, ``update`` or ``cancel`` for a warning that must reach people now
    (sent; sent as an update of another; cancelled after it was sent), else None."""
    props = ev.get("props") or {}
    if ev["status"] == "sent":
        return "update" if props.get("updates") else "alert"
    if ev["status"] == "cancelled" and props.get("sent"):
        return "cancel"
    return None


def text_of(props: dict[str, Any], field: str, lang: str) -> str:
    """Return a warning's text ``field`` in ``lang`` (Vietnamese when missing)."""
    value = props.get(field) or {}
    return value.get(lang) or value.get("vi") or ""


def messages_of(ev: dict[str, Any], contacts: dict[str, Contact], inside: Callable[[Contact],
                bool], link: str) -> list[OutboxItem]:
    """Return the SMS of warning ``ev`` to each of ``contacts`` ``inside`` its target (none
    when it is not to be sent now)."""
    phase = phase_of(ev)
    if phase is None:
        return []
    props, out = ev["props"], []
    for contact_id, contact in sorted(contacts.items()):
        if not inside(contact):
            continue
        values = {"headline": text_of(props, "headline", contact.lang) or
                  text_of(props, "event", contact.lang),
                  "instruction": text_of(props, "instruction", contact.lang), "link": link}
        text = WARNING_SMS[(phase, contact.lang)].render(values)
        out.append(OutboxItem(key=f"warning:{ev['id']}:{phase}:{contact_id}:sms",
                              topic="warning", channel="sms", address=contact.phone, text=text,
                              lang=contact.lang, source=ev["id"], recipient=contact_id,
                              data={"phase": phase}))
    return out


class WarningNotices(Trigger):
    """A warning sent, updated or cancelled → an SMS to each registered contact inside it."""

    name = "warnings"
    kinds = frozenset({"warning"})

    def __init__(self, core: Any, desk: Any, link: str) -> None:
        self.core = core
        self.desk = desk
        self.link = link

    async def messages(self, events: list[dict[str, Any]]) -> list[OutboxItem]:
        """Return the SMS of ``events`` to the contacts inside each."""
        if not any(phase_of(ev) for ev in events):
            return []
        contacts = await self.contacts()
        items = []
        for ev in events:
            geom, communes = self.desk.geometry(ev)
            targeted = set(communes)
            items += messages_of(ev, contacts, lambda c: c.inside(targeted, geom), self.link)
        return items

    async def contacts(self) -> dict[str, Contact]:
        """Return the registered contacts (a stored one that no longer parses is skipped)."""
        out = {}
        for key, doc in (await self.core.read(self.core.store.records, CONTACTS)).items():
            try:
                out[key] = Contact.model_validate(doc)
            except ValidationError:
                log.warning("notify: contact %s no longer valid; skipped", key)
        return out
