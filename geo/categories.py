"""Event categories (Vietnamese first, English second) and which event kinds may use them."""
from __future__ import annotations

import json
from dataclasses import dataclass

from geo.datafiles import data_path

CATEGORIES_FILE = "categories.json"


@dataclass(frozen=True)
class Category:
    """A category: dotted code ``domain.sub``, labels, allowed kinds, deadline, sensitivity."""

    code: str
    vi: str
    en: str
    kinds: tuple[str, ...]
    deadline_hours: float | None = None
    sensitive: bool = False

    @property
    def domain(self) -> str:
        """Return the domain part of the code (before the first dot)."""
        return self.code.split(".", 1)[0]

    def to_json(self) -> dict:
        """Return ``{code, domain, vi, en, kinds, deadline_hours, sensitive}``."""
        return {"code": self.code, "domain": self.domain, "vi": self.vi, "en": self.en,
                "kinds": list(self.kinds), "deadline_hours": self.deadline_hours,
                "sensitive": self.sensitive}


class CategoryRegistry:
    """All categories by code; built from ``geo/data/categories.json``."""

    def __init__(self, categories: list[Category], domains: list[dict]):
        self._by_code = {c.code: c for c in categories}
        self.domains = domains
        if len(self._by_code) != len(categories):
            raise ValueError("duplicate category codes in the category file")

    @classmethod
    def load(cls, filename: str = CATEGORIES_FILE) -> "CategoryRegistry":
        """Return the registry read from a JSON file in ``geo/data``."""
        doc = json.loads(data_path(filename).read_text(encoding="utf-8"))
        cats = [Category(code=c["code"], vi=c["vi"], en=c["en"], kinds=tuple(c["kinds"]),
                         deadline_hours=c.get("deadline_hours"),
                         sensitive=bool(c.get("sensitive", False))) for c in doc["categories"]]
        return cls(cats, doc.get("domains", []))

    def get(self, code: str) -> Category | None:
        """Return the Category with ``code``, or None."""
        return self._by_code.get(code)

    def for_kind(self, kind: str) -> list[Category]:
        """Return the categories that events of ``kind`` may carry."""
        return [c for c in self._by_code.values() if kind in c.kinds]

    def all(self) -> list[Category]:
        """Return every category."""
        return list(self._by_code.values())
