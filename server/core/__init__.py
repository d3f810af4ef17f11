"""The platform: the core service, events, errors, auth, audit, hub, bus, store access, limits,
clock, health and the feature contract (``server.core.feature``). It names no feature."""
