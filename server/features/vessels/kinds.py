"""The kinds of the vessels feature: ``vessel``, one event per AIS position report."""
from __future__ import annotations

from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict, Field

from server.core.kinds import Kind


class VesselProps(BaseModel):
    """Props of a ``vessel`` position: AIS fields (None when the vessel does not report them)
    and what the server derived (zone, nearest port)."""

    model_config = ConfigDict(extra="forbid")
    mmsi: int = Field(ge=100_000_000, le=999_999_999)
    name: str | None = Field(None, max_length=40)
    call_sign: str | None = Field(None, max_length=16)
    ship_type: int | None = Field(None, ge=0, le=255)
    msg_type: int | None = Field(None, ge=1, le=27)
    sog: float | None = Field(None, ge=0, le=102.2, description="speed over ground, knots")
    cog: float | None = Field(None, ge=0, lt=360, description="course over ground, degrees")
    heading: int | None = Field(None, ge=0, le=359)
    nav_status: int | None = Field(None, ge=0, le=15)
    nav_status_label: str | None = Field(None, max_length=60)
    zone: str | None = Field(None, max_length=20)
    nearest_port: str | None = Field(None, max_length=40)
    port_distance_km: float | None = Field(None, ge=0)


class VesselKind(Kind):
    """A vessel position, stored ``reported``."""

    name = "vessel"
    props_model = VesselProps
    statuses = ("reported",)
    example_props: ClassVar[dict[str, Any]] = {"mmsi": 574123456}
