"""``ioc users``: add (a one-time link, or the password from standard input), list without
hashes, disable and enable, reset; bad input is a usage error and changes nothing."""
from __future__ import annotations

import json

from click.testing import CliRunner

from server.cli import main
from server.features.people.passwords import check_password
from server.store import open_store
from server.core.timefmt import parse_offset
from tests.helpers.sync import in_thread


def _ioc(db: str, *args: str, stdin: str | None = None):  # noqa: ANN202
    """Run ``ioc users …`` in process (in a thread: the command starts an event loop)."""
    return in_thread(CliRunner().invoke, main, ["users", *args, "--db", db], input=stdin)


def _person(db: str, username: str) -> dict:
    store = open_store(db, parse_offset("+07:00"))
    try:
        return store.record("person", username)
    finally:
        store.close()


def test_users_add_list_disable_reset(tmp_path):
    db = f"sqlite:///{tmp_path / 'ioc.sqlite3'}"
    added = _ioc(db, "add", "lan.admin", "--role", "admin", "--name", "Nguyễn Thị Lan")
    assert added.exit_code == 0, added.output
    assert "/password#code=" in added.output and _person(db, "lan.admin")["password"] is None
    piped = _ioc(db, "add", "binh.op", "--role", "operator", "--password-stdin",
                 stdin="Hương Giang 2025\n")
    assert piped.exit_code == 0 and "#code=" not in piped.output, piped.output
    assert check_password(_person(db, "binh.op")["password"], "Hương Giang 2025")
    rows = [json.loads(line) for line in _ioc(db, "list").output.splitlines()]
    assert [(r["username"], r["role"], r["has_password"]) for r in rows] == [
        ("binh.op", "operator", True), ("lan.admin", "admin", False)]
    assert "password" not in rows[0] and "argon2" not in _ioc(db, "list").output
    assert _ioc(db, "disable", "binh.op").exit_code == 0
    assert _person(db, "binh.op")["enabled"] is False
    assert _ioc(db, "enable", "binh.op").exit_code == 0
    reset = _ioc(db, "reset", "binh.op")
    assert reset.exit_code == 0 and "/password#code=" in reset.output
    assert _person(db, "binh.op")["password"] is None


def test_bad_users_input_is_a_usage_error(tmp_path):
    db = f"sqlite:///{tmp_path / 'ioc.sqlite3'}"
    for args in (("add", "Bad Name", "--role", "operator"),
                 ("add", "xa.person", "--role", "agency"),
                 ("add", "xa.person", "--role", "agency", "--agency", "no-such-agency"),
                 ("disable", "nobody")):
        res = _ioc(db, *args)
        assert res.exit_code == 2 and "Error" in res.output, (args, res.output)
    assert _ioc(db, "list").output == ""
    weak = _ioc(db, "add", "binh.op", "--role", "operator", "--password-stdin", stdin="abc\n")
    assert weak.exit_code == 2 and "longer password" in weak.output
    assert _ioc(db, "list").output == ""  # nobody was added
