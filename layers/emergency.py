"""Emergency calls during floods and storms: ``sos`` (one tap in the app) and ``hotline_call``
(logged by a hotline operator), drawn by the priority their triage set. The kinds, their triage,
dispatch and lifecycle live in ``server/features/dispatch`` (docs/FLOOD_OPERATIONS.md).
"""
from __future__ import annotations

from typing import Any, ClassVar

import pydeck as pdk

from layers.base import EventLayer, deck_spec

#: Priority 1 (most urgent) … 4, the colour the wall draws it in.
PRIORITY_COLORS = {1: [230, 30, 40], 2: [255, 120, 0], 3: [255, 200, 0], 4: [120, 200, 255]}
#: Statuses drawn faded grey: the call kinds' closed statuses (a test checks they agree).
FADED_STATUSES = frozenset({"rescued", "handed_to_hospital", "resolved", "cancelled"})


class CallLayer(EventLayer):
    """Base of the two call layers: a point coloured by priority, listed in the wall's queue."""

    queue: ClassVar[bool] = True
    radius: ClassVar[int] = 60

    def deck_layers(self) -> list[dict[str, Any]]:
        """Return one ScatterplotLayer coloured by triage priority (light grey until triaged,
        faded grey once closed)."""
        closed = " || ".join(f"status == '{s}'" for s in sorted(FADED_STATUSES))
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
        return [{"color": PRIORITY_COLORS[p], "vi": vi, "en": en}
                for p, (vi, en) in names.items()] \
            + [{"color": [150, 150, 150], "vi": "Đã xong / đã hủy", "en": "Closed"}]


class SosLayer(CallLayer):
    """SOS calls from the app."""

    id = "sos"
    kind = "sos"
    title_vi = "Cuộc gọi SOS"
    title_en = "SOS calls"
    order = 80
    radius = 80


class HotlineCallsLayer(CallLayer):
    """Calls to the flood hotline (1900 1075) logged by operators."""

    id = "hotline_calls"
    kind = "hotline_call"
    title_vi = "Cuộc gọi đường dây nóng"
    title_en = "Hotline calls"
    order = 78
