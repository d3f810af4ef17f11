"""``ioc export`` on each backend: GeoJSON, GeoPackage and CSV carry exactly the stored events,
streamed in chunks, with a progress bar; ``ioc db`` migrates and reports."""
from __future__ import annotations

import io
import json

import geopandas as gpd
import pandas as pd
import pytest
from click.testing import CliRunner

from server.cli import main
from server.core.events import wire_feature
from server.store import EventQuery
from server.store.migrate import head
from tests.helpers.store import new_event, scattered


@pytest.fixture
def stored(store) -> list[dict]:
    """25 stored events (the first copied to two agencies, with a deadline and Vietnamese props)."""
    first = new_event(0)
    first.copied_to, first.deadline = ["military", "civil_defence"], first.observed_at + 10**9
    first.props = {"description": "Sạt lở đất", "b": 1, "a": [1, 2]}
    store.append([first] + scattered(24))
    return store.since(0, EventQuery(), 100).events


def ioc(*args: str) -> "click.testing.Result":  # noqa: F821
    result = CliRunner().invoke(main, list(args), catch_exceptions=False)
    return result


def test_geojson_export_streams_the_wire_form(store_url, stored, tmp_path):
    out = tmp_path / "events.geojson"
    res = ioc("export", "--db", store_url, "--out", str(out), "--chunk", "7")
    assert res.exit_code == 0, res.output
    assert "25/25" in res.stderr and "exported 25 events" in res.stderr
    doc = json.loads(out.read_text(encoding="utf-8"))
    assert doc["type"] == "FeatureCollection"
    assert doc["features"] == [wire_feature(e) for e in stored]
    to_stdout = ioc("export", "--db", store_url, "--since", "20", "--no-progress")
    assert [f["properties"]["seq"] for f in json.loads(to_stdout.stdout_bytes)["features"]] == \
        [21, 22, 23, 24, 25]


def test_gpkg_export_filters_and_keeps_types(store_url, stored, tmp_path):
    out = tmp_path / "reports.gpkg"
    res = ioc("export", "--db", store_url, "--format", "gpkg", "--out", str(out),
              "--kind", "report", "--since", "3", "--chunk", "3")
    assert res.exit_code == 0, res.output
    want = [e for e in stored if e["kind"] == "report" and e["seq"] > 3]
    got = gpd.read_file(out, layer="events")
    assert got["id"].tolist() == [e["id"] for e in want] and got.crs.to_epsg() == 4326
    assert got.geometry.x.tolist() == [e["lon"] for e in want]
    assert got["cell"].tolist() == [e["cell"] for e in want]
    assert got["observed_at"].tolist() == [e["observed_at"] for e in want]
    assert got["copied_to"].tolist() == [",".join(e["copied_to"]) for e in want]


def test_csv_export_to_stdout(store_url, stored):
    res = ioc("export", "--db", store_url, "--format", "csv", "--chunk", "10")
    assert res.exit_code == 0, res.stderr
    df = pd.read_csv(io.StringIO(res.stdout), dtype=str, keep_default_na=False)
    assert df["id"].tolist() == [e["id"] for e in stored]
    assert df["received_at"].tolist() == [e["received_at"] for e in stored]
    assert df.loc[0, "copied_to"] == "military,civil_defence" and df.loc[1, "deadline"] == ""
    assert json.loads(df.loc[0, "props"]) == stored[0]["props"]
    assert df.loc[0, "props"] == '{"a":[1,2],"b":1,"description":"Sạt lở đất"}'
    assert [float(v) for v in df["lat"]] == [e["lat"] for e in stored]


def test_export_refuses_what_it_cannot_do(store_url):
    assert ioc("export", "--db", store_url, "--format", "gpkg").exit_code == 2
    bad = ioc("export", "--db", store_url, "--kind", "ufo")
    assert bad.exit_code == 2 and "report" in bad.stderr


def test_db_upgrade_and_current(empty_store_url):
    newest = head()
    assert f"schema empty (newest {newest})" in ioc("db", "current", "--db", empty_store_url).stdout
    assert f"schema empty → {newest}" in ioc("db", "upgrade", "--db", empty_store_url).stdout
    assert f"already at {newest}" in ioc("db", "upgrade", "--db", empty_store_url).stdout
    current = ioc("db", "current", "--db", empty_store_url).stdout
    assert f"schema {newest} (newest {newest})" in current
