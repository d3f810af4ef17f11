"""The ``ioc`` command: serve, replay a scenario, tokens, boundary generations, the database
schema, export, monthly reports, camera workers."""
from __future__ import annotations

import asyncio
import logging
import os
import sys
from pathlib import Path
from typing import Any

import click
from pydantic import ValidationError

from server.core.policy import ROLES
from server.core.settings import Settings
from vision.cli import vision

log = logging.getLogger("ioc")
QUIET_LIBRARIES = ("alembic", "pyogrio")


def _settings(**overrides: Any) -> Settings:
    """Return Settings from the environment with CLI overrides; exit with a clear message."""
    try:
        return Settings(**{k: v for k, v in overrides.items() if v is not None})
    except ValidationError as exc:
        raise click.UsageError(f"invalid settings: {exc}") from None


@click.group()
@click.option("--log-level", default=None, help="DEBUG, INFO, WARNING…")
def main(log_level: str | None) -> None:
    """Huế IOC — geo-events on H3 cells, routed, stored and live on the map wall."""
    # numba's OpenMP threads would spin after each parallel batch, taking CPU from the event loop.
    os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
    level = (log_level or Settings().log_level).upper()
    logging.basicConfig(level=level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    for chatty in QUIET_LIBRARIES:  # they narrate every step at INFO; we log the outcome
        logging.getLogger(chatty).setLevel(max(logging.getLevelName(level), logging.WARNING))


@main.command()
@click.option("--host", default=None, help="Bind address (default 127.0.0.1).")
@click.option("--port", type=int, default=None, help="Port (default 8888; 0 = any free port).")
@click.option("--db", default=None, help="Store URL (default sqlite:///var/ioc.sqlite3).")
@click.option("--demo", is_flag=True, help="Print a wall URL with a token and play a scenario.")
@click.option("--scenario", default=None,
              help="Scenario for --demo: normal_day (default), normal_month (reports with their "
                   "whole lifecycle, on scenario time), storm_vessels, or flood_2025_11 (the real "
                   "river and reservoir levels of Nov 2025 with rescue calls).")
@click.option("--speed", type=float, default=300.0, show_default=True,
              help="Scenario seconds per real second for --demo.")
@click.option("--workers", type=click.IntRange(1, 64), default=1, show_default=True,
              help="Node processes sharing the port (more than 1 needs IOC_BUS=redis://… and a "
                   "PostGIS store; see docs/SCALING.md).")
def serve(host: str | None, port: int | None, db: str | None, demo: bool, scenario: str | None,
          speed: float, workers: int) -> None:
    """Run the server (and, with --demo, a scenario on it)."""
    settings = _settings(host=host, port=port, db=db)
    sockets = None
    try:
        if workers > 1:
            settings, sockets = _fork_workers(settings, workers, demo)
        asyncio.run(_serve(settings, demo, scenario, speed, sockets))
    except KeyboardInterrupt:
        click.echo("Đã dừng máy chủ / server stopped")


def _fork_workers(settings: Settings, workers: int, demo: bool) -> tuple[Settings, list]:
    """Bind the port and fork ``workers`` node processes; return, in each child, its settings
    (node id ``<id>-w<N>``) and the shared sockets. The parent forwards SIGINT and SIGTERM to the
    children and exits when they all have."""
    import signal

    import tornado.netutil
    from server.core.bus import default_node_id
    if settings.bus == "memory" or settings.db.startswith("sqlite:"):
        raise click.UsageError("--workers > 1 needs a bus shared by the nodes (IOC_BUS=redis://…) "
                               "and a PostGIS store (DATABASE_URL=postgresql+psycopg://…)")
    if demo:
        raise click.UsageError("--demo runs on one worker")
    sockets = tornado.netutil.bind_sockets(settings.port, settings.host, reuse_port=True)
    base = settings.node_id or default_node_id()
    pids = []
    for n in range(workers):
        pid = os.fork()
        if pid == 0:
            return settings.model_copy(update={"node_id": f"{base}-w{n}"}), sockets
        pids.append(pid)
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda sig, _frame: [os.kill(p, sig) for p in pids])
    for pid in pids:
        os.waitpid(pid, 0)
    sys.exit(0)


async def _serve(settings: Settings, demo: bool, scenario_name: str | None, speed: float,
                 sockets: list | None = None) -> None:
    from scenarios.registry import DEFAULT_SCENARIO, get_scenario
    from server.core.clock import ScaledClock
    from server.core.service import build_service
    from server.web.app import start_server
    try:
        scenario = get_scenario(scenario_name or DEFAULT_SCENARIO) if demo else None
    except KeyError as exc:
        raise click.BadParameter(str(exc.args[0]), param_hint="--scenario") from None
    # A scenario with case plans runs the server on scenario time, so deadlines pass too.
    core = build_service(settings, ScaledClock(speed)) if hasattr(scenario, "cases") else None
    server = await start_server(settings, core, sockets)
    click.echo(f"Huế IOC đang chạy / running at {server.url}  (store: {_safe(settings.db)})")
    tasks = []
    if demo:
        tasks.append(asyncio.create_task(_demo(server, scenario, speed)))
    try:
        await asyncio.Event().wait()
    finally:
        for t in tasks:
            t.cancel()
        await server.stop()


async def _demo(server, scenario, speed: float) -> None:  # noqa: ANN001
    from scenarios.player import play
    from server.core.auth import Principal
    core = server.core
    host = "127.0.0.1" if core.settings.host in ("0.0.0.0", "") else core.settings.host
    base = f"http://{host}:{server.port}"
    tokens = await _demo_tokens(server)
    click.echo("\n  Màn hình tường / Map wall:\n"
               f"  {base}/wall#token={tokens['wall']}\n"
               f"  Tổng đài / Hotline:  {base}/hotline#token={tokens['hotline']}\n"
               f"  Máy tính bảng đội {tokens['unit']} / Responder tablet:\n"
               f"  {base}/tablet#token={tokens['tablet']}\n"
               f"  Trang công khai / Public page: {base}/public\n")
    if hasattr(scenario, "cases"):
        await _play_cases(server, scenario)
        return
    principal = Principal("demo-player", "operator")

    async def sink(batch, key):  # noqa: ANN001
        await core.ingest({"events": batch}, principal, key)

    while True:
        await play(scenario, sink, speed=speed, progress=False)
        log.info("scenario %s finished; playing it again", scenario.name)


async def _demo_tokens(server) -> dict[str, str]:  # noqa: ANN001
    """Register the illustrative responder units and warning contacts and return fresh demo
    tokens (the earlier demo tokens are revoked): ``{"wall", "hotline", "tablet", "unit"}``."""
    core = server.core
    await server.features.get("dispatch").desk.seed_units()
    await server.features.get("warnings").desk.seed_contacts()
    unit = "qs-xuong-01"
    for label in ("demo-wall", "demo-hotline", "demo-tablet"):
        core.revoke_label(label)
    week = 7 * 86400
    return {"wall": core.create_token("wall", label="demo-wall", ttl_s=week),
            "hotline": core.create_token("operator", label="demo-hotline", ttl_s=week),
            "tablet": core.create_token("responder", label="demo-tablet", ttl_s=week,
                                        unit_id=unit), "unit": unit}


async def _play_cases(server, scenario) -> None:  # noqa: ANN001
    """Play a scenario with case plans on scenario time, month after month."""
    import time

    from server.features.reports.simulation import MonthDriver
    core, desk = server.core, server.features.get("reports").desk
    poll_s = max(0.02, min(0.25, 60.0 / getattr(core.clock, "speed", 1.0)))  # ≤ 1 scenario minute
    run = 0
    while True:
        run += 1
        driver = MonthDriver(desk, scenario, run, core.clock.now(), f"{int(time.time())}-{run}")
        while driver.pending():
            await driver.run_until(core.clock.now())
            await asyncio.sleep(poll_s)
        log.info("scenario %s run %d finished: %s", scenario.name, run, dict(driver.stats))


@main.command()
@click.argument("scenario")
@click.option("--speed", type=float, default=60.0, show_default=True,
              help="Scenario seconds per real second (0 = as fast as possible).")
@click.option("--url", default="http://127.0.0.1:8888", show_default=True, help="Server to post to.")
@click.option("--token", envvar="IOC_TOKEN", required=True, help="Operator or admin token (or IOC_TOKEN).")
@click.option("--seed", type=int, default=1, show_default=True)
@click.option("--limit", type=int, default=None, help="Stop after this many events.")
def replay(scenario: str, speed: float, url: str, token: str, seed: int, limit: int | None) -> None:
    """Play SCENARIO into a running server, with a progress bar."""
    from scenarios.player import http_sink, play
    from scenarios.registry import get_scenario
    try:
        sc = get_scenario(scenario)
    except KeyError as exc:
        raise click.BadParameter(str(exc.args[0]), param_hint="SCENARIO") from None
    try:
        n = asyncio.run(play(sc, http_sink(url, token), speed=speed, seed=seed, limit=limit))
    except RuntimeError as exc:
        click.echo(f"Lỗi / error: {exc}", err=True)
        sys.exit(1)
    click.echo(f"Đã gửi {n} sự kiện / sent {n} events")


@main.group()
def ais() -> None:
    """AIS (vessel positions, NMEA 0183)."""


@ais.command("replay")
@click.argument("file", type=click.File("rb"))
@click.option("--url", default="http://127.0.0.1:8888", show_default=True, help="Server to post to.")
@click.option("--token", envvar="IOC_TOKEN", required=True, help="Operator or admin token (or IOC_TOKEN).")
@click.option("--rate", type=float, default=0.0, show_default=True,
              help="Sentences per second (0 = as fast as possible).")
def ais_replay(file, url: str, token: str, rate: float) -> None:  # noqa: ANN001
    """Send the NMEA sentences of FILE (one per line; tag blocks keep their times) to a running
    server, with a progress bar."""
    import time

    from tqdm import tqdm

    from server.client import ApiClient, ApiError
    lines = [ln for ln in file.read().splitlines() if ln.strip()]
    chunk = max(1, int(rate * 0.25)) if rate > 0 else 2000
    client = ApiClient(url, token)
    totals: dict[str, int] = {}
    start = time.monotonic()
    with tqdm(total=len(lines), unit="line", desc="AIS") as bar:
        for i in range(0, len(lines), chunk):
            if rate > 0:
                time.sleep(max(0.0, start + i / rate - time.monotonic()))
            try:
                answer = client.request("POST", "/api/v1/ais", body=b"\n".join(lines[i:i + chunk]),
                                        headers={"Content-Type": "text/plain"})
            except ApiError as exc:
                click.echo(f"Lỗi / error: {exc}", err=True)
                sys.exit(1)
            totals = answer.body["counters"]
            bar.update(len(lines[i:i + chunk]))
    click.echo(f"Đã gửi {len(lines)} câu / sent {len(lines)} sentences; server counters: {totals}")


@main.group()
def token() -> None:
    """Manage access tokens."""


@token.command("create")
@click.option("--role", required=True, type=click.Choice(list(ROLES)))
@click.option("--agency", "agency_id", default=None,
              help="Agency id (required for role agency; for a supervisor: the unit it supervises).")
@click.option("--unit", "unit_id", default=None,
              help="Responder unit id (required for role responder: the unit's tablet).")
@click.option("--label", default="", help="A note to find the token again.")
@click.option("--ttl-days", type=float, default=None, help="Expire after this many days.")
@click.option("--db", default=None, help="Store URL (default from settings).")
def token_create(role: str, agency_id: str | None, unit_id: str | None, label: str,
                 ttl_days: float | None, db: str | None) -> None:
    """Print a new token (only its hash is stored)."""
    from server.features.dispatch.book import load_book
    from server.core.errors import IOCError
    from server.core.service import build_service
    core = build_service(_settings(db=db))
    try:
        if unit_id is not None and load_book(core.store).unit(unit_id) is None:
            raise click.UsageError(f"no responder unit {unit_id!r} is registered "
                                   "(PUT /api/v1/units/{id})")
        secret = core.create_token(role, agency_id, label, ttl_days * 86400 if ttl_days else None,
                                   unit_id)
    except IOCError as exc:
        raise click.UsageError(exc.message) from None
    finally:
        core.store.close()
    click.echo(secret)


def _open_store(db: str | None):  # noqa: ANN202 - (EventStore, timezone)
    """Return (store, tz) of the settings' store (migrated to head on open)."""
    from server.store import open_store
    from server.core.timefmt import parse_offset
    settings = _settings(db=db)
    tz = parse_offset(settings.tz_offset)
    return open_store(settings.db, tz), tz


@token.command("list")
@click.option("--db", default=None, help="Store URL (default from settings).")
def token_list(db: str | None) -> None:
    """Print every token as JSON lines: id, role, binding, label, times, state (no secret)."""
    import orjson

    from server.core.audit import token_listing
    from server.core.timefmt import now_micros
    store, tz = _open_store(db)
    try:
        for row in token_listing(store.list_tokens(), tz, now_micros()):
            click.echo(orjson.dumps(row).decode())
    finally:
        store.close()


@token.command("revoke")
@click.option("--id", "token_id", default=None, help="The token id (from ``ioc token list``).")
@click.option("--label", default=None, help="Revoke every live token with this label.")
@click.option("--db", default=None, help="Store URL (default from settings).")
def token_revoke(token_id: str | None, label: str | None, db: str | None) -> None:
    """Revoke a token by id, or every token with a label. A running server stops accepting it
    within its cache time (30 s); ``DELETE /api/v1/tokens/{id}`` takes effect at once."""
    from server.core.timefmt import now_micros
    if (token_id is None) == (label is None):
        raise click.UsageError("give exactly one of --id and --label")
    store, _ = _open_store(db)
    try:
        n = store.revoke_tokens(label, now_micros()) if label is not None else \
            int(store.revoke_token(token_id, now_micros()))
    finally:
        store.close()
    if token_id is not None and not n:
        raise click.ClickException(f"no live token {token_id!r}")
    click.echo(f"Đã thu hồi {n} mã / revoked {n} token(s)")
    if n:
        _announce_revoked()


def _announce_revoked() -> None:
    """Tell the running nodes on a Redis bus to close the revoked tokens' websockets now
    (otherwise each notices within ``ws_token_check_s``)."""
    from server.core.bus import announce_control
    from server.core.sessions import TOKENS_REVOKED
    settings = _settings()
    if settings.bus == "memory":
        return
    try:
        announce_control(settings.bus, settings.bus_stream, [{"op": TOKENS_REVOKED}])
    except Exception as exc:  # noqa: BLE001 - the revocation is stored; servers re-check
        click.echo(f"bus not reached ({exc}); servers notice within "
                   f"{settings.ws_token_check_s:g} s", err=True)


@main.group()
def audit() -> None:
    """The audit trail (append-only)."""


@audit.command("export")
@click.option("--since", default=None, help="RFC 3339 time with an offset (default: everything).")
@click.option("--format", "fmt", type=click.Choice(["jsonl", "csv"]), default="jsonl",
              show_default=True)
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Write to this file (default: standard output).")
@click.option("--db", default=None, help="Store URL (default from settings).")
def audit_export(since: str | None, fmt: str, out: Path | None, db: str | None) -> None:
    """Write the audit entries at or after ``--since``, oldest first."""
    from server.core.audit import export_lines, iter_audit, parse_since
    from server.core.errors import IOCError
    try:
        since_us = parse_since(since)
    except IOCError as exc:
        raise click.UsageError(exc.message) from None
    store, tz = _open_store(db)
    lines = export_lines(iter_audit(store, since_us), fmt, tz)
    try:
        if out:
            with out.open("w", encoding="utf-8", newline="") as sink:
                sink.writelines(lines)
        else:
            for line in lines:
                click.echo(line, nl=False)
    finally:
        store.close()


@main.group()
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
    settings = _settings(db=db)
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


@main.group()
def db() -> None:
    """Database schema: Alembic migrations, one history for SQLite and PostGIS."""


def _migration_engine(db_url: str | None):  # noqa: ANN202
    from server.store import postgres_url
    from server.store.migrate import engine_for
    url = _settings(db=db_url).db
    return engine_for(url if url.startswith("sqlite:///") else postgres_url(url)), url


@db.command("upgrade")
@click.option("--db", "db_url", default=None, help="Store URL (default from settings/DATABASE_URL).")
@click.option("--revision", default="head", show_default=True, help="Revision to reach.")
def db_upgrade(db_url: str | None, revision: str) -> None:
    """Bring the database schema up to REVISION (ioc serve does this by itself when behind)."""
    from server.store.migrate import upgrade
    engine, url = _migration_engine(db_url)
    try:
        before, after = upgrade(engine, revision)
    finally:
        engine.dispose()
    change = f"already at {after}" if before == after else f"{before or 'empty'} → {after}"
    click.echo(f"{_safe(url)}: schema {change}")


@db.command("current")
@click.option("--db", "db_url", default=None, help="Store URL (default from settings/DATABASE_URL).")
def db_current(db_url: str | None) -> None:
    """Print the schema revision of the database and the newest one."""
    from server.store.migrate import current, head
    engine, url = _migration_engine(db_url)
    try:
        with engine.connect() as conn:
            rev = current(conn)
    finally:
        engine.dispose()
    click.echo(f"{_safe(url)}: schema {rev or 'empty'} (newest {head()})")


def _safe(url: str) -> str:
    """Return ``url`` without its password."""
    from sqlalchemy.engine import make_url
    return make_url(url).render_as_string(hide_password=True)


@main.command("export")
@click.option("--format", "fmt", type=click.Choice(["geojson", "gpkg", "csv"]), default="geojson",
              show_default=True)
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="File to write (default: standard output; gpkg needs a file).")
@click.option("--since", type=click.IntRange(min=0), default=0, show_default=True,
              help="Only events with seq greater than this.")
@click.option("--kind", default=None, help="Only these kinds (comma-separated).")
@click.option("--db", "db_url", default=None, help="Store URL (default from settings/DATABASE_URL).")
@click.option("--chunk", type=click.IntRange(min=1), default=5000, show_default=True,
              help="Events read and written per step.")
@click.option("--progress/--no-progress", default=True, help="Progress bar on standard error.")
def export_cmd(fmt: str, out: Path | None, since: int, kind: str | None, db_url: str | None,
               chunk: int, progress: bool) -> None:
    """Export events as GeoJSON, GeoPackage or CSV, streamed in chunks."""
    from layers.registry import default_registry
    from server.core.errors import IOCError
    from server.core.export import export
    from server.core.params import parse_kinds
    from server.store import EventQuery, open_store
    from server.core.timefmt import parse_offset
    if fmt == "gpkg" and out is None:
        raise click.UsageError("--format gpkg needs --out FILE.gpkg")
    try:
        query = EventQuery(kinds=parse_kinds(kind, default_registry().kinds))
    except IOCError as exc:
        raise click.BadParameter(f"{exc.message} ({exc.details[0]['message']})",
                                 param_hint="--kind") from None
    settings = _settings(db=db_url)
    store = open_store(settings.db, parse_offset(settings.tz_offset))
    try:
        n = export(store, fmt, out, since, query, chunk, progress)
    finally:
        store.close()
    click.echo(f"Đã xuất {n} sự kiện / exported {n} events", err=True)


main.add_command(vision)


@main.group()
def areas() -> None:
    """Boundary generations: list them, diff two, re-route stored events."""


@areas.command("list")
def areas_list() -> None:
    """Print the boundary generations and when each is in force."""
    from geo.areas import Generations
    for g in Generations.load().sets:
        span = f"{g.valid_from or '…'} → {g.valid_to or '…'}"
        click.echo(f"{g.generation:<16} {g.level:<9} {span:<26} {len(g.areas):>3}  {g.vi} / {g.en}")


def _generation_arg(ctx, param, value: str) -> str:  # noqa: ANN001 - click callback
    from geo.areas import Generations
    ids = Generations.load().ids
    if value not in ids and not (value == "auto" and param.name == "generation"):
        raise click.BadParameter(f"{value!r} is not a generation; have {', '.join(ids)}")
    return value


@areas.command("diff")
@click.argument("gen_a", callback=_generation_arg)
@click.argument("gen_b", callback=_generation_arg)
@click.option("--res", type=click.IntRange(5, 12), default=None,
              help="H3 resolution of the cells (default: IOC_H3_RES, 9).")
@click.option("--geojson", "geojson_path", type=click.Path(dir_okay=False), default=None,
              help="Also write the handovers (polygons and their cells) as GeoJSON to this file.")
@click.option("--min-km2", type=float, default=0.1, show_default=True,
              help="Leave smaller pieces out of the table (the GeoJSON keeps every piece).")
def areas_diff(gen_a: str, gen_b: str, res: int | None, geojson_path: str | None,
               min_km2: float) -> None:
    """Show which areas and H3 cells change hands from GEN_A to GEN_B."""
    import orjson

    from geo.areas import Generations
    from geo.diff import diff_generations
    from geo.locator import AreaLocator
    res = res or _settings().h3_res
    gens = Generations.load()
    locators = [AreaLocator(gens.get(g), res) for g in (gen_a, gen_b)]
    diff = diff_generations(*locators, res)
    click.echo(diff.table(min_km2))
    if geojson_path:
        with open(geojson_path, "wb") as f:
            f.write(orjson.dumps(diff.to_geojson()))
        click.echo(f"GeoJSON: {geojson_path}")


def _time_arg(ctx, param, value: str | None) -> int | None:  # noqa: ANN001 - click callback
    from datetime import date

    from geo.areas import local_day_start_us
    from server.core.timefmt import parse_rfc3339
    if value is None:
        return None
    try:
        if len(value) == 10:
            return local_day_start_us(date.fromisoformat(value))
        return parse_rfc3339(value)
    except ValueError:
        raise click.BadParameter("write a date (2025-07-01, local) or an RFC 3339 time") from None


@areas.command("reroute")
@click.option("--db", default=None, help="Store URL (default from settings).")
@click.option("--generation", default="auto", show_default=True, callback=_generation_arg,
              help="Boundary generation for every event, or 'auto': the one in force at each "
                   "event's observed_at.")
@click.option("--observed-from", callback=_time_arg, default=None,
              help="Only events observed at or after this (date or RFC 3339 time).")
@click.option("--observed-to", callback=_time_arg, default=None,
              help="Only events observed before this (date or RFC 3339 time).")
@click.option("--status", "statuses", multiple=True,
              help="Only events in this status (repeatable).")
@click.option("--kind", "kinds", multiple=True, help="Only events of this kind (repeatable).")
@click.option("--dry-run", is_flag=True, help="Count what would change; change nothing.")
def areas_reroute(db: str | None, generation: str, observed_from: int | None,
                  observed_to: int | None, statuses: tuple[str, ...], kinds: tuple[str, ...],
                  dry_run: bool) -> None:
    """Route stored events again; every change is audited (action 'reroute') and gets a new seq.

    With a server running, POST /api/v1/areas/reroute does the same and streams the changes live.
    """
    from server.core.reroute import RerouteRequest
    request = RerouteRequest(None if generation == "auto" else generation, observed_from,
                             observed_to, frozenset(statuses) or None, frozenset(kinds) or None,
                             dry_run)
    report = asyncio.run(_reroute(_settings(db=db), request))
    verb = "sẽ đổi / would change" if dry_run else "đã đổi / changed"
    click.echo(f"{report.scanned} sự kiện đã xét / scanned, {report.matched} chọn / selected, "
               f"{report.changed} {verb}")
    for move in report.to_json()["moves"][:30]:
        click.echo(f"  {move['from']:>14} → {move['to']:<18} {move['events']:>7}")


async def _reroute(settings: Settings, request):  # noqa: ANN001, ANN202
    from tqdm import tqdm

    from server.core.auth import Principal
    from server.core.errors import IOCError
    from server.core.service import build_service
    core = build_service(settings)
    try:
        with tqdm(total=core.store.last_seq(), unit="ev", desc="reroute") as bar:
            return await core.reroute(request, Principal("ioc-cli", "admin"), bar.update)
    except IOCError as exc:
        raise click.UsageError(f"{exc.message}: {exc.details}") from None
    finally:
        await core.close()


if __name__ == "__main__":
    main()
