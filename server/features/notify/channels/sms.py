"""SMS through an HTTP gateway (brand-name SMS: how Vietnamese authorities reach phones). One
request carries a batch::

    POST {IOC_SMS_URL}   Authorization: Bearer {IOC_SMS_TOKEN}
    {"sender": "IOC-HUE", "messages": [{"id": KEY, "to": "+84…", "text": "…"}]}
    → 200 {"results": [{"id": KEY, "status": "accepted" | "rejected", "error": "…"}]}

``id`` is the outbox key: a gateway that keeps its request ids delivers a message sent twice
(a node killed between the gateway's answer and recording it) once. A message the gateway
rejects (a number that does not exist) is not retried; a failed request (a timeout, a 5xx,
a 429, a refused token) is, with back-off.
"""
from __future__ import annotations

import logging
from typing import Any

import httpx2
import orjson

from server.features.notify.channels.base import Channel, Outcome, failed_all
from server.store.base import OutboxItem

log = logging.getLogger(__name__)


class SmsGateway(Channel):
    """The HTTP SMS gateway of ``url``."""

    name = "sms"

    def __init__(self, url: str, token: str | None, sender: str, max_batch: int,
                 rate_per_s: float, timeout_s: float) -> None:
        super().__init__(max_batch, rate_per_s)
        self.url, self.token, self.sender, self.timeout_s = url, token, sender, timeout_s
        self._http: httpx2.AsyncClient | None = None

    async def send(self, items: list[OutboxItem]) -> list[Outcome]:
        """POST the batch; return an Outcome per item (see the module)."""
        body = {"sender": self.sender,
                "messages": [{"id": i.key, "to": i.address, "text": i.text} for i in items]}
        headers = {"Content-Type": "application/json"}
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        if self._http is None:
            self._http = httpx2.AsyncClient(timeout=self.timeout_s)
        try:
            answer = await self._http.post(self.url, content=orjson.dumps(body), headers=headers)
        except httpx2.HTTPError as exc:
            return failed_all(items, f"gateway not reached: {type(exc).__name__}")
        if answer.status_code != 200:
            return failed_all(items, f"gateway answered HTTP {answer.status_code}")
        try:
            results = orjson.loads(answer.content)["results"]
        except (ValueError, KeyError, TypeError):
            return failed_all(items, "gateway answered something else than its results")
        return outcomes_of(items, results)

    async def close(self) -> None:
        """Close the HTTP connections."""
        if self._http is not None:
            await self._http.aclose()
            self._http = None


def outcomes_of(items: list[OutboxItem], results: Any) -> list[Outcome]:
    """Return the Outcome of each item from the gateway's ``results`` (an item it did not
    mention failed, to be retried)."""
    by_key = {r.get("id"): r for r in results if isinstance(r, dict)} \
        if isinstance(results, list) else {}
    out = []
    for item in items:
        r = by_key.get(item.key)
        if r is None:
            out.append(Outcome(item.id, False, "the gateway did not answer for it"))
        elif r.get("status") == "accepted":
            out.append(Outcome(item.id, True))
        else:
            out.append(Outcome(item.id, False, str(r.get("error") or "rejected")[:200], True))
    return out
