"""Every registered layer imports, builds its deck.gl spec and validates its contract; every
event kind it draws is a registered kind, whose contract holds too."""
from __future__ import annotations

import pytest

from layers.base import EventLayer
from layers.emergency import FADED_STATUSES
from layers.registry import LayerRegistry
from server.core.kinds import KindRegistry
from server.features import default_kinds, default_layers
from server.features.reports.kinds import ReportKind

KINDS = default_kinds()


@pytest.mark.parametrize("cls", [type(default_layers().layer(i)) for i in default_layers().ids],
                         ids=lambda c: c.__name__)
def test_layer_contract(cls):
    layer = cls()
    entry = layer.catalog_entry()
    assert entry["id"] and entry["title"]["vi"] and entry["title"]["en"]
    assert entry["deck"], "a layer draws at least one deck.gl layer"
    for d in entry["deck"]:
        assert d["spec"]["@@type"].endswith("Layer") and d["spec"]["id"]
    if isinstance(layer, EventLayer):
        kind = KINDS.get(layer.kind)
        assert entry["kinds"] == [layer.kind] and entry["source"] == "stream"
        assert kind.initial_status("ubnd-19753") in kind.statuses
        kind.validate_props(kind.example_props)
    else:
        assert entry["source"].startswith("/api/v1/")


def test_registry_refuses_two_layers_for_one_kind():
    from layers.reports import ReportsLayer
    with pytest.raises(ValueError, match="report"):
        LayerRegistry([ReportsLayer(), ReportsLayer()])


@pytest.mark.parametrize("name", KINDS.names)
def test_kind_contract(name):
    kind = KINDS.get(name)
    assert kind.name == name
    assert kind.initial_status("ubnd-19753") in kind.statuses
    assert kind.initial_status(None) in kind.statuses
    assert set(kind.accepted_statuses) <= set(kind.statuses)
    assert kind.closed_statuses <= set(kind.statuses)
    kind.validate_props(kind.example_props)


def test_every_kind_is_drawn_by_one_layer():
    assert default_layers().kinds == KINDS.names


def test_kind_registry_refuses_two_kinds_with_one_name():
    with pytest.raises(ValueError, match="report"):
        KindRegistry([ReportKind(), ReportKind()])


def test_call_layers_fade_the_closed_statuses_of_their_kinds():
    assert FADED_STATUSES == KINDS.get("sos").closed_statuses == \
        KINDS.get("hotline_call").closed_statuses


def test_catalog_entries_carry_the_facts_of_their_kind():
    catalog = {e["id"]: e for e in default_layers().catalog(KINDS.catalog_facts)}
    for layer in default_layers().catalog():
        entry = catalog[layer["id"]]
        for name in layer["kinds"]:
            assert entry["statuses"] == list(KINDS.get(name).statuses)
            assert entry["private_props"] == sorted(KINDS.get(name).private_props)


def test_only_accessors_are_expressions():
    """pydeck turns every plain string into a ``@@=`` expression; deck.gl evaluates only the
    accessors (``get*``, ``data``-driven), so any other prop must be a literal."""
    for entry in default_layers().catalog():
        for d in entry["deck"]:
            for prop, value in d["spec"].items():
                if isinstance(value, str) and value.startswith("@@="):
                    assert prop.startswith("get"), (d["spec"]["id"], prop, value)


def test_deck_ids_are_unique():
    ids = [d["spec"]["id"] for e in default_layers().catalog() for d in e["deck"]]
    assert len(ids) == len(set(ids))
