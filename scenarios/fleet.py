"""A seeded fishing fleet off Huế and its AIS sentences (encoded with pyais), shared by the
``storm_vessels`` scenario, the AIS tests and the AIS benchmark.

``nmea_position`` and ``nmea_static`` give real ``!AIVDM`` sentences (type 1/18 positions, type 5
static and voyage data, two sentences); ``Fleet`` places vessels at sea in each zone and moves
them towards a port.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from pyais import encode_dict

#: Vietnamese MMSIs start with 574; fishing boats of Huế are registered as TTH-xxxxx-TS.
MID_VIETNAM = 574


def tag(line: str, t_s: float) -> str:
    """Return ``line`` with an NMEA 4.0 tag block giving its reception time (UNIX seconds)."""
    body = f"c:{int(t_s)}"
    check = 0
    for ch in body.encode():
        check ^= ch
    return f"\\{body}*{check:02X}\\{line}"


def nmea_position(mmsi: int, lat: float, lon: float, sog: float | None = None,
                  cog: float | None = None, heading: int | None = None, status: int = 7,
                  class_b: bool = False, t_s: float | None = None) -> list[str]:
    """Return the sentence of a position report (type 18 for class B, else type 1)."""
    data = {"type": 18 if class_b else 1, "mmsi": mmsi, "lat": lat, "lon": lon,
            "speed": 102.3 if sog is None else sog, "course": 360.0 if cog is None else cog,
            "heading": 511 if heading is None else heading}
    if not class_b:
        data["status"] = status
    lines = encode_dict(data, talker_id="AI", sentence_type="VDM")
    return [tag(ln, t_s) for ln in lines] if t_s is not None else lines


def nmea_static(mmsi: int, name: str, call_sign: str = "", ship_type: int = 30,
                length_m: int = 15, beam_m: int = 5, seq_id: int = 1) -> list[str]:
    """Return the two sentences of a type 5 static and voyage report."""
    data = {"type": 5, "mmsi": mmsi, "shipname": name, "callsign": call_sign,
            "ship_type": ship_type, "to_bow": length_m // 2, "to_stern": length_m - length_m // 2,
            "to_port": beam_m // 2, "to_starboard": beam_m - beam_m // 2}
    return encode_dict(data, talker_id="AI", sentence_type="VDM", seq_id=seq_id)


@dataclass
class Boat:
    """One vessel of the fleet: identity, position, speed (knots) and course (degrees)."""

    mmsi: int
    name: str
    lat: float
    lon: float
    sog: float
    cog: float


#: Where boats are placed: (zone, centre lat, centre lon, spread in degrees).
FISHING_GROUNDS = (("ven_bo", 16.64, 107.72, 0.04), ("long", 16.78, 107.86, 0.08),
                   ("khoi", 17.05, 108.15, 0.12), ("lagoon", 16.60, 107.55, 0.01))


class Fleet:
    """``n`` boats spread over the fishing grounds, deterministic for a seed."""

    def __init__(self, n: int, seed: int = 1):
        rng = np.random.default_rng(seed)
        self.boats = []
        for i in range(n):
            _, lat, lon, spread = FISHING_GROUNDS[i % len(FISHING_GROUNDS)]
            self.boats.append(Boat(
                mmsi=MID_VIETNAM * 1_000_000 + 100_000 + i, name=f"TTH {90000 + i} TS",
                lat=round(lat + rng.uniform(-spread, spread), 5),
                lon=round(lon + rng.uniform(-spread, spread), 5),
                sog=round(float(rng.uniform(0, 8)), 1), cog=round(float(rng.uniform(0, 359)), 1)))

    def step(self, seconds: float, towards: tuple[float, float] | None = None) -> None:
        """Move every boat ``seconds`` along its course (or straight towards a point)."""
        for b in self.boats:
            self.step_boat(b, seconds, towards)

    @staticmethod
    def step_boat(b: Boat, seconds: float, towards: tuple[float, float] | None = None) -> None:
        """Move one boat ``seconds`` along its course (or straight towards a point, not past it)."""
        d_deg = b.sog * 1.852 * seconds / 3600 / 111.32
        if towards is not None:
            dy, dx = towards[0] - b.lat, (towards[1] - b.lon) * math.cos(math.radians(b.lat))
            b.cog = round(math.degrees(math.atan2(dx, dy)) % 360, 1)
            d_deg = min(d_deg, math.hypot(dx, dy))
        b.lat = round(b.lat + d_deg * math.cos(math.radians(b.cog)), 5)
        b.lon = round(b.lon + d_deg * math.sin(math.radians(b.cog))
                      / math.cos(math.radians(b.lat)), 5)

    def positions(self, t_s: float | None = None) -> list[str]:
        """Return one position sentence per boat."""
        return [ln for b in self.boats for ln in nmea_position(
            b.mmsi, b.lat, b.lon, b.sog, b.cog, int(b.cog) % 360, 7 if b.sog < 3 else 0, t_s=t_s)]

    def statics(self) -> list[str]:
        """Return the static reports (two sentences each) of every boat."""
        return [ln for i, b in enumerate(self.boats)
                for ln in nmea_static(b.mmsi, b.name, f"XV{b.mmsi % 10000:04d}", seq_id=i % 10)]
