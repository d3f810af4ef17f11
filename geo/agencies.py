"""Agencies that act on events. First cut: each commune's People's Committee, and the IOC itself
as triage for everything that falls outside a commune.
"""
from __future__ import annotations

from dataclasses import dataclass

from geo.areas import AreaSet

IOC_TRIAGE = "ioc"


@dataclass(frozen=True)
class Agency:
    """A unit: id, Vietnamese and English names, type, level, parent id and area code."""

    id: str
    vi: str
    en: str
    type: str
    level: str
    parent: str | None = None
    area: str | None = None

    def to_json(self) -> dict:
        """Return ``{id, vi, en, type, level, parent, area}``."""
        return {"id": self.id, "vi": self.vi, "en": self.en, "type": self.type,
                "level": self.level, "parent": self.parent, "area": self.area}


def commune_committee_id(area_code: str) -> str:
    """Return the agency id of a commune's People's Committee (UBND)."""
    return f"ubnd-{area_code}"


class AgencyRegistry:
    """All agencies by id."""

    def __init__(self, agencies: list[Agency]):
        self._by_id = {a.id: a for a in agencies}

    @classmethod
    def from_communes(cls, areaset: AreaSet) -> "AgencyRegistry":
        """Return the IOC plus one People's Committee per area of ``areaset``."""
        units = [Agency(IOC_TRIAGE, "Trung tâm Giám sát, điều hành đô thị thông minh (IOC) - phân loại",
                        "Intelligent Operations Center (IOC) - triage", "ioc", "city")]
        for a in areaset.areas:
            units.append(Agency(commune_committee_id(a.code), f"UBND {a.full_name.lower()}",
                                f"People's Committee of {a.type} {a.name}", "commune_committee",
                                "commune", IOC_TRIAGE, a.code))
        return cls(units)

    def get(self, agency_id: str) -> Agency | None:
        """Return the Agency with ``agency_id``, or None."""
        return self._by_id.get(agency_id)

    def all(self) -> list[Agency]:
        """Return every agency."""
        return list(self._by_id.values())
