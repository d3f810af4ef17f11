"""Public warnings: drafts from staff and river gauges, approval and sending, CAP 1.2 out and in,
the Atom feed, reach before sending (docs/WARNINGS.md)."""
