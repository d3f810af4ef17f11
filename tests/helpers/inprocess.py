"""The in-process path: a request handed to the Tornado application as its HTTP server would hand
it (start line, headers, body, finish), without a socket; the answer is collected from the
connection object the handlers write to. Same application, same handlers, same core."""
from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import Any, Awaitable, Callable
from urllib.parse import urljoin, urlsplit

import tornado.web
from tornado import httputil

from server.core.service import EventService
from server.core.settings import CoreSettings
from server.web.app import make_app
from tests.helpers.client import Response, decode_response, encode_request

#: The origin an in-process server answers as (its ``url``); no port is opened.
ORIGIN = "http://127.0.0.1"
#: Redirects followed at most, as urllib's redirect handler does.
MAX_REDIRECTS = 10
#: The headers of a request body, not sent again after a redirect.
CONTENT_HEADERS = ("content-type", "content-length")


@dataclass
class Context:
    """What a handler reads of the connection: the peer's address and the protocol."""

    remote_ip: str = "127.0.0.1"
    protocol: str = "http"
    address: tuple[str, int] = ("127.0.0.1", 0)


@dataclass
class Connection:
    """The connection a handler writes its answer to; it keeps the answer in memory."""

    finished: asyncio.Future
    context: Context = field(default_factory=Context)
    start_line: Any = None
    headers: httputil.HTTPHeaders | None = None
    chunks: list[bytes] = field(default_factory=list)

    def _done(self) -> asyncio.Future:
        """Return a resolved future (writes never wait here)."""
        future = asyncio.get_running_loop().create_future()
        future.set_result(None)
        return future

    def set_close_callback(self, callback: Callable[[], None] | None) -> None:
        """Ignore it: this connection is never closed by a peer."""

    def set_max_body_size(self, max_body_size: int) -> None:
        """Ignore it: the body is handed over whole."""

    def set_body_timeout(self, timeout: float) -> None:
        """Ignore it: the body is handed over at once."""

    def write_headers(self, start_line: Any, headers: httputil.HTTPHeaders,
                      chunk: bytes | None = None) -> asyncio.Future:
        """Keep the status line and headers (and a first chunk); return a resolved future."""
        self.start_line, self.headers = start_line, headers
        return self.write(chunk) if chunk else self._done()

    def write(self, chunk: bytes) -> asyncio.Future:
        """Keep a chunk of the body; return a resolved future."""
        self.chunks.append(bytes(chunk))
        return self._done()

    def finish(self) -> None:
        """Mark the answer complete."""
        if not self.finished.done():
            self.finished.set_result(None)

    def response(self) -> Response:
        """Return the collected answer as a Response."""
        headers = dict(self.headers.get_all()) if self.headers else {}
        return decode_response(self.start_line.code, headers, b"".join(self.chunks))


async def _wait(step: Awaitable[None] | None) -> None:
    """Await what a delegate step returned, if anything (flow control of a streamed body)."""
    if step is not None:
        await step


async def send(app: tornado.web.Application, method: str, url: str, data: bytes | None,
               hdrs: dict[str, str]) -> Response:
    """Hand one request to ``app`` as Tornado's HTTP/1 connection does and return its Response
    (``url``: a path or a URL whose path and query are used)."""
    parts = urlsplit(url)
    target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    fields = httputil.HTTPHeaders({"Host": parts.netloc or urlsplit(ORIGIN).netloc, **hdrs})
    if data is not None:
        fields["Content-Length"] = str(len(data))
    conn = Connection(asyncio.get_running_loop().create_future())
    delegate = app.start_request(None, conn)
    await _wait(delegate.headers_received(
        httputil.RequestStartLine(method, target, "HTTP/1.1"), fields))
    if data and not conn.finished.done():
        await _wait(delegate.data_received(data))
    if not conn.finished.done():
        delegate.finish()
    await conn.finished
    return conn.response()


def redirected(method: str, res: Response) -> str | None:
    """Return the method of the request that follows ``res`` as ``client.http`` (urllib) follows
    it (a GET or HEAD after any redirect, a GET after a 301/302/303 to a POST), or None."""
    if "Location" not in res.headers:
        return None
    if res.status in (301, 302, 303, 307, 308) and method in ("GET", "HEAD"):
        return method
    return "GET" if res.status in (301, 302, 303) and method == "POST" else None


async def fetch(app: tornado.web.Application, method: str, url: str, body: Any = None,
                token: str | None = None, headers: dict[str, str] | None = None,
                raw: bytes | None = None) -> Response:
    """Send one request to ``app`` without a socket and return its Response, redirects
    followed as ``client.http`` follows them (the body and its headers are not sent again)."""
    data, hdrs = encode_request(body, token, headers, raw)
    res = await send(app, method, url, data, hdrs)
    for _ in range(MAX_REDIRECTS):
        method = redirected(method, res)
        if method is None:
            break
        url = urljoin(url, res.headers["Location"])
        hdrs = {k: v for k, v in hdrs.items() if k.lower() not in CONTENT_HEADERS}
        data = None
        res = await send(app, method, url, data, hdrs)
    return res


async def start_app(settings: CoreSettings, core: EventService) -> tornado.web.Application:
    """Build the application on ``core`` and start the core, as ``start_server`` does, but
    listen nowhere; return the application."""
    app = make_app(settings, core)
    await app.settings["core"].start()
    return app
