"""Emergency calls during floods and storms: ``sos`` (one tap in the app) and ``hotline_call``
(logged by a hotline operator). Both carry the same props; triage, dispatch and their lifecycle
live in the server (``server/dispatch``, docs/FLOOD_OPERATIONS.md), which sets ``triage`` and
``dispatch``. A caller's phone, name, address, note and the dispatch record never reach a public
feed, and the public sees a call only at the centre of its res-7 parent cell.
"""
from __future__ import annotations

from typing import Any, ClassVar, Literal

import pydeck as pdk
from pydantic import BaseModel, ConfigDict, Field

from layers.base import EventLayer, deck_spec

Need = Literal["medical", "cardiac", "labour", "trapped", "elderly_alone", "children",
               "disability", "food_water", "evacuation", "other"]
#: Priority 1 (most urgent) … 4, the colour the wall draws it in.
PRIORITY_COLORS = {1: [230, 30, 40], 2: [255, 120, 0], 3: [255, 200, 0], 4: [120, 200, 255]}
CALL_STATUSES = ("new", "triaged", "assigned", "en_route", "on_scene", "rescued",
                 "handed_to_hospital", "resolved", "cancelled")
CLOSED_CALL_STATUSES = frozenset({"rescued", "handed_to_hospital", "resolved", "cancelled"})


class TriageOverride(BaseModel):
    """An operator's override of the computed priority, with the reason."""

    model_config = ConfigDict(extra="forbid")
    priority: int = Field(ge=1, le=4)
    reason: str = Field(min_length=1, max_length=500)
    by: str | None = Field(None, max_length=64)
    at: str | None = None


class Triage(BaseModel):
    """The priority set by the server from needs and conditions (1 = most urgent): ``priority``
    is the one in force (the override's when an operator overrode it), ``computed`` the rule
    table's, ``reasons`` the rules that fired (``code:+points``)."""

    model_config = ConfigDict(extra="forbid")
    priority: int = Field(ge=1, le=4)
    score: float = 0.0
    reasons: list[str] = Field(default_factory=list, max_length=20)
    computed: int | None = Field(None, ge=1, le=4)
    override: TriageOverride | None = None


class Note(BaseModel):
    """A note on a call by an operator or the unit on the way (``id`` makes a retry harmless)."""

    model_config = ConfigDict(extra="forbid")
    id: str = Field(max_length=64)
    at: str
    by: str | None = Field(None, max_length=64)
    role: str = Field(max_length=20)
    text: str = Field(min_length=1, max_length=1000)


class Repeat(BaseModel):
    """The caller called again (or tapped SOS again): linked here instead of logged twice."""

    model_config = ConfigDict(extra="forbid")
    at: str
    ref: str | None = Field(None, max_length=200)
    channel: str | None = Field(None, max_length=40)
    by: str | None = Field(None, max_length=64)
    note: str | None = Field(None, max_length=1000)
    lat: float | None = None
    lon: float | None = None


class Dispatch(BaseModel):
    """Who is on the way and what happened (set by the server)."""

    model_config = ConfigDict(extra="forbid")
    unit_id: str | None = Field(None, max_length=64)
    unit_name: str | None = Field(None, max_length=200)
    assigned_at: str | None = None
    en_route_at: str | None = None
    on_scene_at: str | None = None
    closed_at: str | None = None
    outcome: str | None = Field(None, max_length=1000)
    notes: list[Note] = Field(default_factory=list, max_length=50)
    repeats: list[Repeat] = Field(default_factory=list, max_length=50)


class CallProps(BaseModel):
    """Props of an SOS or a hotline call (phone, name, address, contact note are private)."""

    model_config = ConfigDict(extra="forbid")
    phone: str | None = Field(None, max_length=32, pattern=r"^\+?[0-9 ().-]{6,32}$")
    name: str | None = Field(None, max_length=200)
    address: str | None = Field(None, max_length=500)
    contact_note: str | None = Field(None, max_length=500)
    note: str | None = Field(None, max_length=1000)
    needs: list[Need] = Field(default_factory=list, max_length=10)
    people: int = Field(1, ge=1, le=10_000)
    water_depth_m: float | None = Field(None, ge=0, le=30)
    sos_id: str | None = Field(None, max_length=64)
    triage: Triage | None = None
    dispatch: Dispatch | None = None


class SosProps(CallProps):
    """An SOS always carries the phone to call back."""

    phone: str = Field(max_length=32, pattern=r"^\+?[0-9 ().-]{6,32}$")


class CallLayer(EventLayer):
    """Base of the two call kinds: statuses, private props, a point coloured by priority."""

    statuses: ClassVar[tuple[str, ...]] = CALL_STATUSES
    client_statuses: ClassVar[tuple[str, ...] | None] = ("new",)
    closed_statuses: ClassVar[frozenset[str]] = CLOSED_CALL_STATUSES
    private_props: ClassVar[frozenset[str]] = frozenset({"phone", "name", "address",
                                                        "contact_note", "note", "dispatch"})
    queue: ClassVar[bool] = True
    radius: ClassVar[int] = 60

    def public_view(self, event: dict[str, Any], sensitive: bool) -> dict[str, Any]:
        """Return the public form: always coarsened (a call's place is someone's home)."""
        return super().public_view(event, True)

    def deck_layers(self) -> list[dict[str, Any]]:
        """Return one ScatterplotLayer coloured by triage priority (light grey until triaged,
        faded grey once closed)."""
        closed = " || ".join(f"status == '{s}'" for s in sorted(CLOSED_CALL_STATUSES))
        color = (f"({closed}) ? [150, 150, 150, 110] : "
                 "(props.triage ? (props.triage.priority == 1 ? [230, 30, 40, 235] : "
                 "(props.triage.priority == 2 ? [255, 120, 0, 225] : "
                 "(props.triage.priority == 3 ? [255, 200, 0, 215] : [120, 200, 255, 205]))) "
                 ": [200, 200, 200, 220])")
        points = pdk.Layer("ScatterplotLayer", id=f"{self.id}-points", data=[], pickable=True,
                           get_position="[lon, lat]", get_radius=self.radius,
                           radius_min_pixels=5, radius_max_pixels=22, get_fill_color=color,
                           stroked=True, get_line_color=[255, 255, 255, 230],
                           line_width_min_pixels=1.5)
        return [{"role": "points", "spec": deck_spec(points)}]

    def legend(self) -> list[dict[str, Any]]:
        """Return one row per priority."""
        names = {1: ("Ưu tiên 1 (khẩn cấp nhất)", "Priority 1 (most urgent)"),
                 2: ("Ưu tiên 2", "Priority 2"), 3: ("Ưu tiên 3", "Priority 3"),
                 4: ("Ưu tiên 4", "Priority 4")}
        return [{"color": PRIORITY_COLORS[p], "vi": vi, "en": en} for p, (vi, en) in names.items()] \
            + [{"color": [150, 150, 150], "vi": "Đã xong / đã hủy", "en": "Closed"}]


class SosLayer(CallLayer):
    """SOS calls from the app."""

    id = "sos"
    kind = "sos"
    title_vi = "Cuộc gọi SOS"
    title_en = "SOS calls"
    order = 80
    props_model = SosProps
    example_props: ClassVar[dict[str, Any]] = {"phone": "+84 905 000 111", "needs": ["trapped"],
                                               "people": 3}
    radius = 80


class HotlineCallsLayer(CallLayer):
    """Calls to the flood hotline (1900 1075) logged by operators."""

    id = "hotline_calls"
    kind = "hotline_call"
    title_vi = "Cuộc gọi đường dây nóng"
    title_en = "Hotline calls"
    order = 78
    props_model = CallProps
    example_props: ClassVar[dict[str, Any]] = {"phone": "0905 000 222", "needs": ["labour"]}

    def initial_status(self, agency_id: str | None) -> str:
        """Return ``triaged``: the operator who logged the call saw and confirmed its priority."""
        return "triaged"
