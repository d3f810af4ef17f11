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
    return Settings(port=0, db=f"sqlite:///{tmp_path / 'ioc.sqlite3'}", flush_ms=50)


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


@pytest.fixture(scope="session")
def browser():
    """One headless Chromium (Debian's, through Playwright) for the whole session."""
    from playwright.sync_api import sync_playwright

    from tests.browser import launch
    with sync_playwright() as pw:
        chromium = launch(pw)
        yield chromium
        chromium.close()
