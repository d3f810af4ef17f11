"""``make_app(settings)``: build the core once and route requests to thin handlers."""
from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass

import tornado.httpserver
import tornado.netutil
import tornado.web

from server.core.settings import Settings
from server.core.service import EventService, build_reference, build_service
from server.features.cameras import handlers as cameras
from server.features.dispatch import handlers as dispatch
from server.features.flood_roads import handlers as floodroads
from server.features.reports import chat_handlers as channels
from server.features.reports import handlers as reports
from server.features.reports import open311_handlers as open311
from server.features.reports import public_handlers as public
from server.features.sensors import handlers as sensors
from server.features.vessels import handlers as vessels
from server.features.warnings import handlers as warnings
from server.web import admin, api, areas, pages, ws
from server.web.base import NotFoundHandler

log = logging.getLogger(__name__)

#: Modules that contribute routes: each has ``routes(ctx) -> [(pattern, handler, kwargs)]``.
#: Pages come last: their patterns are the most general.
ROUTE_MODULES = (api, admin, areas, reports, public, open311, channels, vessels, sensors, warnings,
                 floodroads, cameras, dispatch, ws, pages)


def make_app(settings: Settings, core: EventService | None = None) -> tornado.web.Application:
    """Return the Tornado application; ``app.settings["core"]`` is the EventService."""
    core = core or build_service(settings)
    ref = build_reference(core.router, core.layers)
    ctx = {"core": core, "ref": ref, "settings": settings}
    routes = [route for module in ROUTE_MODULES for route in module.routes(ctx)]
    return tornado.web.Application(
        routes, core=core, default_handler_class=NotFoundHandler,
        default_handler_args={"core": core, "ref": ref},
        websocket_ping_interval=settings.ws_ping_interval,
        websocket_ping_timeout=settings.ws_ping_timeout,
        websocket_max_message_size=settings.ws_max_message_bytes,
        compress_response=True)


@dataclass
class RunningServer:
    """A started server: its port, core and HTTP server."""

    port: int
    core: EventService
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


async def start_server(settings: Settings, core: EventService | None = None,
                       sockets: list | None = None) -> RunningServer:
    """Start the core and listen on ``settings.host:settings.port`` (0: a free port), or on
    ``sockets`` already bound (``ioc serve --workers N`` shares them between processes)."""
    app = make_app(settings, core)
    core = app.settings["core"]
    await core.start()
    http = tornado.httpserver.HTTPServer(app, max_body_size=settings.max_body_bytes * 4,
                                         xheaders=False)
    sockets = sockets or tornado.netutil.bind_sockets(settings.port, settings.host)
    http.add_sockets(sockets)
    port = sockets[0].getsockname()[1]
    log.info("listening on http://%s:%d", settings.host, port)
    return RunningServer(port, core, http)


async def serve_forever(settings: Settings, core: EventService | None = None) -> None:
    """Start the server and wait until cancelled."""
    server = await start_server(settings, core)
    try:
        await asyncio.Event().wait()
    finally:
        await server.stop()
