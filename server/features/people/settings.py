"""The people feature's settings (``IOC_SESSION_*``, ``IOC_LOGIN_*``, ``IOC_PASSWORD_*``,
``IOC_OIDC_*``)."""
from __future__ import annotations

from pydantic import Field

from server.features.people.oidc import OidcSettings


class PeopleSettings(OidcSettings):
    """Sign-in sessions, sign-in throttling, passwords, and the sign-on with the province's
    identity provider (``OidcSettings``)."""

    session_idle_s: float = Field(7200.0, ge=60, le=7 * 86400, description="A sign-in session "
                                  "ends after this many seconds without a request (a page that "
                                  "is open and listening counts as use).")
    session_max_s: float = Field(43200.0, ge=300, le=30 * 86400, description="A sign-in session "
                                 "ends this many seconds after sign-in whatever its use (a shift: "
                                 "12 h). A wall that must stay up uses a kiosk credential.")
    login_max_failures: int = Field(5, ge=1, le=100, description="Wrong passwords for one "
                                    "username within IOC_LOGIN_WINDOW_S before it is paused.")
    login_address_failures: int = Field(30, ge=1, le=10_000, description="Failed sign-ins from "
                                        "one address within IOC_LOGIN_WINDOW_S before it is "
                                        "paused (a hotline room shares one address).")
    login_window_s: float = Field(900.0, ge=1, le=86400, description="The window of the "
                                  "sign-in failure counts (seconds).")
    password_link_hours: float = Field(72.0, gt=0, le=30 * 24, description="A one-time "
                                       "set-password link expires after this many hours.")
    password_min_length: int = Field(10, ge=8, le=64, description="The shortest password "
                                     "accepted.")
