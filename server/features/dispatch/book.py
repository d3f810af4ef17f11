"""The dispatch book: the latest version of every emergency call (``sos``, ``hotline_call``) and
every responder unit, indexed by caller phone and H3 cell, kept current from ingest results,
updates and the bus. It answers what the store contract cannot answer cheaply: earlier calls from
the same number or the neighbouring cells, open calls by priority, a unit's cases, units near a
call. The store stays the source of truth; the book is rebuilt from it at start.
"""
from __future__ import annotations

import re
from typing import Any, Iterable, Iterator

from tqdm import tqdm

from geo import h3grid
from server.features.dispatch.kinds import CLOSED_CALL_STATUSES
from server.store import EventQuery, EventStore
from server.core.timefmt import parse_rfc3339

CALL_KINDS = frozenset({"sos", "hotline_call"})
UNIT_KIND = "responder"
BOOK_KINDS = CALL_KINDS | {UNIT_KIND}
LOAD_PAGE = 5000
NON_DIGITS = re.compile(r"\D")


def phone_key(phone: str | None) -> str | None:
    """Return a phone number reduced to compare callers: digits only, the Vietnamese country code
    ``84`` written as the trunk ``0`` (``+84 905 000 111`` and ``0905000111`` are one caller);
    None when there is no number."""
    if not phone:
        return None
    digits = NON_DIGITS.sub("", phone)
    if digits.startswith("84") and len(digits) >= 11:
        digits = "0" + digits[2:]
    return digits or None


def is_open(call: dict[str, Any]) -> bool:
    """Return True while a call is not closed."""
    return call["status"] not in CLOSED_CALL_STATUSES


def priority(call: dict[str, Any]) -> int:
    """Return the priority in force of a call (4 when it has none yet)."""
    return int((call["props"].get("triage") or {}).get("priority", 4))


def unit_of(call: dict[str, Any]) -> str | None:
    """Return the id of the unit a call is (or was last) assigned to, or None."""
    return (call["props"].get("dispatch") or {}).get("unit_id")


def urgency_key(call: dict[str, Any]) -> tuple:
    """Return the sort key of the queue: priority, then the longest waiting, then seq."""
    return priority(call), call["observed_at"], call["seq"]


class CallBook:
    """Calls by id, units by unit id, and the indexes of calls by phone and by cell."""

    def __init__(self) -> None:
        self.calls: dict[str, dict[str, Any]] = {}
        self.units: dict[str, dict[str, Any]] = {}
        self._by_phone: dict[str, set[str]] = {}
        self._by_cell: dict[int, set[str]] = {}

    def observe(self, ev: dict[str, Any]) -> None:
        """Take a wire event into the book (older versions and other kinds are ignored)."""
        kind = ev.get("kind")
        if kind not in BOOK_KINDS or "source" not in ev:
            return
        if kind == UNIT_KIND:
            unit_id = ev["props"]["unit_id"]
            old = self.units.get(unit_id)
            if old is None or old["seq"] < ev["seq"]:
                self.units[unit_id] = ev
            return
        old = self.calls.get(ev["id"])
        if old is not None and old["seq"] >= ev["seq"]:
            return
        if old is not None:
            self._unindex(old)
        self.calls[ev["id"]] = ev
        self._index(ev)

    def observe_all(self, events: Iterable[dict[str, Any]]) -> None:
        """Observe each event."""
        for ev in events:
            self.observe(ev)

    def _keys(self, ev: dict[str, Any]) -> tuple[str | None, int]:
        return phone_key(ev["props"].get("phone")), h3grid.str_to_cell(ev["cell"])

    def _index(self, ev: dict[str, Any]) -> None:
        phone, cell = self._keys(ev)
        if phone:
            self._by_phone.setdefault(phone, set()).add(ev["id"])
        self._by_cell.setdefault(cell, set()).add(ev["id"])

    def _unindex(self, ev: dict[str, Any]) -> None:
        phone, cell = self._keys(ev)
        for index, key in ((self._by_phone, phone), (self._by_cell, cell)):
            ids = index.get(key)
            if ids is not None:
                ids.discard(ev["id"])
                if not ids:
                    del index[key]

    # -- questions --------------------------------------------------------------------------
    def call(self, call_id: str) -> dict[str, Any] | None:
        """Return the latest version of a call, or None."""
        return self.calls.get(call_id)

    def unit(self, unit_id: str) -> dict[str, Any] | None:
        """Return the latest event of a unit, or None."""
        return self.units.get(unit_id)

    def open_calls(self) -> list[dict[str, Any]]:
        """Return the open calls, most urgent first (``urgency_key``)."""
        return sorted((c for c in self.calls.values() if is_open(c)), key=urgency_key)

    def calls_of_unit(self, unit_id: str, closed_since: int) -> list[dict[str, Any]]:
        """Return the unit's open calls and those closed at or after ``closed_since`` (epoch µs),
        open ones first, then the newest."""
        mine = [c for c in self.calls.values() if unit_of(c) == unit_id
                and (is_open(c) or _closed_at(c) >= closed_since)]
        return sorted(mine, key=lambda c: (is_open(c), c["seq"]), reverse=True)

    def related(self, phone: str | None, cell: int | None, since: int,
                exclude: str | None = None) -> Iterator[tuple[dict[str, Any], list[str]]]:
        """Yield ``(call, matches)`` for calls observed at or after ``since`` (epoch µs) from the
        same phone (``"phone"``) or in the same or a neighbouring H3 cell (``"place"``); open
        calls first, then the newest."""
        found: dict[str, list[str]] = {}
        key = phone_key(phone)
        for call_id in self._by_phone.get(key, ()) if key else ():
            found.setdefault(call_id, []).append("phone")
        for near in h3grid.grid_disk_int(cell, 1) if cell is not None else ():
            for call_id in self._by_cell.get(near, ()):
                found.setdefault(call_id, []).append("place")
        calls = [(self.calls[i], m) for i, m in found.items() if i != exclude
                 and parse_rfc3339(self.calls[i]["observed_at"]) >= since]
        calls.sort(key=lambda cm: (not is_open(cm[0]), -cm[0]["seq"]))
        yield from calls

    def open_from_phone(self, phone: str, since: int) -> dict[str, Any] | None:
        """Return the newest open call from ``phone`` observed at or after ``since``, or None."""
        for call, matches in self.related(phone, None, since):
            if is_open(call) and "phone" in matches:
                return call
        return None


def _closed_at(call: dict[str, Any]) -> int:
    closed = (call["props"].get("dispatch") or {}).get("closed_at")
    return parse_rfc3339(closed) if closed else 0


def load_book(store: EventStore, progress: bool = False) -> CallBook:
    """Return a CallBook of every call and unit in ``store``, read page by page (blocking: run it
    in a thread when an event loop is waiting); ``progress`` shows a bar."""
    book, since = CallBook(), 0
    with tqdm(desc="calls and units", unit="ev", disable=not progress) as bar:
        while True:
            page = store.since(since, EventQuery(kinds=BOOK_KINDS), LOAD_PAGE)
            book.observe_all(page.events)
            bar.update(len(page.events))
            if len(page.events) < LOAD_PAGE:
                return book
            since = page.next_since
