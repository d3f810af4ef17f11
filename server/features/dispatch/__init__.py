"""Flood operations: SOS and hotline calls, their triage, responder units and dispatch.

``DispatchDesk`` (``server.features.dispatch.desk``) is the feature object the web layer builds
once; ``triage`` and ``lifecycle`` hold the two tables (priority rules, call lifecycle), ``units``
the responder units, ``book`` the in-memory index, ``kpis`` the wall's figures.
See docs/FLOOD_OPERATIONS.md.
"""
