"""Questions to the government (Hỏi cơ quan nhà nước): routed to a body by topic, answered,
published. The ``question`` kind and its lifecycle live in ``server/features/reports`` with the
field reports."""
from __future__ import annotations

from typing import Any

import pydeck as pdk

from layers.base import EventLayer, deck_spec

QUESTION_COLOR = [80, 200, 190]


class QuestionsLayer(EventLayer):
    """Questions as points at the asker's commune (hidden on the wall by default)."""

    id = "questions"
    kind = "question"
    title_vi = "Hỏi cơ quan nhà nước"
    title_en = "Questions to the government"
    order = 66  # drawn over the sensors (65)
    visible = False

    def deck_layers(self) -> list[dict[str, Any]]:
        """Return a ScatterplotLayer of questions."""
        points = pdk.Layer(
            "ScatterplotLayer", id="questions-points", data=[], pickable=True,
            get_position="[lon, lat]", get_radius=60, radius_min_pixels=3, radius_max_pixels=10,
            get_fill_color=QUESTION_COLOR + [200], stroked=False)
        return [{"role": "points", "spec": deck_spec(points)}]

    def legend(self) -> list[dict[str, Any]]:
        """Return one legend row: the question colour."""
        return [{"color": QUESTION_COLOR, "vi": "Câu hỏi của người dân", "en": "Citizen question"}]
