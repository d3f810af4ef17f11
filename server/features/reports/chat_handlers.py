"""Chat channel webhooks: ``/api/v1/channels/{zalo,messenger}/webhook``. POST carries the
platform's signed payload; GET answers Messenger's subscription check."""
from __future__ import annotations

from server.features.reports.chat import CHAT_ADAPTERS, ChatAdapter, ChatIntake
from server.web.base import BaseHandler
from server.features.reports.handlers import desk_of


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
        replies = await self.intake.receive(messages)
        self.write_json({"received": len(messages), "replies": replies})


def routes(ctx: dict) -> list[tuple]:
    """Return one webhook route per chat adapter."""
    settings = ctx["core"].settings
    intake = ChatIntake(desk_of(ctx), settings)
    return [(rf"/api/v1/channels/{name}/webhook", WebhookHandler,
             {"core": ctx["core"], "ref": ctx["ref"], "adapter": cls(settings), "intake": intake})
            for name, cls in CHAT_ADAPTERS.items()]
