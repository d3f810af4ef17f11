"""The Huế IOC server: the Tornado app (``server.web``) over a core that does not import Tornado
(config, errors, events, auth, store, bus, fan-out hub, ingest service).
"""
