"""``ioc report …``: the reports feature's commands (monthly figures per unit)."""
from __future__ import annotations

from pathlib import Path

import click

from server.core.kit.cli import cli_settings


@click.group()
def report() -> None:
    """Reports on field reports (Vietnamese first)."""


@report.command("monthly")
@click.option("--month", required=True, help="The month, YYYY-MM.")
@click.option("--db", default=None, help="Store URL (default from settings).")
@click.option("--out", default="var/reports", show_default=True,
              type=click.Path(file_okay=False, path_type=Path), help="Folder for the CSV and HTML.")
def report_monthly(month: str, db: str | None, out: Path) -> None:
    """Write the month's figures per unit (CSV) and a printable report naming the units that lag."""
    from geo.router import Router
    from server.features.reports.kpis import month_bounds
    from server.features.reports.monthly import monthly_report
    from server.store import open_store
    from server.core.timefmt import now_micros, parse_offset
    from server.features import Settings  # the whole server's settings (core and features)
    settings = cli_settings(Settings, db=db)
    tz = parse_offset(settings.tz_offset)
    try:
        month_bounds(month, tz)
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--month") from None
    store = open_store(settings.db, tz)
    try:
        rep = monthly_report(store, Router.default(settings.h3_res), settings, month, out,
                             now_micros(), tz)
    finally:
        store.close()
    click.echo(f"CSV: {rep.csv_path}\nHTML: {rep.html_path}")
    click.echo(f"Đơn vị chậm trễ / units that lag: {len(rep.lagging)}")
    for row in rep.lagging:
        click.echo(f"  - {row['agency_vi']}: {row['reasons']}")
