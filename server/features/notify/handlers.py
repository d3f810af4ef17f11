"""``GET /api/v1/notifications?source=&state=&before=&limit=``: what was sent to whom, when,
through which channel, and how it went (staff). Addresses are shown masked (the last three
digits of a phone, the domain of an e-mail): the desk needs to know a message went, not the
number."""
from __future__ import annotations

from typing import Any

from server.core import policy
from server.core.errors import NotFound, ValidationFailed, detail
from server.core.events import parse_model
from server.core.timefmt import now_micros, to_rfc3339
from server.features.notify import actions
from server.features.notify.push import PUSH_SUB, SubscriptionIn, sub_key, subscription_record
from server.store.base import OUTBOX_STATES, OutboxItem
from server.web.base import FeatureHandler


def masked(address: str) -> str:
    """Return ``address`` with all but its end hidden: ``•••••••123`` or ``•••@hue.gov.vn``."""
    if "@" in address:
        return "•••@" + address.rsplit("@", 1)[1]
    return "•" * max(0, len(address) - 3) + address[-3:]


def row(item: OutboxItem, tz: Any) -> dict[str, Any]:
    """Return the listing of one message (never its full address)."""
    return {"id": item.id, "topic": item.topic, "source": item.source, "channel": item.channel,
            "to": masked(item.address), "recipient": item.recipient, "lang": item.lang,
            "text": item.text, "state": item.state, "attempts": item.attempts,
            "created_at": to_rfc3339(item.created_at, tz),
            "sent_at": to_rfc3339(item.sent_at, tz) if item.sent_at else None,
            "next_at": to_rfc3339(item.next_at, tz) if item.state == "pending" else None,
            "last_error": item.last_error}


class NotificationsHandler(FeatureHandler):
    """``GET /api/v1/notifications``."""

    async def get(self) -> None:
        """Answer ``{"notifications": [row…], "counts": {"sent", "pending", "dead"},
        "next_before"}`` newest first."""
        policy.require(self.principal, actions.READ)
        state = self.get_query_argument_or_none("state")
        if state is not None and state not in OUTBOX_STATES:
            raise ValidationFailed("bad query", [detail("state", ", ".join(OUTBOX_STATES))])
        before, limit = self._int("before", None), self._int("limit", 100)
        items = await self.core.read(self.core.store.outbox_page, before, min(limit, 1000),
                                     self.get_query_argument_or_none("source"), state)
        self.set_header("Cache-Control", "no-store")
        self.write_json({"notifications": [row(i, self.core.tz) for i in items],
                         "next_before": items[-1].id if len(items) == limit else None})

    def _int(self, name: str, default: int | None) -> int | None:
        raw = self.get_query_argument_or_none(name)
        if raw is None:
            return default
        if not raw.isdigit() or not 0 < int(raw) < 2**62:
            raise ValidationFailed("bad query", [detail(name, "a positive whole number")])
        return int(raw)


class PushKeyHandler(FeatureHandler):
    """``GET /api/v1/push/key``: the server's VAPID public key (a browser subscribes with it)."""

    def get(self) -> None:
        """Answer ``{"public_key": base64url}`` (404 while Web Push is off)."""
        if self.feature.push_key is None:
            raise NotFound("Web Push is off on this server")
        self.write_json({"public_key": self.feature.push_key})


class SubscriptionsHandler(FeatureHandler):
    """``POST`` (subscribe) and ``DELETE`` (unsubscribe) ``/api/v1/push/subscriptions``."""

    async def post(self) -> None:
        """Keep this browser's subscription for the caller; answer 201 ``{"subscribed": true}``."""
        policy.require(self.principal, actions.SUBSCRIBE)
        sub = parse_model(SubscriptionIn, self.body_json(), "push subscription")
        doc = subscription_record(sub, self.principal, to_rfc3339(now_micros(), self.core.tz))
        await self.core.write(self.core.store.put_records, PUSH_SUB,
                              {sub_key(sub.endpoint): doc}, now_micros())
        self.write_json({"subscribed": True}, 201)

    async def delete(self) -> None:
        """Forget the subscription ``{"endpoint"}`` if it is the caller's; answer
        ``{"subscribed": false}``."""
        policy.require(self.principal, actions.SUBSCRIBE)
        body = self.body_json()
        endpoint = body.get("endpoint") if isinstance(body, dict) else None
        if not isinstance(endpoint, str):
            raise ValidationFailed("bad body", [detail("endpoint", "the subscription's address")])
        key = sub_key(endpoint)
        held = await self.core.read(self.core.store.record, PUSH_SUB, key)
        if held is None or held.get("actor") != self.principal.actor:
            raise NotFound("no such subscription of yours")
        await self.core.write(self.core.store.take_record, PUSH_SUB, key)
        self.write_json({"subscribed": False})


def routes(base: dict, feature: Any) -> list[tuple]:
    """Return the notification routes."""
    args = {**base, "feature": feature}
    return [(r"/api/v1/notifications", NotificationsHandler, args),
            (r"/api/v1/push/key", PushKeyHandler, args),
            (r"/api/v1/push/subscriptions", SubscriptionsHandler, args)]
