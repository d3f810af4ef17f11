"""Boundary generations over HTTP: list them, their areas, and re-route stored events (admin)."""
from __future__ import annotations

from server.core.errors import NotFound
from server.core.reroute import RerouteRequest
from server.web.base import BaseHandler


class GenerationsHandler(BaseHandler):
    """``GET /api/v1/generations``: every boundary generation and the one in force now."""

    def initialize(self, core, ref, doc: dict) -> None:  # noqa: ANN001 - tornado kwargs
        """Also receive the document built once."""
        super().initialize(core, ref)
        self.doc = doc

    def get(self) -> None:
        """Answer ``{"generations": [{id, level, vi, en, valid_from, valid_to, areas}],
        "current": id}``."""
        self.set_header("Cache-Control", "public, max-age=300")
        self.write_json({**self.doc, "current": self.core.router.areaset.generation})


class GenerationAreasHandler(BaseHandler):
    """``GET /api/v1/generations/{id}/areas``: the areas of one generation (GeoJSON)."""

    def initialize(self, core, ref, docs: dict) -> None:  # noqa: ANN001 - tornado kwargs
        """Also receive the GeoJSON of every generation, built once."""
        super().initialize(core, ref)
        self.docs = docs

    def get(self, generation: str) -> None:
        """Answer the FeatureCollection; 404 naming the known generations."""
        if generation not in self.docs:
            raise NotFound(f"no generation {generation!r}; have {', '.join(self.docs)}")
        self.set_header("Cache-Control", "public, max-age=300")
        self.write_json(self.docs[generation])


class RerouteHandler(BaseHandler):
    """``POST /api/v1/areas/reroute`` (admin): route stored events again; changes are streamed."""

    async def post(self) -> None:
        """Answer ``{dry_run, scanned, matched, changed, moves}``."""
        doc = self.body_json() if self.request.body.strip() else {}
        report = await self.core.reroute(RerouteRequest.from_json(doc), self.principal)
        self.write_json(report.to_json())


def routes(base: dict) -> list[tuple]:
    """Return the routes of this module; ``base`` holds ``core`` and ``ref``."""
    args = base
    gens = base["core"].router.generations
    listing = {"generations": [s.to_json() for s in gens.sets]}
    areas = {s.generation: s.to_geojson() for s in gens.sets}
    return [
        (r"/api/v1/generations", GenerationsHandler, {**args, "doc": listing}),
        (r"/api/v1/generations/([a-z0-9-]{1,40})/areas", GenerationAreasHandler,
         {**args, "docs": areas}),
        (r"/api/v1/areas/reroute", RerouteHandler, args),
    ]
