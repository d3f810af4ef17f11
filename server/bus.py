"""The bus carries committed events, in seq order, to everything that streams them.

``InProcessBus`` is the default (one node). A bus for several nodes implements the same contract.
"""
from __future__ import annotations

import abc
import logging
from typing import Any, Callable

log = logging.getLogger(__name__)

Listener = Callable[[list[dict[str, Any]]], None]


class Bus(abc.ABC):
    """Publish committed events; every listener gets every batch, in publish order."""

    @abc.abstractmethod
    def publish(self, events: list[dict[str, Any]]) -> None:
        """Hand a batch of committed events (wire form, ascending seq) to the listeners.
        Must be called on the event loop thread, in commit order."""

    @abc.abstractmethod
    def subscribe(self, listener: Listener) -> None:
        """Register ``listener(events)``; it runs on the event loop and must not block."""

    async def start(self) -> None:
        """Connect (no-op for the in-process bus)."""

    async def close(self) -> None:
        """Disconnect (no-op for the in-process bus)."""


class InProcessBus(Bus):
    """Direct calls within one process."""

    def __init__(self) -> None:
        self._listeners: list[Listener] = []

    def publish(self, events: list[dict[str, Any]]) -> None:
        """See Bus.publish; a failing listener is logged and does not stop the others."""
        for listener in self._listeners:
            try:
                listener(events)
            except Exception:  # noqa: BLE001 - one bad listener must not stop delivery
                log.exception("bus listener failed")

    def subscribe(self, listener: Listener) -> None:
        """See Bus.subscribe."""
        self._listeners.append(listener)
