"""The event-kind contract (domain): what a geo-event of one ``kind`` may carry and how it lives.

A ``Kind`` owns the props schema (a pydantic model), the lifecycle statuses, the statuses a
client may send, which props are private, the closed statuses and how the event looks on a
public feed. Each feature declares its kinds (``Feature.kinds()``, ``server/features/<name>/
kinds.py``); kinds shared by several features (``alert``) live in ``server.core.kit``. How a kind
is drawn on the wall (deck.gl specs, legend, ticker and queue flags) is a ``layers.base.Layer``.
The ``KindRegistry`` answers the core's kind questions (validation, initial status, public views,
closed statuses); ``wall_catalog`` composes the layer catalog from layers and kinds.
"""
from __future__ import annotations

from typing import Any, ClassVar, Iterable, Iterator

from pydantic import BaseModel, ConfigDict

from geo import h3grid
from layers.registry import LayerRegistry

PUBLIC_PARENT_RES = 7
#: Where a citizen's case (report, question) is published: the centre of its res-9 cell.
PUBLIC_CASE_RES = 9


def public_position(cell: str, sensitive: bool,
                    res: int | None = None) -> tuple[float, float, str] | None:
    """Return ``(lat, lon, cell)`` to publish instead of an exact position: the centre of the
    parent cell at ``PUBLIC_PARENT_RES`` for a sensitive category, else at ``res`` (a kind's
    ``public_res``), else None (keep the exact position)."""
    target = PUBLIC_PARENT_RES if sensitive else res
    if target is None:
        return None
    parent = h3grid.cell_parent(h3grid.str_to_cell(cell), target)
    lat, lon = h3grid.cell_center(parent)
    return round(lat, 5), round(lon, 5), h3grid.cell_to_str(parent)


class NoProps(BaseModel):
    """Props of a kind that carries none."""

    model_config = ConfigDict(extra="forbid")


class Kind:
    """One kind of geo-event. Subclasses set ``name`` and the class attributes they need."""

    #: The event's ``kind`` (``report``, ``sos``, …).
    name: ClassVar[str]
    props_model: ClassVar[type[BaseModel]] = NoProps
    statuses: ClassVar[tuple[str, ...]] = ("new",)
    #: Statuses a client may send with a new event (None: any of ``statuses``); the others are
    #: reached only through the kind's lifecycle.
    client_statuses: ClassVar[tuple[str, ...] | None] = None
    private_props: ClassVar[frozenset[str]] = frozenset()
    #: Props of a minimal valid event of this kind (the kind contract test validates them).
    example_props: ClassVar[dict[str, Any]] = {}
    #: Statuses that close a case (it no longer counts as open or overdue).
    closed_statuses: ClassVar[frozenset[str]] = frozenset()
    #: True: citizens file events of this kind (the public token and an agency may post them:
    #: policy action ``events.post_citizen``); else only ``events.post`` may.
    citizen: ClassVar[bool] = False
    #: Resolution of the cell whose centre a public view shows instead of the exact point
    #: (None: the exact point; a sensitive category always gets ``PUBLIC_PARENT_RES``).
    public_res: ClassVar[int | None] = None
    #: Where events of this kind may lie: ``"sea"``, Huế and ``region_buffer_km`` of sea around
    #: it (vessels, sea alerts, feeds); ``"land"``, Huế's communes and ``land_tolerance_km``
    #: (reports, questions, an SOS not at sea). ``on_land`` decides for one event.
    region: ClassVar[str] = "sea"

    @property
    def accepted_statuses(self) -> tuple[str, ...]:
        """Return the statuses a client may set on a new event."""
        return self.client_statuses if self.client_statuses is not None else self.statuses

    def catalog_facts(self) -> dict[str, Any]:
        """Return what the layer catalog tells the wall about this kind: ``statuses``,
        ``closed_statuses`` and ``private_props`` (never shown on the wall)."""
        return {"statuses": list(self.statuses), "closed_statuses": sorted(self.closed_statuses),
                "private_props": sorted(self.private_props)}

    def initial_status(self, agency_id: str | None) -> str:
        """Return the status a new event of this kind is stored with."""
        return self.statuses[0]

    def on_land(self, props: dict[str, Any]) -> bool:
        """Return True if an event of this kind with ``props`` must lie on Huế's land, False if
        the sea region applies (``region``; a kind may decide per event)."""
        return self.region == "land"

    def validate_props(self, props: dict[str, Any]) -> dict[str, Any]:
        """Return the props normalised by ``props_model``; raise pydantic.ValidationError."""
        return self.props_model.model_validate(props).model_dump(mode="json", exclude_none=True)

    def public_view(self, event: dict[str, Any], sensitive: bool) -> dict[str, Any]:
        """Return a copy of a wire event fit for a public feed: private props removed and, for a
        sensitive category (or a kind with ``public_res``) the position coarsened to the centre of
        its parent cell."""
        out = dict(event)
        out["props"] = {k: v for k, v in event.get("props", {}).items()
                        if k not in self.private_props}
        out.pop("source", None)
        coarse = public_position(event["cell"], sensitive, self.public_res)
        if coarse is not None:
            out.update(lat=coarse[0], lon=coarse[1], cell=coarse[2])
        return out


class RoutedKind(Kind):
    """A kind whose events start ``routed`` when a responsible unit was found, else ``new``
    (waiting for IOC triage)."""

    statuses: ClassVar[tuple[str, ...]] = ("new", "routed")

    def initial_status(self, agency_id: str | None) -> str:
        """Return ``routed`` when a responsible unit was found, else ``new`` (IOC triage)."""
        return "routed" if agency_id and agency_id != "ioc" else "new"


class KindRegistry:
    """The event kinds one server knows, by name (one Kind per name)."""

    def __init__(self, kinds: Iterable[Kind]):
        self._kinds: dict[str, Kind] = {}
        for kind in kinds:
            if kind.name in self._kinds:
                raise ValueError(f"two kinds are named {kind.name!r}")
            self._kinds[kind.name] = kind

    def get(self, name: str) -> Kind | None:
        """Return the Kind named ``name``, or None if the kind is unknown."""
        return self._kinds.get(name)

    def __contains__(self, name: str) -> bool:
        return name in self._kinds

    def __iter__(self) -> Iterator[Kind]:
        return iter(self._kinds.values())

    @property
    def names(self) -> list[str]:
        """Return every known kind name, sorted."""
        return sorted(self._kinds)

    @property
    def citizen_kinds(self) -> frozenset[str]:
        """Return the names of the kinds citizens file (``Kind.citizen``)."""
        return frozenset(k.name for k in self if k.citizen)

    def closed(self, name: str) -> frozenset[str]:
        """Return the statuses that close an event of kind ``name`` (none for an unknown kind)."""
        kind = self._kinds.get(name)
        return kind.closed_statuses if kind else frozenset()

    def catalog_facts(self, name: str) -> dict[str, Any]:
        """Return the catalog facts of kind ``name`` (``{}`` for an unknown kind)."""
        kind = self._kinds.get(name)
        return kind.catalog_facts() if kind else {}


def wall_catalog(layers: LayerRegistry, kinds: KindRegistry) -> list[dict[str, Any]]:
    """Return the layer catalog (``GET /api/v1/layers``): every layer's presentation, in drawing
    order, with the facts of the kind an event layer draws (statuses, closed, private props)."""
    return layers.catalog(kinds.catalog_facts)
