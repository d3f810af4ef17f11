"""Who may do what in this feature (``server.core.policy``; listed by ``Feature.actions``)."""
from __future__ import annotations

from server.core.policy import DESK, MANAGERS, STAFF, SYSTEM, Permission

CALLS_READ = Permission("calls.read", STAFF, "read the dispatch lists",
                        "a unit's tablet reads /api/v1/units/me")
CALLS_PRIORITISE = Permission("calls.prioritise", MANAGERS, "set a call's priority")
UNITS_REGISTER = Permission("units.register", DESK, "register units")
UNITS_OPERATE = Permission("units.operate", MANAGERS | {SYSTEM}, "act for any unit")
UNITS_TOKEN = Permission("units.token", MANAGERS, "hand out tablet tokens")

#: This feature's actions.
ACTIONS: tuple[Permission, ...] = (
    CALLS_READ, CALLS_PRIORITISE, UNITS_REGISTER, UNITS_OPERATE, UNITS_TOKEN)
