"""``ioc report monthly --month YYYY-MM``: the month's figures per unit as CSV and as a printable
HTML page (Vietnamese first) that names the units that lag, read straight from the store."""
from __future__ import annotations

import csv
import html
from dataclasses import dataclass
from datetime import timezone
from pathlib import Path

from geo.router import Router
from server.features.reports.settings import ReportsSettings
from server.features.reports import kpis
from server.features.reports.casebook import CaseBook, load_book
from server.store import EventStore
from server.core.timefmt import to_rfc3339

COLUMNS = ("agency_id", "agency_vi", "agency_en", "received", "processed", "processed_pct",
           "on_time", "late_extended", "late", "on_time_pct", "late_extended_pct", "late_pct",
           "rated", "satisfaction_pct", "median_handling_h", "overdue_now", "duplicates",
           "lagging", "reasons")


@dataclass
class MonthlyReport:
    """What ``write_monthly`` produced."""

    csv_path: Path
    html_path: Path
    rows: list[dict]
    total: dict
    lagging: list[dict]


def lag_reasons(row: kpis.KPIRow, settings: ReportsSettings) -> list[str]:
    """Return why a unit lags this month (Vietnamese / English), empty if it does not."""
    if row.received < settings.report_lag_min_cases:
        return []
    out = []
    if row.processed_pct is not None and row.processed_pct < settings.report_lag_processed_pct:
        out.append(f"đã xử lý {row.processed_pct:g}% < {settings.report_lag_processed_pct:g}% "
                   f"/ processed")
    if row.on_time_pct is not None and row.on_time_pct < settings.report_lag_on_time_pct:
        out.append(f"đúng hạn {row.on_time_pct:g}% < {settings.report_lag_on_time_pct:g}% "
                   "/ on time")
    if row.overdue_now:
        out.append(f"{row.overdue_now} hồ sơ đang quá hạn / overdue")
    return out


def monthly_rows(book: CaseBook, router: Router, settings: ReportsSettings, month: str,
                 tz: timezone, now: int) -> tuple[list[dict], dict]:
    """Return (one dict per unit with COLUMNS, the city total) for reports filed in ``month``."""
    start, end = kpis.month_bounds(month, tz)
    rows, total = kpis.compute(book.all(), "agency", now, start, end)
    out = []
    for row in rows:
        name = kpis.group_label(router, "agency", row.key)
        reasons = lag_reasons(row, settings)
        out.append({**row.to_json(), "agency_id": row.key, "agency_vi": name["vi"],
                    "agency_en": name["en"], "lagging": "yes" if reasons else "no",
                    "reasons": "; ".join(reasons)})
    return out, total.to_json()


def write_monthly(rows: list[dict], total: dict, month: str, out_dir: Path,
                  made_at: str) -> MonthlyReport:
    """Write ``reports-{month}.csv`` and ``reports-{month}.html`` into ``out_dir``."""
    out_dir.mkdir(parents=True, exist_ok=True)
    csv_path, html_path = out_dir / f"reports-{month}.csv", out_dir / f"reports-{month}.html"
    with csv_path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, COLUMNS, extrasaction="ignore")
        writer.writeheader()
        writer.writerows(rows)
    lagging = [r for r in rows if r["lagging"] == "yes"]
    html_path.write_text(_html(rows, total, lagging, month, made_at), encoding="utf-8")
    return MonthlyReport(csv_path, html_path, rows, total, lagging)


def _cell(value: object) -> str:
    return "–" if value is None else html.escape(str(value))


def _table(rows: list[dict]) -> str:
    head = ("<tr><th>Đơn vị / Unit</th><th>Tiếp nhận<br>received</th>"
            "<th>Đã xử lý<br>processed %</th>"
            "<th>Đúng hạn<br>on time %</th><th>Trễ có gia hạn<br>late, extended %</th>"
            "<th>Trễ hạn<br>late %</th><th>Hài lòng<br>satisfied %</th>"
            "<th>Thời gian xử lý (giờ)<br>median hours</th><th>Quá hạn<br>overdue</th></tr>")
    body = "".join(
        f"<tr class=\"{'lag' if r.get('lagging') == 'yes' else ''}\">"
        f"<td>{_cell(r.get('agency_vi'))}</td>"
        f"<td>{_cell(r['received'])}</td><td>{_cell(r['processed_pct'])}</td>"
        f"<td>{_cell(r['on_time_pct'])}</td><td>{_cell(r['late_extended_pct'])}</td>"
        f"<td>{_cell(r['late_pct'])}</td><td>{_cell(r['satisfaction_pct'])}</td>"
        f"<td>{_cell(r['median_handling_h'])}</td><td>{_cell(r['overdue_now'])}</td></tr>"
        for r in rows)
    return f"<table><thead>{head}</thead><tbody>{body}</tbody></table>"


def _html(rows: list[dict], total: dict, lagging: list[dict], month: str, made_at: str) -> str:
    year, mon = month.split("-")
    lag_items = "".join(
        f"<li><b>{html.escape(r['agency_vi'])}</b> — {html.escape(r['reasons'])}</li>"
        for r in lagging) or "<li>Không có / none</li>"
    return f"""<!doctype html>
<html lang="vi"><head><meta charset="utf-8">
<title>Báo cáo phản ánh hiện trường tháng {mon}/{year} / Field reports, {month}</title>
<style>body{{font:13px/1.4 system-ui,sans-serif;margin:24px;color:#111}}
table{{border-collapse:collapse;width:100%;margin:12px 0}}
th,td{{border:1px solid #999;padding:4px 6px}}
th{{background:#e6ecf2}}tr.lag td{{background:#fde8e4}}.en{{color:#555}}
@page{{size:A4 landscape;margin:12mm}}</style></head><body>
<h1>Báo cáo xử lý phản ánh hiện trường — tháng {mon}/{year}</h1>
<p class="en">Field report handling, {month}. Lập lúc / made {html.escape(made_at)}.</p>
<h2>Toàn thành phố / Whole city</h2>
{_table([{**total, 'agency_vi': 'Toàn thành phố / whole city'}])}
<h2>Đơn vị chậm trễ / Units that lag ({len(lagging)})</h2>
<ul>{lag_items}</ul>
<h2>Theo đơn vị / By unit</h2>
{_table(rows)}
</body></html>
"""


def monthly_report(store: EventStore, router: Router, settings: ReportsSettings, month: str,
                   out_dir: Path, now: int, tz: timezone) -> MonthlyReport:
    """Read the store, compute the month per unit and write the CSV and HTML reports."""
    book = load_book(store, progress=True)
    rows, total = monthly_rows(book, router, settings, month, tz, now)
    return write_monthly(rows, total, month, out_dir, to_rfc3339(now, tz, "seconds"))
