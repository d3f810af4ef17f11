"""Local servers that speak the outgoing channels' protocols, for the notification tests: an
HTTP SMS gateway (the JSON protocol of ``server/features/notify/channels/sms.py``) that keeps
what it accepted, deduplicates by message id as real gateways do with a request id, and can be
told to fail; and an SMTP server (aiosmtpd) that keeps the mails it received."""
from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Callable


@dataclass
class SmsGatewayState:
    """What the gateway saw: ``delivered`` (id → message, each id once), ``requests`` (how many
    POSTs), ``duplicates`` (ids received again), and how it answers (``mode``: ok, fail (500),
    slow (waits ``delay_s``); ``reject``: numbers it refuses)."""

    delivered: dict[str, dict[str, Any]] = field(default_factory=dict)
    requests: int = 0
    duplicates: int = 0
    mode: str = "ok"
    delay_s: float = 0.0
    reject: set[str] = field(default_factory=set)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def messages(self) -> list[dict[str, Any]]:
        """Return the delivered messages (each once)."""
        with self.lock:
            return list(self.delivered.values())

    def wait_for(self, n: int, timeout: float = 20.0) -> list[dict[str, Any]]:
        """Return the delivered messages once there are at least ``n`` (assert within
        ``timeout``)."""
        deadline = time.monotonic() + timeout
        while len(self.delivered) < n and time.monotonic() < deadline:
            time.sleep(0.05)
        assert len(self.delivered) >= n, f"{len(self.delivered)} of {n} delivered"
        return self.messages()


def _handler(state: SmsGatewayState) -> type[BaseHTTPRequestHandler]:
    class Gateway(BaseHTTPRequestHandler):
        def log_message(self, *args: Any) -> None:  # quiet
            return

        def do_POST(self) -> None:  # noqa: N802 - http.server's name
            body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            with state.lock:
                state.requests += 1
                mode = state.mode
            if mode == "slow":
                time.sleep(state.delay_s)
            if mode == "fail":
                self._answer(500, {"error": "gateway down"})
                return
            if self.headers.get("Authorization") != "Bearer gw-secret":
                self._answer(401, {"error": "bad token"})
                return
            self._answer(200, {"results": [self._take(m, body["sender"])
                                           for m in body["messages"]]})

        def _take(self, m: dict[str, Any], sender: str) -> dict[str, Any]:
            if m["to"] in state.reject:
                return {"id": m["id"], "status": "rejected", "error": "number does not exist"}
            with state.lock:
                if m["id"] in state.delivered:
                    state.duplicates += 1
                else:
                    state.delivered[m["id"]] = {**m, "sender": sender}
            return {"id": m["id"], "status": "accepted"}

        def _answer(self, status: int, doc: dict[str, Any]) -> None:
            raw = json.dumps(doc).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(raw)))
            self.end_headers()
            self.wfile.write(raw)

    return Gateway


class SmsGateway:
    """The gateway on a free port of 127.0.0.1 (``url``; token ``gw-secret``)."""

    def __init__(self) -> None:
        self.state = SmsGatewayState()
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self.state))
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/send"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def settings(self) -> dict[str, Any]:
        """Return the server settings that send SMS here."""
        return {"sms_url": self.url, "sms_token": "gw-secret"}

    def stop(self) -> None:
        """Stop serving."""
        self.httpd.shutdown()
        self.httpd.server_close()


class SmtpServer:
    """aiosmtpd's controller on a free port of 127.0.0.1 keeping every message (``mails``:
    the parsed ``email.message.Message`` of each)."""

    def __init__(self) -> None:
        from aiosmtpd.controller import Controller
        from aiosmtpd.handlers import Message

        mails: list[Any] = []

        class Keep(Message):
            def handle_message(self, message: Any) -> None:
                mails.append(message)

        from tests.helpers.nodes import free_port
        self.mails = mails
        self.port = free_port()
        self.controller = Controller(Keep(), hostname="127.0.0.1", port=self.port)
        self.controller.start()

    def settings(self) -> dict[str, Any]:
        """Return the server settings that send e-mail here (no TLS on the machine itself)."""
        return {"smtp_host": "127.0.0.1", "smtp_port": self.port, "smtp_starttls": False}

    def stop(self) -> None:
        """Stop the SMTP server."""
        self.controller.stop()


def wait_until(check: Callable[[], Any], timeout: float = 20.0) -> Any:
    """Return ``check()`` once truthy (assert within ``timeout``)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(0.05)
    raise AssertionError("condition not met in time")


@dataclass
class ChatPlatformState:
    """What the chat platform saw (``requests``: (headers, body) of each POST) and who it
    refuses (``blocked``: user ids no longer following / outside the window)."""

    requests: list[tuple[dict[str, str], dict[str, Any]]] = field(default_factory=list)
    blocked: set[str] = field(default_factory=set)
    lock: threading.Lock = field(default_factory=threading.Lock)


def _platform(state: ChatPlatformState, style: str) -> type[BaseHTTPRequestHandler]:
    class Platform(BaseHTTPRequestHandler):
        def log_message(self, *args: Any) -> None:  # quiet
            return

        def do_POST(self) -> None:  # noqa: N802 - http.server's name
            body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            with state.lock:
                state.requests.append((dict(self.headers), body))
            user = body["recipient"].get("user_id") or body["recipient"].get("id")
            if style == "zalo":
                if self.headers.get("access_token") != "oa-token":
                    self._answer(200, {"error": -216, "message": "Access token is invalid"})
                elif user in state.blocked:
                    self._answer(200, {"error": -213, "message": "User has not followed OA"})
                else:
                    self._answer(200, {"error": 0, "message": "Success",
                                       "data": {"message_id": f"m-{len(state.requests)}"}})
                return
            if self.headers.get("Authorization") != "Bearer page-token":
                self._answer(401, {"error": {"code": 190, "message": "Invalid OAuth token"}})
            elif user in state.blocked:
                self._answer(400, {"error": {"code": 10, "error_subcode": 2018278,
                                             "message": "outside of allowed window"}})
            else:
                self._answer(200, {"recipient_id": user, "message_id": f"m.{len(state.requests)}"})

        def _answer(self, status: int, doc: dict[str, Any]) -> None:
            raw = json.dumps(doc).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(raw)))
            self.end_headers()
            self.wfile.write(raw)

    return Platform


class ChatPlatform:
    """A local Zalo OA (``style`` "zalo") or Messenger Send API (``"messenger"``) on a free
    port; its token is ``oa-token`` or ``page-token``."""

    def __init__(self, style: str) -> None:
        self.state = ChatPlatformState()
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), _platform(self.state, style))
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/message"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def stop(self) -> None:
        """Stop serving."""
        self.httpd.shutdown()
        self.httpd.server_close()


class PushService:
    """A browser's push service on 127.0.0.1: it keeps each POST (headers, encrypted body)
    and answers ``status`` (201 by default, 410 for a subscription it no longer knows). A
    ``subscription()`` made here carries real P-256 keys, so a test can decrypt what arrived."""

    def __init__(self) -> None:
        self.received: list[tuple[dict[str, str], bytes]] = []
        self.status = 201
        service = self

        class Endpoint(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:  # quiet
                return

            def do_POST(self) -> None:  # noqa: N802 - http.server's name
                body = self.rfile.read(int(self.headers["Content-Length"]))
                service.received.append((dict(self.headers), body))
                self.send_response(service.status)
                self.send_header("Content-Length", "0")
                self.end_headers()

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Endpoint)
        self.base = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def subscription(self, name: str) -> tuple[dict[str, Any], Any, bytes]:
        """Return (the PushSubscription JSON a browser would send, its private key, its auth
        secret)."""
        import base64
        import os

        from cryptography.hazmat.primitives import serialization
        from cryptography.hazmat.primitives.asymmetric import ec
        key = ec.generate_private_key(ec.SECP256R1())
        auth = os.urandom(16)
        point = key.public_key().public_bytes(serialization.Encoding.X962,
                                              serialization.PublicFormat.UncompressedPoint)
        b64 = lambda raw: base64.urlsafe_b64encode(raw).rstrip(b"=").decode()  # noqa: E731
        return ({"endpoint": f"{self.base}/push/{name}",
                 "keys": {"p256dh": b64(point), "auth": b64(auth)}}, key, auth)

    def decrypt(self, body: bytes, key: Any, auth: bytes) -> dict[str, Any]:
        """Return the JSON a service worker would read from an encrypted push ``body``."""
        import http_ece
        return json.loads(http_ece.decrypt(body, private_key=key, auth_secret=auth,
                                           version="aes128gcm"))

    def stop(self) -> None:
        """Stop serving."""
        self.httpd.shutdown()
        self.httpd.server_close()
