"""Role × endpoint: every HTTP operation of the OpenAPI document and every websocket operation,
called by every role (admin, supervisor, agency bound to one unit, operator, responder, wall,
public, no token) against a live server, with the outcome this table expects. Then what each
scoped role sees: an agency only its own cases, a responder only its assignments, the public
never a phone number, a name or the exact place of a sensitive case.

Outcomes: ``2`` a 2xx answer; ``A`` allowed (past the access check: any answer but 401, 403
or a 5xx, e.g. 404 for a missing object or 409/422 for a body that does not apply); ``1`` 401;
``3`` 403; ``4`` 404 (the object is not visible to this role, so it is not there); ``-``
not 401 or 403, the answer of someone without a token on an open address. Where an operation is
gated by a named action of the policy (``server.core.policy``), its outcomes are read from it
(``By``), so the table follows the policy, and every action of the policy has a row.
"""
from __future__ import annotations

import json

import pytest

from server.core import policy
from server.core.kit.transitions import ActionTable
from server.features import default_features
from server.features.warnings.lifecycle import TABLE as WARNINGS
from server.web.openapi import openapi_document
from tests.helpers import ServerThread, http, open_ws, recv_json, sqlite_server
from tests.helpers.cases import act
from tests.helpers.dispatch import CENTRE, KIM_TRA, call_act, file_call, hotline, seed
from tests.helpers.media import photo, post_files
from tests.helpers.people import add_user, sign_in
from tests.helpers.warnings import draft, send

ROLES = ("admin", "supervisor", "agency", "operator", "responder", "wall", "public", "none")
PHONE, NAME = "0905 111 222", "Nguyễn Thị Lan"
SENSITIVE = "security.drugs"
ZERO_ID = "00000000-0000-7000-8000-000000000000"
#: Every named action, the core's and the features', by name.
ACTIONS = {a.name: a for a in (*policy.CORE_ACTIONS, *default_features().actions())}


class By:
    """The outcomes of an operation gated by the policy's ``action``: ``ok`` for each role it
    allows, ``3`` for the others, ``1`` without a token; ``other`` overrides a role's outcome
    (e.g. ``4`` where the object is not the role's to see)."""

    def __init__(self, action: str, ok: str = "2", **other: str):
        self.action, self.ok, self.other = action, ok, other

    def outcomes(self) -> str:
        """Return the outcomes in ROLES order."""
        return _gated(ACTIONS[self.action].roles, self.ok, self.other)


def by_table(table: ActionTable, name: str, ok: str = "2") -> str:
    """Return the outcomes of a lifecycle action ``name`` of ``table`` (its roles are groups of
    the policy) in ROLES order."""
    return _gated(table.actions[name].roles, ok, {})


def _gated(allowed: frozenset[str], ok: str, other: dict[str, str]) -> str:
    """Without a token: ``ok`` where the policy opens the action to ``policy.ANYONE``, else 401."""
    out = {role: ok if role in allowed else "3" for role in ROLES}
    out["none"] = ok if policy.ANYONE in allowed else "1"
    out |= other
    return "".join(out[role] for role in ROLES)


#: (method, path, body, outcomes in ROLES order). ``{a}`` is a case of the agency's unit,
#: ``{b}`` one of another unit, ``{mine}`` the call assigned to the responder's unit and
#: ``{other}`` one that is not, ``{u1}`` the responder's unit and ``{u2}`` another, ``{w}`` a
#: draft warning and ``{ws}`` a sent one.
MATRIX: list[tuple[str, str, object, str | By]] = [
    ("GET", "/api/v1/openapi.json", None, "22222222"),
    ("GET", "/api/v1/health", None, "22222222"),
    ("GET", "/api/v1/ready", None, "22222222"),
    *[("GET", f"/api/v1/{d}", None, "22222222") for d in ("areas", "layers", "categories",
                                                         "agencies", "basemap/rivers",
                                                         "generations",
                                                         "generations/communes-2025/areas",
                                                         "vessels/zones", "reports/actions",
                                                         "questions/actions",
                                                         "calls/triage-rules", "calls/actions",
                                                         "warnings/actions")],
    ("GET", "/api/v1/events", None, By("events.read")),
    ("GET", "/api/v1/events.geojson", None, "22223231"),
    ("POST", "/api/v1/events/search", {"intersects": {
        "type": "Polygon", "coordinates": [[[107.5, 16.4], [107.7, 16.4], [107.7, 16.6],
                                            [107.5, 16.4]]]}}, "22223231"),
    ("GET", "/api/v1/events/nearest?lat=16.46&lon=107.59", None, "22223231"),
    ("GET", "/api/v1/events/{a}", None, By("events.read")),
    ("GET", "/api/v1/events/{b}", None, "22423221"),
    ("GET", "/api/v1/events/{b}/history", None, "22423221"),
    ("GET", "/api/v1/kpis", None, By("events.read")),
    ("POST", "/api/v1/events", {"kind": "report", "category": "environment.waste",
                                "lat": CENTRE[0], "lon": CENTRE[1]},
     By("events.post_citizen", agency="A")),
    ("GET", "/api/v1/tokens", None, By("tokens.manage")),
    ("DELETE", "/api/v1/tokens/ffffffffffffffff", None, By("tokens.manage", "4")),
    ("GET", "/api/v1/audit", None, By("audit.read")),
    ("POST", "/api/v1/tokens", {}, By("tokens.manage", "A")),
    # sign-in and people: sign-in and set-password read no credential (422: empty body)
    ("GET", "/auth/me", None, "22222222"),
    ("POST", "/auth/login", {}, "--------"),
    ("POST", "/auth/password", {}, "--------"),
    ("POST", "/auth/logout", None, "11111111"),  # a token is no session (see the session test)
    ("GET", "/auth/oidc/start", None, "44444444"),  # sign-on is off on this server
    ("GET", "/auth/oidc/callback", None, "--------"),  # a redirect to /login, whoever calls
    ("GET", "/api/v1/users", None, By("users.manage")),
    ("GET", "/api/v1/notifications", None, By("notifications.read")),
    ("GET", "/api/v1/push/key", None, "22222222"),
    ("POST", "/api/v1/push/subscriptions", {}, By("notifications.subscribe", "A")),
    ("DELETE", "/api/v1/push/subscriptions", {}, By("notifications.subscribe", "A")),
    ("POST", "/api/v1/users", {}, By("users.manage", "A")),
    ("PATCH", "/api/v1/users/nobody", {}, By("users.manage", "A")),
    ("POST", "/api/v1/users/nobody/reset", None, By("users.manage", "A")),
    ("POST", "/api/v1/areas/reroute", {"dry_run": True}, By("events.reroute")),
    # field reports and questions
    ("GET", "/api/v1/reports", None, By("reports.read")),
    ("GET", "/api/v1/reports/kpis", None, By("reports.read")),
    ("GET", "/api/v1/reports/{a}", None, "22224241"),
    ("GET", "/api/v1/reports/{b}", None, "22424241"),
    ("POST", "/api/v1/reports/{b}/transitions", {"action": "resolve", "reason": "x"},
     "A3434341"),
    # the IOC's triage on the agency's own case (MANAGERS; the agency may not; each request
    # lacks what it needs, so it changes nothing): merge, hide, correct the place
    *[("POST", "/api/v1/reports/{a}/transitions", body, "AA3A4341")
      for body in ({"action": "merge", "duplicate_of": ZERO_ID}, {"action": "hide"},
                   {"action": "relocate"})],
    ("POST", "/api/v1/reports", {"category": "environment.waste", "lat": CENTRE[0],
                                 "lon": CENTRE[1]}, By("events.post_citizen", "A")),
    ("GET", "/api/v1/questions", None, By("reports.read")),
    ("POST", "/api/v1/questions", {"category": "question.civil_status", "lat": CENTRE[0],
                                   "lon": CENTRE[1], "props": {"question": "Hỏi?"}},
     By("events.post_citizen", "A")),
    ("GET", "/api/v1/public/reports", None, "22222222"),
    ("GET", "/api/v1/public/reports/map", None, "22222222"),
    ("GET", "/api/v1/public/reports/kpis", None, "22222222"),
    ("GET", "/api/v1/public/reports/{a}", None, "22222222"),
    ("GET", "/open311/v2/requests.json", None, "22222222"),
    # photos: uploaded by whoever files citizens' cases and by staff, served to everyone
    ("POST", "/api/v1/media", {}, By("media.upload", "A")),
    ("GET", "/media/{m}.jpg", None, "22222222"),
    ("GET", "/media/{m}.thumb.jpg", None, "22222222"),
    # flood operations
    ("GET", "/api/v1/calls", None, By("calls.read")),
    ("GET", "/api/v1/calls/{mine}", None, "22422241"),
    ("GET", "/api/v1/calls/{other}", None, "22424241"),
    ("POST", "/api/v1/calls/{other}/transitions", {"action": "note", "text": "x"},
     "AA4A4341"),
    ("POST", "/api/v1/calls", hotline(), By("events.post", "A")),
    # a supervisor may set the priority but not log a call (events.post)
    ("POST", "/api/v1/calls", {**hotline(), "override": {"priority": 2, "reason": "x"}},
     By("calls.prioritise", "A", supervisor="3")),
    ("POST", "/api/v1/sos", {"lat": KIM_TRA[0], "lon": KIM_TRA[1], "phone": "0905 999 888"},
     By("events.post_citizen", "A")),
    ("GET", "/api/v1/calls/related?phone=0905111222", None, By("calls.read")),
    ("POST", "/api/v1/calls/triage", {"people": 3}, By("calls.read")),
    ("GET", "/api/v1/calls/{other}/suggestions", None, By("calls.read", agency="4")),
    ("GET", "/api/v1/units", None, By("calls.read")),
    ("GET", "/api/v1/units/me", None, "44442441"),
    ("GET", "/api/v1/units/{u1}/tablet", None, By("units.operate", responder="2")),
    ("GET", "/api/v1/units/{u2}/tablet", None, By("units.operate")),
    ("POST", "/api/v1/units/{u2}/position", {"lat": KIM_TRA[0], "lon": KIM_TRA[1]},
     By("units.operate", "A")),
    ("POST", "/api/v1/units/{u2}/status", {"status": "nonsense"}, By("units.operate", "A")),
    ("POST", "/api/v1/units/{u2}/token", {}, By("units.token")),
    ("PUT", "/api/v1/units/{u2}", {}, By("units.register", "A")),
    # feeds
    ("GET", "/api/v1/vessels", None, By("events.read")),
    ("GET", "/api/v1/vessels/readiness", None, By("events.read")),
    ("GET", "/api/v1/vessels/feeds", None, By("vessels.manage")),
    ("POST", "/api/v1/vessels/danger-zones", {}, By("vessels.manage", "A")),
    ("DELETE", "/api/v1/vessels/danger-zones/none", None, By("vessels.manage", "A")),
    ("POST", "/api/v1/ais", "", By("vessels.manage", "A")),
    ("GET", "/api/v1/sensors", None, By("events.read")),
    ("GET", "/api/v1/sensors/s-test", None, By("events.read", "A")),
    ("GET", "/api/v1/sensors/s-test/series", None, By("events.read", "A")),
    ("PUT", "/api/v1/sensors/s-test", {}, By("sensors.manage", "A")),
    ("GET", "/api/v1/cameras", None, By("events.read")),
    ("PUT", "/api/v1/cameras/cam-test", {}, By("events.post", "A")),
    ("POST", "/api/v1/sensors/s-test/readings", {}, By("sensors.manage", "A")),
    # flooded roads
    ("GET", "/api/v1/flood-roads", None, By("events.read")),
    ("GET", "/api/v1/flood-roads/network", None, By("events.read")),
    ("POST", "/api/v1/flood-roads", {}, By("flood_roads.mark", "A")),
    # public warnings: staff read every status, drafters draft, approvers approve and send
    ("GET", "/api/v1/warnings", None, By("warnings.read")),
    ("POST", "/api/v1/warnings", {}, By("warnings.draft", "A")),
    ("POST", "/api/v1/warnings/cap", "<alert/>", By("warnings.import", "A")),
    ("GET", "/api/v1/warnings/contacts", None, By("warnings.contacts")),
    ("POST", "/api/v1/warnings/contacts", {}, By("warnings.contacts", "A")),
    ("GET", "/api/v1/warnings/{w}", None, By("warnings.read")),
    ("GET", "/api/v1/warnings/{w}/reach", None, By("warnings.read")),
    ("GET", "/api/v1/warnings/{w}.cap", None, By("warnings.read")),
    ("POST", "/api/v1/warnings/{w}/transitions", {"action": "discard"},
     by_table(WARNINGS, "discard", "A")),
    ("POST", "/api/v1/warnings/{ws}/transitions", {"action": "approve"},
     by_table(WARNINGS, "approve", "A")),
    ("GET", "/api/v1/public/warnings.atom", None, "22222222"),
    ("GET", "/api/v1/public/warnings/{ws}.cap", None, "22222222"),
    ("GET", "/api/v1/public/warnings/{w}.cap", None, "44444444"),
]


@pytest.fixture(scope="module")
def world(tmp_path_factory, router):
    """A live server with a case of two units, two calls (one assigned to unit u1), a sensitive
    citizen report, and one token of each role."""
    srv = sqlite_server(tmp_path_factory.mktemp("matrix"), router, rate_address_burst=5000)
    seed(srv)
    admin, operator, public = srv.token("admin"), srv.token("operator"), srv.token("public")
    a = _report(srv, public, "environment.burning", CENTRE)
    b = _report(srv, public, "environment.burning", KIM_TRA)
    assert a["agency_id"] != b["agency_id"]
    mine, other = file_call(srv, operator), file_call(srv, operator)
    best = http("GET", f"{srv.url}/api/v1/calls/{mine['id']}/suggestions",
                token=operator).body["units"][0]["unit_id"]
    units = [best] + sorted(u["props"]["unit_id"] for u in http(
        "GET", srv.url + "/api/v1/units", token=admin).body["units"]
        if u["props"]["unit_id"] != best)
    assert call_act(srv, mine["id"], "assign", operator, unit_id=units[0]).status == 200
    secret = _report(srv, public, SENSITIVE, (16.4712, 107.6031),
                     description=f"gọi {PHONE}", reporter={"name": NAME, "phone": PHONE})
    supervisor = srv.token("supervisor")
    sent = send(srv, draft(srv, operator)["id"], supervisor)
    ids = {"a": a["id"], "b": b["id"], "mine": mine["id"], "other": other["id"],
           "u1": units[0], "u2": units[1], "secret": secret["id"],
           "w": draft(srv, operator)["id"], "ws": sent["id"],
           "m": post_files(srv.url + "/api/v1/media", [photo()], token=public
                           ).body["media"][0]["id"]}
    tokens = {"admin": admin, "supervisor": supervisor,
              "agency": srv.token("agency", a["agency_id"]), "operator": operator,
              "responder": srv.token("responder", unit_id=units[0]), "wall": srv.token("wall"),
              "public": public, "none": None}
    bindings = {"agency": {"agency_id": a["agency_id"]}, "responder": {"unit_id": units[0]}}
    for role in PERSON_ROLES:
        add_user(srv, f"{role}.person", role, **bindings.get(role, {}))
    yield srv, tokens, ids, secret
    srv.stop()


#: Roles a person signs in with (the public app and "none" keep their token or nothing).
PERSON_ROLES = ("admin", "supervisor", "agency", "operator", "responder", "wall")
UNSAFE = ("POST", "PUT", "PATCH", "DELETE")


def _report(srv: ServerThread, token: str, category: str, at: tuple[float, float],
            **props: object) -> dict:
    body = {"category": category, "lat": at[0], "lon": at[1],
            "props": {"description": "Khói đốt rác", **props}}
    res = http("POST", srv.url + "/api/v1/reports", body, token)
    assert res.status == 201, res.body
    return res.body["case"]


def _outcome(status: int, expected: str) -> bool:
    if expected == "2":
        return 200 <= status < 300
    if expected in "A-":
        return status not in (401, 403) and status < 500
    return status == {"1": 401, "3": 403, "4": 404}[expected]


def _call(method: str, url: str, body: object, token: str | None,
          headers: dict[str, str] | None = None):
    """Send ``body`` (a str: as text) with ``token`` and ``headers``; return the Response."""
    if isinstance(body, str):
        return http(method, url, raw=body.encode(), token=token,
                    headers={"Content-Type": "text/plain", **(headers or {})})
    return http(method, url, body, token, headers)


def test_every_http_operation_by_every_role(world):
    _run_matrix(world, sessions=None)


def test_every_http_operation_by_every_person_signed_in(world):
    """The same table with each staff role signed in (the session cookie and its CSRF token)
    instead of a token: a session has its role's rights, no more and no less."""
    srv = world[0]
    sessions = {role: sign_in(srv, f"{role}.person") for role in PERSON_ROLES}
    _run_matrix(world, sessions)


def test_a_change_made_with_the_cookie_needs_the_csrf_token(world):
    """Every state-changing operation of the table, made by each person with the session
    cookie and without its CSRF token, or with another session's (a replayed one), is refused
    with 403 before anything happens; the sign-in operations read no cookie at all."""
    srv, _, ids, _ = world
    sessions = {role: sign_in(srv, f"{role}.person") for role in PERSON_ROLES}
    stale = sign_in(srv, "admin.person")
    assert stale.http("POST", "/auth/logout").status == 200
    wrong = []
    for method, path, body, _ in MATRIX:
        if method not in UNSAFE or path in ("/auth/login", "/auth/password"):
            continue
        url = srv.url + path.format(**ids)
        for role, session in sessions.items():
            for csrf in (None, stale.csrf):
                headers = {"Cookie": f"ioc_session={session.secret}"}
                if csrf:
                    headers["X-CSRF-Token"] = csrf
                res = _call(method, url, body, None, headers)
                if res.status != 403 or res.body["error"]["code"] != "forbidden":
                    wrong.append(f"{method} {path} as {role} (csrf {csrf and 'replayed'}): "
                                 f"{res.status}")
    assert not wrong, "\n".join(wrong)


def _run_matrix(world, sessions) -> None:  # noqa: ANN001
    srv, tokens, ids, _ = world
    wrong = []
    for method, path, body, outcomes in MATRIX:
        expected = outcomes.outcomes() if isinstance(outcomes, By) else outcomes
        assert len(expected) == len(ROLES), path
        url = srv.url + path.format(**ids)
        for role, want in zip(ROLES, expected):
            session = (sessions or {}).get(role)
            if session is None:
                res = _call(method, url, body, tokens[role])
            elif path == "/auth/logout":
                continue  # it would end the session (test_people_signin signs out)
            else:
                res = _call(method, url, body, None, {
                    "Cookie": f"ioc_session={session.secret}", "X-CSRF-Token": session.csrf})
            if not _outcome(res.status, want):
                why = res.body.get("error", {}).get("message", "") \
                    if isinstance(res.body, dict) else ""
                wrong.append(f"{method} {path} as {role}: {res.status}, expected {want} {why}")
    assert not wrong, "\n".join(wrong)


def test_the_matrix_covers_every_described_operation():
    described = {(m.upper(), p) for p, ops in openapi_document()["paths"].items() for m in ops}
    templates = {(m, _template(p)) for m, p, _, _ in MATRIX}
    skipped = {(m, p) for m, p in described if (m, p) not in templates}
    # what is left is called by the tests of its feature with each role that may call it
    allowed_gaps = {p for _, p in skipped
                    if p.startswith(("/open311/", "/api/v1/channels/", "/api/v1/cameras/{",
                                     "/api/v1/public/questions", "/api/v1/questions/"))
                    or p.endswith("/openapi.json")}
    assert {p for _, p in skipped} - allowed_gaps == set(), sorted(skipped)


def test_every_action_of_the_policy_has_a_row():
    gated = {outcomes.action for _, _, _, outcomes in MATRIX if isinstance(outcomes, By)}
    assert set(ACTIONS) - gated == set()


def _template(path: str) -> str:
    out = path.split("?")[0]
    for key, name in (("{a}", "{event_id}"), ("{b}", "{event_id}")):
        out = out.replace(key, name) if out.startswith("/api/v1/events/") else out
    out = out.replace("/reports/{a}", "/reports/{case_id}").replace("/reports/{b}",
                                                                   "/reports/{case_id}")
    out = out.replace("{mine}", "{call_id}").replace("{other}", "{call_id}")
    out = out.replace("{u1}", "{unit_id}").replace("{u2}", "{unit_id}")
    out = out.replace("/api/v1/warnings/{w}.cap", "/api/v1/warnings/{item_id}.cap")
    out = out.replace("{ws}", "{warning_id}").replace("{w}", "{warning_id}")
    out = out.replace("/media/{m}", "/media/{media_id}")
    fixed = {"/api/v1/tokens/ffffffffffffffff": "/api/v1/tokens/{token_id}",
             "/api/v1/users/nobody": "/api/v1/users/{username}",
             "/api/v1/users/nobody/reset": "/api/v1/users/{username}/reset",
             "/api/v1/basemap/rivers": "/api/v1/basemap/{name}",
             "/api/v1/generations/communes-2025/areas": "/api/v1/generations/{generation}/areas",
             "/api/v1/vessels/danger-zones/none": "/api/v1/vessels/danger-zones/{zone_id}",
             "/api/v1/sensors/s-test": "/api/v1/sensors/{station_id}",
             "/api/v1/sensors/s-test/series": "/api/v1/sensors/{station_id}/series",
             "/api/v1/sensors/s-test/readings": "/api/v1/sensors/{station_id}/readings",
             "/api/v1/cameras/cam-test": "/api/v1/cameras/{camera_id}"}
    return fixed.get(out, out)


@pytest.mark.parametrize("role,subscribed", [
    ("admin", True), ("supervisor", True), ("agency", True), ("operator", True),
    ("responder", False), ("wall", True), ("public", True), ("none", False)])
def test_every_websocket_operation_by_every_role(world, role, subscribed):
    srv, tokens, _, _ = world
    with open_ws(srv, None) as ws:
        ws.send(json.dumps({"op": "ping"}))
        assert recv_json(ws)["op"] == "pong"
        if tokens[role]:
            ws.send(json.dumps({"op": "auth", "token": tokens[role]}))
        ws.send(json.dumps({"op": "subscribe", "layers": ["reports"], "since": 0}))
        frame = recv_json(ws)
        if not subscribed:
            assert frame["op"] == "error"
            assert frame["error"]["code"] == ("unauthorized" if role == "none" else "forbidden")
            return
        assert frame["op"] == "subscribed", frame
        events = recv_json(ws)
        assert events["op"] == "events" and events["events"]
        ws.send(json.dumps({"op": "unsubscribe"}))
        ws.send(json.dumps({"op": "ping"}))
        assert recv_json(ws)["op"] == "pong"


def test_an_agency_sees_and_changes_only_its_own_cases(world):
    srv, tokens, ids, _ = world
    agency = tokens["agency"]
    own = http("GET", srv.url + "/api/v1/reports/" + ids["a"], token=agency).body["case"]
    cases = http("GET", srv.url + "/api/v1/reports?limit=1000", token=agency).body["cases"]
    assert cases and {c["agency_id"] for c in cases} == {own["agency_id"]}
    events = http("GET", srv.url + "/api/v1/events?limit=10000", token=agency).body["events"]
    assert ids["b"] not in {e["id"] for e in events} and ids["a"] in {e["id"] for e in events}
    assert all(own["agency_id"] in (e["agency_id"], *e["copied_to"]) for e in events)
    assert act(srv, ids["b"], "accept", agency).status == 404
    assert act(srv, ids["a"], "accept", agency).status == 200


def test_a_responder_sees_only_its_assignments(world):
    srv, tokens, ids, _ = world
    view = http("GET", srv.url + "/api/v1/units/me", token=tokens["responder"]).body
    assert [c["call"]["id"] for c in view["calls"]] == [ids["mine"]]
    assert view["unit"]["props"]["unit_id"] == ids["u1"]


def test_public_outputs_never_carry_phones_names_or_exact_places(world):
    srv, tokens, ids, secret = world
    public = tokens["public"]
    blobs = [http("GET", srv.url + path, token=public).raw.decode() for path in (
        "/api/v1/events?limit=10000", f"/api/v1/events/{ids['mine']}",
        f"/api/v1/events/{ids['secret']}", "/api/v1/public/reports", "/api/v1/public/reports/map",
        f"/api/v1/public/reports/{ids['secret']}", f"/api/v1/events/{ids['secret']}/history",
        "/open311/v2/requests.json", "/api/v1/kpis")]
    with open_ws(srv, public) as ws:
        ws.send(json.dumps({"op": "subscribe", "since": 0, "layers": [
            "reports", "sos", "hotline_calls", "responders", "questions"]}))
        assert recv_json(ws)["op"] == "subscribed"
        frame = recv_json(ws)
        assert {e["kind"] for e in frame["events"]} >= {"report", "hotline_call"}
        blobs.append(json.dumps(frame, ensure_ascii=False))
    exact = (f"{secret['lat']}", f"{secret['lon']}")
    for blob in blobs:
        for leak in (PHONE, PHONE.replace(" ", ""), NAME, *exact):
            assert leak not in blob, (leak, blob[:300])
    tiny = f"{secret['lon'] - 1e-4},{secret['lat'] - 1e-4},{secret['lon'] + 1e-4}," \
           f"{secret['lat'] + 1e-4}"
    for path in (f"/api/v1/events?bbox={tiny}", f"/api/v1/public/reports?bbox={tiny}"):
        res = http("GET", srv.url + path, token=public)
        assert ids["secret"] not in res.raw.decode(), path
    with open_ws(srv, public) as ws:
        bbox = [float(v) for v in tiny.split(",")]
        ws.send(json.dumps({"op": "subscribe", "layers": ["reports"], "since": 0, "bbox": bbox}))
        assert recv_json(ws)["op"] == "subscribed"
        ws.send(json.dumps({"op": "ping"}))
        frames = [recv_json(ws)]
        while frames[-1]["op"] != "pong":
            frames.append(recv_json(ws))
        assert ids["secret"] not in json.dumps(frames)
    with open_ws(srv, public) as ws:  # the box around where the public sees it does hold it
        lat, lon = json.loads(blobs[2])["lat"], json.loads(blobs[2])["lon"]
        ws.send(json.dumps({"op": "subscribe", "layers": ["reports"], "since": 0,
                            "bbox": [lon - 1e-4, lat - 1e-4, lon + 1e-4, lat + 1e-4]}))
        assert recv_json(ws)["op"] == "subscribed"
        assert ids["secret"] in {e["id"] for e in recv_json(ws)["events"]}
