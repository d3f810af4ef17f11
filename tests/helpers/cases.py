"""Helpers for the field-report and question tests: a server on a ManualClock, filing and
acting through HTTP, finding units in the registry by type (never by hard-coded id)."""

from __future__ import annotations

from typing import Any

import pytest

from server.core.clock import ManualClock
from server.core.timefmt import parse_rfc3339
from tests.helpers.client import Response
from tests.helpers.events import report
from tests.helpers.server import MakeServer, ServerThread

START = "2025-11-03T08:00:00+07:00"
HOUR = 3600.0


@pytest.fixture
def clock() -> ManualClock:
    """A clock standing at START until moved."""
    return ManualClock(parse_rfc3339(START))


@pytest.fixture
def cserver(make_server: MakeServer, clock: ManualClock) -> ServerThread:
    """A real server whose core runs on ``clock``."""
    return make_server(clock)


def desk(server: ServerThread):
    """Return the server's ReportDesk."""
    return server.features.get("reports").desk


#: A report category that routes to the People's Committee of the commune (docs/ROUTING.md),
#: so that every commune has a peer unit to transfer to.
COMMUNE_CATEGORY = "environment.burning"  # 48 h deadline


def file_report(server: ServerThread, token: str, kind: str = "report", **kw: Any) -> Response:
    """POST one case to /api/v1/{kind}s (a report defaults to COMMUNE_CATEGORY); return the
    Response (201 expected)."""
    if kind == "report":
        kw.setdefault("category", COMMUNE_CATEGORY)
    body = question(**kw) if kind == "question" else report(**kw)
    body.pop("kind")
    return server.http("POST", f"{server.url}/api/v1/{kind}s", body, token)


def question(
    lat: float = 16.4637,
    lon: float = 107.5909,
    category: str = "question.civil_status",
    **extra: Any,
) -> dict:
    """Return a valid question."""
    return {
        "kind": "question",
        "category": category,
        "lat": lat,
        "lon": lon,
        "props": {"question": "Thủ tục đăng ký khai sinh cần giấy tờ gì?"},
        **extra,
    }


def act(
    server: ServerThread,
    case_id: str,
    action: str,
    token: str | None = None,
    citizen: str | None = None,
    kind: str = "report",
    **payload: Any,
) -> Response:
    """POST a transition as a bearer token or a citizen token."""
    headers = {"X-Citizen-Token": citizen} if citizen else None
    return server.http(
        "POST",
        f"{server.url}/api/v1/{kind}s/{case_id}/transitions",
        {"action": action, **payload},
        token,
        headers=headers,
    )


def peer_unit(router, agency_id: str) -> str:
    """Return another unit of the same type as ``agency_id``."""
    unit = router.agencies.get(agency_id)
    return next(a.id for a in router.agencies.all() if a.type == unit.type and a.id != agency_id)


def outsider_unit(router, agency_id: str) -> str:
    """Return a unit that is neither ``agency_id`` nor one of its ancestors."""
    ancestors, unit = set(), router.agencies.get(agency_id)
    while unit is not None:
        ancestors.add(unit.id)
        unit = router.agencies.get(unit.parent) if unit.parent else None
    return next(a.id for a in router.agencies.all() if a.id not in ancestors)
