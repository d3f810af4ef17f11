"""Replies on the chat platforms a citizen wrote from, one HTTP call per message (neither
platform takes batches):

- Zalo Official Account, customer-service message (within the platform's reply window)::

      POST {IOC_ZALO_API_URL}   access_token: {IOC_ZALO_ACCESS_TOKEN}
      {"recipient": {"user_id": …}, "message": {"text": …}}  →  {"error": 0, "data": {…}}

- Facebook Messenger, Send API (``messaging_type`` RESPONSE, within 24 h)::

      POST {IOC_MESSENGER_API_URL}   Authorization: Bearer {IOC_MESSENGER_PAGE_TOKEN}
      {"recipient": {"id": …}, "messaging_type": "RESPONSE", "message": {"text": …}}
      →  200 {"recipient_id", "message_id"}

A recipient the platform will not take (no longer following, outside the reply window) is not
retried; a platform that cannot be reached, or refuses our token, is.
"""
from __future__ import annotations

from typing import Any

import httpx2
import orjson

from server.features.notify.channels.base import Channel, Outcome
from server.store.base import OutboxItem

#: Zalo's errors that say the message can never go to this person (not following the OA,
#: outside the window, the user does not exist).
ZALO_PERMANENT = frozenset({-201, -213, -230, -232})
#: Messenger's error codes of the same kind (user unavailable, outside the window).
MESSENGER_PERMANENT = frozenset({10, 551, 2018001, 2018108, 2018278})


class HttpChat(Channel):
    """One POST per message to ``url`` with ``headers``."""

    def __init__(self, url: str, headers: dict[str, str], rate_per_s: float,
                 timeout_s: float) -> None:
        super().__init__(1, rate_per_s)
        self.url, self.headers, self.timeout_s = url, headers, timeout_s
        self._http: httpx2.AsyncClient | None = None

    async def send(self, items: list[OutboxItem]) -> list[Outcome]:
        """POST each item; return their Outcomes."""
        if self._http is None:
            self._http = httpx2.AsyncClient(timeout=self.timeout_s)
        out = []
        for item in items:
            try:
                answer = await self._http.post(self.url, content=orjson.dumps(self.body(item)),
                                               headers={"Content-Type": "application/json",
                                                        **self.headers})
            except httpx2.HTTPError as exc:
                out.append(Outcome(item.id, False, f"not reached: {type(exc).__name__}"))
                continue
            out.append(self.outcome(item, answer.status_code, _json(answer.content)))
        return out

    def body(self, item: OutboxItem) -> dict[str, Any]:
        """Return the request body of ``item``."""
        raise NotImplementedError

    def outcome(self, item: OutboxItem, status: int, doc: dict[str, Any]) -> Outcome:
        """Return the Outcome of the platform's answer."""
        raise NotImplementedError

    async def close(self) -> None:
        """Close the HTTP connections."""
        if self._http is not None:
            await self._http.aclose()
            self._http = None


class ZaloOA(HttpChat):
    """Zalo Official Account customer-service messages."""

    name = "zalo"

    def __init__(self, url: str, access_token: str, rate_per_s: float = 20.0,
                 timeout_s: float = 10.0) -> None:
        super().__init__(url, {"access_token": access_token}, rate_per_s, timeout_s)

    def body(self, item: OutboxItem) -> dict[str, Any]:
        """Return ``{"recipient": {"user_id"}, "message": {"text"}}``."""
        return {"recipient": {"user_id": item.address}, "message": {"text": item.text}}

    def outcome(self, item: OutboxItem, status: int, doc: dict[str, Any]) -> Outcome:
        """``error`` 0: sent; a permanent error: dead; anything else: retry."""
        error = doc.get("error")
        if status == 200 and error == 0:
            return Outcome(item.id, True)
        text = f"Zalo error {error}: {str(doc.get('message', ''))[:120]}" if error is not None \
            else f"Zalo answered HTTP {status}"
        return Outcome(item.id, False, text, error in ZALO_PERMANENT)


class Messenger(HttpChat):
    """Facebook Messenger's Send API."""

    name = "messenger"

    def __init__(self, url: str, page_token: str, rate_per_s: float = 20.0,
                 timeout_s: float = 10.0) -> None:
        super().__init__(url, {"Authorization": f"Bearer {page_token}"}, rate_per_s, timeout_s)

    def body(self, item: OutboxItem) -> dict[str, Any]:
        """Return the Send API's RESPONSE message to ``item.address`` (the page-scoped id)."""
        return {"recipient": {"id": item.address}, "messaging_type": "RESPONSE",
                "message": {"text": item.text}}

    def outcome(self, item: OutboxItem, status: int, doc: dict[str, Any]) -> Outcome:
        """200 with a ``message_id``: sent; a permanent error code: dead; else retry."""
        if status == 200 and doc.get("message_id"):
            return Outcome(item.id, True)
        err = doc.get("error") if isinstance(doc.get("error"), dict) else {}
        code, sub = err.get("code"), err.get("error_subcode")
        permanent = code in MESSENGER_PERMANENT or sub in MESSENGER_PERMANENT
        return Outcome(item.id, False, f"Messenger error {code}/{sub} (HTTP {status})",
                       permanent)


def _json(raw: bytes) -> dict[str, Any]:
    try:
        doc = orjson.loads(raw)
    except ValueError:
        return {}
    return doc if isinstance(doc, dict) else {}
