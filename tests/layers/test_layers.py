"""Every registered layer imports, builds its deck.gl spec and validates its contract."""
from __future__ import annotations

import pytest

from layers.base import EventLayer
from layers.registry import LAYER_CLASSES, LayerRegistry, default_registry


@pytest.mark.parametrize("cls", LAYER_CLASSES, ids=lambda c: c.__name__)
def test_layer_contract(cls):
    layer = cls()
    entry = layer.catalog_entry()
    assert entry["id"] and entry["title"]["vi"] and entry["title"]["en"]
    assert entry["deck"], "a layer draws at least one deck.gl layer"
    for d in entry["deck"]:
        assert d["spec"]["@@type"].endswith("Layer") and d["spec"]["id"]
    if isinstance(layer, EventLayer):
        assert entry["kinds"] == [layer.kind] and entry["source"] == "stream"
        assert layer.initial_status("ubnd-19753") in layer.statuses
        layer.validate_props(layer.example_props)
    else:
        assert entry["source"].startswith("/api/v1/")


def test_registry_refuses_two_layers_for_one_kind():
    from layers.reports import ReportsLayer
    with pytest.raises(ValueError, match="report"):
        LayerRegistry([ReportsLayer(), ReportsLayer()])


def test_only_accessors_are_expressions():
    """pydeck turns every plain string into a ``@@=`` expression; deck.gl evaluates only the
    accessors (``get*``, ``data``-driven), so any other prop must be a literal."""
    for entry in default_registry().catalog():
        for d in entry["deck"]:
            for prop, value in d["spec"].items():
                if isinstance(value, str) and value.startswith("@@="):
                    assert prop.startswith("get"), (d["spec"]["id"], prop, value)


def test_deck_ids_are_unique():
    ids = [d["spec"]["id"] for e in default_registry().catalog() for d in e["deck"]]
    assert len(ids) == len(set(ids))
