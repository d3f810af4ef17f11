"""Vessels at sea: AIS feeds (TCP, UDP, HTTP upload), the fleet tracker, danger zones."""
