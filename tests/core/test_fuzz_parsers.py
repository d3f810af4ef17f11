"""Property tests of every parser and validator: any input gets a documented error (the
parser's own error type) or a valid result; never another exception, never a hang (each
example has a deadline). Core level (no server), bounded by FUZZ below; the last tests send
the same kind of garbage through a live server (HTTP bodies, websocket messages).

Budget (docs/RELIABILITY.md): FUZZ examples per parser, each under DEADLINE.
"""
from __future__ import annotations

import json
import math
import string
from datetime import timedelta, timezone
from functools import reduce

import pytest
from hypothesis import HealthCheck, given, settings as hsettings, strategies as st

from geo.router import service_region
from server.features import default_layers
from server.features.vessels.ais import AisDecoder
from server.features.cameras.service import CameraIn
from server.features import Settings
from server.features.dispatch.desk import SosIn, TriageIn
from server.features.dispatch.lifecycle import TABLE, CallRequest
from server.features.dispatch.units import FixIn, UnitIn
from server.core.errors import IOCError
from server.core.events import EventValidator, NewEvent, parse_json, parse_model
from server.core.params import parse_bbox, parse_int, parse_polygon, parse_search
from server.features import default_kinds
from server.features.reports.chat import CHAT_ADAPTERS
from server.features.reports.lifecycle import TransitionIn
from server.features.reports.open311 import Open311, Open311Error, _attributes, _date, check_format
from server.core.reroute import RerouteRequest
from server.features.sensors.service import (ReadingError, load_quantities_and_rules,
                                             parse_payload, parse_station)
from server.core.timefmt import now_micros
from server.core.kit.transitions import parse_request
from server.features.vessels.service import parse_danger_zone
from server.core.wsproto import parse_message, subscription_query

FUZZ = 100
DEADLINE = timedelta(milliseconds=1500)
fuzz = hsettings(max_examples=FUZZ, deadline=DEADLINE, database=None,
                 suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
LAYERS = default_layers()
KIND_REGISTRY = default_kinds()
KINDS = KIND_REGISTRY.names
HUE = (16.46, 107.59)

scalars = st.one_of(st.none(), st.booleans(), st.integers(-2**70, 2**70),
                    st.floats(allow_nan=True, allow_infinity=True), st.text(max_size=40))
json_values = st.recursive(scalars, lambda inner: st.one_of(
    st.lists(inner, max_size=5), st.dictionaries(st.text(max_size=10), inner, max_size=5)),
    max_leaves=25)
coords = st.one_of(st.floats(allow_nan=True, allow_infinity=True),
                   st.floats(16.0, 17.0), st.floats(107.0, 108.0), st.text(max_size=8))


def _finite_json(value):  # noqa: ANN001, ANN202 - JSON cannot carry NaN
    """Return ``value`` with non-finite floats replaced by strings (what a JSON body holds)."""
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)
    if isinstance(value, list):
        return [_finite_json(v) for v in value]
    if isinstance(value, dict):
        return {k: _finite_json(v) for k, v in value.items()}
    return value


@pytest.fixture(scope="module")
def validator(router) -> EventValidator:
    return EventValidator(KIND_REGISTRY, router.categories, service_region(router.areaset, 20),
                          router, 500)


@st.composite
def event_docs(draw, categories: list[str]) -> dict:
    """An event-like object: mostly plausible fields, sometimes junk, props keyed by the
    kind's own field names as often as by random ones."""
    kind = draw(st.one_of(st.sampled_from(KINDS), st.text(max_size=12)))
    kind_ = KIND_REGISTRY.get(kind) if kind in KINDS else None
    fields = sorted(kind_.props_model.model_fields) if kind_ is not None else []
    keys = st.text(max_size=8)
    if fields:
        keys = st.one_of(st.sampled_from(fields), keys)
    doc = {"kind": kind,
           "category": draw(st.one_of(st.sampled_from(categories), st.text(max_size=20))),
           "lat": draw(coords), "lon": draw(coords),
           "props": draw(st.dictionaries(keys, json_values, max_size=6))}
    extra = draw(st.dictionaries(st.sampled_from(["severity", "status", "observed_at", "source",
                                                  "id", "seq", "junk"]), json_values,
                                 max_size=3))
    return {**doc, **extra}


def test_json_bodies(validator):
    @fuzz
    @given(body=st.one_of(st.binary(max_size=300),
                          json_values.map(lambda v: json.dumps(_finite_json(v)).encode())))
    def run(body: bytes) -> None:
        try:
            parse_json(body, 200)
        except IOCError as err:
            assert err.status in (400, 413, 422)  # 422: a control character in some text
    run()


def test_event_envelopes_and_every_layers_props(validator, router):
    categories = sorted(c.code for c in router.categories.all())

    @fuzz
    @given(doc=st.one_of(event_docs(categories),
                         st.fixed_dictionaries({"events": st.lists(event_docs(categories),
                                                                   max_size=4)}),
                         json_values))
    def run(doc) -> None:  # noqa: ANN001
        try:
            items, prefix = validator.unpack(_finite_json(doc))
            events = validator.validate(items, prefix, now_micros())
        except IOCError as err:
            assert err.status in (400, 413, 422) and err.to_json()["error"]["message"]
            return
        assert events and all(isinstance(e, NewEvent) for e in events)
        assert all(-90 <= e.lat <= 90 and -180 <= e.lon <= 180 for e in events)
    run()


MODELS = [SosIn, TriageIn, TransitionIn, CallRequest, UnitIn, FixIn, CameraIn]


@pytest.mark.parametrize("model", MODELS, ids=lambda m: m.__name__)
def test_request_bodies(model):
    fields = sorted(model.model_fields)

    @fuzz
    @given(doc=st.one_of(json_values, st.dictionaries(st.sampled_from(fields), json_values,
                                                      max_size=len(fields))))
    def run(doc) -> None:  # noqa: ANN001
        try:
            parse_model(model, doc, "body")
        except IOCError as err:
            assert err.status == 422 and err.details
    run()


def test_transition_requests_and_reroute_bodies():
    @fuzz
    @given(doc=st.one_of(json_values, st.fixed_dictionaries(
        {"action": st.one_of(st.sampled_from(sorted(TABLE.actions)), st.text(max_size=10))},
        optional={"unit_id": json_values, "reason": json_values, "priority": json_values})))
    def run(doc) -> None:  # noqa: ANN001
        for parse in (lambda d: parse_request(CallRequest, d, TABLE), RerouteRequest.from_json):
            try:
                parse(doc)
            except IOCError as err:
                assert err.status in (400, 422)
    run()


def test_query_parameters_and_polygons():
    @fuzz
    @given(text=st.one_of(st.text(max_size=40), st.lists(coords, max_size=6).map(
        lambda v: ",".join(map(str, v)))), geometry=json_values, doc=json_values)
    def run(text: str, geometry, doc) -> None:  # noqa: ANN001
        for call in (lambda: parse_bbox(text), lambda: parse_int(lambda _: text, "n", 1, 1, 99),
                     lambda: parse_polygon(geometry),
                     lambda: parse_polygon({"type": "Polygon", "coordinates": geometry}),
                     lambda: parse_search(doc, KINDS),
                     lambda: parse_search({"intersects": geometry, "bbox": text}, KINDS)):
            try:
                call()
            except IOCError as err:
                assert err.status in (400, 422)
    run()


def test_websocket_messages():
    @fuzz
    @given(raw=st.one_of(st.binary(max_size=200), json_values.map(
        lambda v: json.dumps(_finite_json(v))), st.fixed_dictionaries(
        {"op": st.sampled_from(["subscribe", "auth", "ping", "unsubscribe", "x"])},
        optional={"layers": st.one_of(st.lists(st.sampled_from(LAYERS.ids)), json_values),
                  "bbox": st.one_of(st.lists(coords.filter(lambda c: not isinstance(c, str)),
                                             min_size=4, max_size=4), json_values),
                  "since": json_values, "token": json_values}).map(
        lambda d: json.dumps(_finite_json(d)))))
    def run(raw) -> None:  # noqa: ANN001
        try:
            msg = parse_message(raw)
            if msg.op == "subscribe":
                subscription_query(msg, LAYERS)
        except IOCError as err:
            assert err.status in (400, 422)
    run()


NMEA_CHARS = "0123456789:;<=>?@ABCDEFGHIJKLMNOPQRSTUVW`abcdefghijklmnopqrstuvw"


def _nmea(body: str) -> str:
    return f"!{body}*{reduce(lambda a, c: a ^ ord(c), body, 0):02X}"


@st.composite
def nmea_lines(draw) -> str:
    """A syntactically plausible AIVDM sentence (checksum right or wrong), fragments, tags."""
    total = draw(st.integers(1, 3))
    body = (f"AIVDM,{total},{draw(st.integers(0, 4))},{draw(st.sampled_from(['', '1', '9']))},"
            f"{draw(st.sampled_from('AB'))},{draw(st.text(NMEA_CHARS, max_size=60))},"
            f"{draw(st.integers(0, 5))}")
    line = _nmea(body) if draw(st.booleans()) else f"!{body}*00"
    if draw(st.booleans()):
        line = f"\\c:{draw(st.integers(-10, 2**40))}*00\\" + line
    return line


def test_ais_lines_never_raise():
    decoder = AisDecoder()

    @fuzz
    @given(lines=st.lists(st.one_of(nmea_lines(), st.binary(max_size=90),
                                    st.text(string.printable, max_size=90)), max_size=6))
    def run(lines) -> None:  # noqa: ANN001
        for msg in decoder.feed_many(lines):
            assert isinstance(msg, dict)
    run()
    c = decoder.counters.to_json()
    assert c["lines"] > 0 and c["corrupt"] > 0, c


def test_sensor_payloads_and_stations(router):
    quantities, _, _ = load_quantities_and_rules()
    region = service_region(router.areaset, 20)

    @fuzz
    @given(quantity=st.sampled_from(sorted(quantities)), payload=st.one_of(
        st.binary(max_size=80), st.floats(allow_nan=True).map(lambda f: str(f).encode()),
        json_values.map(lambda v: json.dumps(_finite_json(v)).encode()),
        st.fixed_dictionaries({"value": json_values}, optional={
            "unit": st.one_of(st.sampled_from(["m", "cm", "mm", "mm/h"]), json_values),
            "observed_at": json_values}).map(lambda d: json.dumps(_finite_json(d)).encode())),
        station=json_values)
    def run(quantity: str, payload: bytes, station) -> None:  # noqa: ANN001
        q = quantities[quantity]
        try:
            value, at, _ = parse_payload(payload, q, now_micros())
            assert q.min <= value <= q.max and math.isfinite(value) and at <= now_micros()
        except ReadingError:
            pass
        try:
            parse_station("s1", station, quantities, region.contains)
        except IOCError as err:
            assert err.status == 422
    run()


def test_danger_zones_and_open311_fields():
    tz = timezone(timedelta(hours=7))

    @fuzz
    @given(doc=st.one_of(json_values, st.fixed_dictionaries(
        {"name": json_values, "geometry": json_values}, optional={"until": json_values})),
        text=st.text(max_size=30), args=st.dictionaries(
            st.one_of(st.text(max_size=12), st.from_regex(r"attribute\[[a-z]{1,5}\](\[\])?",
                                                          fullmatch=True)),
            st.lists(st.text(max_size=10), max_size=3), max_size=5))
    def run(doc, text: str, args) -> None:  # noqa: ANN001
        try:
            parse_danger_zone(doc, tz, (107.0, 16.0, 108.5, 17.0))
        except IOCError as err:
            assert err.status == 422
        for call in (lambda: check_format(text), lambda: _date(text, "start_date"),
                     lambda: Open311._latlong(text, text), lambda: _attributes(args)):
            try:
                call()
            except Open311Error as err:
                assert err.status == 400
    run()


@pytest.mark.parametrize("name", sorted(CHAT_ADAPTERS))
def test_chat_webhook_bodies(name):
    adapter = CHAT_ADAPTERS[name](Settings(zalo_app_id="a", zalo_oa_secret="s",
                                           messenger_app_secret="s", messenger_verify_token="v"))
    entry = st.fixed_dictionaries({"messaging": st.lists(st.fixed_dictionaries(
        {"sender": json_values, "timestamp": json_values,
         "message": st.one_of(json_values, st.fixed_dictionaries(
             {"mid": json_values, "text": json_values, "attachments": json_values}))}),
        max_size=2)})

    @fuzz
    @given(body=st.one_of(st.binary(max_size=100), json_values.map(
        lambda v: json.dumps(_finite_json(v)).encode()), st.fixed_dictionaries(
        {"object": st.just("page"), "entry": st.one_of(st.lists(entry, max_size=2),
                                                      json_values)}).map(
        lambda d: json.dumps(_finite_json(d)).encode()), st.fixed_dictionaries(
        {"event_name": st.sampled_from(["user_send_text", "user_send_location", "x"]),
         "sender": json_values, "message": json_values, "timestamp": json_values}).map(
        lambda d: json.dumps(_finite_json(d)).encode())))
    def run(body: bytes) -> None:
        try:
            messages = adapter.parse(body)
        except IOCError as err:
            assert err.status in (400, 422)
            return
        assert isinstance(messages, list)
    run()


# -- the same through a live server -----------------------------------------------------------
LIVE = hsettings(max_examples=30, deadline=timedelta(seconds=5), database=None,
                 suppress_health_check=list(HealthCheck))


@pytest.fixture(scope="module")
def live(tmp_path_factory, router):
    from tests.helpers import sqlite_server
    # fuzzing sends far faster than a client may: the websocket message rate has its own test
    srv = sqlite_server(tmp_path_factory.mktemp("fuzz"), router, ws_max_messages_per_s=100_000)
    yield srv, srv.token("public"), srv.token("operator")
    srv.stop()


def test_garbage_bodies_through_the_server(live, router):
    from tests.helpers import http
    srv, public, operator = live
    categories = sorted(c.code for c in router.categories.all())
    paths = ["/api/v1/events", "/api/v1/reports", "/api/v1/questions", "/api/v1/sos",
             "/api/v1/calls", "/api/v1/calls/triage", "/api/v1/events/search"]

    @LIVE
    @given(path=st.sampled_from(paths), token=st.sampled_from([public, operator]),
           body=st.one_of(st.binary(max_size=200), event_docs(categories).map(
               lambda d: json.dumps(_finite_json(d)).encode())))
    def run(path: str, token: str, body: bytes) -> None:
        res = http("POST", srv.url + path, raw=body, token=token)
        assert res.status < 500, (path, body, res.body)
        if res.status >= 400:
            assert set(res.body["error"]) == {"code", "message", "details"}
    run()


def test_garbage_open311_forms_through_the_server(live):
    from urllib.parse import urlencode

    from tests.helpers import http
    srv, public, _ = live

    @LIVE
    @given(form=st.dictionaries(st.sampled_from(
        ["service_code", "lat", "long", "address_string", "description", "phone", "email",
         "first_name", "attribute[x]", "jurisdiction_id", "media_url", "api_key"]),
        st.text(max_size=20), max_size=8), fmt=st.sampled_from(["json", "xml"]))
    def run(form, fmt: str) -> None:  # noqa: ANN001
        body = urlencode({**form, "api_key": form.get("api_key", public)}).encode()
        res = http("POST", f"{srv.url}/open311/v2/requests.{fmt}", raw=body,
                   headers={"Content-Type": "application/x-www-form-urlencoded"})
        assert res.status in (200, 201, 400, 403, 404), (form, res.raw[:300])
    run()


def test_garbage_websocket_messages_through_the_server(live):
    from tests.helpers import open_ws, recv_json
    srv, public, _ = live
    with open_ws(srv, public) as ws:
        @LIVE
        @given(raw=st.one_of(st.text(max_size=100), json_values.map(
            lambda v: json.dumps(_finite_json(v)))))
        def run(raw: str) -> None:
            ws.send(raw)
            ws.send('{"op": "ping"}')
            frames = [recv_json(ws)]
            while frames[-1]["op"] != "pong":
                frames.append(recv_json(ws))
            for frame in frames[:-1]:
                assert frame["op"] in ("error", "subscribed", "events", "live"), frame
        run()
