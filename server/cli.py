"""The ``ioc`` command: serve, tokens, the audit trail, boundary generations, the database
schema, export. Each feature adds its own commands (``Feature.commands``: ``ioc report``,
``ioc ais``, …) and other packages plug theirs in through entry points: group ``ioc.plugins``
(``register(cli)``: ``ioc vision``, ``ioc replay``) and group ``ioc.demo`` (the scenario player
of ``ioc serve --demo``), declared in setup.cfg."""
from __future__ import annotations

import asyncio
import logging
import os
import sys
from importlib.metadata import entry_points
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

import click

from server.core.kit.cli import cli_settings as settings_of
from server.core.policy import ROLES
from server.core.settings import CoreSettings

if TYPE_CHECKING:
    from server.features import Settings

log = logging.getLogger("ioc")
QUIET_LIBRARIES = ("alembic", "pyogrio")
PLUGINS = "ioc.plugins"
DEMO_PLAYERS = "ioc.demo"


def cli_settings(**overrides: Any) -> "Settings":
    """Return the server's Settings (core and every feature) from the environment with the CLI's
    overrides; exit with a clear message when they are invalid."""
    from server.features import Settings  # the features' modules load only when needed
    return settings_of(Settings, **overrides)


class DemoPlayer(Protocol):
    """What ``ioc serve --demo`` plays: the ``ioc.demo`` entry point, called with the scenario
    name (None: the default) and the speed, returns one."""

    #: Whether the server runs on scenario time (a ScaledClock at the speed).
    scenario_time: bool

    async def play(self, server: Any) -> None:
        """Play into the started ``server`` until cancelled."""


class IocGroup(click.Group):
    """The ``ioc`` group. The core's commands are declared in this module; the plugins' and the
    features' are added when a command is not among them (the cheap plugins first) or when the
    commands are listed, so that a core command does not import every feature."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        """Return every command name, the plugins' and features' included."""
        add_plugin_commands(self)
        add_feature_commands(self)
        return super().list_commands(ctx)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        """Return the command ``cmd_name``, looking among the plugins' and features' too."""
        for add in (add_plugin_commands, add_feature_commands):
            if cmd_name not in self.commands:
                add(self)
        return super().get_command(ctx, cmd_name)


def add_plugin_commands(cli: click.Group) -> None:
    """Let every ``ioc.plugins`` entry point (``register(cli)``) add its commands to ``cli``."""
    for plugin in entry_points(group=PLUGINS):
        plugin.load()(cli)


def add_feature_commands(cli: click.Group) -> None:
    """Let every feature add its commands to ``cli`` (the features are built, not installed:
    no core, no HTTP)."""
    from server.features import default_features
    default_features().commands(cli)


@click.group(cls=IocGroup)
@click.option("--log-level", default=None, help="DEBUG, INFO, WARNING…")
def main(log_level: str | None) -> None:
    """Huế IOC — geo-events on H3 cells, routed, stored and live on the map wall."""
    # numba's OpenMP threads would spin after each parallel batch, taking CPU from the event loop.
    os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
    level = (log_level or CoreSettings().log_level).upper()
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
    settings = cli_settings(host=host, port=port, db=db)
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

    from server.core.bus import default_node_id
    from server.web.app import bind_shared_sockets
    if settings.bus == "memory" or settings.db.startswith("sqlite:"):
        raise click.UsageError("--workers > 1 needs a bus shared by the nodes (IOC_BUS=redis://…) "
                               "and a PostGIS store (DATABASE_URL=postgresql+psycopg://…)")
    if demo:
        raise click.UsageError("--demo runs on one worker")
    sockets = bind_shared_sockets(settings)
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
    """Run the server until cancelled (with ``demo``, the scenario player on it)."""
    from server.core.clock import ScaledClock
    from server.features import build_core
    from server.features import default_features
    from server.web.app import start_server
    player = _demo_player(scenario_name, speed) if demo else None
    # A scenario with case plans runs the server on scenario time, so deadlines pass too.
    features = default_features()
    scaled = player is not None and player.scenario_time
    core = build_core(settings, features, ScaledClock(speed)) if scaled else None
    server = await start_server(settings, core, sockets, features)
    click.echo(f"Huế IOC đang chạy / running at {server.url}  (store: {_safe(settings.db)})")
    await _first_admin(server, demo)
    tasks = []
    if player is not None:
        tasks.append(asyncio.create_task(_demo(server, player)))
    try:
        await asyncio.Event().wait()
    finally:
        for t in tasks:
            t.cancel()
        await server.stop()


async def _first_admin(server, demo: bool) -> None:  # noqa: ANN001
    """While no administrator can sign in, say how to make the first one: with ``demo`` (a
    laptop's ``make run``), a one-time link to set the password of person ``admin``; otherwise
    the command (a server's output may end up in a log, and a link is a secret)."""
    people = server.features.get("people").people
    if await people.an_admin_can_sign_in():
        return
    if not demo:
        click.echo("  Chưa có quản trị viên / no administrator yet: "
                   "ioc users add admin --role admin")
        return
    link = await people.first_admin_link()
    click.echo(f"\n  Đặt mật khẩu quản trị (dùng một lần) / set the admin password (one-time):"
               f"\n  {_base(server)}{link}\n  rồi đăng nhập / then sign in: "
               f"{_base(server)}/login  (tên / username: admin)")


def _base(server) -> str:  # noqa: ANN001
    """Return ``http://HOST:PORT`` of ``server`` (a wildcard host: 127.0.0.1)."""
    host = server.core.settings.host
    return f"http://{'127.0.0.1' if host in ('0.0.0.0', '') else host}:{server.port}"


def _demo_player(scenario: str | None, speed: float) -> DemoPlayer:
    """Return the player of ``scenario`` at ``speed`` from the ``ioc.demo`` entry point (the
    scenarios package); raise click.UsageError when none is installed."""
    players = entry_points(group=DEMO_PLAYERS)
    if not players:
        raise click.UsageError(f"--demo needs a scenario player (entry point group "
                               f"{DEMO_PLAYERS!r}, the scenarios package): pip install -e .")
    return next(iter(players)).load()(scenario, speed)


async def _demo(server, player: DemoPlayer) -> None:  # noqa: ANN001
    """Print the demo URLs with fresh tokens, then let ``player`` play into ``server``."""
    base = _base(server)
    tokens = await _demo_tokens(server)
    click.echo("\n  Màn hình tường / Map wall:\n"
               f"  {base}/wall#token={tokens['wall']}\n"
               f"  Tổng đài / Hotline:  {base}/hotline#token={tokens['hotline']}\n"
               f"  Máy tính bảng đội {tokens['unit']} / Responder tablet:\n"
               f"  {base}/tablet#token={tokens['tablet']}\n"
               f"  Trang công khai / Public page: {base}/public\n")
    await player.play(server)


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


@main.group()
def token() -> None:
    """Manage access tokens."""


@token.command("create")
@click.option("--role", required=True, type=click.Choice(list(ROLES)))
@click.option("--agency", "agency_id", default=None,
              help="Agency id (required for role agency; "
                   "for a supervisor: the unit it supervises).")
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
    from server.features import build_core
    from server.features import default_features
    core = build_core(cli_settings(db=db), default_features())
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
    settings = cli_settings(db=db)
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
    """See ``server.core.kit.cli.announce_revoked``."""
    from server.core.kit.cli import announce_revoked
    announce_revoked()


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
def db() -> None:
    """Database schema: Alembic migrations, one history for SQLite and PostGIS."""


def _migration_engine(db_url: str | None):  # noqa: ANN202
    from server.store import postgres_url
    from server.store.migrate import engine_for
    url = cli_settings(db=db_url).db
    return engine_for(url if url.startswith("sqlite:///") else postgres_url(url)), url


@db.command("upgrade")
@click.option("--db", "db_url", default=None,
              help="Store URL (default from settings/DATABASE_URL).")
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
@click.option("--db", "db_url", default=None,
              help="Store URL (default from settings/DATABASE_URL).")
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
@click.option("--db", "db_url", default=None,
              help="Store URL (default from settings/DATABASE_URL).")
@click.option("--chunk", type=click.IntRange(min=1), default=5000, show_default=True,
              help="Events read and written per step.")
@click.option("--progress/--no-progress", default=True, help="Progress bar on standard error.")
def export_cmd(fmt: str, out: Path | None, since: int, kind: str | None, db_url: str | None,
               chunk: int, progress: bool) -> None:
    """Export events as GeoJSON, GeoPackage or CSV, streamed in chunks."""
    from server.core.errors import IOCError
    from server.core.export import export
    from server.core.params import parse_kinds
    from server.features import default_kinds
    from server.store import EventQuery, open_store
    from server.core.timefmt import parse_offset
    if fmt == "gpkg" and out is None:
        raise click.UsageError("--format gpkg needs --out FILE.gpkg")
    try:
        query = EventQuery(kinds=parse_kinds(kind, default_kinds().names))
    except IOCError as exc:
        raise click.BadParameter(f"{exc.message} ({exc.details[0]['message']})",
                                 param_hint="--kind") from None
    settings = cli_settings(db=db_url)
    store = open_store(settings.db, parse_offset(settings.tz_offset))
    try:
        n = export(store, fmt, out, since, query, chunk, progress)
    finally:
        store.close()
    click.echo(f"Đã xuất {n} sự kiện / exported {n} events", err=True)


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
    res = res or cli_settings().h3_res
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
    report = asyncio.run(_reroute(cli_settings(db=db), request))
    verb = "sẽ đổi / would change" if dry_run else "đã đổi / changed"
    click.echo(f"{report.scanned} sự kiện đã xét / scanned, {report.matched} chọn / selected, "
               f"{report.changed} {verb}")
    for move in report.to_json()["moves"][:30]:
        click.echo(f"  {move['from']:>14} → {move['to']:<18} {move['events']:>7}")


async def _reroute(settings: Settings, request):  # noqa: ANN001, ANN202
    from tqdm import tqdm

    from server.core.auth import Principal
    from server.core.errors import IOCError
    from server.features import build_core
    from server.features import default_features
    core = build_core(settings, default_features())
    try:
        with tqdm(total=core.store.last_seq(), unit="ev", desc="reroute") as bar:
            return await core.reroute(request, Principal("ioc-cli", "admin"), bar.update)
    except IOCError as exc:
        raise click.UsageError(f"{exc.message}: {exc.details}") from None
    finally:
        await core.close()


if __name__ == "__main__":
    main()
