"""Layers of the map wall: one module per kind of geo-event, plus the basemap layers.

``layers.registry.default_registry()`` lists them; ``layers.base`` holds the contract.
"""
