"""The agency registry and the category rules: they load, validate, refuse broken data, and
categories route as docs/ROUTING.md says."""
from __future__ import annotations

import json
import shutil

import pytest

from geo.agencies import AGENCIES_DIR, IOC_TRIAGE, AgencyRegistry
from geo.areas import Generations
from geo.categories import CATEGORIES_DIR, CategoryRegistry
from geo.rules import RegistryError, RoutingRules

PHU_XUAN = (16.4728, 107.5790)      # 19753, a central ward (HEPCO, Bắc Sông Hương)
THUAN_HOA = (16.4637, 107.5909)     # 19789, south bank (Nam Sông Hương)
PHU_VINH = (16.4582, 107.7747)      # 19945, rural commune of the former Phú Vang district
AT_SEA = (16.8, 107.9)
EMERGENCY_KINDS = {"sos", "hotline_call", "rescue", "flood_road"}


def test_registry_loads_and_every_agency_has_an_area_or_a_parent(router):
    agencies = router.agencies.all()
    assert all(a.area or a.parent for a in agencies)
    assert all(a.vi and a.en and a.type and a.level for a in agencies)
    by_type = {}
    for a in agencies:
        by_type.setdefault(a.type, []).append(a)
    assert len([a for a in by_type["commune_committee"] if a.level == "commune"]) == 40
    assert len([a for a in by_type["police_order"] if a.level == "commune"]) == 40
    assert len([a for a in by_type["commune_committee"] if a.level == "district"]) == 9
    assert len([a for a in by_type["power"] if a.level == "branch"]) == 10
    for t in ("ioc", "construction", "agriculture_environment", "health", "education",
              "culture_tourism", "police_traffic", "military", "civil_defence", "border_guard",
              "hydromet", "water", "sanitation", "urban_works", "telecom"):
        assert t in by_type, t
    areas = router.agencies.service_areas
    assert areas["sa-power-phu-vang"].illustrative and not areas["sa-water-huewaco"].illustrative


def test_every_category_routes_somewhere_in_every_generation_and_area(router):
    rules = router.rules
    assert len(rules.categories) >= 80
    for g, gen in enumerate(router.generations.sets):
        assert rules.primary[g].shape == (len(rules.categories) + 1, len(gen.areas) + 1)
        for c, cat in enumerate(rules.categories):
            acting = {r.agency_id for r in rules.resolved[g][c][1:]}
            assert cat.agency_type in (None, "ioc") or IOC_TRIAGE not in acting, (gen, cat.code)
    assert {r.agency_id for r in rules.resolved[1][-1]} == {IOC_TRIAGE}


def test_categories_have_labels_kinds_and_the_emergency_codes(router):
    cats = {c.code: c for c in router.categories.all()}
    assert all(c.vi and c.en and c.kinds for c in cats.values())
    emergency = [c for c in cats.values() if set(c.kinds) & EMERGENCY_KINDS]
    assert {k for c in emergency for k in c.kinds} >= EMERGENCY_KINDS
    for code in ("sos.medical", "sos.labour", "sos.trapped", "rescue.evacuation",
                 "flood.road_flooded", "hotline.information"):
        assert code in cats
    assert all(c.copy_types for c in cats.values() if c.domain in ("sos", "rescue"))
    assert {d["code"] for d in router.categories.domains} >= {c.domain for c in cats.values()}


@pytest.mark.parametrize("point,category,agency,copies", [
    (PHU_VINH, "water.leak", "huewaco", ()),
    (PHU_VINH, "power.outage", "pc-hue-phu-vang", ()),
    (THUAN_HOA, "power.outage", "pc-hue-nam-song-huong", ()),
    (PHU_XUAN, "power.hazard", "pc-hue-bac-song-huong", ()),
    (THUAN_HOA, "environment.waste", "hepco", ()),
    (PHU_VINH, "environment.waste", "ubnd-19945", ()),
    (PHU_XUAN, "urban_order.streetlight", "hepco-works", ()),
    (THUAN_HOA, "traffic.violation", "ca-hue-csgt", ()),
    (THUAN_HOA, "security.theft", "ca-19789", ()),
    (PHU_VINH, "sos.trapped", "ubnd-19945",
     ("bchqs-hue", "bch-ptds-hue", "ca-19945", "ca-hue-pccc")),
    (PHU_VINH, "sos.labour", "ubnd-19945", ("cc115-hue", "bch-ptds-hue")),
    (AT_SEA, "sos.trapped", "bdbp-hue", ("bchqs-hue", "bch-ptds-hue", "ca-hue-pccc")),
    (AT_SEA, "environment.waste", IOC_TRIAGE, ()),
    (THUAN_HOA, "flood.road_flooded", "ubnd-19789", ("ca-hue-csgt", "so-xd")),
    (THUAN_HOA, "administration.procedure", IOC_TRIAGE, ()),
    (THUAN_HOA, "not.a_category", IOC_TRIAGE, ()),
])
def test_categories_route_as_documented(router, point, category, agency, copies):
    route = router.route(*point, category)
    assert (route.agency_id, route.copied_to) == (agency, copies)
    assert route.generation == "communes-2025"


def test_service_areas_of_the_2019_districts_are_derived_by_overlap(router):
    before = 1_500_000_000_000_000  # 2017
    assert router.route(*THUAN_HOA, "environment.waste", before).agency_id == "hepco"
    assert router.route(*PHU_VINH, "environment.waste", before).agency_id == "ubnd-478"
    assert router.route(*PHU_VINH, "power.outage", before).agency_id == "pc-hue-phu-vang"
    assert router.route(*PHU_VINH, "security.theft", before).agency_id == "ca-478"


def broken_copy(tmp_path, edit):
    """Copy the shipped agencies and categories, apply ``edit(agencies_dir, categories_dir)``."""
    agencies, categories = tmp_path / "agencies", tmp_path / "categories"
    shutil.copytree(AGENCIES_DIR, agencies)
    shutil.copytree(CATEGORIES_DIR, categories)
    edit(agencies, categories)
    return AgencyRegistry.load(agencies), CategoryRegistry.load(categories)


def rewrite(path, change):
    doc = json.loads(path.read_text(encoding="utf-8"))
    change(doc)
    path.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")


def test_a_broken_registry_is_refused_with_every_problem(tmp_path):
    def edit(agencies, categories):
        def city(doc):
            doc["agencies"].append({"id": "orphan", "vi": "x", "en": "x", "type": "health",
                                    "level": "city"})
            doc["agencies"].append({"id": "loose", "vi": "x", "en": "x", "type": "military",
                                    "level": "city", "parent": "nobody", "area": "city"})
        rewrite(agencies / "city.json", city)
        rewrite(categories / "reports.json",
                lambda d: d["categories"][0]["route"].update(agency_type="wizards"))
        rewrite(agencies / "communes_2025.json", lambda d: d["agencies"].pop(0))
    agencies, categories = broken_copy(tmp_path, edit)
    with pytest.raises(RegistryError) as err:
        RoutingRules(categories, agencies, Generations.load())
    text = "\n".join(err.value.problems)
    assert "orphan has neither an area nor a parent" in text
    assert "loose has an unknown parent 'nobody'" in text
    assert "two units of type military serve" in text
    assert "routes to unknown agency type 'wizards'" in text
    assert "reaches no unit in 1 area(s), e.g. 19753" in text


def test_the_shipped_registry_has_no_problems(router):
    codes = {a.code for s in router.generations.sets for a in s.areas}
    assert router.agencies.problems(codes) == []
