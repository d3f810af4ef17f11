"""The dispatcher: each node claims due messages from the outbox (a lease, so two nodes never
send one message at once and a node that died lets go), hands them to their channels in
batches at each channel's rate, and records what happened: sent; retried with back-off
(``IOC_NOTIFY_BACKOFF_S`` doubling up to ``IOC_NOTIFY_BACKOFF_MAX_S``); dead after
``IOC_NOTIFY_MAX_ATTEMPTS`` or when the channel says it never will go."""
from __future__ import annotations

import asyncio
import logging
from typing import Any

from server.core.errors import Unavailable
from server.core.timefmt import now_micros
from server.features.notify.channels.base import Channel, Outcome, failed_all
from server.features.notify.settings import NotifySettings
from server.store.base import OutboxItem, Settled

log = logging.getLogger(__name__)
S = 1_000_000


class Dispatcher:
    """Sends the outbox of ``core``'s store through ``channels`` (by name) as ``node``."""

    def __init__(self, core: Any, settings: NotifySettings, channels: dict[str, Channel],
                 node: str) -> None:
        self.core = core
        self.settings = settings
        self.channels = channels
        self.node = node

    async def run(self) -> None:
        """Dispatch until cancelled: a round at once when messages were due, else after
        ``notify_poll_s``; a store that is away is waited for."""
        while True:
            try:
                handled = await self.round()
            except Unavailable:
                handled = 0
            if not handled:
                await asyncio.sleep(self.settings.notify_poll_s)

    async def round(self) -> int:
        """Claim due messages, send them, record the outcomes; return how many were handled."""
        now = now_micros()
        until = now + int(self.settings.notify_lease_s * S)
        items = await self.core.write(self.core.store.claim, self.node, now, until,
                                      self.settings.notify_batch)
        if not items:
            return 0
        groups: dict[str, list[OutboxItem]] = {}
        for item in items:
            groups.setdefault(item.channel, []).append(item)
        results = await asyncio.gather(*(self._send(name, group) for name, group in
                                         groups.items()))
        settled = [self.settled(o, by_id) for outcomes, by_id in results for o in outcomes]
        await self.core.write(self.core.store.settle, self.node, settled, now_micros())
        return len(items)

    async def _send(self, name: str, items: list[OutboxItem]
                    ) -> tuple[list[Outcome], dict[int, OutboxItem]]:
        """Return the Outcomes of ``items`` sent through channel ``name`` in its batches, and
        the items by id."""
        by_id = {i.id: i for i in items}
        channel = self.channels.get(name)
        if channel is None:
            return failed_all(items, f"channel {name!r} is not configured on this server"), by_id
        outcomes: list[Outcome] = []
        for start in range(0, len(items), channel.max_batch):
            batch = items[start:start + channel.max_batch]
            await channel.pace(len(batch))
            try:
                outcomes += await channel.send(batch)
            except Exception as exc:  # noqa: BLE001 - a channel's bug must not stop the rest
                log.exception("channel %s failed a batch of %d", name, len(batch))
                outcomes += failed_all(batch, f"{type(exc).__name__} in the channel")
        return outcomes, by_id

    def settled(self, outcome: Outcome, by_id: dict[int, OutboxItem]) -> Settled:
        """Return what to record of ``outcome``: sent, dead (permanent, or the last attempt),
        or a retry after the back-off of its attempt."""
        if outcome.ok:
            return Settled(outcome.id, "sent")
        attempts = by_id[outcome.id].attempts + 1
        if outcome.permanent or attempts >= self.settings.notify_max_attempts:
            return Settled(outcome.id, "dead", outcome.error)
        delay = min(self.settings.notify_backoff_s * 2 ** (attempts - 1),
                    self.settings.notify_backoff_max_s)
        return Settled(outcome.id, "retry", outcome.error, now_micros() + int(delay * S))

    async def close(self) -> None:
        """Close the channels."""
        for channel in self.channels.values():
            await channel.close()


def channels_of(settings: NotifySettings) -> dict[str, Channel]:
    """Return the channels ``settings`` configure (SMS with ``sms_url``, e-mail with
    ``smtp_host``)."""
    from server.features.notify.channels.email import SmtpChannel
    from server.features.notify.channels.sms import SmsGateway
    out: dict[str, Channel] = {}
    if settings.sms_url:
        out["sms"] = SmsGateway(settings.sms_url, settings.sms_token, settings.sms_sender,
                                settings.sms_batch, settings.sms_rate_per_s,
                                settings.sms_timeout_s)
    if settings.smtp_host:
        out["email"] = SmtpChannel(settings.smtp_host, settings.smtp_port, settings.smtp_from,
                                   settings.smtp_user, settings.smtp_password,
                                   settings.smtp_starttls, rate_per_s=settings.smtp_rate_per_s)
    return out
