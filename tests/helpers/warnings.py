"""Warnings for the tests: communes, a draft, transitions, sending."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

from tests.helpers.client import Response
from tests.helpers.server import ServerThread

HUE = timezone(timedelta(hours=7))
ATOM = "{http://www.w3.org/2005/Atom}"
KIM_LONG, PHU_XUAN, THUAN_AN = "19774", "19753", "19900"


def future(hours: float) -> str:
    """Return the local time ``hours`` from now (RFC 3339, seconds)."""
    return (datetime.now(HUE) + timedelta(hours=hours)).isoformat(timespec="seconds")


def draft(srv: ServerThread, token: str, **extra) -> dict:  # noqa: ANN003
    """Create a warning draft (Kim Long and Phú Xuân, 12 h) as ``token``; return it."""
    body = {"headline": {"vi": "Cảnh báo ngập sâu", "en": "Deep flooding warning"},
            "description": {"vi": "Nước lên nhanh.", "en": "Water is rising fast."},
            "instruction": {"vi": "Di chuyển lên cao.", "en": "Move to higher ground."},
            "communes": [KIM_LONG, PHU_XUAN], "expires": future(12), **extra}
    r = srv.http("POST", f"{srv.url}/api/v1/warnings", body, token)
    assert r.status == 201, r.body
    return r.body["warning"]


def act(srv: ServerThread, wid: str, token: str, action: str, **body) -> Response:  # noqa: ANN003
    """POST a transition of warning ``wid``; return the Response."""
    return srv.http("POST", f"{srv.url}/api/v1/warnings/{wid}/transitions",
                    {"action": action, **body}, token)


def send(srv: ServerThread, wid: str, sup: str) -> dict:
    """Approve and send warning ``wid`` as the supervisor ``sup``; return the sent warning."""
    assert act(srv, wid, sup, "approve").status == 200
    r = act(srv, wid, sup, "send")
    assert r.status == 200, r.body
    return r.body["warning"]
