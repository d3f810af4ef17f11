"""A warning sent → an SMS to every registered contact inside its target (a commune they asked
for, or their place inside its area); an update or a cancel → the same people again.

The messages are derived from the stored warnings, never from a request: each node reads the
warnings committed since its cursor (``records`` kind ``notify_cursor``), woken by the bus, and
enqueues their messages with keys ``warning:{id}:{phase}:{contact}:sms`` before it moves its
cursor. A node killed after a warning was committed and before its messages were stored derives
them again when it starts; a message stored already is not stored twice (the key), so two nodes
deriving the same warning add nothing."""
from __future__ import annotations

import asyncio
import logging
from typing import Any, Callable

from pydantic import ValidationError

from server.core.timefmt import now_micros
from server.features.notify.templates import WARNING_SMS
from server.features.warnings.reach import CONTACTS, Contact
from server.store import EventQuery
from server.store.base import OutboxItem

log = logging.getLogger(__name__)
CURSOR = "notify_cursor"
PAGE = 500


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


class WarningNotices:
    """Derives the warnings' messages into the outbox on this node (see the module)."""

    def __init__(self, core: Any, desk: Any, node: str, link: str) -> None:
        self.core = core
        self.desk = desk
        self.key = f"warnings:{node}"
        self.link = link
        self._wake = asyncio.Event()

    def on_bus(self, events: list[dict[str, Any]]) -> None:
        """Wake the loop when a warning was committed."""
        if any(ev.get("kind") == "warning" for ev in events):
            self._wake.set()

    async def run(self) -> None:
        """Catch up from the cursor, then again each time the bus brings a warning (and every
        30 s, for a wake-up the bus lost)."""
        while True:
            try:
                await self.catch_up()
            except Exception:  # noqa: BLE001 - the store may be away: try again later
                log.exception("notify: deriving the warnings' messages failed; will retry")
            try:
                async with asyncio.timeout(30):
                    await self._wake.wait()
            except TimeoutError:
                pass
            self._wake.clear()

    async def catch_up(self) -> int:
        """Enqueue the messages of the warnings committed since the cursor; return how many
        new messages were stored."""
        cursor = ((await self.core.read(self.core.store.record, CURSOR, self.key)) or {}).get(
            "seq", 0)
        added = 0
        while True:
            page = await self.core.read(self.core.store.since, cursor,
                                        EventQuery(kinds=frozenset({"warning"})), PAGE)
            if page.events:
                added += await self.enqueue(page.events)
            if page.next_since != cursor:
                cursor = page.next_since
                await self.core.write(self.core.store.put_records, CURSOR,
                                      {self.key: {"seq": cursor}}, now_micros())
            if len(page.events) < PAGE:
                return added

    async def enqueue(self, events: list[dict[str, Any]]) -> int:
        """Store the messages of ``events``; return how many were new."""
        if not any(phase_of(ev) for ev in events):
            return 0
        contacts = await self.contacts()
        items = []
        for ev in events:
            geom, communes = self.desk.geometry(ev)
            targeted = set(communes)
            items += messages_of(ev, contacts, lambda c: c.inside(targeted, geom), self.link)
        return await self.core.write(self.core.store.enqueue, items, now_micros()) if items \
            else 0

    async def contacts(self) -> dict[str, Contact]:
        """Return the registered contacts (a stored one that no longer parses is skipped)."""
        out = {}
        for key, doc in (await self.core.read(self.core.store.records, CONTACTS)).items():
            try:
                out[key] = Contact.model_validate(doc)
            except ValidationError:
                log.warning("notify: contact %s no longer valid; skipped", key)
        return out
