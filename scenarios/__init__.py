"""Replayable, seeded event streams built on real Huế data (``scenarios.registry``)."""
