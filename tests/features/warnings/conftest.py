"""Fixtures of the warnings tests: servers whose feeds flush every 50 ms."""
from __future__ import annotations

import pytest

from tests.helpers.server import MakeServer, ServerThread


@pytest.fixture
def wserver(make_server: MakeServer) -> ServerThread:
    """A real server on SQLite."""
    return make_server(feed_flush_ms=50)


@pytest.fixture
def any_store_server(store_url: str, make_server: MakeServer) -> ServerThread:
    """A real server on each store (SQLite, PostGIS)."""
    return make_server(db=store_url, feed_flush_ms=50)
