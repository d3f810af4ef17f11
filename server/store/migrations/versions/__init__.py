"""One file per schema revision, applied in order to SQLite and PostgreSQL alike."""
