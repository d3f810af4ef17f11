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
