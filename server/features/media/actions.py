"""Who may upload photos (``server.core.policy``; listed by ``Feature.actions``).

Whoever may file a citizen case (``events.post_citizen``: the public token of the citizens' app
and staff who post citizens' kinds) and the staff who resolve cases. When citizens' kinds may be
filed with no token at all, this group follows ``CITIZEN_POSTERS``.
"""
from __future__ import annotations

from server.core.policy import CITIZEN_POSTERS, STAFF, Permission

#: The roles that may upload photos.
UPLOADERS = CITIZEN_POSTERS | STAFF

UPLOAD = Permission("media.upload", UPLOADERS, "upload photos",
                    "photos go with a case filed through the citizens' app or by staff")

#: This feature's actions.
ACTIONS: tuple[Permission, ...] = (UPLOAD,)
