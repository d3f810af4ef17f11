"""Field reports (phản ánh hiện trường) filed by citizens from the app, chat channels, Open311
or the hotline. Their lifecycle lives in ``server/reports`` (docs/REPORTS.md)."""
from __future__ import annotations

from typing import Any, Union

import pydeck as pdk
from pydantic import AnyUrl, BaseModel, ConfigDict, Field

from layers.base import deck_spec
from layers.cases import CaseLayer

REPORT_COLOR = [255, 140, 0]
AttributeValue = Union[str, float, list[str]]


class Reporter(BaseModel):
    """Who filed the report (never on public feeds)."""

    model_config = ConfigDict(extra="forbid")
    name: str | None = Field(None, max_length=200)
    phone: str | None = Field(None, max_length=32, pattern=r"^\+?[0-9 ().-]{6,32}$")
    email: str | None = Field(None, max_length=200)


class ReportProps(BaseModel):
    """Props of a ``report``: what, where in words, photos, answers to the category's
    questions (``attributes``, codes from the category), who."""

    model_config = ConfigDict(extra="forbid")
    title: str | None = Field(None, max_length=200)
    description: str = Field("", max_length=4000)
    address: str | None = Field(None, max_length=500)
    media: list[AnyUrl] = Field(default_factory=list, max_length=10)
    attributes: dict[str, AttributeValue] = Field(default_factory=dict, max_length=20)
    reporter: Reporter | None = None


class ReportsLayer(CaseLayer):
    """Reports as points when zoomed in and as H3 hexagon counts when zoomed out."""

    id = "reports"
    kind = "report"
    title_vi = "Phản ánh hiện trường"
    title_en = "Field reports"
    order = 60
    props_model = ReportProps
    statuses = ("new", "routed", "accepted", "in_progress", "reject_requested", "resolved",
                "closed", "rejected", "duplicate")
    private_props = frozenset({"reporter", "address", "attributes"})
    free_text_props = ("title", "description")

    def deck_layers(self) -> list[dict[str, Any]]:
        """Return a ScatterplotLayer (zoom ≥ 11) and an H3HexagonLayer of counts (zoom < 11)."""
        points = pdk.Layer(
            "ScatterplotLayer", id="reports-points", data=[], pickable=True,
            get_position="[lon, lat]", get_radius=40, radius_min_pixels=4, radius_max_pixels=14,
            get_fill_color=REPORT_COLOR + [220], get_line_color=[40, 20, 0, 255],
            stroked=True, line_width_min_pixels=1)
        hexes = pdk.Layer(
            "H3HexagonLayer", id="reports-hex", data=[], pickable=True, extruded=False,
            get_hexagon="hex", opacity=0.55, stroked=True, get_line_color=[255, 255, 255, 120],
            line_width_min_pixels=1,
            get_fill_color="[255, 220 - (count > 20 ? 200 : count * 10), 0, 200]")
        return [{"role": "points", "minZoom": 11, "spec": deck_spec(points)},
                {"role": "hexagons", "maxZoom": 11, "h3_res": 7, "spec": deck_spec(hexes)}]

    def legend(self) -> list[dict[str, Any]]:
        """Return one legend row: the report colour."""
        return [{"color": REPORT_COLOR, "vi": "Phản ánh của người dân", "en": "Citizen report"}]
