"""Web Push to staff browsers and the responder tablets: the message encrypted for the
subscription (RFC 8291, ``aes128gcm``) and signed with the server's VAPID key (RFC 8292), POSTed
to the browser's push service (pywebpush). A subscription the push service no longer knows (404,
410) is not retried; a push service that fails or throttles is.

The VAPID key is ``IOC_VAPID_PRIVATE_KEY`` (PEM), else one made once in the data folder
(``vapid.pem``, readable by the server's user only)."""
from __future__ import annotations

import base64
import logging
import os
from pathlib import Path
from typing import Any

import orjson
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from py_vapid import Vapid
from pywebpush import WebPushException, webpush_async

from server.features.notify.channels.base import Channel, Outcome
from server.store.base import OutboxItem

log = logging.getLogger(__name__)
KEY_FILE = "vapid.pem"
#: Push services' answers that say the subscription is gone for good.
GONE = frozenset({404, 410})


def load_vapid(pem: str | None, data_dir: Path) -> Vapid:
    """Return the server's VAPID key: ``pem`` (IOC_VAPID_PRIVATE_KEY), else the one kept in
    ``data_dir`` (made once)."""
    if pem:
        return Vapid.from_pem(pem.encode())
    path = Path(data_dir) / KEY_FILE
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return Vapid.from_pem(path.read_bytes())
    key = ec.generate_private_key(ec.SECP256R1())
    with os.fdopen(fd, "wb") as fh:
        fh.write(key.private_bytes(serialization.Encoding.PEM,
                                   serialization.PrivateFormat.PKCS8,
                                   serialization.NoEncryption()))
    log.info("generated a VAPID key in %s (set IOC_VAPID_PRIVATE_KEY in production)", path)
    return Vapid.from_pem(path.read_bytes())


def public_key(vapid: Vapid) -> str:
    """Return the VAPID public key as the browser's ``applicationServerKey`` wants it: the
    uncompressed point, base64url without padding."""
    raw = vapid.public_key.public_bytes(serialization.Encoding.X962,
                                        serialization.PublicFormat.UncompressedPoint)
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


class WebPush(Channel):
    """Pushes to the subscription in each item's ``address`` (its JSON: endpoint and keys)."""

    name = "push"

    def __init__(self, vapid: Vapid, subject: str, rate_per_s: float = 50.0,
                 timeout_s: float = 10.0, ttl_s: int = 3600) -> None:
        super().__init__(20, rate_per_s)
        self.vapid, self.subject, self.timeout_s, self.ttl_s = vapid, subject, timeout_s, ttl_s

    async def send(self, items: list[OutboxItem]) -> list[Outcome]:
        """Push each item; return their Outcomes."""
        return [await self._one(item) for item in items]

    async def _one(self, item: OutboxItem) -> Outcome:
        try:
            subscription = orjson.loads(item.address)
        except ValueError:
            return Outcome(item.id, False, "not a push subscription", True)
        payload = orjson.dumps({"title": item.data.get("title") or "IOC Huế",
                                "body": item.text, "url": item.data.get("url", "/"),
                                "tag": item.key, "urgent": bool(item.data.get("urgent"))})
        try:
            await webpush_async(subscription, payload.decode(), vapid_private_key=self.vapid,
                                vapid_claims={"sub": self.subject}, timeout=self.timeout_s,
                                ttl=self.ttl_s,
                                headers={"Urgency": "high" if item.data.get("urgent")
                                         else "normal"})
        except WebPushException as exc:
            status = getattr(exc.response, "status", None)
            return Outcome(item.id, False, f"push service answered HTTP {status}",
                           status in GONE)
        except (OSError, ValueError, TimeoutError) as exc:
            return Outcome(item.id, False, f"push service not reached: {type(exc).__name__}")
        return Outcome(item.id, True)


def subscription_doc(doc: Any) -> dict[str, Any]:
    """Return ``{endpoint, keys: {p256dh, auth}}`` of a browser's PushSubscription JSON (the
    caller validates it with ``SubscriptionIn``)."""
    return {"endpoint": doc["endpoint"], "keys": {"p256dh": doc["keys"]["p256dh"],
                                                  "auth": doc["keys"]["auth"]}}
