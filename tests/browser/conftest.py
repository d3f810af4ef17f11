"""Fixtures of the browser tests: the wall opened in Chromium (the browser itself is a session
fixture of tests/conftest.py)."""
from __future__ import annotations

import pytest

from tests.helpers.browser import open_page, wait_wall_ready


@pytest.fixture
def open_wall(browser, server):
    """Return open(token, query="cycle=0", width=, height=) → (context, page, watch)."""
    contexts = []

    def _open(token: str, query: str = "cycle=0", **kw):
        context, page, watch = open_page(browser, f"{server.url}/wall?{query}#token={token}",
                                         server.url, **kw)
        contexts.append(context)
        wait_wall_ready(page)
        return context, page, watch

    yield _open
    for context in contexts:
        context.close()
