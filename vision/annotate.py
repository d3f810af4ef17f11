"""Annotated JPEGs for the wall and for evidence: regions, boxes with label, confidence and
track id, the boxes a hit is about in red, and a caption (camera id, UTC time)."""
from __future__ import annotations

from datetime import datetime, timezone

import cv2
import numpy as np

from vision.detect import Detections
from vision.zones import Zones

ZONE_COLORS = {"road": (80, 200, 80), "no_stopping": (40, 40, 230),
               "water_reference": (230, 160, 40)}
BOX, HIGHLIGHT = (255, 255, 255), (0, 0, 255)


def annotate(image: np.ndarray, dets: Detections, zones: Zones, highlight: list[int] = (),
             caption: str = "") -> np.ndarray:
    """Return a copy of ``image`` with regions, boxes and the caption drawn on it."""
    out = image.copy()
    scale = max(1, round(max(out.shape[:2]) / 640))
    for name, poly in zones.items():
        pts = np.asarray(poly.exterior.coords, np.int32)
        cv2.polylines(out, [pts], True, ZONE_COLORS.get(name, BOX), scale)
    marked = set(highlight)
    for i, (box, label) in enumerate(zip(dets.xyxy.astype(int).tolist(), dets.labels)):
        color, width = (HIGHLIGHT, 2 * scale + 1) if i in marked else (BOX, scale)
        cv2.rectangle(out, tuple(box[:2]), tuple(box[2:]), color, width)
        tid = int(dets.track_id[i])
        text = f"{label} {dets.conf[i]:.2f}" + (f" #{tid}" if tid >= 0 else "")
        _text(out, text, (box[0], max(box[1] - 4, 12 * scale)), color, scale)
    stamp = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M:%S UTC")
    _text(out, f"{caption}  {stamp}".strip(), (6, out.shape[0] - 8), BOX, scale)
    return out


def _text(img: np.ndarray, text: str, org: tuple[int, int], color: tuple, scale: int) -> None:
    """Draw ASCII ``text`` with a dark outline so it reads on any background."""
    font, size = cv2.FONT_HERSHEY_SIMPLEX, 0.4 * scale
    cv2.putText(img, text, org, font, size, (0, 0, 0), 3 * scale, cv2.LINE_AA)
    cv2.putText(img, text, org, font, size, color, scale, cv2.LINE_AA)


def encode_jpeg(image: np.ndarray, quality: int = 80) -> bytes:
    """Return ``image`` as JPEG bytes."""
    ok, buf = cv2.imencode(".jpg", image, [cv2.IMWRITE_JPEG_QUALITY, quality])
    if not ok:
        raise ValueError("OpenCV could not encode the frame as JPEG")
    return buf.tobytes()
