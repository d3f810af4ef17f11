"""Who may do what in this feature (``server.core.policy``; listed by ``Feature.actions``)."""
from __future__ import annotations

from server.core.policy import ADMINS, Permission

MANAGE = Permission("users.manage", ADMINS, "manage people (add, change, disable, reset)")

#: This feature's actions.
ACTIONS: tuple[Permission, ...] = (MANAGE,)
