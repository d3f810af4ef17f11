"""Event bodies the tests post."""
from __future__ import annotations

from typing import Any


def report(lat: float = 16.4637, lon: float = 107.5909, category: str = "environment.waste",
           **extra: Any) -> dict:
    """Return a valid report event (default: a point in central Huế)."""
    return {"kind": "report", "category": category, "lat": lat, "lon": lon,
            "props": {"description": "Rác thải ùn ứ"}, **extra}
