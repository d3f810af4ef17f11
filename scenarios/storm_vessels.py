"""A fleet at sea before a storm: 60 fishing boats spread over the near-shore, mid-shore and
offshore grounds and the lagoon head for the nearest of Thuận An, Tư Hiền and Chân Mây over six
hours; a few stay out, and two fall silent at sea. Each boat reports every five minutes (the
scenario's positions are ``vessel`` events; AIS itself goes through ``ioc ais replay``).
Positions and speeds are synthetic; the grounds, ports and zones are those of ``geo.sea``.
"""
from __future__ import annotations

from typing import Iterator

import numpy as np

from geo.sea import load_ports
from scenarios.base import Scenario, Timed
from scenarios.fleet import Boat, Fleet

BOATS = 60
REPORT_S = 300.0
HOURS = 6
STAY_OUT = 6     # boats that ignore the order to return
SILENT = 2       # boats that stop reporting after the first hour


class StormVessels(Scenario):
    """Sixty boats returning to port before a storm."""

    name = "storm_vessels"
    title_vi = "Tàu thuyền vào bờ tránh bão"
    title_en = "A fleet returning to port before a storm"

    def duration_s(self) -> float:
        """Return six hours in seconds."""
        return HOURS * 3600.0

    def events(self, seed: int) -> Iterator[Timed]:
        """Yield every boat's position every five minutes."""
        rng = np.random.default_rng(seed)
        fleet = Fleet(BOATS, seed=seed)
        ports = load_ports()
        homes = [min(ports, key=lambda p: (p.lat - b.lat) ** 2 + (p.lon - b.lon) ** 2)
                 for b in fleet.boats]
        for b in fleet.boats[STAY_OUT:]:
            b.sog = round(float(rng.uniform(5, 9)), 1)
        steps = int(self.duration_s() // REPORT_S)
        for k in range(steps):
            for i, (boat, home) in enumerate(zip(fleet.boats, homes)):
                if i >= BOATS - SILENT and k * REPORT_S > 3600:
                    continue
                yield Timed(k * REPORT_S + i * REPORT_S / BOATS, self._event(boat))
            for i, (boat, home) in enumerate(zip(fleet.boats, homes)):
                if i < STAY_OUT:
                    Fleet.step_boat(boat, REPORT_S)
                elif (boat.lat - home.lat) ** 2 + (boat.lon - home.lon) ** 2 > 0.01 ** 2:
                    Fleet.step_boat(boat, REPORT_S, (home.lat, home.lon))
                else:
                    boat.sog = 0.0

    @staticmethod
    def _event(b: Boat) -> dict:
        return {"kind": "vessel", "category": "vessel.position", "lat": b.lat, "lon": b.lon,
                "source": {"channel": "scenario"},
                "props": {"mmsi": b.mmsi, "name": b.name, "sog": b.sog, "cog": b.cog,
                          "heading": int(b.cog) % 360, "nav_status": 7 if b.sog < 3 else 0}}
