"""People: staff accounts, sign-in sessions, one-time password links, the admin's people API and
``ioc users`` (docs/PEOPLE.md)."""
