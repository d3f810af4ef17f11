"""The kinds of the dispatch feature (flood operations, docs/FLOOD_OPERATIONS.md).

Emergency calls during floods and storms: ``sos`` (one tap in the app) and ``hotline_call``
(logged by a hotline operator). Both carry the same props; triage, dispatch and their lifecycle
set ``triage`` and ``dispatch``. A caller's phone, name, address, note and the dispatch record
never reach a public feed, and the public sees a call only at the centre of its res-7 parent cell.

Responder units (đội cứu hộ): one long-lived ``responder`` event per unit (source
``responder``/its id, so registering twice finds the same event): the event's point is the unit's
live position (the tablet's GPS), its status the unit's status, and the server moves and changes
it with ``core.update`` (new seq, audited, streamed). Statuses: ``available`` → ``assigned`` (a
case is given to it) → ``en_route`` → ``on_scene`` → ``done`` (the case is closed; ready again
with one tap) and ``off_duty``. A unit is never an open case, so every status counts as closed
for the wall's commune load.
"""
from __future__ import annotations

from typing import Any, ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field

from server.core.kinds import Kind

#: ``at_sea``: the caller is on the water (a boat, off the coast): the sea region applies.
Need = Literal["medical", "cardiac", "labour", "trapped", "elderly_alone", "children",
               "disability", "food_water", "evacuation", "at_sea", "other"]
CALL_STATUSES = ("new", "triaged", "assigned", "en_route", "on_scene", "rescued",
                 "handed_to_hospital", "resolved", "cancelled")
CLOSED_CALL_STATUSES = frozenset({"rescued", "handed_to_hospital", "resolved", "cancelled"})
UNIT_ID = r"^[a-z0-9][a-z0-9_-]{0,63}$"
UnitType = Literal["military", "police", "medical", "civil_defence", "fire_rescue",
                   "volunteer_boat"]
UNIT_TYPES: tuple[str, ...] = UnitType.__args__
Capability = Literal["boat", "medical", "evacuation", "high_water_vehicle", "diver", "supplies"]
UNIT_STATUSES = ("available", "assigned", "en_route", "on_scene", "done", "off_duty")


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
    claimed_observed_at: str | None = Field(None, max_length=40, description=(
        "Set by the server: the time a citizen's app or message claimed (observed_at is the "
        "receipt time of public input)."))


class SosProps(CallProps):
    """An SOS always carries the phone to call back."""

    phone: str = Field(max_length=32, pattern=r"^\+?[0-9 ().-]{6,32}$")


class CallKind(Kind):
    """Base of the two call kinds: statuses, private props, always coarsened in public."""

    statuses: ClassVar[tuple[str, ...]] = CALL_STATUSES
    client_statuses: ClassVar[tuple[str, ...] | None] = ("new",)
    closed_statuses: ClassVar[frozenset[str]] = CLOSED_CALL_STATUSES
    private_props: ClassVar[frozenset[str]] = frozenset({"phone", "name", "address",
                                                        "contact_note", "note", "dispatch"})

    def public_view(self, event: dict[str, Any], sensitive: bool) -> dict[str, Any]:
        """Return the public form: always coarsened (a call's place is someone's home)."""
        return super().public_view(event, True)


class SosKind(CallKind):
    """SOS calls from the app."""

    name = "sos"
    props_model = SosProps
    citizen = True  # the app's one tap
    region = "land"

    def on_land(self, props: dict[str, Any]) -> bool:
        """Return True unless the caller marked the SOS at sea (need ``at_sea``)."""
        return "at_sea" not in props.get("needs", ())
    example_props: ClassVar[dict[str, Any]] = {"phone": "+84 905 000 111", "needs": ["trapped"],
                                               "people": 3}


class HotlineCallKind(CallKind):
    """Calls to the flood hotline (1900 1075) logged by operators."""

    name = "hotline_call"
    props_model = CallProps
    example_props: ClassVar[dict[str, Any]] = {"phone": "0905 000 222", "needs": ["labour"]}

    def initial_status(self, agency_id: str | None) -> str:
        """Return ``triaged``: the operator who logged the call saw and confirmed its priority."""
        return "triaged"


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


class ResponderKind(Kind):
    """Responder units: military, police, medical, civil defence, fire and rescue, volunteer
    boat teams."""

    name = "responder"
    props_model = UnitProps
    statuses: ClassVar[tuple[str, ...]] = UNIT_STATUSES
    client_statuses: ClassVar[tuple[str, ...] | None] = ("available", "off_duty")
    closed_statuses: ClassVar[frozenset[str]] = frozenset(UNIT_STATUSES)
    private_props: ClassVar[frozenset[str]] = frozenset({"phone", "assignment"})
    example_props: ClassVar[dict[str, Any]] = {
        "unit_id": "qs-xuong-01", "name": "Tổ xuồng máy 01", "type": "military", "capacity": 8,
        "capabilities": ["boat"], "home": {"name": "Bộ CHQS TP Huế", "lat": 16.4683,
                                            "lon": 107.5793}}
