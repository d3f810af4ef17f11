"""The outbox on both stores: enqueued once per key, claimed by one node at a time (a lapsed
claim is taken over), settled only by its holder, retried at its time, dead-lettered, listed and
counted."""
from __future__ import annotations

from server.store.base import OutboxItem, Settled

T0 = 1_800_000_000_000_000
S = 1_000_000


def _item(n: int, **kw) -> OutboxItem:  # noqa: ANN003
    return OutboxItem(key=f"w1:c{n}:sms", topic="warning", channel="sms", address=f"+8490{n:07d}",
                      text="Cảnh báo lũ", source="w1", recipient=f"c{n}", **kw)


def test_each_key_is_enqueued_once(store):
    assert store.enqueue([_item(1), _item(2)], T0) == 2
    assert store.enqueue([_item(2), _item(3)], T0 + S) == 1
    assert [i.recipient for i in store.outbox_page(None, 10)] == ["c3", "c2", "c1"]


def test_two_nodes_never_hold_one_message_and_a_lapsed_claim_is_taken_over(store):
    store.enqueue([_item(n) for n in range(5)], T0)
    a = store.claim("a", T0, T0 + 30 * S, 3)
    b = store.claim("b", T0, T0 + 60 * S, 10)
    assert len(a) == 3 and len(b) == 2 and not {i.id for i in a} & {i.id for i in b}
    assert a[0].address == "+84900000000" and a[0].data == {} and a[0].claimed_by == "a"
    assert store.claim("b", T0 + 10 * S, T0 + 40 * S, 10) == []  # a's claim holds
    taken = store.claim("b", T0 + 31 * S, T0 + 60 * S, 10)  # a died: its claim lapsed
    assert {i.id for i in taken} == {i.id for i in a}
    assert store.settle("a", [Settled(a[0].id, "sent")], T0 + 32 * S) == 0  # no longer a's


def test_settled_messages_are_sent_retried_at_their_time_or_dead(store):
    store.enqueue([_item(n) for n in range(3)], T0)
    one, two, three = store.claim("a", T0, T0 + 30 * S, 10)
    assert store.settle("a", [Settled(one.id, "sent"), Settled(two.id, "retry", "HTTP 500",
                                                                 T0 + 5 * S),
                              Settled(three.id, "dead", "invalid number")], T0 + S) == 3
    assert store.claim("a", T0 + 2 * S, T0 + 30 * S, 10) == []  # the retry is not due yet
    again = store.claim("a", T0 + 5 * S, T0 + 30 * S, 10)
    assert [(i.id, i.attempts, i.last_error) for i in again] == [(two.id, 1, "HTTP 500")]
    sent = store.outbox_page(None, 10, state="sent")
    assert [(i.id, i.sent_at, i.attempts) for i in sent] == [(one.id, T0 + S, 1)]
    assert [i.last_error for i in store.outbox_page(None, 10, state="dead")] == ["invalid number"]
    assert store.outbox_counts(T0) == {("warning", "sms", "sent"): 1,
                                       ("warning", "sms", "pending"): 1,
                                       ("warning", "sms", "dead"): 1}
    assert store.outbox_counts(T0 + S) == {}
    assert [i.id for i in store.outbox_page(two.id, 10, source="w1")] == [one.id]
