"""Helpers of the tests, one module per concern: ``server`` (a real server in a thread, on a
port or in process; ``ioc serve`` as a child), ``client`` (HTTP over a socket), ``inprocess``
(a request handed to the application without a socket), ``ws``, ``pg``, ``events``, ``sync``,
``cases`` (reports and questions; a pytest plugin), ``dispatch``, ``warnings``, ``sensors``,
``feeds``, ``nodes``, ``faults``, ``browser``, ``store``.

The names most tests use are importable from here too (``from tests.helpers import http``);
they are loaded on first use, so importing one module (``tests.helpers.store`` in a spawned
writer process) loads nothing else."""
from __future__ import annotations

from importlib import import_module
from typing import Any

#: name → the module of this package that defines it.
EXPORTS = {
    "Response": "client", "http": "client", "assert_error": "client",
    "ServerThread": "server", "ServerProcess": "server", "sqlite_server": "server",
    "server_settings": "server", "ioc_command": "server", "REPO_ROOT": "server", "ROOT": "server",
    "RECV_TIMEOUT": "ws", "recv_json": "ws", "open_ws": "ws", "subscribe": "ws",
    "collect_events": "ws",
    "PG_SERVER": "pg", "pg_admin": "pg", "pg_url": "pg", "create_pg_database": "pg",
    "drop_pg_database": "pg",
    "report": "events", "run_async": "sync", "wait_until": "sync",
}


def __getattr__(name: str) -> Any:
    """Return the helper ``name`` from the module of this package that defines it."""
    if name not in EXPORTS:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(import_module(f"{__name__}.{EXPORTS[name]}"), name)
