"""What the people feature keeps in the store, on both stores: keyed records added once and
taken once (one-time codes), tokens with an owner, a person's sessions revoked together, the
last use of tokens written in batches and never moved back."""
from __future__ import annotations

from server.core.auth import new_token
from server.store.base import SESSION_LABEL


def test_a_record_is_added_once_and_taken_once(store):
    assert store.record("person", "lan") is None
    assert store.add_record("person", "lan", {"name": "Lan"}, 1) is True
    assert store.add_record("person", "lan", {"name": "Other"}, 2) is False
    assert store.record("person", "lan") == {"name": "Lan"}
    assert store.take_record("person", "lan") == {"name": "Lan"}
    assert store.take_record("person", "lan") is None and store.record("person", "lan") is None


def _session(owner: str, role: str = "operator"):  # noqa: ANN202
    _, rec = new_token(role, label=SESSION_LABEL, ttl_s=3600)
    rec.owner, rec.extra = owner, {"kind": "session"}
    return rec


def test_a_persons_sessions_are_revoked_together_and_machines_kept(store):
    a1, a2, b = _session("lan"), _session("lan"), _session("binh")
    _, machine = new_token("operator", label="camera worker")
    machine.owner = "lan"
    for rec in (a1, a2, b, machine):
        store.save_token(rec)
    assert store.revoke_owned("lan", 5) == 2
    live = {r.id for r in store.list_tokens() if r.revoked_at is None}
    assert live == {b.id, machine.id}
    assert {r.id for r in store.list_tokens(sessions=False)} == {machine.id}
    assert store.token_by_hash(machine.hash).owner == "lan"
    assert store.revoke_owned("lan", 6, sessions_only=False) == 1


def test_the_last_use_is_written_and_never_moves_back(store):
    rec = _session("lan")
    store.save_token(rec)
    store.touch_tokens({rec.id: 2_000_000_000_000_000})
    store.touch_tokens({rec.id: 1_000_000_000_000_000, "no-such-token": 5})
    assert store.token_by_hash(rec.hash).last_used_at == 2_000_000_000_000_000
    store.touch_tokens({})
