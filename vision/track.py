"""Tracking: ultralytics' ByteTrack, one tracker per camera, gives each box a track id that stays
the same while the object stays in view (what the stop and count rules need)."""
from __future__ import annotations

import numpy as np

from vision.detect import Detections

#: ByteTrack settings (ultralytics' bytetrack.yaml defaults; ``track_buffer`` is in frames).
BYTETRACK = {"tracker_type": "bytetrack", "track_high_thresh": 0.25, "track_low_thresh": 0.1,
             "new_track_thresh": 0.25, "track_buffer": 30, "match_thresh": 0.8,
             "fuse_score": True}


class Tracker:
    """Assign track ids to the detections of one camera, frame after frame."""

    def __init__(self, fps: float, lost_s: float = 5.0):
        from ultralytics.trackers.byte_tracker import BYTETracker
        from ultralytics.utils import IterableSimpleNamespace
        args = {**BYTETRACK, "track_buffer": max(2, int(round(fps * lost_s)))}
        self._tracker = BYTETracker(IterableSimpleNamespace(**args))

    def update(self, dets: Detections, image: np.ndarray | None = None) -> Detections:
        """Return ``dets`` with ``track_id`` set (-1 for boxes no track holds)."""
        dets.track_id = np.full(len(dets), -1, dtype=np.int64)
        rows = self._tracker.update(dets, image)
        for row in rows:
            dets.track_id[int(row[-1])] = int(row[4])
        return dets
