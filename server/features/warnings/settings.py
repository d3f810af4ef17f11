"""The warnings feature's settings (``IOC_WARNING_*``; see docs/WARNINGS.md)."""
from __future__ import annotations

from pydantic import Field

from server.core.settings import SettingsBase


class WarningsSettings(SettingsBase):
    """Public warnings, CAP 1.2."""

    warning_sender: str = Field("canhbao@ioc.hue.gov.vn", pattern=r"^[^\s,<&]+$",
                                description="CAP <sender> of the warnings this IOC sends.")
    warning_default_hours: float = Field(24.0, gt=0, description="A warning sent without "
                                         "`expires` expires this many hours after it was sent.")
    warning_vessel_hours: float = Field(6.0, gt=0, description="Before sending, vessels seen in "
                                        "the target area within this many hours are counted.")
    warning_expire_check_s: float = Field(60.0, gt=0, description="Seconds between passes that "
                                          "move sent warnings past `expires` to expired.")
