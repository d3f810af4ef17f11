"""Event categories (Vietnamese first, English second), which event kinds may use them, and how
they route (``route.agency_type``, see docs/ROUTING.md).

Categories live in ``geo/data/categories/*.json``; each file may hold ``domains`` and
``categories``. A feature adds its own file rather than editing another's.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from geo.datafiles import DATA_DIR

CATEGORIES_DIR = DATA_DIR / "categories"


@dataclass(frozen=True)
class Category:
    """A category: dotted code ``domain.sub``, labels, allowed kinds, deadline, sensitivity."""

    code: str
    vi: str
    en: str
    kinds: tuple[str, ...]
    deadline_hours: float | None = None
    sensitive: bool = False
    route: dict = field(default_factory=dict, compare=False, hash=False)
    #: Questions asked when filing (Open311 service definition attributes: ``code``,
    #: ``datatype``, ``required``, ``order``, ``vi``, ``en``, ``values`` [{key, vi, en}]).
    attributes: tuple[dict, ...] = field(default=(), compare=False, hash=False)
    #: Words citizens use for this category (unaccented matching in chat intake; Open311 keywords).
    keywords: tuple[str, ...] = field(default=(), compare=False, hash=False)

    @property
    def domain(self) -> str:
        """Return the domain part of the code (before the first dot)."""
        return self.code.split(".", 1)[0]

    @property
    def agency_type(self) -> str | None:
        """Return the type of unit that acts (None: IOC triage)."""
        return self.route.get("agency_type")

    @property
    def fallback_types(self) -> tuple[str, ...]:
        """Return the types tried in order when no unit of ``agency_type`` serves the place."""
        return tuple(self.route.get("fallback", ()))

    @property
    def copy_types(self) -> tuple[str, ...]:
        """Return the types of the units that receive a copy."""
        return tuple(self.route.get("copy", ()))

    def to_json(self) -> dict:
        """Return ``{code, domain, vi, en, kinds, deadline_hours, sensitive, route, attributes,
        keywords}``."""
        return {"code": self.code, "domain": self.domain, "vi": self.vi, "en": self.en,
                "kinds": list(self.kinds), "deadline_hours": self.deadline_hours,
                "sensitive": self.sensitive, "route": self.route,
                "attributes": list(self.attributes), "keywords": list(self.keywords)}


class CategoryRegistry:
    """All categories by code; built from ``geo/data/categories/*.json``."""

    def __init__(self, categories: list[Category], domains: list[dict]):
        self._by_code = {c.code: c for c in categories}
        self.domains = domains
        if len(self._by_code) != len(categories):
            raise ValueError("duplicate category codes in the category file")

    @classmethod
    def load(cls, folder: Path = CATEGORIES_DIR) -> "CategoryRegistry":
        """Return the registry read from every ``*.json`` file in ``folder`` (sorted by name)."""
        cats: list[Category] = []
        domains: list[dict] = []
        for path in sorted(folder.glob("*.json")):
            doc = json.loads(path.read_text(encoding="utf-8"))
            domains.extend(doc.get("domains", []))
            cats.extend(Category(code=c["code"], vi=c["vi"], en=c["en"], kinds=tuple(c["kinds"]),
                                 deadline_hours=c.get("deadline_hours"),
                                 sensitive=bool(c.get("sensitive", False)),
                                 route=c.get("route", {}),
                                 attributes=tuple(c.get("attributes", ())),
                                 keywords=tuple(c.get("keywords", ()))) for c in doc["categories"])
        return cls(cats, domains)

    def get(self, code: str) -> Category | None:
        """Return the Category with ``code``, or None."""
        return self._by_code.get(code)

    def for_kind(self, kind: str) -> list[Category]:
        """Return the categories that events of ``kind`` may carry."""
        return [c for c in self._by_code.values() if kind in c.kinds]

    def all(self) -> list[Category]:
        """Return every category."""
        return list(self._by_code.values())
