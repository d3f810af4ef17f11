"""Who may do what in this feature (``server.core.policy``; listed by ``Feature.actions``)."""
from __future__ import annotations

from server.core.policy import MANAGERS, PERSONAL, Permission

READ = Permission("notifications.read", MANAGERS, "read what was sent to whom")
SUBSCRIBE = Permission("notifications.subscribe", PERSONAL, "receive push notifications",
                       "the citizens' app is told through its own channels")

#: This feature's actions.
ACTIONS: tuple[Permission, ...] = (READ, SUBSCRIBE)
