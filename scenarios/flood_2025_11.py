"""The flood of mid-November 2025 in Huế: real river and reservoir levels, synthetic calls.

**Real**: every reading of ``geo/data/hue_water_levels_2025-11.csv`` between ``START`` and
``END`` (15 → 21 Nov 2025, ICT), in its hour: the hourly levels of the Kim Long (Sông Hương)
and Phú Ốc (Sông Bồ) gauges from VNDMS, and the level, volume, inflow and release of the Bình
Điền, Hương Điền and Tả Trạch reservoirs from e15. They are ``sensor_reading`` events (the
reservoirs' volume, inflow and release go with the level in ``props.derived``) and go through
the server's sensor intake, so the BĐ1/2/3 alerts fire when the real levels cross them.
Scenario second 0 is ``START``; the reading of hour *h* is sent at ``h × 3600`` s (the player
stamps it with the time of sending, like every live scenario).

**Synthetic**, calibrated on the November 2023 flood (the hotline 1900 1075 took ~700 calls in
three days, 255 of them emergencies: heart patients, eight women in labour, people to take to
hospital): ``HOTLINE_CALLS`` hotline calls in the three days of highest water (the 72 hours
with the largest sum of the gauges' excess over BĐ1, found from the data), with
``EMERGENCIES`` emergencies of which ``LABOUR`` women in labour, and ``SOS_TAPS`` SOS from the
app over the whole window. Each call's hour is drawn in proportion to the water: the calls of
the communes along the Bồ follow Phú Ốc, those along the Hương follow Kim Long, those of the
lagoon both; within a group, communes by population. Water depth grows with the gauge's
excess. Flooded-road calls (``flood.road_flooded``) are placed on a main road crossing the
commune, so the flooded-roads feature marks that stretch. Names, phones and places are made up.
"""
from __future__ import annotations

import csv
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any, Iterator

import numpy as np
import shapely

from geo.areas import Area, communes_2025
from geo.datafiles import WATER_LEVELS, data_path
from geo.roads import road_network
from scenarios.base import Scenario, Timed
from scenarios.sampling import AreaSampler
from geo.stations import load_stations, slug

ICT = timezone(timedelta(hours=7))
START = datetime(2025, 11, 15, 0, 0, tzinfo=ICT)
END = datetime(2025, 11, 21, 0, 0, tzinfo=ICT)
HOUR_S = 3600.0
PEAK_HOURS = 72
HOTLINE_CALLS = 700
EMERGENCIES = 255
LABOUR = 8
SOS_TAPS = 250
RIVER_GAUGES = ("kim-long", "phu-oc")

#: Low-lying communes (2025 codes) by the gauge whose water floods them; ``lagoon``: both.
COMMUNES = {
    "phu-oc": ("19996", "19867", "19885", "19873", "19831", "19828", "20017"),
    "kim-long": ("19774", "19753", "19804", "19777", "19789", "19815"),
    "lagoon": ("19900", "19909", "19918", "19942", "19945", "19930", "20014", "20122"),
}

#: Hotline calls: (category, needs, count). The first four rows are the emergencies.
HOTLINE_MIX = (
    ("sos.labour", ("labour",), LABOUR),
    ("sos.medical", ("cardiac",), 40),
    ("sos.medical", ("medical",), 87),
    ("rescue.patient_transport", ("medical",), EMERGENCIES - LABOUR - 40 - 87),
    ("sos.trapped", ("trapped",), 90),
    ("rescue.evacuation", ("evacuation", "elderly_alone"), 45),
    ("rescue.evacuation", ("evacuation", "children"), 50),
    ("sos.isolated", ("food_water",), 80),
    ("rescue.supplies", ("food_water",), 40),
    ("flood.road_flooded", (), 50),
    ("flood.house_flooded", (), 30),
    ("hotline.information", (), 60),
)
SOS_MIX = (("sos.trapped", ("trapped",), 0.35), ("sos.medical", ("medical",), 0.15),
           ("sos.labour", ("labour",), 0.02), ("rescue.evacuation", ("evacuation",), 0.23),
           ("rescue.supplies", ("food_water",), 0.2), ("sos.other", ("other",), 0.05))
NOTES = {
    "sos.labour": "Sản phụ chuyển dạ, nước ngập đường, cần đưa đi viện.",
    "sos.medical": "Người bệnh cần cấp cứu, không ra được khỏi nhà.",
    "rescue.patient_transport": "Cần chuyển người bệnh đến bệnh viện.",
    "sos.trapped": "Nước lên nhanh, cả nhà mắc kẹt trên gác.",
    "rescue.evacuation": "Xin hỗ trợ sơ tán khỏi nhà.",
    "sos.isolated": "Bị cô lập, hết lương thực và nước uống.",
    "rescue.supplies": "Xin hỗ trợ lương thực, nước uống.",
    "flood.road_flooded": "Đường ngập sâu, xe không qua được.",
    "flood.house_flooded": "Nhà ngập sâu.",
    "hotline.information": "Hỏi thông tin mực nước, lịch xả lũ.",
    "sos.other": "Cần hỗ trợ khẩn cấp.",
}


@dataclass(frozen=True)
class LevelRow:
    """One row of the water-level file: station id, local time, level (m) and, for a
    reservoir, volume (% of design), inflow and release (m³/s) where given."""

    station: str
    kind: str
    at: datetime
    level: float
    volume_pct: float | None = None
    inflow: float | None = None
    outflow: float | None = None


def _num(text: str) -> float | None:
    return float(text) if text not in ("", None) else None


def load_levels(start: datetime = START, end: datetime = END) -> list[LevelRow]:
    """Return the rows of the water-level file with ``start <= time < end``, in time order."""
    rows = []
    with data_path(WATER_LEVELS).open(encoding="utf-8") as fh:
        for r in csv.DictReader(fh):
            at = datetime.strptime(r["time_local"], "%Y-%m-%d %H:%M").replace(tzinfo=ICT)
            if start <= at < end and r["water_level_m"]:
                rows.append(LevelRow(slug(r["station_name"]), r["kind"], at,
                                     float(r["water_level_m"]), _num(r["volume_pct"]),
                                     _num(r["inflow_m3s"]), _num(r["outflow_m3s"])))
    rows.sort(key=lambda x: (x.at, x.station))
    return rows


class Flood2025(Scenario):
    """Six days of the November 2025 flood: real levels, calls that follow them."""

    name = "flood_2025_11"
    title_vi = "Lũ tháng 11/2025: mực nước thật, cuộc gọi cứu nạn"
    title_en = "The November 2025 flood: real water levels, rescue calls"

    def __init__(self) -> None:
        self.rows = load_levels()
        self.stations = load_stations()
        self.areas = communes_2025()
        self.hours = int((END - START).total_seconds() // HOUR_S)
        self.excess = self._excess()
        self.sampler = AreaSampler(self.areas, np.ones(len(self.areas.areas)))
        self.road_points = self._road_points()
        groups = list(COMMUNES)
        #: weight of (hour, group): the square of the group's excess (calls rise faster than
        #: the water) times its population.
        self.weight = np.column_stack([self.excess[g] ** 2 * self._population(g) for g in groups])

    def duration_s(self) -> float:
        """Return the window's length in seconds (six days)."""
        return (END - START).total_seconds()

    # -- the water ---------------------------------------------------------------------------------
    def _excess(self) -> dict[str, np.ndarray]:
        """Return per gauge (and ``lagoon``: their mean) the hourly excess over BĐ1 as a share of
        BĐ3 − BĐ1 (0 below BĐ1), the last reading carried forward."""
        out = {}
        for gauge in RIVER_GAUGES:
            bd1, _, bd3 = self.stations[gauge].levels["water_level"]
            series = np.zeros(self.hours)
            for r in self.rows:
                if r.station == gauge:
                    hour = int((r.at - START).total_seconds() // HOUR_S)
                    series[hour:] = max(0.0, (r.level - bd1) / (bd3 - bd1))
            out[gauge] = series
        out["lagoon"] = (out["kim-long"] + out["phu-oc"]) / 2
        return out

    def peak_window(self) -> tuple[int, int]:
        """Return the first and last+1 hour of the ``PEAK_HOURS`` with the most water."""
        total = sum(self.excess[g] for g in RIVER_GAUGES)
        sums = np.convolve(total, np.ones(PEAK_HOURS), mode="valid")
        first = int(np.argmax(sums))
        return first, first + PEAK_HOURS

    def readings(self) -> Iterator[Timed]:
        """Yield the real readings as ``sensor_reading`` events at their hour."""
        for r in self.rows:
            st = self.stations[r.station]
            reservoir = r.kind == "reservoir"
            derived = {k: v for k, v in (("reservoir_volume", r.volume_pct), ("inflow", r.inflow),
                                         ("outflow", r.outflow)) if v is not None}
            quantity, category, channel = (("reservoir_level", "sensor.reservoir", "e15")
                                           if reservoir
                                           else ("water_level", "sensor.water_level", "vndms"))
            props = {"station": r.station, "quantity": quantity, "value": r.level, "unit": "m",
                     **({"derived": derived} if derived else {})}
            yield Timed((r.at - START).total_seconds(), {
                "kind": "sensor_reading", "category": category, "lat": st.lat, "lon": st.lon,
                "source": {"channel": channel}, "props": props})

    # -- the calls -----------------------------------------------------------------------------
    def events(self, seed: int) -> Iterator[Timed]:
        """Yield readings and calls merged in time order."""
        yield from sorted([*self.readings(), *self.calls(seed)], key=lambda t: t.offset_s)

    def calls(self, seed: int) -> list[Timed]:
        """Return the hotline calls and SOS taps (unsorted)."""
        rng = np.random.default_rng(seed)
        first, last = self.peak_window()
        out = []
        kinds = [(cat, needs) for cat, needs, n in HOTLINE_MIX for _ in range(n)]
        for i, (cat, needs) in enumerate(kinds):
            out.append(self._call(rng, "hotline_call", cat, needs, (first, last), i))
        sos_p = np.array([p for *_, p in SOS_MIX])
        for i in range(SOS_TAPS):
            cat, needs, _ = SOS_MIX[int(rng.choice(len(SOS_MIX), p=sos_p / sos_p.sum()))]
            out.append(self._call(rng, "sos", cat, needs, (0, self.hours), i))
        return out

    def _call(self, rng: np.random.Generator, kind: str, category: str, needs: tuple[str, ...],
              hours: tuple[int, int], i: int) -> Timed:
        """Return call ``i``: its hour and group of communes drawn by ``self.weight`` within
        ``hours``, its place in the group, its props."""
        groups = list(COMMUNES)
        flat = self.weight[hours[0]:hours[1]].ravel()
        k = int(rng.choice(len(flat), p=flat / flat.sum()))
        hour, group = hours[0] + k // len(groups), groups[k % len(groups)]
        area_idx, (lat, lon) = self._place(rng, group, category)
        props = self._call_props(rng, kind, category, needs, self.excess[group][hour], i)
        props["address"] = self.areas.areas[area_idx].full_name
        return Timed(hour * HOUR_S + float(rng.uniform(0, HOUR_S)), {
            "kind": kind, "category": category, "lat": lat, "lon": lon,
            "source": {"channel": "app" if kind == "sos" else "hotline"}, "props": props})

    @staticmethod
    def _call_props(rng: np.random.Generator, kind: str, category: str, needs: tuple[str, ...],
                    excess: float, i: int) -> dict[str, Any]:
        """Return a call's made-up caller, needs, people and water depth (growing with the
        gauge's ``excess``)."""
        depth = float(np.clip(0.2 + 1.6 * excess + rng.normal(0, 0.3), 0.1, 3.5))
        phone = " ".join(str(int(rng.integers(lo, hi)))
                         for lo, hi in ((10, 99), (100, 999), (100, 999)))
        props: dict[str, Any] = {
            "phone": f"09{phone}",
            "name": f"{'Người bấm SOS' if kind == 'sos' else 'Người gọi'} số {i + 1}",
            "note": NOTES.get(category, "Cần hỗ trợ.") + " (kịch bản mô phỏng)",
            "needs": list(needs), "people": int(rng.integers(1, 7)),
            "water_depth_m": round(depth, 1)}
        if category.startswith(("flood.", "hotline.")):  # a report, not a rescue: one caller
            props.pop("needs")
            props["people"] = 1
        return props

    def _population(self, group: str) -> float:
        return float(sum(self._area(code).props.get("population") or 1 for code in COMMUNES[group]))

    def _area(self, code: str) -> Area:
        return self.areas.by_code(code)

    def _road_points(self) -> dict[int, list[tuple[float, float]]]:
        """Return, per commune index of the groups, the middles of the road segments in it."""
        middles = [s.middle for s in road_network().segments]
        lat, lon = np.array(middles).T
        out = {}
        for code in (c for codes in COMMUNES.values() for c in codes):
            idx = self.areas.index_of(code)
            inside = shapely.contains_xy(self.areas.areas[idx].geometry, lon, lat)
            out[idx] = [middles[i] for i in np.flatnonzero(inside)]
        return out

    def _place(self, rng: np.random.Generator, group: str,
               category: str) -> tuple[int, tuple[float, float]]:
        """Return (area index, a point): a commune of the group by population, a point in it;
        for a flooded-road call, the middle of a main-road segment in one of the group's
        communes that a main road crosses."""
        codes = COMMUNES[group]
        if category == "flood.road_flooded":
            codes = tuple(c for c in codes if self.road_points[self.areas.index_of(c)]) or codes
        pop = np.array([float(self._area(c).props.get("population") or 1) for c in codes])
        idx = self.areas.index_of(codes[int(rng.choice(len(codes), p=pop / pop.sum()))])
        roads = self.road_points[idx]
        if category == "flood.road_flooded" and roads:
            return idx, roads[int(rng.integers(len(roads)))]
        return idx, self.sampler.point_in(rng, idx)
