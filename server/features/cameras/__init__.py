"""Cameras: registration, heartbeats, latest views and evidence snapshots from camera workers."""
