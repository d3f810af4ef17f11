"""The layer registry: layer id → Layer, event kind → the EventLayer that draws it."""
from __future__ import annotations

from typing import Any, Callable

from layers.base import EventLayer, Layer
from layers.basemap import AreasLayer, RiversLayer, RoadsLayer
from layers.sensors import AlertsLayer

#: The layers of the core: the basemap and the alerts every feature may raise (``alert``). The
#: features add theirs (``Feature.layers``); ``server.features.default_layers`` composes them.
CORE_LAYERS: tuple[type[Layer], ...] = (AreasLayer, RiversLayer, RoadsLayer, AlertsLayer)


class LayerRegistry:
    """Layers by id and event layers by kind."""

    def __init__(self, layers: list[Layer]):
        self._layers = {layer.id: layer for layer in layers}
        self._kinds: dict[str, EventLayer] = {}
        for layer in layers:
            if isinstance(layer, EventLayer):
                if layer.kind in self._kinds:
                    raise ValueError(f"two layers claim kind {layer.kind!r}")
                self._kinds[layer.kind] = layer

    def layer(self, layer_id: str) -> Layer | None:
        """Return the layer with ``layer_id``, or None."""
        return self._layers.get(layer_id)

    def for_kind(self, kind: str) -> EventLayer | None:
        """Return the EventLayer that draws ``kind``, or None if no layer draws it."""
        return self._kinds.get(kind)

    @property
    def kinds(self) -> list[str]:
        """Return every event kind a layer draws."""
        return sorted(self._kinds)

    @property
    def ids(self) -> list[str]:
        """Return every layer id."""
        return list(self._layers)

    def kinds_of(self, layer_ids: list[str]) -> set[str]:
        """Return the event kinds shown by the given layers (unknown ids raise KeyError)."""
        kinds: set[str] = set()
        for layer_id in layer_ids:
            kinds.update(self._layers[layer_id].kinds)
        return kinds

    def catalog(self, kind_facts: Callable[[str], dict[str, Any]] | None = None
                ) -> list[dict[str, Any]]:
        """Return the catalog entries of all layers, in drawing order; an event layer's entry
        holds ``kind_facts(kind)`` (the server's ``server.core.kinds.wall_catalog`` gives them)."""
        ordered = sorted(self._layers.values(), key=lambda layer: layer.order)
        return [layer.catalog_entry(kind_facts(layer.kind) if kind_facts else None)
                if isinstance(layer, EventLayer) else layer.catalog_entry() for layer in ordered]


def core_layers() -> list[Layer]:
    """Return one instance of each of the core's layers (``CORE_LAYERS``)."""
    return [cls() for cls in CORE_LAYERS]
