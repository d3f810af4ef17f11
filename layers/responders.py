"""Responder units (đội cứu hộ): military, police, medical, civil defence, fire and rescue,
volunteer boat teams. One long-lived ``responder`` event per unit (source ``responder``/its id,
so registering twice finds the same event): the event's point is the unit's live position (the
tablet's GPS), its status the unit's status, and the server moves and changes it with
``core.update`` (new seq, audited, streamed; see server/dispatch).

Statuses: ``available`` → ``assigned`` (a case is given to it) → ``en_route`` → ``on_scene`` →
``done`` (the case is closed; ready again with one tap) and ``off_duty``. A unit is never an open
case, so every status counts as closed for the wall's commune load.
"""
from __future__ import annotations

from typing import Any, ClassVar, Literal

import pydeck as pdk
from pydantic import BaseModel, ConfigDict, Field

from layers.base import EventLayer, deck_spec

UNIT_ID = r"^[a-z0-9][a-z0-9_-]{0,63}$"
UnitType = Literal["military", "police", "medical", "civil_defence", "fire_rescue",
                   "volunteer_boat"]
UNIT_TYPES: tuple[str, ...] = UnitType.__args__
Capability = Literal["boat", "medical", "evacuation", "high_water_vehicle", "diver", "supplies"]
UNIT_STATUSES = ("available", "assigned", "en_route", "on_scene", "done", "off_duty")
#: Colour of each status on the wall (and its legend).
STATUS_COLORS = {
    "available": ([20, 190, 90], "Sẵn sàng", "Available"),
    "assigned": ([60, 140, 255], "Đã nhận nhiệm vụ", "Assigned"),
    "en_route": ([0, 90, 255], "Đang đến hiện trường", "En route"),
    "on_scene": ([170, 60, 230], "Tại hiện trường", "On scene"),
    "done": ([120, 200, 170], "Xong nhiệm vụ", "Done"),
    "off_duty": ([140, 140, 140], "Nghỉ", "Off duty"),
}


def category_of(unit_type: str) -> str:
    """Return the category of a unit type (``responder.<type>``: it routes to the owning body)."""
    return f"responder.{unit_type}"


class Place(BaseModel):
    """A named place: the unit's home base."""

    model_config = ConfigDict(extra="forbid")
    name: str = Field(min_length=1, max_length=200)
    lat: float = Field(ge=-90, le=90, allow_inf_nan=False)
    lon: float = Field(ge=-180, le=180, allow_inf_nan=False)


class Assignment(BaseModel):
    """The case a unit is working on, with its place (for the route line on the wall)."""

    model_config = ConfigDict(extra="forbid")
    case_id: str = Field(max_length=64)
    kind: Literal["sos", "hotline_call"]
    lat: float
    lon: float
    priority: int | None = Field(None, ge=1, le=4)
    at: str


class Fix(BaseModel):
    """The latest position fix the tablet sent (the event's point is where it was)."""

    model_config = ConfigDict(extra="forbid")
    at: str
    accuracy_m: float | None = Field(None, ge=0, le=100_000)
    speed_mps: float | None = Field(None, ge=0, le=200)
    heading: float | None = Field(None, ge=0, lt=360)


class UnitProps(BaseModel):
    """Props of a ``responder`` (``phone`` and ``assignment`` are private)."""

    model_config = ConfigDict(extra="forbid")
    unit_id: str = Field(pattern=UNIT_ID)
    name: str = Field(min_length=1, max_length=200)
    name_en: str | None = Field(None, max_length=200)
    type: UnitType
    capacity: int = Field(0, ge=0, le=1000, description="People it can carry at once.")
    capabilities: list[Capability] = Field(default_factory=list, max_length=10)
    home: Place
    crew: int | None = Field(None, ge=0, le=1000)
    phone: str | None = Field(None, max_length=32, pattern=r"^\+?[0-9 ().-]{6,32}$")
    illustrative: bool = Field(False, description="Made up for the demo, not a real unit.")
    assignment: Assignment | None = None
    fix: Fix | None = None


class RespondersLayer(EventLayer):
    """Responder units coloured by status, with a line to the case each one works on."""

    id = "responders"
    kind = "responder"
    title_vi = "Lực lượng cứu hộ"
    title_en = "Responder units"
    order = 84
    props_model = UnitProps
    statuses: ClassVar[tuple[str, ...]] = UNIT_STATUSES
    client_statuses: ClassVar[tuple[str, ...] | None] = ("available", "off_duty")
    closed_statuses: ClassVar[frozenset[str]] = frozenset(UNIT_STATUSES)
    private_props: ClassVar[frozenset[str]] = frozenset({"phone", "assignment"})
    example_props: ClassVar[dict[str, Any]] = {
        "unit_id": "qs-xuong-01", "name": "Tổ xuồng máy 01", "type": "military", "capacity": 8,
        "capabilities": ["boat"], "home": {"name": "Bộ CHQS TP Huế", "lat": 16.4683,
                                            "lon": 107.5793}}

    def deck_layers(self) -> list[dict[str, Any]]:
        """Return the route lines (unit → its case) under the unit points."""
        color = " : ".join(f"status == '{s}' ? {c + [235]}" for s, (c, _, _) in
                           STATUS_COLORS.items()) + " : [200, 200, 200, 230]"
        target = "props.assignment ? [props.assignment.lon, props.assignment.lat] : [lon, lat]"
        lines = pdk.Layer("LineLayer", id="responders-routes", data=[], pickable=False,
                          get_source_position="[lon, lat]", get_target_position=target,
                          get_color=[0, 90, 255, 200], get_width=3, width_min_pixels=2)
        points = pdk.Layer("ScatterplotLayer", id="responders-points", data=[], pickable=True,
                           get_position="[lon, lat]", get_radius=70, radius_min_pixels=6,
                           radius_max_pixels=16, get_fill_color=color, stroked=True,
                           get_line_color=[10, 10, 40, 255], line_width_min_pixels=2.5)
        return [{"role": "points", "spec": deck_spec(lines)},
                {"role": "points", "spec": deck_spec(points)}]

    def legend(self) -> list[dict[str, Any]]:
        """Return one row per unit status."""
        return [{"color": c, "vi": vi, "en": en} for c, vi, en in STATUS_COLORS.values()]
