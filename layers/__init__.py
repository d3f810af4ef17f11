"""Layers of the map wall: one module per kind of geo-event, plus the basemap layers.

``layers.registry`` holds the core's (basemap, alerts) and the registry class; each feature
names its own (``Feature.layers``); ``layers.base`` holds the contract.
"""
