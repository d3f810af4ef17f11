"""Who may do what in this feature (``server.core.policy``; listed by ``Feature.actions``)."""
from __future__ import annotations

from server.core.policy import MANAGERS, Permission

MARK = Permission("flood_roads.mark", MANAGERS, "mark flooded roads")

#: This feature's actions.
ACTIONS: tuple[Permission, ...] = (MARK,)
