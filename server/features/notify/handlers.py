"""``GET /api/v1/notifications?source=&state=&before=&limit=``: what was sent to whom, when,
through which channel, and how it went (staff). Addresses are shown masked (the last three
digits of a phone, the domain of an e-mail): the desk needs to know a message went, not the
number."""
from __future__ import annotations

from typing import Any

from server.core import policy
from server.core.errors import ValidationFailed, detail
from server.core.timefmt import to_rfc3339
from server.features.notify import actions
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


def routes(base: dict, feature: Any) -> list[tuple]:
    """Return the notification routes."""
    return [(r"/api/v1/notifications", NotificationsHandler, {**base, "feature": feature})]
