"""The audit trail (append-only on both stores, privileged requests recorded in batches, export by
API and CLI) and tokens (listed without secrets, revoked by API and CLI, expiry and revocation
effective at once despite the auth cache)."""
from __future__ import annotations

import csv
import io
import json
import time

import pytest
import sqlalchemy as sa
from click.testing import CliRunner

from server.cli import main
from server.store import open_store
from server.store.base import AuditEntry
from server.core.timefmt import parse_offset


@pytest.fixture
def server(app_server):
    """In process: these handlers answer plain requests, no port is opened."""
    return app_server


TZ = parse_offset("+07:00")


def test_audit_is_append_only_in_the_database(store_url):
    store = open_store(store_url, TZ)
    try:
        store.record_audits([AuditEntry("access", "t1", "admin", data={"path": "/a"}),
                             AuditEntry("access", "t2", "operator", data={"path": "/b"})])
        rows = store.audit_page(0, 0, 10)
        assert [(e.actor, e.data["path"]) for _, e in rows] == [("t1", "/a"), ("t2", "/b")]
        assert store.audit_page(rows[0][0], 0, 10)[0][1].actor == "t2"
        assert store.audit_page(0, rows[1][1].at + 1, 10) == []
    finally:
        store.close()
    engine = sa.create_engine(store_url)
    try:
        for sql in ("UPDATE audit SET role = 'x'", "DELETE FROM audit"):
            with pytest.raises(sa.exc.DBAPIError, match="append-only"):
                with engine.begin() as conn:
                    conn.execute(sa.text(sql))
        with engine.connect() as conn:
            assert conn.execute(sa.text("SELECT count(*) FROM audit")).scalar() == 2
    finally:
        engine.dispose()


def _audit(srv, token: str, fmt: str = "jsonl", since: str | None = None):
    q = f"?format={fmt}" + (f"&since={since}" if since else "")
    return srv.http("GET", srv.url + "/api/v1/audit" + q, token=token)


def test_privileged_requests_are_recorded_and_exported(server):
    admin, operator, wall = server.token("admin"), server.token("operator"), server.token("wall")
    assert server.http("GET", server.url + "/api/v1/kpis", token=operator).status == 200
    assert server.http("GET", server.url + "/api/v1/kpis", token=wall).status == 200
    assert server.http("GET", server.url + "/api/v1/tokens", token=operator).status == 403
    res = _audit(server, admin)
    assert res.status == 200 and res.headers["Content-Type"].startswith("application/jsonl")
    rows = [json.loads(line) for line in res.raw.decode().splitlines()]
    access = [(r["role"], r["data"]["method"], r["data"]["path"], r["data"]["status"])
              for r in rows if r["action"] == "access"]
    assert ("operator", "GET", "/api/v1/kpis", 200) in access
    assert ("operator", "GET", "/api/v1/tokens", 403) in access
    assert not [a for a in access if a[0] == "wall"]
    ids = {t["id"]: t["role"] for t in server.http("GET", server.url + "/api/v1/tokens",
                                              token=admin).body["tokens"]}
    assert {r["actor"] for r in rows if r["role"] == "operator"} <= set(ids)
    table = list(csv.DictReader(io.StringIO(_audit(server, admin, "csv").raw.decode())))
    assert {r["action"] for r in table} >= {"access"} and json.loads(table[0]["data"])
    assert _audit(server, admin, "csv", "2999-01-01T00:00:00Z").raw.decode().count("\n") == 1
    bad = _audit(server, admin, "xml")
    assert bad.status == 400 and bad.body["error"]["details"][0]["path"] == "format"
    assert _audit(server, admin, since="yesterday").status == 400
    assert _audit(server, operator).status == 403 and _audit(server, None).status == 401


def test_access_entries_are_written_in_batches(server):
    operator = server.token("operator")
    before = server.call(server.core.read(server.core.store.audit_page, 0, 0, 10_000))
    for _ in range(20):
        server.http("GET", server.url + "/api/v1/categories", token=operator)
    pending = server.core.access.pending
    assert pending > 0  # queued, not one insert per request
    server.call(server.core.access.flush())
    after = server.call(server.core.read(server.core.store.audit_page, 0, 0, 10_000))
    assert len(after) - len(before) >= 20


def test_token_list_has_no_secret_and_revocation_is_immediate(server):
    admin = server.token("admin")
    victim = server.core.create_token("operator", label="victim")
    assert server.http("GET", server.url + "/api/v1/kpis", token=victim).status == 200  # now cached
    listing = server.http("GET", server.url + "/api/v1/tokens", token=admin)
    assert listing.status == 200
    assert victim not in listing.raw.decode()
    assert "hash" not in listing.raw.decode()
    row = next(t for t in listing.body["tokens"] if t["label"] == "victim")
    assert row["state"] == "live" and row["role"] == "operator"
    by_victim = server.http("DELETE", server.url + f"/api/v1/tokens/{row['id']}", token=victim)
    assert by_victim.status == 403
    res = server.http("DELETE", server.url + f"/api/v1/tokens/{row['id']}", token=admin)
    assert res.status == 200 and res.body == {"revoked": row["id"]}
    assert server.http("GET", server.url + "/api/v1/kpis", token=victim).status == 401
    again = server.http("DELETE", server.url + f"/api/v1/tokens/{row['id']}", token=admin)
    assert again.status == 404
    states = {t["id"]: t["state"] for t in server.http("GET", server.url + "/api/v1/tokens",
                                                token=admin).body["tokens"]}
    assert states[row["id"]] == "revoked"


def test_expiry_takes_effect_despite_the_cache(server):
    short = server.core.create_token("operator", label="short", ttl_s=1.0)
    assert server.http("GET", server.url + "/api/v1/kpis", token=short).status == 200  # cached 30 s
    time.sleep(1.2)
    res = server.http("GET", server.url + "/api/v1/kpis", token=short)
    assert res.status == 401 and "expired" in res.body["error"]["message"]


def _ioc(*args: str, db: str):  # noqa: ANN202 - click's Result
    """Run ``ioc ARGS --db DB`` in this process; return its Result (exit_code, stdout, stderr)."""
    return CliRunner().invoke(main, [*args, "--db", db], catch_exceptions=False)


def test_cli_lists_revokes_and_exports(tmp_path):
    db = f"sqlite:///{tmp_path / 'cli.sqlite3'}"
    secret = _ioc("token", "create", "--role", "operator", "--label", "desk", db=db).stdout.strip()
    listed = [json.loads(line) for line in _ioc("token", "list", db=db).stdout.splitlines()]
    assert len(listed) == 1 and listed[0]["label"] == "desk" and secret not in json.dumps(listed)
    store = open_store(db, TZ)
    store.record_audit(AuditEntry("access", listed[0]["id"], "operator",
                                  data={"method": "GET", "path": "/x", "status": 200}))
    store.close()
    out = _ioc("audit", "export", "--format", "csv", db=db)
    rows = list(csv.DictReader(io.StringIO(out.stdout)))
    assert out.exit_code == 0 and rows[0]["actor"] == listed[0]["id"], out.output
    target = tmp_path / "audit.jsonl"
    assert _ioc("audit", "export", "--out", str(target), db=db).exit_code == 0
    assert json.loads(target.read_text().splitlines()[0])["data"]["path"] == "/x"
    assert _ioc("audit", "export", "--since", "2999-01-01T00:00:00Z", db=db).output == ""
    assert _ioc("audit", "export", "--since", "soon", db=db).exit_code == 2
    assert _ioc("token", "revoke", "--id", listed[0]["id"], db=db).exit_code == 0
    assert json.loads(_ioc("token", "list", db=db).stdout)["state"] == "revoked"
    again = _ioc("token", "revoke", "--id", listed[0]["id"], db=db)
    assert again.exit_code != 0 and "no live token" in again.output
    assert _ioc("token", "revoke", db=db).exit_code == 2


def test_the_access_log_never_shows_a_token(make_server, caplog):
    """On a real port (the access log is the HTTP server's, the websocket needs a socket)."""
    import logging

    from tests.helpers import http, open_ws, subscribe
    server = make_server()
    caplog.set_level(logging.INFO, logger="tornado.access")
    wall = server.token("wall")
    with open_ws(server, wall) as ws:
        subscribe(ws)
    assert http("GET", f"{server.url}/api/v1/events?since=0&token={wall}").status == 401
    http("GET", f"{server.url}/api/v1/reports/chat/messenger?hub.mode=subscribe"
                "&hub.verify_token=s3cr3t-verify&hub.challenge=42")
    http("GET", f"{server.url}/api/v1/kpis?api_key=k3y-value&since=0", token=wall)
    time.sleep(0.2)  # the websocket's line is written when its handshake finishes
    lines = [r.getMessage() for r in caplog.records if r.name == "tornado.access"]
    assert any("/ws?token=[redacted]" in line for line in lines), lines
    assert any("since=0" in line for line in lines)  # other values stay readable
    text = "\n".join(lines)
    for secret in (wall, wall.removeprefix("ioc_"), "s3cr3t-verify", "k3y-value"):
        assert secret not in text
