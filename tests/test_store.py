"""The store contract, run against every backend (``store`` is parametrised in conftest)."""
from __future__ import annotations

import threading

import pytest

from server.errors import Conflict
from server.events import NewEvent
from server.store import AuditEntry, CountQuery, EventQuery, EventStore
from server.timefmt import now_micros


def new_event(i: int = 0, ref: str | None = None, kind: str = "report", area: str = "19789",
              lat: float = 16.4637, lon: float = 107.5909) -> NewEvent:
    import uuid6
    now = now_micros()
    return NewEvent(id=str(uuid6.uuid7()), kind=kind, category="environment.waste", lat=lat,
                    lon=lon, cell=0x89659da2a13ffff, area=area, agency_id=f"ubnd-{area}",
                    observed_at=now, received_at=now, source_channel="api", source_ref=ref,
                    severity="minor", status="routed", props={"description": f"#{i}"})


def test_append_assigns_increasing_seq_and_reads_back(store):
    res = store.append([new_event(i) for i in range(5)])
    assert [e["seq"] for e in res.events] == [1, 2, 3, 4, 5] and not res.replayed
    assert store.last_seq() == 5
    page = store.since(2, EventQuery(), 10)
    assert [e["seq"] for e in page.events] == [3, 4, 5] and page.next_since == 5
    assert store.get(res.events[0]["id"]) == res.events[0]
    assert store.get("no-such-id") is None


def test_since_filters_and_paging(store):
    store.append([new_event(i, area="19789") for i in range(3)] +
                 [new_event(i, area="19753", lat=16.47, lon=107.58) for i in range(3)])
    page = store.since(0, EventQuery(area="19753"), 2)
    assert [e["area"] for e in page.events] == ["19753", "19753"] and page.next_since == 5
    page = store.since(page.next_since, EventQuery(area="19753"), 2)
    assert len(page.events) == 1 and page.next_since == 6
    assert store.since(0, EventQuery(agency_id="ubnd-19789"), 10).events[-1]["seq"] == 3
    boxed = store.since(0, EventQuery(bbox=(107.57, 16.46, 107.585, 16.48)), 10).events
    assert {e["area"] for e in boxed} == {"19753"}
    assert store.since(0, EventQuery(kinds=frozenset({"sos"})), 10).events == []


def test_copies_are_visible_to_copied_agencies(store):
    ev = new_event(1)
    ev.copied_to = ["military", "civil_defence"]
    ev.deadline = ev.observed_at + 3_600_000_000
    stored = store.append([ev, new_event(2)]).events[0]
    assert stored["copied_to"] == ["military", "civil_defence"]
    assert stored["deadline"].endswith("+07:00")
    assert [e["id"] for e in store.since(0, EventQuery(agency_id="military"), 10).events] == [ev.id]
    store.update(ev.id, {"copied_to": ["police"]}, AuditEntry("copy", None, "admin"))
    assert store.since(0, EventQuery(agency_id="military"), 10).events == []
    assert [e["id"] for e in store.since(0, EventQuery(agency_id="police"), 10).events] == [ev.id]
    assert EventQuery(agency_id="police").matches(store.get(ev.id))


def test_idempotent_append(store):
    batch = [new_event(1), new_event(2)]
    first = store.append(batch, "k1", "h1")
    again = store.append([new_event(3)], "k1", "h1")
    assert again.replayed and again.events == first.events
    with pytest.raises(Conflict):
        store.append([new_event(4)], "k1", "other-hash")
    assert store.last_seq() == 2


def test_source_ref_is_stored_once(store):
    a = store.append([new_event(1, ref="zalo-1")]).events[0]
    b = store.append([new_event(2, ref="zalo-1"), new_event(3, ref="zalo-2")]).events
    assert b[0] == a and b[1]["seq"] == 2


def test_update_moves_event_to_head_and_audits(store):
    ev = store.append([new_event(1), new_event(2)]).events[0]
    audit = AuditEntry("status", "tok1", "agency", reason="đã tiếp nhận")
    up = store.update(ev["id"], {"status": "accepted"}, audit, expect_status="routed")
    assert up["status"] == "accepted" and up["seq"] == 3 and up["id"] == ev["id"]
    assert [e["id"] for e in store.since(2, EventQuery(), 10).events] == [ev["id"]]
    [entry] = store.history(ev["id"])
    assert (entry.action, entry.actor, entry.reason, entry.event_id) == \
        ("status", "tok1", "đã tiếp nhận", ev["id"])
    with pytest.raises(Conflict):
        store.update(ev["id"], {"status": "closed"}, audit, expect_status="routed")
    assert store.update("missing", {"status": "x"}, audit) is None
    assert store.last_seq() == 3


def test_concurrent_writers_resuming_reader_sees_every_event_once(store):
    writers, per_writer, batch = 4, 25, 4
    seen: list[int] = []
    done = threading.Event()

    def write() -> None:
        for i in range(per_writer):
            store.append([new_event(i) for _ in range(batch)])

    def read() -> None:
        cursor = 0
        while True:
            finished = done.is_set()
            page = store.since(cursor, EventQuery(), 50)
            seen.extend(e["seq"] for e in page.events)
            cursor = page.next_since
            if finished and not page.events:
                return

    threads = [threading.Thread(target=write) for _ in range(writers)]
    reader = threading.Thread(target=read)
    reader.start()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    done.set()
    reader.join(60)
    total = writers * per_writer * batch
    assert sorted(seen) == seen and len(seen) == len(set(seen)) == total


def test_store_survives_reopen(store_factory):
    store = store_factory()
    ids = [e["id"] for e in store.append([new_event(i) for i in range(3)]).events]
    store.close()
    again = store_factory()
    assert [e["id"] for e in again.since(0, EventQuery(), 10).events] == ids
    assert again.append([new_event(9)]).events[0]["seq"] == 4


COUNT_QUERIES = [
    CountQuery(),
    CountQuery(group_by=("kind",)),
    CountQuery(kinds=frozenset({"report"}), group_by=("status", "area")),
    CountQuery(agency_id="ubnd-19753", group_by=("severity",)),
    CountQuery(exclude_statuses=frozenset({"routed"})),
    CountQuery(received_from=now_micros() - 30 * 60_000_000, group_by=("area",)),
    CountQuery(deadline_before=now_micros(), group_by=("kind", "status")),
]


@pytest.mark.parametrize("query", COUNT_QUERIES, ids=lambda q: repr(q)[10:60])
def test_count_override_agrees_with_the_generic_default(store, query):
    events = [new_event(i, area="19789" if i % 3 else "19753") for i in range(30)]
    for i, ev in enumerate(events):
        ev.received_at -= (i % 4) * 20 * 60_000_000
        ev.deadline = ev.received_at + (i % 5 - 2) * 3_600_000_000
        ev.status = "new" if i % 2 else "routed"
        ev.severity = ("minor", "severe")[i % 2]
    store.append(events)
    store.update(events[0].id, {"status": "new"}, AuditEntry("reassign", None, "operator"))
    counts = store.count(query)
    assert counts == EventStore.count(store, query)
    assert sum(counts.values()) >= 1 and all(len(k) == len(query.group_by) for k in counts)


def test_count_refuses_unknown_columns():
    with pytest.raises(ValueError, match="props"):
        CountQuery(group_by=("props",))
