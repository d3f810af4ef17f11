"""Helpers of the flood-operations tests: calls to file, the illustrative units, the desk."""
from __future__ import annotations

import functools
from typing import Any

from tests.helpers.cases import act
from tests.helpers.server import ServerThread

#: A point in Kim Trà (low-lying, north-west of the centre, commune 20017) and one in central
#: Huế (Thuận Hóa, 19789).
KIM_TRA = (16.5006, 107.5311)
CENTRE = (16.4637, 107.5909)


def hotline(lat: float = KIM_TRA[0], lon: float = KIM_TRA[1], category: str = "sos.trapped",
            **props: Any) -> dict:
    """Return a hotline call body for ``POST /api/v1/calls`` (private details included)."""
    base = {"phone": "0905 111 222", "name": "Nguyễn Thị Lan", "address": "Thôn 3, kiệt 12",
            "needs": ["trapped"], "people": 2, "water_depth_m": 1.4}
    return {"kind": "hotline_call", "category": category, "lat": lat, "lon": lon,
            "props": {**base, **props}}


def file_call(server: ServerThread, token: str, body: dict | None = None, **kw: Any) -> dict:
    """POST a call; return the stored call (201 expected)."""
    res = server.http("POST", server.url + "/api/v1/calls", body or hotline(**kw), token)
    assert res.status == 201, res.body
    return res.body["call"]


def desk(server: ServerThread):
    """Return the server's DispatchDesk."""
    return server.features.get("dispatch").desk


def seed(server: ServerThread) -> int:
    """Register the illustrative units; return how many."""
    return server.call(desk(server).seed_units())


def tablet_token(server: ServerThread, operator: str, unit_id: str) -> str:
    """Return a responder token for ``unit_id`` issued through the API."""
    res = server.http("POST", f"{server.url}/api/v1/units/{unit_id}/token", None, operator)
    assert res.status == 201, res.body
    assert res.body["tablet"] == f"/tablet#token={res.body['token']}"
    return res.body["token"]


#: POST a transition on a call: ``call_act(server, call_id, action, token, **payload)``.
call_act = functools.partial(act, kind="call")
