"""Open alerts of the rule engines (vessel in a danger zone, vessel silent, threshold crossed).

An alert is an ``alert`` geo-event (``AlertKind``: a kind of the core, several features raise
them). ``AlertBook.open`` stores one with status ``active`` unless one is already open under the
same key; ``AlertBook.close`` moves it to ``cleared`` through ``core.update`` (new seq, audited,
streamed). Which alerts are open is kept in the store's
records (kind ``alert_open``: key → event id), so a restart neither repeats nor forgets them.
The book is read with its owner's book (``adopt`` the records its loader read) and follows the
bus (``observe``): an alert opened or cleared on another node is open or cleared here too.
"""
from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING, Any, ClassVar

from pydantic import BaseModel, ConfigDict, Field

from server.core.errors import NotFound
from server.core.kinds import Kind
from server.store.base import AuditEntry

if TYPE_CHECKING:
    from server.core.service import EventService

log = logging.getLogger(__name__)

RECORD_KIND = "alert_open"


class AlertProps(BaseModel):
    """Props of an ``alert``: which rule fired, about what (``subject``), the level reached,
    the value and threshold when a number crossed one, and readable text."""

    model_config = ConfigDict(extra="forbid")
    rule: str = Field(max_length=60)
    key: str = Field(max_length=200,
                     description="the rule's key of this alert (one open at a time)")
    subject_type: str = Field(max_length=20, description="vessel | sensor")
    subject_id: str = Field(max_length=80)
    title_vi: str = Field(max_length=300)
    title_en: str = Field(max_length=300)
    level: int | None = Field(None, ge=0, le=10)
    level_name: str | None = Field(None, max_length=60)
    quantity: str | None = Field(None, max_length=64)
    value: float | None = Field(None, allow_inf_nan=False)
    threshold: float | None = Field(None, allow_inf_nan=False)
    unit: str | None = Field(None, max_length=16)
    zone_id: str | None = Field(None, max_length=80)
    details: dict[str, Any] = Field(default_factory=dict)


class AlertKind(Kind):
    """An ``alert``: a core kind (sensors, vessels and cameras raise them), ``active`` until the
    rule that raised it clears it."""

    name = "alert"
    props_model = AlertProps
    statuses = ("active", "cleared")
    example_props: ClassVar[dict[str, Any]] = {
        "rule": "threshold", "key": "threshold:kim-long:water_level", "subject_type": "sensor",
        "subject_id": "kim-long", "title_vi": "Kim Long vượt BĐ1",
        "title_en": "Kim Long above BĐ1"}


class AlertBook:
    """Open and close alerts by key; one open alert per key."""

    def __init__(self, core: "EventService", channel: str):
        self.core = core
        self.channel = channel
        self._open: dict[str, str] = {}
        self._meta: dict[str, dict[str, Any]] = {}
        self._seq: dict[str, int] = {}  # key → the highest seq of its alert seen here
        self._lock = asyncio.Lock()

    def __len__(self) -> int:
        return len(self._open)

    async def load(self) -> None:
        """Read the open alerts from the store (call once at start)."""
        self.adopt(await self.core.read(read_open, self.core.store))

    def adopt(self, docs: dict[str, dict[str, Any]]) -> None:
        """Take the open alerts read from the store (``read_open``): those of this channel."""
        mine = {k: d for k, d in docs.items() if d.get("channel") == self.channel}
        self._open = {k: d["event_id"] for k, d in mine.items()}
        self._meta = {k: d.get("meta", {}) for k, d in mine.items()}

    def observe(self, ev: dict[str, Any]) -> None:
        """Take a committed event from the bus: an alert of this channel opened (``active``) or
        cleared on any node (older versions than the one seen here are ignored)."""
        key = ev.get("props", {}).get("key") if ev.get("kind") == "alert" else None
        if key is None or ev.get("source", {}).get("channel") != self.channel \
                or ev["seq"] <= self._seq.get(key, 0):
            return
        self._seq[key] = ev["seq"]
        if ev["status"] == "cleared":
            if self._open.get(key) == ev["id"]:
                self._open.pop(key)
                self._meta.pop(key, None)
        else:
            self._open[key] = ev["id"]
            self._meta.setdefault(key, {})

    def open_meta(self) -> dict[str, dict[str, Any]]:
        """Return ``{key: meta}`` of the open alerts (what the caller gave to ``open``)."""
        return dict(self._meta)

    def is_open(self, key: str) -> bool:
        """Return True when an alert is open under ``key``."""
        return key in self._open

    @property
    def open_keys(self) -> list[str]:
        """Return the keys of the open alerts."""
        return list(self._open)

    async def open(self, key: str, doc: dict[str, Any],
                   meta: dict[str, Any] | None = None) -> dict[str, Any] | None:
        """Store the alert ``doc`` (API input form, kind ``alert``) unless ``key`` is open;
        ``meta`` is kept with it (e.g. the level reached). Return the stored event, or None
        when one was already open."""
        async with self._lock:
            if key in self._open or await self._adopted(key):
                return None
            doc = {**doc, "status": "active", "source": {"channel": self.channel}}
            events = self.core.validator.validate([doc], "", self.core.clock.now())
            stored = (await self.core.append(events)).events[0]
            self._open[key], self._meta[key] = stored["id"], meta or {}
            self._seq[key] = max(self._seq.get(key, 0), stored["seq"])
            await self._save(key, {"event_id": stored["id"], "channel": self.channel,
                                   "meta": meta or {}})
            log.info("alert %s opened: %s", key, doc["props"].get("title_en"))
            return stored

    async def close(self, key: str, reason: str,
                    props: dict[str, Any] | None = None) -> dict[str, Any] | None:
        """Move the alert open under ``key`` to ``cleared`` (``props`` merged into its props);
        return the updated event, or None when none was open."""
        async with self._lock:
            event_id = self._open.pop(key, None)
            self._meta.pop(key, None)
            if event_id is None:
                return None
            await self._save(key, None)
            try:
                current = await self.core.read(self.core.store.get, event_id)
                changes: dict[str, Any] = {"status": "cleared"}
                if props and current:
                    changes["props"] = {**current["props"], **props}
                audit = AuditEntry("alert.clear", None, "system", reason=reason)
                cleared = await self.core.update(event_id, changes, audit)
                self._seq[key] = max(self._seq.get(key, 0), cleared["seq"])
                return cleared
            except NotFound:
                log.warning("alert %s: event %s is gone", key, event_id)
                return None

    async def _adopted(self, key: str) -> bool:
        """Return True (and hold it as open here) when another node opened ``key`` since this
        book was loaded: the open alerts are shared records, so nodes do not raise one twice."""
        doc = (await self.core.read(self.core.store.records, RECORD_KIND)).get(key)
        if doc is None or doc.get("channel") != self.channel:
            return False
        self._open[key], self._meta[key] = doc["event_id"], doc.get("meta", {})
        return True

    async def _save(self, key: str, doc: dict[str, Any] | None) -> None:
        await self.core.write(self.core.store.put_records, RECORD_KIND, {key: doc},
                              self.core.clock.now())


def read_open(store: Any) -> dict[str, dict[str, Any]]:
    """Return the open alerts of every channel from the store's records (blocking: a reader
    thread): key → ``{event_id, channel, meta}``."""
    return store.records(RECORD_KIND)
