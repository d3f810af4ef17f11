"""Spatial search: PostGIS points (GiST, and geography GiST for nearest-N), the communes of 2025 as
multipolygons; SQLite gets a (lat, lon) index for boxes and nearest-N. Both: copies by event.

Revision ID: 0002
Revises: 0001
Create Date: 2025-11-25
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from geoalchemy2 import Geometry

from server.store.migrations.coltypes import is_postgres

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

GENERATION = "communes-2025"


def _load_areas() -> None:
    import shapely
    from geo.areas import communes_2025
    rows = [{"g": GENERATION, "code": a.code, "name": a.name, "full": a.full_name, "type": a.type,
             "wkb": shapely.to_wkb(a.geometry)} for a in communes_2025().areas]
    op.get_bind().execute(sa.text(
        "INSERT INTO areas (generation, code, name, full_name, type, geom) "
        "VALUES (:g, :code, :name, :full, :type, ST_Multi(ST_GeomFromWKB(:wkb, 4326)))"), rows)


def _postgis() -> None:
    op.execute("CREATE EXTENSION IF NOT EXISTS postgis")
    op.add_column("events", sa.Column(
        "geom", Geometry("POINT", 4326, spatial_index=False),
        sa.Computed("ST_SetSRID(ST_MakePoint(lon, lat), 4326)", persisted=True), nullable=False))
    op.create_index("events_geom", "events", ["geom"], postgresql_using="gist")
    op.create_index("events_geog", "events", [sa.text("geography(geom)")], postgresql_using="gist")
    op.create_table(
        "areas",
        sa.Column("generation", sa.Text(), nullable=False),
        sa.Column("code", sa.Text(), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("full_name", sa.Text(), nullable=False),
        sa.Column("type", sa.Text(), nullable=False),
        sa.Column("geom", Geometry("MULTIPOLYGON", 4326, spatial_index=False), nullable=False),
        sa.PrimaryKeyConstraint("generation", "code"))
    op.create_index("areas_geom", "areas", ["geom"], postgresql_using="gist")
    _load_areas()


def upgrade() -> None:
    """Add the spatial columns and indexes of each dialect."""
    op.create_index("event_copies_event", "event_copies", ["event_id"])
    if is_postgres():
        _postgis()
    else:
        op.create_index("events_lat_lon", "events", ["lat", "lon"])


def downgrade() -> None:
    """Drop them again (the postgis extension stays: other schemas may use it)."""
    if is_postgres():
        op.drop_table("areas")
        op.drop_index("events_geog", "events")
        op.drop_index("events_geom", "events")
        op.drop_column("events", "geom")
    else:
        op.drop_index("events_lat_lon", "events")
    op.drop_index("event_copies_event", "event_copies")
