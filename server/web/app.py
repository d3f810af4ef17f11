"""``make_app(settings)``: build the core once and route requests to thin handlers."""
from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from typing import Any

import tornado.httpserver
import tornado.netutil
import tornado.web

from server.core.feature import FeatureRegistry
from server.core.service import EventService, build_reference
from server.core.settings import CoreSettings
from server.features import build_core, default_features
from server.web import admin, api, areas, pages, ws
from server.web.accesslog import log_request
from server.web.base import NotFoundHandler, TooLargeHandler, too_large
from server.web.openapi import openapi_document

log = logging.getLogger(__name__)

#: Core modules that contribute routes (``routes(base) -> [(pattern, handler, kwargs)]``) after
#: ``api`` (which also serves the OpenAPI document); the features' routes follow them, then the
#: pages, whose patterns are the most general.
CORE_ROUTES = (admin, areas, ws)


def make_app(settings: CoreSettings, core: EventService | None = None,
             features: FeatureRegistry | None = None) -> tornado.web.Application:
    """Return the Tornado application: the features are installed on the core (built here with
    their kinds unless given) in dependency order; ``app.settings["core"]`` is the EventService and
    ``app.settings["features"]`` the FeatureRegistry."""
    features = features or default_features()
    core = core or build_core(settings, features)
    features.install(core)
    ref = build_reference(core.router, core.layers, core.kinds)
    base = {"core": core, "ref": ref}
    routes = api.routes(base, openapi_document(features))
    routes += [route for module in CORE_ROUTES for route in module.routes(base)]
    routes += features.routes(base) + pages.routes(settings.static_dir)
    return Application(
        routes, core=core, features=features, default_handler_class=NotFoundHandler,
        default_handler_args=base,
        websocket_ping_interval=settings.ws_ping_interval,
        websocket_ping_timeout=0,  # Tornado caps it at the interval: EventSocket keeps its own
        websocket_max_message_size=settings.ws_max_message_bytes,
        compress_response=True, log_function=log_request)


class Application(tornado.web.Application):
    """The Tornado application; a request announcing a body over ``max_body_bytes`` to a
    handler that reads bodies whole goes to ``TooLargeHandler`` (413 at once, the body
    drained) instead of being cut by the HTTP server (streamed handlers check for themselves)."""

    def get_handler_delegate(self, request: Any, target_class: type,
                             target_kwargs: dict[str, Any] | None = None,
                             path_args: list[bytes] | None = None,
                             path_kwargs: dict[str, bytes] | None = None) -> Any:
        """Return Tornado's delegate for ``target_class`` or, for an oversized body, for
        ``TooLargeHandler``."""
        core = self.settings["core"]
        if not getattr(target_class, "_stream_request_body", False) \
                and too_large(request.headers, core.settings.max_body_bytes):
            target_class, target_kwargs = TooLargeHandler, {"core": core}
        return super().get_handler_delegate(request, target_class, target_kwargs, path_args,
                                            path_kwargs)


@dataclass
class RunningServer:
    """A started server: its port, core, features and HTTP server."""

    port: int
    core: EventService
    features: FeatureRegistry
    http: tornado.httpserver.HTTPServer

    @property
    def url(self) -> str:
        """Return ``http://127.0.0.1:PORT``."""
        return f"http://127.0.0.1:{self.port}"

    async def stop(self) -> None:
        """Stop accepting, close connections and the core."""
        self.http.stop()
        await self.http.close_all_connections()
        await self.core.close()


def bind_shared_sockets(settings: CoreSettings) -> list:
    """Return listening sockets on ``settings.host:settings.port`` that several processes may
    share (SO_REUSEPORT; ``ioc serve --workers N`` forks after binding them)."""
    return tornado.netutil.bind_sockets(settings.port, settings.host, reuse_port=True)


async def start_server(settings: CoreSettings, core: EventService | None = None,
                       sockets: list | None = None,
                       features: FeatureRegistry | None = None) -> RunningServer:
    """Start the core and listen on ``settings.host:settings.port`` (0: a free port), or on
    ``sockets`` already bound (``ioc serve --workers N`` shares them between processes)."""
    app = make_app(settings, core, features)
    core, features = app.settings["core"], app.settings["features"]
    await core.start()
    http = tornado.httpserver.HTTPServer(app, max_body_size=settings.max_body_bytes * 4,
                                         xheaders=False)
    sockets = sockets or tornado.netutil.bind_sockets(settings.port, settings.host)
    http.add_sockets(sockets)
    port = sockets[0].getsockname()[1]
    app.settings["own_origins"] = ws.own_origins(settings, port)
    if not settings.public_url and settings.host in ws.WILDCARD_HOSTS:
        log.warning("bound to every interface: browsers may open the websocket from "
                    "http://127.0.0.1:%d only; set IOC_PUBLIC_URL to the address they use", port)
    log.info("listening on http://%s:%d", settings.host, port)
    return RunningServer(port, core, features, http)


async def serve_forever(settings: CoreSettings, core: EventService | None = None) -> None:
    """Start the server and wait until cancelled."""
    server = await start_server(settings, core)
    try:
        await asyncio.Event().wait()
    finally:
        await server.stop()
