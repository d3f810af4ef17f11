"""The case book: a compact in-memory index of every report and question (latest version by
seq), kept current from ingest results, updates and the bus. It answers what the store contract
cannot answer cheaply: open cases near a cell (duplicates), overdue cases (escalation), KPIs and
the public map. The store stays the source of truth; the book is rebuilt from it at start.
"""
from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from datetime import timezone
from typing import Any, Iterable, Iterator

from tqdm import tqdm

from geo import h3grid
from server.features.reports.lifecycle import OPEN, case_time, event_deadline
from server.store import EventQuery, EventStore
from server.core.timefmt import parse_rfc3339, to_rfc3339

CASE_KINDS = frozenset({"report", "question"})
LOAD_PAGE = 5000
DONE = frozenset({"resolved", "closed", "rejected", "answered"})
TITLE_CHARS = 120  # the line a work list shows
SEARCH_CHARS = 600  # what the search box looks in, per case (kept in memory)


def fold(text: str) -> str:
    """Return ``text`` lower-cased without diacritics ("Đường Lê Lợi" → "duong le loi"), so a
    search typed without Vietnamese marks finds the case."""
    text = text.lower().replace("đ", "d")
    return "".join(c for c in unicodedata.normalize("NFD", text)
                    if unicodedata.category(c) != "Mn")


def title_of(props: dict[str, Any]) -> str:
    """Return the case's line for a work list: its title, else the start of its text."""
    text = props.get("title") or props.get("description") or props.get("question") or ""
    text = " ".join(str(text).split())
    return text if len(text) <= TITLE_CHARS else text[:TITLE_CHARS - 1] + "…"


def search_text(props: dict[str, Any]) -> str:
    """Return the folded words a search looks in: title, text, address."""
    parts = [props.get(k) or "" for k in ("title", "description", "question", "address")]
    return fold(" ".join(str(p) for p in parts))[:SEARCH_CHARS]


@dataclass(slots=True)
class Case:
    """What the desk needs of one case (times in epoch microseconds)."""

    id: str
    seq: int
    kind: str
    category: str
    cell: int
    area: str | None
    agency_id: str
    copied_to: tuple[str, ...]
    status: str
    lat: float
    lon: float
    observed_at: int
    deadline: int | None
    due_original: int | None
    resolved_at: int | None
    closed_at: int | None
    outcome: str | None
    rating: str | None
    duplicate_of: str | None
    linked: int  # reports linked to this case as duplicates (counted by the book)
    escalated_for: int | None  # the deadline the case was escalated for (None: not escalated)
    hidden: bool
    extension: str | None
    updated_at: int
    channel: str
    title: str = ""
    address: str | None = None
    text: str = ""  # folded words for the search box (``fold``)

    @property
    def is_open(self) -> bool:
        """Return True while the case waits for its unit."""
        return self.status in OPEN

    def overdue(self, now: int) -> bool:
        """Return True if the case is open and past its deadline at ``now``."""
        return self.is_open and self.deadline is not None and self.deadline < now

    def to_json(self, tz: timezone) -> dict[str, Any]:
        """Return a summary for work lists: ids, place, unit, status, times (RFC 3339)."""
        def t(v: int | None) -> str | None:
            return to_rfc3339(v, tz) if v is not None else None
        return {"id": self.id, "seq": self.seq, "kind": self.kind, "category": self.category,
                "area": self.area, "agency_id": self.agency_id, "status": self.status,
                "lat": self.lat, "lon": self.lon, "observed_at": t(self.observed_at),
                "deadline": t(self.deadline), "resolved_at": t(self.resolved_at),
                "outcome": self.outcome, "rating": self.rating, "duplicate_of": self.duplicate_of,
                "linked": self.linked, "escalated": self.escalated_for is not None,
                "hidden": self.hidden, "title": self.title, "address": self.address,
                "extension": self.extension, "updated_at": t(self.updated_at)}

    def found_by(self, words: list[str]) -> bool:
        """Return True if every folded word is in the case's text, or the one word starts its
        id."""
        if len(words) == 1 and self.id.startswith(words[0]):
            return True
        return all(w in self.text for w in words)


def case_of(ev: dict[str, Any]) -> Case:
    """Return the Case of a wire event of a case kind."""
    case = ev["props"].get("case") or {}
    received = parse_rfc3339(ev["received_at"])
    return Case(
        id=ev["id"], seq=ev["seq"], kind=ev["kind"], category=ev["category"],
        cell=h3grid.str_to_cell(ev["cell"]), area=ev["area"], agency_id=ev["agency_id"],
        copied_to=tuple(ev.get("copied_to") or ()), status=ev["status"], lat=ev["lat"],
        lon=ev["lon"], observed_at=parse_rfc3339(ev["observed_at"]), deadline=event_deadline(ev),
        due_original=case_time(case, "due_original"), resolved_at=case_time(case, "resolved_at"),
        closed_at=case_time(case, "closed_at"), outcome=case.get("outcome"),
        rating=case.get("rating"), duplicate_of=case.get("duplicate_of"),
        linked=0, escalated_for=case_time(case, "escalated_for"),
        hidden=bool(case.get("hidden")), extension=(case.get("extension") or {}).get("state"),
        updated_at=case_time(case, "updated_at") or received, channel=ev["source"]["channel"],
        title=title_of(ev["props"]), address=ev["props"].get("address"),
        text=search_text(ev["props"]))


class CaseBook:
    """Cases by id, plus an index of open originals by (category, cell)."""

    def __init__(self) -> None:
        self._cases: dict[str, Case] = {}
        self._open: dict[tuple[str, int], set[str]] = {}
        self._dups: dict[str, set[str]] = {}  # original id → ids of the reports linked to it

    def __len__(self) -> int:
        return len(self._cases)

    def observe(self, ev: dict[str, Any]) -> Case | None:
        """Take a wire event into the book (older versions are ignored); return its Case."""
        if ev.get("kind") not in CASE_KINDS or "source" not in ev:
            return None
        old = self._cases.get(ev["id"])
        if old is not None and old.seq >= ev["seq"]:
            return old
        new = case_of(ev)
        if old is not None:
            self._unindex(old)
        self._cases[new.id] = new
        self._count_links(new)
        if new.is_open and new.duplicate_of is None:
            self._open.setdefault((new.category, new.cell), set()).add(new.id)
        return new

    def _count_links(self, case: Case) -> None:
        if case.duplicate_of is not None:
            self._dups.setdefault(case.duplicate_of, set()).add(case.id)
            original = self._cases.get(case.duplicate_of)
            if original is not None:
                original.linked = len(self._dups[case.duplicate_of])
        case.linked = len(self._dups.get(case.id, ()))

    def duplicates(self, case_id: str) -> list[str]:
        """Return the ids of the reports linked to case ``case_id`` as duplicates."""
        return sorted(self._dups.get(case_id, ()))

    def _unindex(self, case: Case) -> None:
        ids = self._open.get((case.category, case.cell))
        if ids is not None:
            ids.discard(case.id)
            if not ids:
                del self._open[(case.category, case.cell)]

    def get(self, case_id: str) -> Case | None:
        """Return the Case with ``case_id``, or None."""
        return self._cases.get(case_id)

    def all(self) -> Iterable[Case]:
        """Return every case (a view; do not change the book while iterating)."""
        return self._cases.values()

    def open_near(self, category: str, cell: int, at: int, window_us: int) -> Case | None:
        """Return the earliest open original of ``category`` in ``cell`` or a neighbouring cell
        observed within ``window_us`` of ``at``, or None."""
        found = []
        for near in h3grid.grid_disk_int(cell, 1):
            for case_id in self._open.get((category, near), ()):
                case = self._cases[case_id]
                if abs(case.observed_at - at) <= window_us:
                    found.append(case)
        return min(found, key=lambda c: (c.observed_at, c.seq)) if found else None

    def open_cases(self) -> Iterator[Case]:
        """Yield every open original (a snapshot: safe while the book changes)."""
        ids = [i for bucket in self._open.values() for i in bucket]
        for case_id in ids:
            case = self._cases.get(case_id)
            if case is not None and case.is_open:
                yield case


def load_book(store: EventStore, progress: bool = False) -> CaseBook:
    """Return a CaseBook of every case in ``store``, read page by page (blocking: run it in a
    thread when an event loop is waiting); ``progress`` shows a bar."""
    book, since = CaseBook(), 0
    with tqdm(desc="cases", unit="ev", disable=not progress) as bar:
        while True:
            page = store.since(since, EventQuery(kinds=CASE_KINDS), LOAD_PAGE)
            for ev in page.events:
                book.observe(ev)
            bar.update(len(page.events))
            if len(page.events) < LOAD_PAGE:
                return book
            since = page.next_since
