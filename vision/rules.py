"""Rules: one base class and a registry; each rule watches the tracked detections of one camera
frame after frame and returns Hits (what becomes a ``camera_hit`` event).

Rules measure time on the stream's own clock (``Observation.t``, seconds): a video file played
fast gives the same hits as the same scene live.
"""
from __future__ import annotations

import abc
import logging
from collections import deque
from dataclasses import dataclass, field
from typing import Any, ClassVar

import numpy as np

from vision.config import (CameraConfig, LabelGroups, NoStoppingRule, PeopleInFloodRule,
                           VehicleCountRule, WaterLevelRule)
from vision.detect import Detections
from vision.zones import Zones, cover, in_boxes, inside

log = logging.getLogger(__name__)


@dataclass
class Observation:
    """One analysed frame: stream time ``t`` (s), the BGR image and its tracked detections."""

    t: float
    image: np.ndarray
    dets: Detections


@dataclass
class Hit:
    """A finding: category (``camera.…``), severity, props (fields of CameraHitProps), the
    detections to highlight on the snapshot, and whether a snapshot is kept."""

    category: str
    severity: str
    props: dict[str, Any]
    highlight: list[int] = field(default_factory=list)
    snapshot: bool = True


class Rule(abc.ABC):
    """A rule of one camera. Subclasses set ``type`` (the ``rules[].type`` of cameras.yaml)."""

    type: ClassVar[str]

    def __init__(self, cfg: Any, zones: Zones, labels: LabelGroups):
        self.cfg = cfg
        self.zones = zones
        self.labels = labels

    @abc.abstractmethod
    def observe(self, obs: Observation) -> list[Hit]:
        """Take one frame into account; return the hits it completes (often none)."""


class VehicleCount(Rule):
    """Vehicles per interval: distinct tracks (needs a few frames per second for moving
    traffic), and the most and mean seen at once (right at any frame rate)."""

    type = "vehicle_count"
    cfg: VehicleCountRule

    def __init__(self, cfg: VehicleCountRule, zones: Zones, labels: LabelGroups):
        super().__init__(cfg, zones, labels)
        self._start: float | None = None
        self._tracks: dict[int, str] = {}
        self._in_view: list[int] = []

    def observe(self, obs: Observation) -> list[Hit]:
        """Count this frame; return the interval's hit when it is complete."""
        if self._start is None:
            self._start = obs.t
        hits = self._close(obs.t) if obs.t - self._start >= self.cfg.interval_s else []
        vehicles = obs.dets.of_labels(self.labels.vehicle)
        here = vehicles[inside(self.zones.area_of(self.cfg.region), vehicles.feet)]
        self._in_view.append(len(here))
        for tid, label in zip(here.track_id.tolist(), here.labels):
            if tid >= 0:
                self._tracks[tid] = label
        return hits

    def _close(self, t: float) -> list[Hit]:
        by_label: dict[str, int] = {}
        for label in self._tracks.values():
            by_label[label] = by_label.get(label, 0) + 1
        props = {"interval_s": round(t - self._start, 3), "count": len(self._tracks),
                 "max_in_view": max(self._in_view, default=0),
                 "mean_in_view": round(float(np.mean(self._in_view)) if self._in_view else 0.0, 3),
                 "by_label": by_label}
        self._start, self._tracks, self._in_view = t, {}, []
        return [Hit("camera.vehicle_count", "minor", props, snapshot=False)]


@dataclass
class _Stay:
    since: float
    anchor: np.ndarray
    seen: float
    reported: bool = False


class NoStopping(Rule):
    """A vehicle track whose foot point stays in the zone, drifting less than ``max_move`` of
    its height, for ``min_stop_s``: one violation per track. A track unseen for up to ``gap_s``
    (hidden by a passing bus, a missed detection) keeps its stop."""

    type = "no_stopping"
    cfg: NoStoppingRule

    def __init__(self, cfg: NoStoppingRule, zones: Zones, labels: LabelGroups):
        super().__init__(cfg, zones, labels)
        self._stays: dict[int, _Stay] = {}

    def observe(self, obs: Observation) -> list[Hit]:
        """Follow each vehicle in the zone; return a hit for each that just stayed too long."""
        dets = obs.dets
        self._stays = {tid: s for tid, s in self._stays.items() if obs.t - s.seen <= self.cfg.gap_s}
        in_zone = (inside(self.zones.get(self.cfg.region), dets.feet)
                   & dets.is_label(self.labels.vehicle) & (dets.track_id >= 0))
        hits = []
        for i in np.flatnonzero(in_zone):
            stay = self._follow(int(dets.track_id[i]), dets.feet[i],
                                float(dets.xyxy[i, 3] - dets.xyxy[i, 1]), obs.t)
            if not stay.reported and obs.t - stay.since >= self.cfg.min_stop_s:
                stay.reported = True
                hits.append(self._hit(dets, i, obs.t - stay.since))
        return hits

    def _follow(self, tid: int, foot: np.ndarray, height: float, t: float) -> _Stay:
        stay = self._stays.get(tid)
        if stay is None or np.linalg.norm(foot - stay.anchor) > self.cfg.max_move * height:
            reported = stay.reported if stay else False
            stay = self._stays[tid] = _Stay(t, foot.copy(), t, reported)
        stay.seen = t
        return stay

    def _hit(self, dets: Detections, i: int, stopped: float) -> Hit:
        props = {"label": dets.labels[i], "track_id": int(dets.track_id[i]),
                 "stopped_s": round(stopped, 1), "box": [round(float(v), 1) for v in dets.xyxy[i]]}
        return Hit("camera.no_stopping", "moderate", props, highlight=[int(i)])


class WaterLevel(Rule):
    """Water covering at least ``min_cover`` of the reference for ``hold_s``: the road is
    flooded, reported when it starts and every ``repeat_s`` while it lasts. It is over when the
    cover stays below for ``hold_s`` (both changes are debounced)."""

    type = "water_level"
    cfg: WaterLevelRule

    def __init__(self, cfg: WaterLevelRule, zones: Zones, labels: LabelGroups):
        super().__init__(cfg, zones, labels)
        self.flooded = False
        self._change_since: float | None = None
        self._reported_at: float | None = None

    def observe(self, obs: Observation) -> list[Hit]:
        """Measure the cover; return a hit when the flood starts (or is due to be repeated)."""
        water = obs.dets.of_labels(self.labels.water)
        share = cover(self.zones.get(self.cfg.region), water.xyxy)
        self._debounce(share >= self.cfg.min_cover, obs.t)
        due = self._reported_at is None or obs.t - self._reported_at >= self.cfg.repeat_s
        if not (self.flooded and due):
            return []
        self._reported_at = obs.t
        return [Hit("camera.road_flooded", "severe", {"cover": round(share, 3)},
                    highlight=np.flatnonzero(obs.dets.is_label(self.labels.water)).tolist())]

    def _debounce(self, above: bool, t: float) -> None:
        if above == self.flooded:
            self._change_since = None
            return
        if self._change_since is None:
            self._change_since = t
        if t - self._change_since >= self.cfg.hold_s:
            self.flooded, self._change_since, self._reported_at = above, None, None


class PeopleInFlood(Rule):
    """People or vehicles whose feet are in water (inside the zone), seen in ``min_frames`` of
    the last ``window`` frames; reported again after ``repeat_s``."""

    type = "people_in_flood"
    cfg: PeopleInFloodRule

    def __init__(self, cfg: PeopleInFloodRule, zones: Zones, labels: LabelGroups):
        super().__init__(cfg, zones, labels)
        self._recent: deque[bool] = deque(maxlen=cfg.window)
        self._reported_at: float | None = None

    def observe(self, obs: Observation) -> list[Hit]:
        """Look for feet in water; return a hit when it has been seen often enough."""
        dets = obs.dets
        water = dets.xyxy[dets.is_label(self.labels.water)]
        person, vehicle = dets.is_label(self.labels.person), dets.is_label(self.labels.vehicle)
        wet = in_boxes(dets.feet, water) & inside(self.zones.area_of(self.cfg.region), dets.feet)
        wet &= person | vehicle
        self._recent.append(bool(wet.any()))
        due = self._reported_at is None or obs.t - self._reported_at >= self.cfg.repeat_s
        if sum(self._recent) < self.cfg.min_frames or not due or not wet.any():
            return []
        self._reported_at = obs.t
        props = {"persons": int((wet & person).sum()), "vehicles": int((wet & vehicle).sum())}
        return [Hit("camera.people_in_flood", "severe", props,
                    highlight=np.flatnonzero(wet).tolist())]


#: Rule classes by ``rules[].type``.
RULES: dict[str, type[Rule]] = {cls.type: cls for cls in (VehicleCount, NoStopping, WaterLevel,
                                                          PeopleInFlood)}


def build_rules(cam: CameraConfig, zones: Zones, labels: LabelGroups) -> list[Rule]:
    """Return the rules of ``cam`` in config order."""
    return [RULES[cfg.type](cfg, zones, labels) for cfg in cam.rules]
