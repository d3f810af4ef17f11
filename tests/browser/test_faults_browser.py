"""The wall while the database is away (PostGIS cut behind a proxy), in a real browser: the
status bar says "Mất kết nối CSDL / Database unavailable" instead of freezing, and clears by
itself when the database returns; a stream that dropped meanwhile resumes, and new events reach
the map again."""
from __future__ import annotations

from tests.helpers.browser import open_page, screenshot, wait_wall_ready
from tests.helpers.faults import proxied_server
from tests.helpers import report

DB_STATE = "() => document.querySelector('#db').dataset.state"


def test_wall_shows_database_unavailable_and_recovers(pg_database, router, browser):
    with proxied_server(pg_database, router) as (srv, proxy):
        wall, operator = srv.token("wall"), srv.token("operator")
        context, page, _ = open_page(browser, f"{srv.url}/wall?cycle=0&health=1#token={wall}",
                                     srv.url)
        try:
            wait_wall_ready(page)
            db = page.locator("#db")
            page.wait_for_function(f"() => ({DB_STATE})() === 'ok'")
            assert db.is_hidden()
            proxy.cut()
            page.wait_for_function(f"() => ({DB_STATE})() === 'unavailable'", timeout=15_000)
            assert db.is_visible() and db.inner_text().strip() == "Mất kết nối CSDL"
            screenshot(page, "wall-database-unavailable")
            page.click("#lang")
            assert db.inner_text().strip() == "Database unavailable"
            page.evaluate("() => iocWall.stream.ws.close()")  # a drop now: the resume cannot read
            page.wait_for_function("() => iocWall.connection.channels.stream === 'up'")
            proxy.restore()
            page.wait_for_function(f"() => ({DB_STATE})() === 'ok'", timeout=15_000)
            assert db.is_hidden()
            assert srv.post_events([report()], operator).status == 201
            page.wait_for_function("() => iocWall.events.size === 1", timeout=10_000)
        finally:
            context.close()
