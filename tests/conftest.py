"""Shared fixtures: one Router for the session; ONE way to start a server, ``make_server``
(overrides of the settings, a clock, on a port or in process), with ``server`` (a real server on
SQLite), ``app_server`` (the same, in process: no port) and ``any_server`` (on each store
backend) made with it; and the store under test on each backend: SQLite in a temp folder, and
PostGIS in a throw-away database ``ioc_test_<hex>`` (cloned from a migrated template made once
per session; all dropped after)."""
from __future__ import annotations

from pathlib import Path
from typing import Any, Iterator

import pytest

from geo.router import Router
from server.core.clock import Clock
from server.features import Settings
from tests.helpers.pg import create_pg_database, drop_pg_database, pg_url
from tests.helpers.server import MakeServer, ServerThread, server_settings

pytest_plugins = ["tests.helpers.cases"]  # fixtures of the report tests: clock, cserver


@pytest.fixture(scope="session")
def router() -> Router:
    """The 2025 communes router (built once; it is immutable)."""
    return Router.default()


@pytest.fixture
def settings(tmp_path) -> Settings:
    """Settings for a test server: free port, store in a temp folder (those ``make_server``
    starts with when nothing is overridden)."""
    return server_settings(tmp_path)


STORE_BACKENDS = ["sqlite", "postgis"]


@pytest.fixture(scope="session")
def postgis_template():
    """Name of a PostGIS database migrated to head, cloned by every PostGIS test."""
    from server.store import open_store
    from server.core.timefmt import parse_offset
    name = create_pg_database(prefix="ioc_tmpl_")
    open_store(pg_url(name), parse_offset("+07:00")).close()
    yield name
    drop_pg_database(name)


@pytest.fixture
def pg_database(request):
    """URL of a fresh, migrated PostGIS database (dropped after the test)."""
    name = create_pg_database(template=request.getfixturevalue("postgis_template"))
    yield pg_url(name)
    drop_pg_database(name)


@pytest.fixture
def empty_pg_database():
    """URL of an empty PostgreSQL database, without even the postgis extension (dropped after)."""
    name = create_pg_database(extension=False)
    yield pg_url(name)
    drop_pg_database(name)


@pytest.fixture(params=STORE_BACKENDS)
def empty_store_url(request, tmp_path) -> str:
    """URL of a database of each backend that was never migrated."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'empty.sqlite3'}"
    return request.getfixturevalue("empty_pg_database")


@pytest.fixture(params=STORE_BACKENDS)
def store_url(request, tmp_path) -> str:
    """URL of an empty store of each backend."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'store.sqlite3'}"
    return request.getfixturevalue("pg_database")


@pytest.fixture
def store_factory(store_url):
    """Return a function that opens the store under test (same database each call)."""
    from server.store import open_store
    from server.core.timefmt import parse_offset
    opened = []

    def factory():
        st = open_store(store_url, parse_offset("+07:00"))
        opened.append(st)
        return st

    yield factory
    for st in opened:
        st.close()


@pytest.fixture
def store(store_factory):
    """A fresh store of each backend."""
    return store_factory()


@pytest.fixture
def make_server(tmp_path: Path, router: Router) -> Iterator[MakeServer]:
    """Return ``start(clock=None, listen=True, **overrides)``: it starts a real server with the
    test's settings (SQLite store and data folder in the test's temp folder, the same each call:
    a second start is a restart) overridden by ``overrides`` (Settings fields, ``db`` included),
    its core on ``clock`` when given, on a free port or, with ``listen=False``, in process;
    every server started is stopped after the test."""
    started: list[ServerThread] = []

    def start(clock: Clock | None = None, listen: bool = True, **overrides: Any) -> ServerThread:
        srv = ServerThread(server_settings(tmp_path, **overrides), router, clock, listen)
        started.append(srv.start())
        return srv

    yield start
    for srv in reversed(started):
        srv.stop()


@pytest.fixture
def server(make_server: MakeServer) -> ServerThread:
    """A started real server on SQLite (on a free port); stopped after the test."""
    return make_server()


@pytest.fixture
def app_server(make_server: MakeServer) -> ServerThread:
    """A started real server on SQLite, in process: no port; ``app_server.http`` hands each
    request to its application (plain request/response handlers only: no websocket)."""
    return make_server(listen=False)


@pytest.fixture
def any_server(store_url: str, make_server: MakeServer) -> ServerThread:
    """A started real server on each store backend."""
    return make_server(db=store_url)


@pytest.fixture
def operator(server) -> str:
    """An operator token for ``server``."""
    return server.token("operator")


@pytest.fixture
def wall(server) -> str:
    """A wall token for ``server``."""
    return server.token("wall")


@pytest.fixture(scope="session", autouse=True)
def ultralytics_config_dir(tmp_path_factory):
    """Keep ultralytics' settings of this session (camera workers run as children) in a temp dir."""
    import os
    path = tmp_path_factory.mktemp("ultralytics")
    before = os.environ.get("YOLO_CONFIG_DIR")
    os.environ["YOLO_CONFIG_DIR"] = str(path)
    yield path
    if before is None:
        os.environ.pop("YOLO_CONFIG_DIR", None)
    else:
        os.environ["YOLO_CONFIG_DIR"] = before


@pytest.fixture(scope="session")
def vision_demo(tmp_path_factory):
    """Demo videos and a tiny YOLO trained offline from its YAML (``ioc vision synth``), made
    once per test session; returns the folder (traffic.mp4, flood.mp4, tiny.pt, cameras.yaml)."""
    import subprocess
    from tests.helpers.server import ioc_command
    out = tmp_path_factory.mktemp("vision-demo")
    run = subprocess.run(ioc_command() + ["vision", "synth", str(out)], capture_output=True,
                         text=True, timeout=900)
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    return out


@pytest.fixture(scope="session")
def browser():
    """One headless Chromium (Debian's, through Playwright) for the whole session."""
    from playwright.sync_api import sync_playwright

    from tests.helpers.browser import launch
    with sync_playwright() as pw:
        chromium = launch(pw)
        yield chromium
        chromium.close()
