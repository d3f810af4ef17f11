"""The store contract, run against every backend (``store`` is parametrised in conftest)."""
from __future__ import annotations

import json
import multiprocessing
import threading

import numpy as np
import pandas as pd
import pytest
from shapely.geometry import Polygon

from geo.sphere import distance_m
from server.core.errors import Conflict
from server.core.events import wire_feature
from server.store import AuditEntry, CountQuery, EventQuery, EventStore
from server.store.base import EXPORT_COLUMNS
from server.core.timefmt import now_micros, parse_offset, to_rfc3339
from tests.helpers.store import append_batches, new_event, scattered, writer_lock_held

TZ = parse_offset("+07:00")


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
    assert store.replayed("k1", "h1") is None
    first = store.append(batch, "k1", "h1")
    again = store.append([new_event(3)], "k1", "h1")
    assert again.replayed and again.events == first.events
    looked_up = store.replayed("k1", "h1")
    assert looked_up.replayed and looked_up.events == first.events
    with pytest.raises(Conflict):
        store.append([new_event(4)], "k1", "other-hash")
    with pytest.raises(Conflict):
        store.replayed("k1", "other-hash")
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


def test_update_moves_the_point_and_spatial_queries_follow(store):
    """A unit moved with ``update`` (lat, lon, cell, area, observed_at): nearest, polygon and box
    queries find it at the new place only (PostGIS recomputes ``geom``)."""
    from geo import h3grid
    unit, other = store.append([new_event(1, kind="responder"), new_event(2)]).events
    lat, lon = 16.5602, 107.4905  # ~17 km north-west of central Huế
    when = now_micros() - 60_000_000
    moved = store.update(unit["id"], {"lat": lat, "lon": lon, "area": "19867", "observed_at": when,
                                      "cell": h3grid.latlng_to_cell_int(lat, lon, 9)},
                         AuditEntry("unit.position", "tok1", "responder"))
    assert (moved["lat"], moved["lon"], moved["area"]) == (lat, lon, "19867")
    assert moved["cell"] == h3grid.cell_to_str(h3grid.latlng_to_cell_int(lat, lon, 9))
    assert moved["observed_at"] == to_rfc3339(when, TZ) and store.get(unit["id"]) == moved
    [near] = store.nearest(lat, lon, 1, EventQuery())
    assert near["id"] == unit["id"] and near["distance_m"] < 1e-3
    [home] = store.nearest(other["lat"], other["lon"], 1,
                           EventQuery(kinds=frozenset({"responder"})))
    assert home["distance_m"] > 15_000
    box = Polygon([(107.48, 16.55), (107.50, 16.55), (107.50, 16.57), (107.48, 16.57)])
    assert [e["id"] for e in store.since(0, EventQuery(polygon=box), 10).events] == [unit["id"]]
    central = EventQuery(bbox=(107.58, 16.45, 107.60, 16.47))
    assert [e["id"] for e in store.since(0, central, 10).events] == [other["id"]]
    with pytest.raises(ValueError):
        store.update(unit["id"], {"lat": 16.0}, AuditEntry("x", None, "admin"))


def _resume(store, done: threading.Event, seen: list[int]) -> None:
    """Reader: page from since=0, resuming from next_since, until the writers are done."""
    cursor = 0
    while True:
        finished = done.is_set()
        page = store.since(cursor, EventQuery(), 50)
        seen.extend(e["seq"] for e in page.events)
        cursor = page.next_since
        if finished and not page.events:
            return


def test_concurrent_writers_resuming_reader_sees_every_event_once(store, store_url):
    """Writers in threads and in other processes; one reader resuming with since sees every
    acknowledged event exactly once, in seq order, with no gap."""
    threads, processes, batches, size = 6, 2, 20, 3
    ctx = multiprocessing.get_context("spawn")
    acked_q, start = ctx.Queue(), ctx.Barrier(threads + processes)
    procs = [ctx.Process(target=append_batches, args=(store_url, batches, size, acked_q, start))
             for _ in range(processes)]
    acked: list[int] = []
    seen: list[int] = []
    done = threading.Event()

    def write() -> None:
        start.wait(90)
        for _ in range(batches):
            acked.extend(e["seq"] for e in store.append([new_event(i) for i in range(size)]).events)

    reader = threading.Thread(target=_resume, args=(store, done, seen))
    writers = [threading.Thread(target=write) for _ in range(threads)]
    for w in [reader, *procs, *writers]:
        w.start()
    for _ in procs:
        acked.extend(acked_q.get(timeout=90))
    for w in [*writers, *procs]:
        w.join(90)
    done.set()
    reader.join(60)
    total = (threads + processes) * batches * size
    assert sorted(acked) == list(range(1, total + 1))
    assert seen == list(range(1, total + 1))


def test_a_writer_stalled_in_its_transaction_holds_back_later_ones(store, store_url):
    """The ordering guarantee itself: while one transaction holds the writers' lock, no other
    writer can take a seq, so no higher seq can become visible before a lower one."""
    store.append([new_event(0)])
    result: list[int] = []
    later = threading.Thread(target=lambda: result.extend(
        e["seq"] for e in store.append([new_event(1)]).events))
    with writer_lock_held(store_url):
        later.start()
        later.join(0.5)
        assert later.is_alive() and not result
        assert store.since(1, EventQuery(), 10).events == [] and store.last_seq() == 1
    later.join(30)
    assert result == [2] and [e["seq"] for e in store.since(1, EventQuery(), 10).events] == [2]


def test_store_survives_reopen(store_factory):
    store = store_factory()
    ids = [e["id"] for e in store.append([new_event(i) for i in range(3)]).events]
    store.close()
    again = store_factory()
    assert [e["id"] for e in again.since(0, EventQuery(), 10).events] == ids
    assert again.append([new_event(9)]).events[0]["seq"] == 4


def test_records_upsert_delete_and_survive_reopen(store_factory):
    st = store_factory()
    st.put_records("vessel", {"574000001": {"name": "TTH 90123 TS"}, "574000002": {"name": "A"}}, 1)
    st.put_records("vessel", {"574000001": {"name": "TTH 90123 TS", "call_sign": "XV1"},
                              "574000002": None}, 2)
    st.put_records("danger_zone", {"z1": {"name": "Bão số 13"}}, 3)
    again = store_factory()
    assert again.records("vessel") == {"574000001": {"name": "TTH 90123 TS", "call_sign": "XV1"}}
    assert again.records("danger_zone") == {"z1": {"name": "Bão số 13"}}
    assert again.records("nothing") == {}


def test_polygon_search_pages_like_since(store):
    stored = store.append(scattered(60)).events
    triangle = Polygon([(107.52, 16.40), (107.64, 16.40), (107.58, 16.52)])
    query = EventQuery(polygon=triangle, kinds=frozenset({"report"}))
    expected = [e["seq"] for e in stored if query.matches(e)]
    assert 10 < len(expected) < 40
    got, cursor = [], 0
    while True:
        page = store.since(cursor, query, 4)
        got += [e["seq"] for e in page.events]
        if not page.events:
            break
        cursor = page.next_since
    assert got == expected and cursor == 60
    assert store.count(0, query) == len(expected)
    assert store.count(expected[2], query) == len(expected) - 3
    both = EventQuery(polygon=triangle, bbox=(107.58, 16.40, 107.64, 16.52))
    assert [e["seq"] for e in store.since(0, both, 100).events] == \
        [e["seq"] for e in stored if both.matches(e)]


def test_nearest_ranks_by_great_circle_distance(store):
    stored = store.append(scattered(40)).events
    twin = store.append([new_event(99, lat=stored[5]["lat"], lon=stored[5]["lon"])]).events[0]
    lat, lon = 16.46, 107.58
    near = store.nearest(lat, lon, 6, EventQuery())
    everyone = stored + [twin]
    dist = distance_m(lat, lon, np.array([e["lat"] for e in everyone]),
                      np.array([e["lon"] for e in everyone]))
    ranked = sorted(zip(dist, [e["seq"] for e in everyone]))[:6]
    assert [e["seq"] for e in near] == [seq for _, seq in ranked]
    assert np.allclose([e["distance_m"] for e in near], [d for d, _ in ranked],
                       rtol=1e-9, atol=1e-3)
    assert {k: v for k, v in near[0].items() if k != "distance_m"} == store.get(near[0]["id"])
    tie = store.nearest(twin["lat"], twin["lon"], 2, EventQuery())
    assert [e["seq"] for e in tie] == [stored[5]["seq"], twin["seq"]]
    assert tie[0]["distance_m"] < 1e-6
    sos = store.nearest(lat, lon, 100, EventQuery(kinds=frozenset({"sos"})))
    assert len(sos) == sum(e["kind"] == "sos" for e in everyone)
    assert {e["kind"] for e in sos} == {"sos"}
    assert store.nearest(lat, lon, 3, EventQuery(area="nowhere")) == []


def test_geojson_export_is_the_wire_form(store):
    ev = new_event(1)
    ev.copied_to, ev.deadline = ["military"], ev.observed_at + 7_200_000_000
    ev.observed_at -= ev.observed_at % 1_000_000  # a whole second: no fraction is written
    ev.props = {"description": "Ngập sâu 0,5 m", "depth_m": 0.5, "tags": ["lũ", "đường"]}
    store.append([ev] + scattered(9))
    wire = store.since(0, EventQuery(), 100).events
    chunks = list(store.export_geojson(0, EventQuery(), 4))
    assert [len(c) for c in chunks] == [4, 4, 2]
    features = [json.loads(f) for chunk in chunks for f in chunk]
    assert features == [wire_feature(e) for e in wire]
    assert features[0]["properties"]["observed_at"] == wire[0]["observed_at"]
    assert "." not in wire[0]["observed_at"] and "." in wire[1]["observed_at"]
    sos = [json.loads(f) for c in store.export_geojson(3, EventQuery(kinds=frozenset({"sos"})), 50)
           for f in c]
    sos_seqs = [e["seq"] for e in wire[3:] if e["kind"] == "sos"]
    assert [f["properties"]["seq"] for f in sos] == sos_seqs


def test_export_frames_stream_in_chunks(store):
    store.append(scattered(25))
    frames = list(store.export_frames(5, EventQuery(), 8))
    assert [len(f) for f in frames] == [8, 8, 4]
    df = pd.concat(frames)
    assert list(df.columns) == [*EXPORT_COLUMNS, "geometry"] and df.crs.to_epsg() == 4326
    wire = store.since(5, EventQuery(), 100).events
    assert df["seq"].tolist() == [e["seq"] for e in wire]
    assert df["id"].tolist() == [e["id"] for e in wire]
    assert df.geometry.x.tolist() == [e["lon"] for e in wire]
    assert df.geometry.y.tolist() == [e["lat"] for e in wire]
    assert [json.loads(p) for p in df["props"]] == [e["props"] for e in wire]
    assert df["observed_at"].map(lambda us: to_rfc3339(int(us), TZ)).tolist() == \
        [e["observed_at"] for e in wire]


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
    counts = store.tally(query)
    assert counts == EventStore.tally(store, query)
    assert sum(counts.values()) >= 1 and all(len(k) == len(query.group_by) for k in counts)


def test_count_refuses_unknown_columns():
    with pytest.raises(ValueError, match="props"):
        CountQuery(group_by=("props",))
