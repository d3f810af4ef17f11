"""Shared fixtures: one Router for the session, a fresh real server per test."""
from __future__ import annotations

import pytest

from geo.router import Router
from server.config import Settings
from tests.helpers import ServerThread


@pytest.fixture(scope="session")
def router() -> Router:
    """The 2025 communes router (built once; it is immutable)."""
    return Router.default()


@pytest.fixture
def settings(tmp_path) -> Settings:
    """Settings for a test server: free port, store in a temp folder."""
    return Settings(port=0, db=f"sqlite:///{tmp_path / 'ioc.sqlite3'}", flush_ms=50,
                    data_dir=tmp_path / "data")


STORE_BACKENDS = ["sqlite"]


@pytest.fixture(params=STORE_BACKENDS)
def store_factory(request, tmp_path):
    """Return a function that opens the store under test (same database each call)."""
    from server.store import open_store
    from server.timefmt import parse_offset
    url = f"sqlite:///{tmp_path / 'store.sqlite3'}"
    opened = []

    def factory():
        st = open_store(url, parse_offset("+07:00"))
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
def server(settings, router):
    """A started real server; stopped after the test."""
    srv = ServerThread(settings, router).start()
    yield srv
    srv.stop()


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
    from tests.helpers import ioc_command
    out = tmp_path_factory.mktemp("vision-demo")
    run = subprocess.run(ioc_command() + ["vision", "synth", str(out)], capture_output=True,
                         text=True, timeout=900)
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    return out
