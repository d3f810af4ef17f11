"""A camera's regions of interest as shapely polygons in the pixels of the frames it sends
(scaled from ``image_size`` when the config was drawn on another size)."""
from __future__ import annotations

import numpy as np
import shapely
from shapely.geometry import Polygon, box
from shapely.ops import unary_union

from vision.config import CameraConfig

ROAD = "road"


class Zones:
    """Named polygons of one camera; ``resize`` adapts them to the frame size."""

    def __init__(self, cam: CameraConfig):
        self._points = {name: pts for name, pts in cam.regions.model_dump().items() if pts}
        self._drawn_on = cam.image_size
        self._size: tuple[int, int] | None = None
        self._polys: dict[str, Polygon] = {}

    def resize(self, width: int, height: int) -> None:
        """Scale the regions to frames of ``width`` × ``height`` (cheap when unchanged)."""
        if self._size == (width, height):
            return
        sx, sy = (1.0, 1.0)
        if self._drawn_on:
            sx, sy = width / self._drawn_on[0], height / self._drawn_on[1]
        self._polys = {name: Polygon([(x * sx, y * sy) for x, y in pts])
                       for name, pts in self._points.items()}
        for poly in self._polys.values():
            shapely.prepare(poly)
        self._size = (width, height)

    def get(self, name: str | None) -> Polygon | None:
        """Return the polygon ``name``, or None (None, or a region the camera lacks)."""
        return self._polys.get(name) if name else None

    def area_of(self, name: str | None) -> Polygon | None:
        """Return region ``name``; for None, the road if the camera has one, else None (the
        whole frame)."""
        return self.get(name if name else ROAD)

    def items(self) -> list[tuple[str, Polygon]]:
        """Return (name, polygon) pairs for drawing."""
        return list(self._polys.items())


def inside(poly: Polygon | None, points: np.ndarray) -> np.ndarray:
    """Return a bool per (x, y) point: inside ``poly`` (every point when ``poly`` is None)."""
    if poly is None:
        return np.ones(len(points), dtype=bool)
    if len(points) == 0:
        return np.zeros(0, dtype=bool)
    return shapely.contains_xy(poly, points[:, 0], points[:, 1])


def cover(poly: Polygon, boxes: np.ndarray) -> float:
    """Return the share (0-1) of ``poly`` covered by the union of ``boxes`` (N, 4 xyxy)."""
    if len(boxes) == 0 or poly.area <= 0:
        return 0.0
    union = unary_union([box(*b) for b in boxes.tolist()])
    return float(poly.intersection(union).area / poly.area)


def in_boxes(points: np.ndarray, boxes: np.ndarray) -> np.ndarray:
    """Return a bool per point: inside at least one of ``boxes`` (N, 4 xyxy)."""
    if len(points) == 0 or len(boxes) == 0:
        return np.zeros(len(points), dtype=bool)
    x, y = points[:, :1], points[:, 1:2]
    hit = (x >= boxes[:, 0]) & (x <= boxes[:, 2]) & (y >= boxes[:, 1]) & (y <= boxes[:, 3])
    return hit.any(axis=1)
