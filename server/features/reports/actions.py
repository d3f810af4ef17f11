"""Who may do what in this feature (``server.core.policy``; listed by ``Feature.actions``)."""
from __future__ import annotations

from server.core.policy import STAFF, Permission

READ = Permission("reports.read", STAFF, "read the work lists", "see /api/v1/public/")

#: This feature's actions.
ACTIONS: tuple[Permission, ...] = (READ,)
