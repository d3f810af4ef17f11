"""The schema history: empty → head → base → head on a real PostGIS, models equal to what the
migrations build, nodes migrating at once, the areas layer agreeing with the router, and a
SQLite store made before migrations adopted."""
from __future__ import annotations

import sqlite3
import threading

import numpy as np
import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from server.store import EventQuery, migrate, open_store, schema
from server.core.timefmt import parse_offset
from tests.helpers.store import new_event

TZ = parse_offset("+07:00")
POSTGIS_OWN = {"spatial_ref_sys"}


@pytest.fixture
def empty_pg(empty_pg_database):
    """An engine on an empty PostgreSQL database without postgis (the migration adds it)."""
    engine = migrate.engine_for(empty_pg_database)
    yield engine
    engine.dispose()


def _tables(engine: sa.Engine) -> set[str]:
    with engine.connect() as conn:
        return set(sa.inspect(conn).get_table_names()) - POSTGIS_OWN - {"alembic_version"}


def test_postgis_from_empty_to_head_and_back(empty_pg):
    assert migrate.upgrade(empty_pg) == (None, migrate.head())
    assert _tables(empty_pg) == set(schema.Base.metadata.tables)
    with empty_pg.connect() as conn:
        gist = set(conn.execute(sa.text(
            "SELECT indexname FROM pg_indexes WHERE indexdef LIKE '%USING gist%'")).scalars())
        areas = conn.execute(sa.text(
            "SELECT count(*), bool_and(ST_IsValid(geom)), min(GeometryType(geom)), "
            "min(ST_SRID(geom)) FROM areas WHERE generation = 'communes-2025'")).one()
        cell_index = conn.execute(sa.text(
            "SELECT indexdef FROM pg_indexes WHERE indexname = 'events_cell'")).scalar_one()
    assert {"events_geom", "events_geog", "areas_geom"} <= gist
    assert tuple(areas) == (40, True, "MULTIPOLYGON", 4326) and "btree (cell)" in cell_index
    assert migrate.downgrade(empty_pg, "base") == (migrate.head(), None)
    assert _tables(empty_pg) == set()
    migrate.upgrade(empty_pg)
    assert _tables(empty_pg) == set(schema.Base.metadata.tables)


def test_models_match_the_migrated_schema(empty_pg):
    migrate.upgrade(empty_pg)
    with empty_pg.connect() as conn:
        ctx = MigrationContext.configure(conn, opts={"compare_type": True,
                                                     "compare_server_default": True})
        diff = [d for d in compare_metadata(ctx, schema.Base.metadata)
                if not (d[0] == "remove_table" and d[1].name in POSTGIS_OWN)]
    assert diff == []


def test_nodes_starting_together_migrate_once(empty_pg):
    errors: list[BaseException] = []

    def start_node() -> None:
        try:
            open_store(str(empty_pg.url.render_as_string(hide_password=False)), TZ).close()
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    nodes = [threading.Thread(target=start_node) for _ in range(3)]
    for n in nodes:
        n.start()
    for n in nodes:
        n.join(120)
    assert errors == []
    with empty_pg.connect() as conn:
        assert migrate.current(conn) == migrate.head()
        assert conn.execute(sa.text("SELECT count(*) FROM areas")).scalar_one() == 40


def test_postgis_areas_agree_with_the_router(pg_database, router):
    rng = np.random.default_rng(3)
    lat, lon = 16.0 + rng.random(3000) * 0.8, 107.0 + rng.random(3000) * 1.0
    routed = [r.area for r in router.route_many(lat, lon, ["environment.waste"] * len(lat))]
    engine = sa.create_engine(pg_database)
    with engine.connect() as conn:
        found = dict(conn.execute(sa.text(
            "SELECT p.i, a.code FROM unnest(CAST(:lat AS float8[]), CAST(:lon AS float8[])) "
            "WITH ORDINALITY AS p(lat, lon, i) JOIN areas a "
            "ON ST_Intersects(a.geom, ST_SetSRID(ST_MakePoint(p.lon, p.lat), 4326))"),
            {"lat": lat.tolist(), "lon": lon.tolist()}).all())
    engine.dispose()
    inside = [i for i, area in enumerate(routed) if area is not None]
    assert len(inside) > 1000
    assert [found.get(i + 1) for i in range(len(lat))] == routed


def test_sqlite_store_made_before_migrations_is_adopted(tmp_path):
    path = tmp_path / "old.sqlite3"
    engine = migrate.engine_for(f"sqlite:///{path}")
    migrate.upgrade(engine, migrate.SKELETON_REVISION)
    engine.dispose()
    with sqlite3.connect(path) as conn:  # what the walking skeleton left: tables, no version
        conn.execute("DROP TABLE alembic_version")
    store = open_store(f"sqlite:///{path}", TZ)
    try:
        assert store.append([new_event(1)]).events[0]["seq"] == 1
        assert store.nearest(16.46, 107.59, 1, EventQuery())[0]["seq"] == 1
    finally:
        store.close()
    with sqlite3.connect(path) as conn:
        version = conn.execute("SELECT version_num FROM alembic_version").fetchone()[0]
        assert version == migrate.head()
        indexes = {r[0] for r in
                   conn.execute("SELECT name FROM sqlite_master WHERE type = 'index'")}
    assert {"events_lat_lon", "event_copies_event"} <= indexes
