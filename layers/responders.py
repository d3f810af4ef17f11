"""Responder units (đội cứu hộ): military, police, medical, civil defence, fire and rescue,
volunteer boat teams. One long-lived ``responder`` event per unit (source ``responder``/its id,
so registering twice finds the same event): the event's point is the unit's live position (the
tablet's GPS), its status the unit's status, and the server moves and changes it with
``core.update`` (new seq, audited, streamed). The ``responder`` kind lives in
``server/features/dispatch``.

Statuses: ``available`` → ``assigned`` (a case is given to it) → ``en_route`` → ``on_scene`` →
``done`` (the case is closed; ready again with one tap) and ``off_duty``. A unit is never an open
case, so every status counts as closed for the wall's commune load.
"""
from __future__ import annotations

from typing import Any

import pydeck as pdk

from layers.base import EventLayer, deck_spec

#: Colour of each status on the wall (and its legend).
STATUS_COLORS = {
    "available": ([20, 190, 90], "Sẵn sàng", "Available"),
    "assigned": ([60, 140, 255], "Đã nhận nhiệm vụ", "Assigned"),
    "en_route": ([0, 90, 255], "Đang đến hiện trường", "En route"),
    "on_scene": ([170, 60, 230], "Tại hiện trường", "On scene"),
    "done": ([120, 200, 170], "Xong nhiệm vụ", "Done"),
    "off_duty": ([140, 140, 140], "Nghỉ", "Off duty"),
}


class RespondersLayer(EventLayer):
    """Responder units coloured by status, with a line to the case each one works on."""

    id = "responders"
    kind = "responder"
    title_vi = "Lực lượng cứu hộ"
    title_en = "Responder units"
    order = 84

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
