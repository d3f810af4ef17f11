"""Key figures: GET /api/v1/kpis on a real server whose clock the test moves by hand."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from server.core.clock import ManualClock
from server.features.reports.figures import providers as report_figures
from server.core.kpis import Kpi, KpiGroup, KpiProvider, KpiRegistry, default_providers, level
from server.core.timefmt import to_micros
from tests.helpers import report
from tests.helpers.server import flushed as _flushed


@pytest.fixture
def server(app_server):
    """In process: these handlers answer plain requests, no port is opened."""
    return app_server


HUE = timezone(timedelta(hours=7))


@pytest.fixture
def clock():
    return ManualClock(to_micros(datetime(2025, 11, 17, 10, 0, tzinfo=HUE)))


@pytest.fixture
def timed(make_server, clock):
    """A server on a manual clock, figures never reused (the clock moves, the head may not)."""
    return make_server(clock, listen=False, kpi_cache_s=0)


def figures(server, token) -> dict:
    res = server.http("GET", server.url + "/api/v1/kpis", token=token)
    assert res.status == 200, res.body
    return {item["id"]: item for item in res.body["items"]}


def test_reports_today_open_overdue_and_last_hour(timed, clock):
    op, wall = timed.token("operator"), timed.token("wall")
    timed.post_events([report(), report(lat=16.55, lon=107.48)], op)  # far apart: no duplicate
    clock.advance(2 * 3600)
    timed.post_events([report(category="traffic.signals")], op)
    got = figures(timed, wall)
    assert got["reports.today"]["value"] == 3 and got["reports.open"]["value"] == 3
    assert got["events.last_hour.report"]["value"] == 1
    assert got["cases.overdue"] == {"id": "cases.overdue",
                                    "label": {"vi": "Quá hạn xử lý", "en": "Overdue"},
                                    "value": 0, "unit": "", "status": "ok", "group": "reports"}
    clock.advance(15 * 3600)  # 03:00 the next day
    got = figures(timed, wall)
    assert got["reports.today"]["value"] == 0 and got["reports.open"]["value"] == 3
    assert got["events.last_hour.report"]["value"] == 0
    clock.advance(2 * 86400)  # past the 48 h deadline of waste reports
    overdue = figures(timed, wall)["cases.overdue"]
    assert overdue["value"] >= 2 and overdue["status"] == "warn"


def test_document_shape_groups_and_labels(server, operator, wall):
    server.post_events([report()], operator)
    doc = server.http("GET", server.url + "/api/v1/kpis", token=wall).body
    assert doc["generated_at"].endswith("+07:00")
    assert [g["id"] for g in doc["groups"]] == ["reports", "rescue", "flood", "notices",
                                                "activity"]
    assert all(g["label"]["vi"] and g["label"]["en"] for g in doc["groups"])
    for item in doc["items"]:
        assert set(item) == {"id", "label", "value", "unit", "status", "group"}
        assert item["status"] in {"ok", "warn", "alarm", "unknown"} and item["label"]["vi"]


def test_an_agency_sees_its_own_figures(server, operator):
    sidewalk = "urban_order.sidewalk"  # routes to the commune's People's Committee
    server.post_events([report(category=sidewalk),
                        report(lat=16.55, lon=107.48, category=sidewalk)],
                       operator)
    mine = server.token("agency", "ubnd-19789")
    assert figures(server, mine)["reports.today"]["value"] == 1
    assert figures(server, server.token("supervisor"))["reports.today"]["value"] == 2
    assert server.http("GET", server.url + "/api/v1/kpis").status == 401


def test_new_events_are_counted_at_once_despite_the_cache(server, operator, wall):
    assert figures(server, wall)["reports.today"]["value"] == 0
    server.post_events([report()], operator)
    server.call(_flushed(server))
    assert figures(server, wall)["reports.today"]["value"] == 1


def test_a_failing_provider_shows_unknown_and_the_rest_still_answer(server, wall):
    class Broken(KpiProvider):
        id = "broken"
        group = KpiGroup("broken", "Hỏng", "Broken", order=99)

        async def items(self, ctx):
            raise RuntimeError("sensor feed down")

    server.core.kpis.register(Broken())
    got = figures(server, wall)
    assert got["broken"]["status"] == "unknown" and got["broken"]["value"] is None
    assert got["reports.today"]["value"] == 0
    with pytest.raises(ValueError, match="broken"):
        server.core.kpis.register(Broken())


def test_registry_lists_the_core_providers():
    assert KpiRegistry(default_providers()).ids == ["events.last_hour"]
    assert [p.id for p in report_figures()] == ["reports.today", "reports.open", "cases.overdue"]
    assert Kpi("x", "X", "X", 1, "g").to_json()["status"] == "ok"


@pytest.mark.parametrize("value,warn,alarm,expected", [
    (0, 1, 10, "ok"), (1, 1, 10, "warn"), (10, 1, 10, "alarm"), (None, 1, 10, "unknown"),
    (95, 90, 80, "ok"), (85, 90, 80, "warn"), (80, 90, 80, "alarm"),
])
def test_level(value, warn, alarm, expected):
    assert level(value, warn, alarm) == expected


def test_report_performance_matches_the_report_kpis_and_is_scoped(server, operator, wall):
    from tests.helpers.cases import act, file_report

    public = server.token("public")
    filed = [file_report(server, public, lat=16.4637 + i * 0.02, lon=107.5909 + i * 0.02).body
             for i in range(3)]
    before = figures(server, wall)
    assert before["reports.performance.processed_pct"]["value"] == 0.0
    assert before["reports.performance.on_time_pct"]["status"] == "unknown"  # nothing resolved
    for body in filed[:2]:
        case = body["case"]
        unit = server.token("agency", case["agency_id"])
        for action in ("accept", "start"):
            assert act(server, case["id"], action, unit).status == 200
        assert act(server, case["id"], "resolve", unit, reason="Đã xử lý").status == 200
    assert act(server, filed[0]["case"]["id"], "rate", citizen=filed[0]["citizen_token"],
               rating="satisfied").status == 200
    server.call(_flushed(server))
    got = figures(server, wall)
    total = server.http("GET", server.url + "/api/v1/reports/kpis?by=all",
                        token=operator).body["total"]
    for name in ("processed_pct", "on_time_pct", "satisfaction_pct"):
        item = got[f"reports.performance.{name}"]
        assert item["value"] == total[name] and item["unit"] == "%" and item["group"] == "reports"
    assert got["reports.performance.processed_pct"]["value"] == 66.7
    assert got["reports.performance.processed_pct"]["status"] == "alarm"  # ≤ 80 %
    assert got["reports.performance.on_time_pct"] == {
        "id": "reports.performance.on_time_pct", "value": 100.0, "unit": "%", "status": "ok",
        "group": "reports", "label": {"vi": "Đúng hạn (30 ngày)", "en": "On time (30 days)"}}
    assert got["reports.performance.satisfaction_pct"]["value"] == 100.0
    mine = server.token("agency", filed[2]["case"]["agency_id"])
    scoped = server.http("GET", server.url + "/api/v1/reports/kpis?by=all",
                         token=mine).body["total"]
    own = figures(server, mine)["reports.performance.processed_pct"]["value"]
    assert own == scoped["processed_pct"] and scoped["received"] < 3


def test_an_outage_is_logged_once_not_a_traceback_per_refresh(server, wall, caplog):
    import logging
    import sqlite3

    def locked(*_args):
        exc = sqlite3.OperationalError("database is locked")
        exc.sqlite_errorname = "SQLITE_BUSY"  # as SQLite raises it past the busy timeout
        raise exc

    caplog.set_level(logging.DEBUG)
    # every count the KPIs make fails as in an outage (the events' and the outbox's)
    server.core.store.tally = server.core.store.outbox_counts = locked
    for i in range(4):
        server.core.kpis.cache_s = 0
        got = server.http("GET", f"{server.url}/api/v1/kpis?n={i}", token=wall)
        assert got.status == 200
        assert {k["status"] for k in got.body["items"] if k["id"] == "reports.today"} == {"unknown"}
    server.core.kpis.cache_s = 2.0
    crashes = [r for r in caplog.records if r.exc_info and r.levelno >= logging.WARNING]
    assert not crashes, [r.getMessage() for r in crashes]
    outage = [r for r in caplog.records if r.levelno >= logging.WARNING
              and "database unavailable" in r.getMessage()]
    assert len(outage) == 1
