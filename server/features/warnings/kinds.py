"""The kinds of the warnings feature. Public warnings (``warning``): drafted by an operator or
by a river gauge crossing an alarm level, approved and sent by a supervisor, published as OASIS
CAP 1.2 and an Atom feed; or received as CAP from outside (e.g. the national
hydro-meteorological service).

One event per CAP message chain: the event's point is a point inside the target area, the
target itself is ``props.communes`` (GSO codes) and/or ``props.cells`` (H3 cells) — or, for a
received message, the areas it states (``props.cap``). Lifecycle
(``server.features.warnings.lifecycle``): ``draft → approved → sent``, ``update`` (a sent warning
gets a new draft that references it; sending that one moves the old one to ``updated``),
``discard`` / ``cancel``, and ``expired``.
"""
from __future__ import annotations

from typing import Annotated, Any, ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from server.core.kinds import Kind

Urgency = Literal["Immediate", "Expected", "Future", "Past", "Unknown"]
CapSeverity = Literal["Extreme", "Severe", "Moderate", "Minor", "Unknown"]
Certainty = Literal["Observed", "Likely", "Possible", "Unlikely", "Unknown"]
CapCategory = Literal["Geo", "Met", "Safety", "Security", "Rescue", "Fire", "Health", "Env",
                      "Transport", "Infra", "CBRNE", "Other"]
ResponseType = Literal["Shelter", "Evacuate", "Prepare", "Execute", "Avoid", "Monitor", "Assess",
                       "AllClear", "None"]
#: CAP ``status`` of a message once sent: a real warning, or a drill (Test, Exercise) that is
#: shown as a drill everywhere and never reaches the public feed.
CapStatus = Literal["Actual", "Test", "Exercise"]
DRILLS = frozenset({"Test", "Exercise"})
CommuneCode = Annotated[str, StringConstraints(pattern=r"^[0-9]{5}$")]
CellId = Annotated[str, StringConstraints(pattern=r"^[0-9a-f]{15}$")]
#: Statuses of a published warning (the public sees its content).
PUBLISHED_STATUSES = frozenset({"sent", "received", "updated", "cancelled", "expired"})


class GaugeCrossing(BaseModel):
    """The river gauge reading that drafted a warning."""

    model_config = ConfigDict(extra="forbid")
    station: str = Field(max_length=64)
    station_name: str = Field(max_length=100)
    level: int = Field(ge=1, le=10)
    level_name: str = Field(max_length=20)
    value: float = Field(allow_inf_nan=False)
    threshold: float = Field(allow_inf_nan=False)
    at: str = Field(max_length=40, description="RFC 3339 time of the reading")


class Text(BaseModel):
    """A text in Vietnamese and English."""

    model_config = ConfigDict(extra="forbid")
    vi: str = Field(min_length=1, max_length=4000)
    en: str = Field(min_length=1, max_length=4000)


class WarningProps(BaseModel):
    """Props of a ``warning``: what (event, headline, description, instruction, each VI + EN),
    CAP status once sent (Actual, or a drill: Test, Exercise), CAP grading (urgency, severity,
    certainty, CAP categories, response types), the target
    (communes and/or H3 cells), validity, the CAP identity (identifier, sent time, references)
    and where it came from (``origin``: gauge, manual, ingest)."""

    model_config = ConfigDict(extra="forbid")
    origin: Literal["gauge", "manual", "ingest"] = "manual"
    identifier: str = Field(max_length=200, pattern=r"^[^\s,<&]+$")
    event: Text | None = None
    headline: Text | None = None
    description: Text | None = None
    instruction: Text | None = None
    cap_status: CapStatus = "Actual"
    urgency: Urgency = "Expected"
    cap_severity: CapSeverity = "Moderate"
    certainty: Certainty = "Likely"
    cap_categories: list[CapCategory] = Field(default_factory=lambda: ["Met"], min_length=1)
    responses: list[ResponseType] = Field(default_factory=list)
    communes: list[CommuneCode] = Field(default_factory=list, max_length=40)
    cells: list[CellId] = Field(default_factory=list, max_length=2000)
    effective: str | None = Field(None, max_length=40)
    expires: str | None = Field(None, max_length=40)
    sent: str | None = Field(None, max_length=40, description="when it was sent (RFC 3339)")
    references: list[str] = Field(default_factory=list, description="CAP sender,identifier,sent")
    updates: str | None = Field(None, max_length=40, description="id of the warning it updates")
    gauge: GaugeCrossing | None = None
    reach: dict[str, int] | None = Field(None, description="counts inside the area when sent")
    cancel: dict[str, str] | None = Field(None,
                                          description="{identifier, sent, reason} of a Cancel")
    cap: dict[str, Any] | None = Field(None, description="a received CAP alert, as parsed")
    by: dict[str, str] = Field(default_factory=dict, description="action → token id (private)")


class WarningKind(Kind):
    """A warning, one event per CAP message chain; only its published states are public."""

    name = "warning"
    props_model = WarningProps
    statuses = ("draft", "approved", "sent", "received", "updated", "cancelled", "expired")
    client_statuses = ("draft",)
    closed_statuses = frozenset({"updated", "cancelled", "expired"})
    private_props = frozenset({"by", "reach"})
    example_props: ClassVar[dict[str, Any]] = {
        "identifier": "vn-hue-ioc-example", "communes": ["19774"],
        "headline": {"vi": "Cảnh báo lũ", "en": "Flood warning"}}

    def public_view(self, event: dict[str, Any], sensitive: bool) -> dict[str, Any]:
        """Return the public form: a warning not yet published (draft, approved) shows no
        content, only that it exists; a published one without ``by`` and ``reach``."""
        out = super().public_view(event, sensitive)
        if event["status"] not in PUBLISHED_STATUSES:
            out["props"] = {}
        return out
