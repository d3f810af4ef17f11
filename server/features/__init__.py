"""The features of the command center, one folder each (see docs/FEATURES.md)."""
