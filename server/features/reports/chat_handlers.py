"""Chat channel webhooks: ``/api/v1/channels/{zalo,messenger}/webhook``. POST carries the
platform's signed payload; GET answers Messenger's subscription check."""
from __future__ import annotations

from server.features.reports.chat import ChatAdapter, ChatIntake
from server.web.base import BaseHandler


class WebhookHandler(BaseHandler):
    """One chat platform's webhook."""

    def initialize(self, core, ref, adapter: ChatAdapter,  # noqa: ANN001
                   intake: ChatIntake) -> None:
        """Receive the adapter and the shared chat intake."""
        super().initialize(core, ref)
        self.adapter = adapter
        self.intake = intake

    async def prepare(self) -> None:
        """Webhooks authenticate by signature, not by bearer token; limited by address."""
        self.adapter.require()
        self.limit_rate(None)

    def get(self) -> None:
        """Answer the subscription challenge as plain text."""
        query = {k: self.get_query_argument(k) for k in self.request.query_arguments}
        self.set_header("Content-Type", "text/plain; charset=utf-8")
        self.finish(self.adapter.handshake(query))

    async def post(self) -> None:
        """Verify, normalise and file; answer ``{"received": N, "replies": [...]}``."""
        body = self.request.body
        self.adapter.verify(body, self.request.headers, self.core.clock.now())
        messages = self.adapter.parse(body)
        base = f"{self.request.protocol}://{self.request.host}"
        replies = await self.intake.receive(messages, base)
        self.write_json({"received": len(messages), "replies": replies})


def routes(base: dict, intake: ChatIntake, adapters: dict[str, ChatAdapter]) -> list[tuple]:
    """Return one webhook route per chat adapter (``adapters``: name → adapter)."""
    return [(rf"/api/v1/channels/{name}/webhook", WebhookHandler,
             {**base, "adapter": adapter, "intake": intake})
            for name, adapter in adapters.items()]
