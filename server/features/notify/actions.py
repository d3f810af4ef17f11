"""Who may do what in this feature (``server.core.policy``; listed by ``Feature.actions``)."""
from __future__ import annotations

from server.core.policy import MANAGERS, Permission

READ = Permission("notifications.read", MANAGERS, "read what was sent to whom")

#: This feature's actions.
ACTIONS: tuple[Permission, ...] = (READ,)
