"""The pure parts of the report feature: the lifecycle table, outcome classes, KPIs, redaction,
coarse geocoding, attribute answers and citizen tokens."""

from __future__ import annotations

import pytest

from geo.geocode import CommuneGeocoder, fold
from server.core.auth import ROLES
from server.features import default_kinds
from server.features.reports.attributes import check_attributes
from server.features.reports.casebook import Case
from server.core.privacy import PHONE_MASK, mask_personal_text as redact_contacts
from server.features.reports.kpis import compute, month_bounds
from server.features.reports.lifecycle import (ACTIONS, CITIZEN, PREVIOUS, SYSTEM, actions_for,
                                               classify)
from server.features.reports.tokens import CitizenTokens
from server.core.timefmt import parse_offset, parse_rfc3339
from tests.helpers.server import ROOT

H = 3_600_000_000


def test_the_table_names_real_statuses_and_roles():
    kinds = default_kinds()
    for action in ACTIONS.values():
        for kind in action.kinds:
            statuses = set(kinds.get(kind).statuses)
            assert action.target in statuses | {None, PREVIOUS}, action.name
            assert action.sources & statuses, action.name
        assert action.roles <= set(ROLES) | {CITIZEN, SYSTEM}, action.name
    assert actions_for("report", "routed", "agency") == [
        "accept",
        "transfer",
        "request_extension",
        "request_reject",
    ]
    assert actions_for("report", "resolved", CITIZEN) == ["rate", "dispute"]
    assert actions_for("question", "routed", "agency")[0] == "answer"
    assert actions_for("report", "closed", "wall") == []


@pytest.mark.parametrize(
    "resolved,extension,expected",
    [
        (10, None, "on_time"),
        (12, None, "on_time"),
        (13, "approved", "late_extended"),
        (13, "refused", "late"),
        (30, "approved", "late"),
    ],
)
def test_classify(resolved, extension, expected):
    deadline = 24 if extension == "approved" else 12
    assert classify(resolved * H, 12 * H, deadline * H, extension) == expected


def _case(i: int, **kw) -> Case:
    base = dict(
        id=f"c{i}",
        seq=i,
        kind="report",
        category="environment.waste",
        cell=0,
        area="1",
        agency_id="a",
        copied_to=(),
        status="closed",
        lat=0.0,
        lon=0.0,
        observed_at=0,
        deadline=48 * H,
        due_original=48 * H,
        resolved_at=10 * H,
        closed_at=20 * H,
        outcome="on_time",
        rating="satisfied",
        duplicate_of=None,
        linked=0,
        escalated_for=None,
        hidden=False,
        extension=None,
        updated_at=0,
        channel="api",
    )
    return Case(**{**base, **kw})


def test_kpis_count_what_the_docs_say():
    cases = [
        _case(1),
        _case(2, outcome="late", rating="not_satisfied", resolved_at=60 * H),
        _case(3, status="accepted", outcome=None, rating=None, resolved_at=None),
        _case(4, status="duplicate", duplicate_of="c1"),
        _case(5, agency_id="b", status="rejected", outcome=None, rating=None, resolved_at=None),
        _case(6, observed_at=100 * H, deadline=148 * H),
    ]
    rows, total = compute(cases, "agency", now=50 * H, start=None, end=99 * H)
    assert [r.key for r in rows] == ["a", "b"]
    assert (total.received, total.processed, total.duplicates) == (4, 3, 1)
    assert total.processed_pct == 75.0 and total.on_time_pct == 50.0 and total.late_pct == 50.0
    assert total.satisfaction_pct == 50.0 and total.overdue_now == 1 and total.open == 1
    assert total.median_handling_h == 35.0
    with pytest.raises(ValueError):
        compute(cases, "weather", 0)


def test_month_bounds():
    tz = parse_offset("+07:00")
    start, end = month_bounds("2025-12", tz)
    assert start == parse_rfc3339("2025-12-01T00:00:00+07:00")
    assert end == parse_rfc3339("2026-01-01T00:00:00+07:00")
    with pytest.raises(ValueError):
        month_bounds("2025-13", tz)


@pytest.mark.parametrize(
    "text",
    [
        "gọi 0905 123 456 nhé",
        "SĐT:0905123456",
        "(+84) 905-123-456",
        "+84.905.123.456",
        "liên hệ 84905123456",
        "0234 3822 123",
    ],
)
def test_phone_numbers_are_masked(text):
    out = redact_contacts(text)
    assert PHONE_MASK in out and not any(ch.isdigit() for ch in out)


def test_other_numbers_and_emails():
    assert redact_contacts("lúc 10:30, 3 hộ, 50 cm") == "lúc 10:30, 3 hộ, 50 cm"
    assert redact_contacts("mail an.nguyen+ioc@hue.gov.vn") == "mail [email đã ẩn]"
    assert redact_contacts(None) is None


def test_geocoder_finds_the_commune(router):
    geo = CommuneGeocoder(router.areaset)
    sample = router.areaset.areas[3]
    hit = geo.locate(f"Số 5, kiệt 7, phường {fold(sample.name)}, thành phố Huế")
    assert hit.area.code == sample.code
    assert router.route(hit.lat, hit.lon, "environment.waste").area == sample.code
    assert geo.locate("Quận 1, TP Hồ Chí Minh") is None


def test_attribute_answers(router):
    cats = router.categories
    ok, problems = check_attributes(
        cats.get("environment.pollution"), {"pollution_kind": "smoke"}, require=True
    )
    assert ok == {"pollution_kind": ["smoke"]} and problems == []
    _, problems = check_attributes(cats.get("environment.pollution"), {}, require=True)
    assert [p["path"] for p in problems] == ["props.attributes.pollution_kind"]
    assert check_attributes(cats.get("environment.pollution"), {})[1] == []
    _, problems = check_attributes(
        cats.get("traffic.road_damage"),
        {"damage": ["pothole", "crack"], "size_m": "big", "colour": "x"},
    )
    assert {p["path"].rsplit(".", 1)[1] for p in problems} == {"damage", "size_m", "colour"}
    ok, _ = check_attributes(
        cats.get("power.outage"), {"since": "2025-11-17T08:00:00+07:00", "households": "12"}
    )
    assert ok == {"since": "2025-11-17T08:00:00+07:00", "households": 12.0}
    assert check_attributes(cats.get("power.outage"), {"since": "yesterday"})[1]


def test_citizen_tokens_prove_one_report():
    tokens = CitizenTokens(b"k" * 32)
    case_id = "01a212db-5895-7326-90a4-6eb154919db6"
    token = tokens.issue(case_id)
    assert tokens.verify(token) == case_id and tokens.issue(case_id) == token
    assert tokens.verify(token[:-1] + ("0" if token[-1] != "0" else "1")) is None
    assert CitizenTokens(b"other").verify(token) is None
    assert tokens.verify("nonsense") is None and tokens.verify(None) is None


def test_the_documented_table_lists_every_action():

    doc = (ROOT / "docs" / "REPORTS.md").read_text("utf-8")
    for name in ACTIONS:
        assert f"`{name}`" in doc, name
