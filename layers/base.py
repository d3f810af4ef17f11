"""The layer contract (presentation only).

``Layer`` is anything the wall can draw (a catalog entry with pydeck/deck.gl specs).
``EventLayer`` is a Layer fed by geo-events of one ``kind``, named by a string: the kind itself
(props schema, statuses, private props, public view) belongs to the server's features.
"""
from __future__ import annotations

import json
from typing import Any, ClassVar

import pydeck as pdk


def deck_spec(layer: pdk.Layer) -> dict[str, Any]:
    """Return a pydeck layer as its deck.gl JSON (``@@type``, ``@@=`` accessors)."""
    return json.loads(layer.to_json())


class Layer:
    """A layer of the wall. Subclasses set the class attributes and ``deck_layers``."""

    id: ClassVar[str]
    title_vi: ClassVar[str]
    title_en: ClassVar[str]
    kinds: ClassVar[tuple[str, ...]] = ()
    source: ClassVar[str] = "stream"
    visible: ClassVar[bool] = True
    order: ClassVar[int] = 50

    def deck_layers(self) -> list[dict[str, Any]]:
        """Return ``[{"role", "minZoom"?, "maxZoom"?, "h3_res"?, "key"?, "spec": {@@type…}}]``.

        Roles: ``base`` (data from ``source``), ``points`` (every event of the kinds),
        ``hexagons`` (counts per H3 cell at ``h3_res``), ``latest`` (the newest event per
        ``key``, e.g. ``props.mmsi``, by ``observed_at``), ``tracks`` (``[{key, "path":
        [[lon, lat], ...]}]`` from the recent events per ``key``)."""
        raise NotImplementedError

    def legend(self) -> list[dict[str, Any]]:
        """Return legend rows ``[{"color": [r, g, b], "vi": str, "en": str}]``."""
        return []

    def catalog_entry(self) -> dict[str, Any]:
        """Return ``{id, title {vi, en}, kinds, source, visible, order, deck [...], legend}``."""
        return {"id": self.id, "title": {"vi": self.title_vi, "en": self.title_en},
                "kinds": list(self.kinds), "source": self.source, "visible": self.visible,
                "order": self.order, "deck": self.deck_layers(), "legend": self.legend()}


class EventLayer(Layer):
    """A layer fed by geo-events of one kind (``kinds == (kind,)``, set from ``kind``). What the
    kind's events may carry and how they live is the kind's own (``server.core.kinds.Kind``):
    the layer only names it and draws it."""

    kind: ClassVar[str]
    #: True: the wall's alert ticker shows every event of this kind (warnings, alerts).
    ticker: ClassVar[bool] = False
    #: The statuses the ticker shows (None: every status), e.g. only warnings sent to the public.
    ticker_statuses: ClassVar[tuple[str, ...] | None] = None
    #: True: the wall's queue lists this kind's open events, most urgent first
    #: (``props.triage.priority``, then the longest waiting), with the time since each.
    queue: ClassVar[bool] = False

    def __init_subclass__(cls, **kw: Any) -> None:
        super().__init_subclass__(**kw)
        if "kind" in cls.__dict__:
            cls.kinds = (cls.kind,)

    def catalog_entry(self, kind_facts: dict[str, Any] | None = None) -> dict[str, Any]:
        """Return the Layer entry plus the kind's facts (``statuses``, ``closed_statuses``,
        ``private_props``: given by the server, which knows the kinds), then ``ticker``,
        ``ticker_statuses`` (None: all) and ``queue``."""
        return {**super().catalog_entry(), **(kind_facts or {}), "ticker": self.ticker,
                "ticker_statuses": list(self.ticker_statuses) if self.ticker_statuses else None,
                "queue": self.queue}
