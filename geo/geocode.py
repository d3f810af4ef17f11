"""Coarse geocoding of free-text addresses against commune and ward names.

Huế has no open address register the project can ship, so an address such as
``"12 Lê Lợi, phường Thuận Hóa, TP Huế"`` is located at its **commune** only: the answer is a
point inside the named commune (its representative point), not the house. Names are matched
without diacritics, a name written after ``phường``/``xã`` wins over a bare one, then the longest
name, then the last one mentioned (addresses go from specific to general).
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from geo.areas import Area, AreaSet

_PREFIX = r"(?:phuong|xa|p\.|x\.)\s*"


def fold(text: str) -> str:
    """Return ``text`` lower-cased, without diacritics (``đ`` → ``d``), spaces collapsed."""
    text = unicodedata.normalize("NFD", text.replace("đ", "d").replace("Đ", "D"))
    text = "".join(ch for ch in text if unicodedata.category(ch) != "Mn")
    return re.sub(r"\s+", " ", text.lower()).strip()


@dataclass(frozen=True)
class Geocoded:
    """A located address: the commune, a point inside it, and how precise it is."""

    area: Area
    lat: float
    lon: float
    precision: str = "commune"


class CommuneGeocoder:
    """Locate addresses at commune precision (see the module docstring)."""

    def __init__(self, areaset: AreaSet):
        self._areas = []
        for area in areaset.areas:
            point = area.geometry.representative_point()
            name = re.escape(fold(area.name))
            bare = re.compile(rf"(?<![\w]){name}(?![\w])")
            prefixed = re.compile(rf"(?<![\w]){_PREFIX}{name}(?![\w])")
            self._areas.append((area, round(point.y, 6), round(point.x, 6), bare, prefixed))

    def locate(self, address: str) -> Geocoded | None:
        """Return where ``address`` lies (commune precision), or None if no commune is named."""
        text = fold(address)
        best: tuple | None = None
        for area, lat, lon, bare, prefixed in self._areas:
            hits = [(1, m.end()) for m in prefixed.finditer(text)] or \
                   [(0, m.end()) for m in bare.finditer(text)]
            if not hits:
                continue
            strength, end = max(hits)
            key = (strength, len(area.name), end)
            if best is None or key > best[0]:
                best = (key, area, lat, lon)
        if best is None:
            return None
        return Geocoded(best[1], best[2], best[3])
