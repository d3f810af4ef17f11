"""Who may do what in this feature (``server.core.policy``; listed by ``Feature.actions``)."""
from __future__ import annotations

from server.core.policy import MANAGERS, STAFF, Permission

READ = Permission("warnings.read", STAFF, "read warnings of every status",
                     "the public feed is /api/v1/public/warnings.atom")
DRAFT = Permission("warnings.draft", MANAGERS, "draft warnings")
IMPORT = Permission("warnings.import", MANAGERS, "post CAP messages")
CONTACTS = Permission("warnings.contacts", MANAGERS, "read or register the contacts")

#: This feature's actions.
ACTIONS: tuple[Permission, ...] = (READ, DRAFT, IMPORT, CONTACTS)
