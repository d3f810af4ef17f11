"""Throw-away PostgreSQL databases for the tests (``IOC_TEST_PG`` names the server)."""
from __future__ import annotations

PG_SERVER = "postgresql+psycopg://postgres@127.0.0.1:5432"


def pg_admin(*statements: str) -> None:
    """Run statements on the ``postgres`` database outside a transaction (CREATE/DROP DATABASE)."""
    import os

    import psycopg
    server = os.environ.get("IOC_TEST_PG", PG_SERVER).replace("+psycopg", "")
    with psycopg.connect(f"{server}/postgres", autocommit=True) as conn:
        for sql in statements:
            conn.execute(sql)


def pg_url(name: str) -> str:
    """Return the store URL of database ``name`` on the test PostgreSQL server."""
    import os
    return f"{os.environ.get('IOC_TEST_PG', PG_SERVER)}/{name}"


def create_pg_database(template: str | None = None, prefix: str = "ioc_test_",
                       extension: bool = True) -> str:
    """Create a throw-away database ``<prefix><hex>`` (a copy of ``template`` if given, else empty
    with the postgis extension unless ``extension`` is False); return its name. Drop it with
    ``drop_pg_database``."""
    import secrets
    name = f"{prefix}{secrets.token_hex(6)}"
    pg_admin(f"CREATE DATABASE {name}" + (f" TEMPLATE {template}" if template else ""))
    if template is None and extension:
        import psycopg
        with psycopg.connect(pg_url(name).replace("+psycopg", ""), autocommit=True) as conn:
            conn.execute("CREATE EXTENSION postgis")
    return name


def drop_pg_database(name: str) -> None:
    """Drop a database made by ``create_pg_database`` (closing its connections)."""
    assert name.startswith(("ioc_test_", "ioc_tmpl_", "ioc_bench_")), name
    pg_admin(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
