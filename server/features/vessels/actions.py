"""Who may do what in this feature (``server.core.policy``; listed by ``Feature.actions``)."""
from __future__ import annotations

from server.core.policy import MANAGERS, Permission

MANAGE = Permission("vessels.manage", MANAGERS, "see or change the AIS feeds and danger zones")

#: This feature's actions.
ACTIONS: tuple[Permission, ...] = (MANAGE,)
