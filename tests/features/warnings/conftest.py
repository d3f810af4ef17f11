"""Fixtures of the warnings tests: servers whose feeds flush every 50 ms."""
from __future__ import annotations

import pytest

from tests.helpers.server import ServerThread


@pytest.fixture
def wserver(make_server) -> ServerThread:
    """A real server on SQLite."""
    return make_server(feed_flush_ms=50)


@pytest.fixture
def any_store_server(store_url, make_server) -> ServerThread:
    """A real server on each store (SQLite, PostGIS)."""
    return make_server(db=store_url, feed_flush_ms=50)
