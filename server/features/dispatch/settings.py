"""The dispatch feature's settings (``IOC_DISPATCH_*``; see docs/FLOOD_OPERATIONS.md)."""
from __future__ import annotations

from pydantic import Field

from server.core.settings import SettingsBase


class DispatchSettings(SettingsBase):
    """Flood operations: calls, triage, dispatch."""

    dispatch_related_hours: float = Field(72.0, gt=0, description="The hotline page shows earlier "
                                          "calls from the same phone or the same or neighbouring "
                                          "H3 cells received within this many hours.")
    dispatch_sos_merge_hours: float = Field(12.0, ge=0, description="An SOS from a phone that has "
                                            "an open call younger than this joins that call "
                                            "(a repeat) instead of opening another; 0: never.")
    dispatch_retriage_s: float = Field(60.0, gt=0, description="Seconds between passes that "
                                       "re-triage waiting calls (waiting time raises the score).")
    dispatch_fix_min_move_m: float = Field(20.0, ge=0, description="A tablet's position is stored "
                                           "when the unit moved at least this far …")
    dispatch_fix_interval_s: float = Field(120.0, ge=0, description="… or this long after the last "
                                           "stored fix (the tablet sends every 30 s).")
    dispatch_closed_shown_hours: float = Field(12.0, ge=0, description="A tablet lists its unit's "
                                               "closed cases this recent besides the open one.")
