"""The layer contract.

``Layer`` is anything the wall can draw (a catalog entry with pydeck/deck.gl specs).
``EventLayer`` is a Layer fed by geo-events of one ``kind``: it also owns that kind's props schema,
its lifecycle statuses, which props are private and how the event looks on a public feed.
"""
from __future__ import annotations

import json
from typing import Any, ClassVar

import pydeck as pdk
from pydantic import BaseModel, ConfigDict

from geo import h3grid

PUBLIC_PARENT_RES = 7


def public_position(cell: str, sensitive: bool) -> tuple[float, float, str] | None:
    """Return ``(lat, lon, cell)`` to publish instead of an exact position: the centre of the
    parent cell at ``PUBLIC_PARENT_RES`` for a sensitive category, else None (keep it)."""
    if not sensitive:
        return None
    parent = h3grid.cell_parent(h3grid.str_to_cell(cell), PUBLIC_PARENT_RES)
    lat, lon = h3grid.cell_center(parent)
    return round(lat, 5), round(lon, 5), h3grid.cell_to_str(parent)


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


class NoProps(BaseModel):
    """Props of a kind that carries none."""

    model_config = ConfigDict(extra="forbid")


class EventLayer(Layer):
    """A layer fed by geo-events of one kind (``kinds == (kind,)``, set from ``kind``)."""

    kind: ClassVar[str]

    def __init_subclass__(cls, **kw: Any) -> None:
        super().__init_subclass__(**kw)
        if "kind" in cls.__dict__:
            cls.kinds = (cls.kind,)
    props_model: ClassVar[type[BaseModel]] = NoProps
    statuses: ClassVar[tuple[str, ...]] = ("new",)
    #: Statuses a client may send with a new event (None: any of ``statuses``); the others are
    #: reached only through the kind's lifecycle.
    client_statuses: ClassVar[tuple[str, ...] | None] = None
    private_props: ClassVar[frozenset[str]] = frozenset()
    #: Props of a minimal valid event of this kind (the layer contract test validates them).
    example_props: ClassVar[dict[str, Any]] = {}
    #: Statuses that close a case (it no longer counts as open or overdue).
    closed_statuses: ClassVar[frozenset[str]] = frozenset()
    #: True: the wall's alert ticker shows every event of this kind (warnings, alerts).
    ticker: ClassVar[bool] = False
    #: The statuses the ticker shows (None: every status), e.g. only warnings sent to the public.
    ticker_statuses: ClassVar[tuple[str, ...] | None] = None
    #: True: the wall's queue lists this kind's open events, most urgent first
    #: (``props.triage.priority``, then the longest waiting), with the time since each.
    queue: ClassVar[bool] = False

    @property
    def accepted_statuses(self) -> tuple[str, ...]:
        """Return the statuses a client may set on a new event."""
        return self.client_statuses if self.client_statuses is not None else self.statuses

    def catalog_entry(self) -> dict[str, Any]:
        """Return the Layer entry plus ``statuses``, ``closed_statuses``, ``private_props`` (never
        shown on the wall), ``ticker``, ``ticker_statuses`` (None: all) and ``queue``."""
        return {**super().catalog_entry(), "statuses": list(self.statuses),
                "closed_statuses": sorted(self.closed_statuses),
                "private_props": sorted(self.private_props), "ticker": self.ticker,
                "ticker_statuses": list(self.ticker_statuses) if self.ticker_statuses else None,
                "queue": self.queue}

    def initial_status(self, agency_id: str | None) -> str:
        """Return the status a new event of this kind is stored with."""
        return self.statuses[0]

    def validate_props(self, props: dict[str, Any]) -> dict[str, Any]:
        """Return the props normalised by ``props_model``; raise pydantic.ValidationError."""
        return self.props_model.model_validate(props).model_dump(mode="json", exclude_none=True)

    def public_view(self, event: dict[str, Any], sensitive: bool) -> dict[str, Any]:
        """Return a copy of a wire event fit for a public feed: private props removed and, for a
        sensitive category, the position coarsened to the centre of its parent cell."""
        out = dict(event)
        out["props"] = {k: v for k, v in event.get("props", {}).items()
                        if k not in self.private_props}
        out.pop("source", None)
        coarse = public_position(event["cell"], sensitive)
        if coarse is not None:
            out.update(lat=coarse[0], lon=coarse[1], cell=coarse[2])
        return out


class RoutedEventLayer(EventLayer):
    """An event layer whose events start ``routed`` when a responsible unit was found, else
    ``new`` (waiting for IOC triage)."""

    statuses: ClassVar[tuple[str, ...]] = ("new", "routed")

    def initial_status(self, agency_id: str | None) -> str:
        """Return ``routed`` when a responsible unit was found, else ``new`` (IOC triage)."""
        return "routed" if agency_id and agency_id != "ioc" else "new"
