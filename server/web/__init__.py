"""The Tornado layer: ``make_app`` and thin handlers over ``server.core.service``."""
