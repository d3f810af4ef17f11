"""A seeded normal month played through the real pipeline on a ManualClock comes out near the
published figures, and ``ioc report monthly`` reports it per unit."""

from __future__ import annotations

import csv
import os
import subprocess
import tempfile
from pathlib import Path

import pytest

from scenarios.month_driver import MonthDriver
from scenarios.normal_month import NormalMonth
from server.core.clock import ManualClock
from server.features.reports.kpis import month_bounds
from server.core.timefmt import parse_offset
from tests.helpers import ioc_command

DAY_US = 86_400_000_000
SHM = Path("/dev/shm")


@pytest.fixture
def fast_dir(tmp_path):
    """A folder for the store: tmpfs when there is one (thousands of fsyncs), else tmp_path."""
    if SHM.is_dir() and os.access(SHM, os.W_OK):
        with tempfile.TemporaryDirectory(dir=SHM, prefix="ioc_month_") as folder:
            yield Path(folder)
    else:
        yield tmp_path


def test_normal_month_meets_the_published_figures_and_reports_monthly(fast_dir, tmp_path,
                                                                     make_server):
    start, end = month_bounds("2025-11", parse_offset("+07:00"))
    clock = ManualClock(start)
    db = f"sqlite:///{fast_dir / 'ioc.sqlite3'}"
    srv = make_server(clock, db=db, data_dir=tmp_path, report_check_interval_s=3600)
    settings = srv.settings
    try:
        desk = srv.features.get("reports").desk
        driver = MonthDriver(desk, NormalMonth(), 1, start, "test", advance=clock.set, tick_s=3600)
        stats = srv.call(driver.run_until(start + 45 * DAY_US), timeout=900)
        total = srv.call(desk.kpi_document(None, "all", start, end))["total"]
    finally:
        srv.stop()
    assert stats["filed"] == 2000 and stats["refused"] == 0
    assert total["received"] + total["duplicates"] == 2000 and total["duplicates"] >= 40
    assert 96.5 <= total["processed_pct"] <= 99.0, total
    assert abs(total["on_time_pct"] - 51.0) <= 4.0, total
    assert total["late_extended_pct"] > total["late_pct"] > 0, total
    assert abs(total["satisfaction_pct"] - 90.8) <= 2.5, total
    assert total["overdue_now"] == total["open"] > 0
    assert stats["escalated"] >= total["overdue_now"] and stats["autoclosed"] > 0
    assert stats["dispute"] > 0 and stats["transfer"] > 0 and stats["confirm_reject"] > 0

    out = tmp_path / "reports"
    run = subprocess.run(
        ioc_command() + ["report", "monthly", "--month", "2025-11", "--db", db, "--out", str(out)],
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, "IOC_DATA_DIR": str(tmp_path)},
    )
    assert run.returncode == 0, run.stderr
    rows = list(csv.DictReader((out / "reports-2025-11.csv").open(encoding="utf-8")))
    assert sum(int(r["received"]) for r in rows) == total["received"]
    lagging = [r for r in rows if r["lagging"] == "yes"]
    assert lagging and f"units that lag: {len(lagging)}" in run.stdout
    for r in rows:
        slow = r["on_time_pct"] and float(r["on_time_pct"]) < settings.report_lag_on_time_pct
        judged = int(r["received"]) >= settings.report_lag_min_cases
        assert (r["lagging"] == "yes") == (
            judged
            and bool(
                slow
                or int(r["overdue_now"])
                or float(r["processed_pct"]) < settings.report_lag_processed_pct
            )
        )
    page = (out / "reports-2025-11.html").read_text(encoding="utf-8")
    assert "Đơn vị chậm trễ" in page and all(r["agency_vi"] in page for r in lagging)
    bad = subprocess.run(
        ioc_command() + ["report", "monthly", "--month", "2025-13", "--db", db],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert bad.returncode == 2 and "YYYY-MM" in bad.stderr


def test_month_plans_are_seeded(router):
    sc = NormalMonth(volume=200)
    a, b = list(sc.cases(3)), list(sc.cases(3))
    assert a == b and len(a) == 200
    assert list(sc.cases(4)) != a
    planned = [p for _, p in a if p]
    assert all(list(p) == sorted(p, key=lambda s: s.at_h) for p in planned)
    assert {s.actor for p in planned for s in p} == {"unit", "supervisor", "citizen"}
