"""The OpenAPI document: served, in step with the Tornado routes (every API route described with
the methods its handler implements, every described path served), and schemathesis run against a
live server with it (bounded: a few examples per operation, a time cap) finding no 500 and no
answer outside the documented shapes."""
from __future__ import annotations

import time

import pytest
import tornado.web
from hypothesis import HealthCheck, Phase, given, settings as hsettings, strategies as st

from server.web.openapi import openapi_document
from server.web.base import NotFoundHandler
from server.features.reports.open311_handlers import UnknownHandler
from server.web.pages import AssetHandler, PageHandler
from server.features.reports.public_handlers import PublicPageHandler
from server.web.ws import EventSocket
from tests.helpers import http, sqlite_server
from tests.helpers.pg import create_pg_database, drop_pg_database, pg_url

#: Routes that are not the JSON/Open311 API: pages, their assets, the websocket.
NOT_API = (PageHandler, AssetHandler, EventSocket, PublicPageHandler, UnknownHandler)
METHODS = ("get", "post", "put", "delete", "patch")
EXAMPLES = {"case_id": "0190f2a4-7e2c-7a6e-9d3e-0123456789ab", "call_id":
            "0190f2a4-7e2c-7a6e-9d3e-0123456789ab", "event_id": "0190f2a4-7e2c-7a6e",
            "unit_id": "boat-1", "station_id": "s1", "camera_id": "cam-1", "image": "latest",
            "format": "json", "code": "env", "request_id": "abc", "token": "abc",
            "name": "rivers", "generation": "communes-2025", "zone_id": "z1",
            "token_id": "0123456789abcdef", "warning_id": "0190f2a4-7e2c-7a6e-9d3e-0123456789ab",
            "item_id": "0123456789abcdef0123456789abcdef", "username": "lan.nguyen",
            "media_id": "0123456789abcdef0123456789abcdef"}
#: Per-operation cap of schemathesis examples, and a cap on the whole run (seconds).
EXAMPLES_PER_OPERATION = 10
TIME_CAP_S = 150


@pytest.fixture(scope="module")
def server(tmp_path_factory, router):
    srv = sqlite_server(tmp_path_factory.mktemp("openapi"), router, zalo_app_id="app",
                        zalo_oa_secret="s1", messenger_app_secret="s2",
                        messenger_verify_token="v")
    yield srv
    srv.stop()


@pytest.fixture(scope="module", params=["sqlite", "postgis"])
def fuzzed(request, tmp_path_factory, router):
    """The server schemathesis runs against, on each store (some 500s showed on PostGIS only)."""
    name, overrides = None, {}
    if request.param == "postgis":
        name = create_pg_database(template=request.getfixturevalue("postgis_template"))
        overrides["db"] = pg_url(name)
    srv = sqlite_server(tmp_path_factory.mktemp("fuzz"), router, zalo_app_id="app",
                        zalo_oa_secret="s1", messenger_app_secret="s2",
                        messenger_verify_token="v", **overrides)
    yield srv
    srv.stop()
    if name is not None:
        drop_pg_database(name)


def _rules(srv) -> list[tornado.routing.Rule]:  # noqa: ANN001
    return srv.server.http.request_callback.wildcard_router.rules


def _implemented(handler: type) -> set[str]:
    return {m for m in METHODS
            if getattr(handler, m) is not getattr(tornado.web.RequestHandler, m)}


def _handler_of(rules, path: str) -> tornado.routing.Rule | None:  # noqa: ANN001
    for rule in rules:
        if rule.matcher.regex.fullmatch(path):
            return rule
    return None


def test_served_document_is_the_table(server):
    import schemathesis
    res = http("GET", server.url + "/api/v1/openapi.json")
    assert res.status == 200 and res.body == openapi_document()
    assert res.body["openapi"].startswith("3.1")
    schemathesis.openapi.from_dict(res.body).validate()  # raises on an invalid document


def test_every_route_is_described_and_every_description_is_served(server):
    doc, rules = openapi_document(), _rules(server)
    covered = set()
    for template, ops in doc["paths"].items():
        path = template
        for name, value in EXAMPLES.items():
            path = path.replace("{" + name + "}", value)
        assert "{" not in path, f"no example for a parameter of {template}"
        rule = _handler_of(rules, path)
        assert rule is not None and rule.target not in (NotFoundHandler, *NOT_API), template
        assert set(ops) == _implemented(rule.target), (template, rule.target)
        for op in ops.values():
            declared = {p["name"] for p in op["parameters"] if p["in"] == "path"}
            assert declared == {n for n in EXAMPLES if "{" + n + "}" in template}, template
        covered.add(id(rule))
    api = [r for r in rules if r.target not in NOT_API]
    missing = [r.matcher.regex.pattern for r in api if id(r) not in covered]
    assert not missing, f"routes without a description: {missing}"


def test_bodies_come_from_the_pydantic_models():
    doc = openapi_document()
    body = doc["paths"]["/api/v1/units/{unit_id}"]["put"]["requestBody"]
    ref = body["content"]["application/json"]["schema"]["$ref"]
    unit = doc["components"]["schemas"][ref.rsplit("/", 1)[1]]
    assert {"name", "type", "home"} <= set(unit["required"])
    event = doc["components"]["schemas"]["EventIn"]
    assert event["properties"]["lat"]["maximum"] == 90 and event["additionalProperties"] is False


def test_schemathesis_finds_no_server_error_and_no_undocumented_answer(fuzzed):
    import schemathesis
    from schemathesis import GenerationMode
    from schemathesis.checks import not_a_server_error
    from schemathesis.specs.openapi.checks import (content_type_conformance,
                                             response_schema_conformance,
                                             status_code_conformance)
    checks = [not_a_server_error, status_code_conformance, content_type_conformance,
              response_schema_conformance]
    schema = schemathesis.openapi.from_dict(openapi_document())
    headers = {"Authorization": f"Bearer {fuzzed.token('admin')}"}
    deadline = time.monotonic() + TIME_CAP_S
    failures, ran = [], 0
    for result in schema.get_all_operations():
        operation = result.ok()
        if time.monotonic() > deadline:
            break

        @hsettings(max_examples=EXAMPLES_PER_OPERATION, deadline=None, database=None,
                   phases=[Phase.explicit, Phase.generate],
                   suppress_health_check=list(HealthCheck))
        @given(case=st.one_of(operation.as_strategy(GenerationMode.POSITIVE),
                              operation.as_strategy(GenerationMode.NEGATIVE)))
        def run(case):  # noqa: ANN001
            response = case.call(base_url=fuzzed.url, headers=headers, timeout=30)
            case.validate_response(response, checks=checks)

        try:
            run()
            ran += 1
        except (Exception, BaseExceptionGroup) as exc:  # noqa: BLE001 - collect them all
            failures.append(f"{operation.method.upper()} {operation.path}: {exc}"[:1500])
    total = sum(len(ops) for ops in openapi_document()["paths"].values())
    fuzzed.call(fuzzed.core.access.flush())
    calls = [e for _, e in fuzzed.call(fuzzed.core.read(fuzzed.core.store.audit_page, 0, 0, 10**6))
             if e.action == "access" and e.role == "admin"]
    print(f"schemathesis: {ran} operations, {len(calls)} requests")
    assert len(calls) >= 2 * total  # the admin's requests reached the server (audit trail)
    assert ran + len(failures) == total, f"only {ran} of {total} operations ran in {TIME_CAP_S} s"
    assert not failures, "\n\n".join(failures)
