"""Detectors: one base class, a registry of families, and the ultralytics YOLO family.

A detector turns BGR frames into ``Detections`` (boxes, confidences, class ids and their labels).
It is built once per model at start, where a missing or unreadable weights file is a
``ModelError`` with a clear message, and shared by the cameras that use it (a lock serialises
calls; torch uses every core inside one call).
"""
from __future__ import annotations

import abc
import logging
import os
import tempfile
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import ClassVar

import numpy as np

from vision.config import ModelConfig

log = logging.getLogger(__name__)

#: Environment that keeps ultralytics off the network (set before it is imported).
OFFLINE_ENV = {"YOLO_OFFLINE": "1", "YOLO_AUTOINSTALL": "0",
               "ULTRALYTICS_SKIP_REQUIREMENTS_CHECKS": "1"}


def offline_environment() -> None:
    """Set OFFLINE_ENV and YOLO_CONFIG_DIR (a temp folder; values already in the environment
    win) before ultralytics is imported."""
    for key, value in OFFLINE_ENV.items():
        os.environ.setdefault(key, value)
    os.environ.setdefault("YOLO_CONFIG_DIR", str(Path(tempfile.gettempdir()) / "ioc-ultralytics"))


class ModelError(RuntimeError):
    """A model cannot be used (missing or wrong weights, unknown family or class)."""


@dataclass
class Detections:
    """Boxes found in one frame (numpy, pixels of that frame):

    ``xyxy`` (N, 4) float32, ``conf`` (N,) float32, ``cls`` (N,) int class ids, ``names``
    {class id: label}, ``track_id`` (N,) int (-1: not tracked). Boolean indexing gives a subset
    (the interface ultralytics' trackers read: ``conf``, ``cls``, ``xywh``).
    """

    xyxy: np.ndarray
    conf: np.ndarray
    cls: np.ndarray
    names: dict[int, str]
    track_id: np.ndarray = field(default=None)  # type: ignore[assignment]

    def __post_init__(self) -> None:
        if self.track_id is None:
            self.track_id = np.full(len(self.conf), -1, dtype=np.int64)

    @classmethod
    def empty(cls, names: dict[int, str]) -> "Detections":
        """Return an empty set of detections."""
        return cls(np.zeros((0, 4), np.float32), np.zeros(0, np.float32), np.zeros(0, np.int64),
                   names)

    def __len__(self) -> int:
        return len(self.conf)

    def __getitem__(self, mask: np.ndarray) -> "Detections":
        return Detections(self.xyxy[mask], self.conf[mask], self.cls[mask], self.names,
                          self.track_id[mask])

    @property
    def xywh(self) -> np.ndarray:
        """Return (N, 4) centre x, centre y, width, height."""
        wh = self.xyxy[:, 2:] - self.xyxy[:, :2]
        return np.concatenate([self.xyxy[:, :2] + wh / 2, wh], axis=1)

    @property
    def labels(self) -> list[str]:
        """Return the label of each box."""
        return [self.names.get(int(c), str(int(c))) for c in self.cls]

    @property
    def feet(self) -> np.ndarray:
        """Return (N, 2) bottom-centre points (where a person or vehicle stands)."""
        return np.stack([(self.xyxy[:, 0] + self.xyxy[:, 2]) / 2, self.xyxy[:, 3]], axis=1)

    def is_label(self, labels: set[str] | list[str]) -> np.ndarray:
        """Return a bool per box: its label is in ``labels``."""
        wanted = set(labels)
        return np.array([label in wanted for label in self.labels], dtype=bool)

    def of_labels(self, labels: set[str] | list[str]) -> "Detections":
        """Return the subset whose label is in ``labels``."""
        return self[self.is_label(labels)]


class Detector(abc.ABC):
    """A model family. Subclasses set ``family`` and implement ``_load`` and ``_detect``."""

    family: ClassVar[str]

    def __init__(self, name: str, cfg: ModelConfig):
        self.name = name
        self.cfg = cfg
        self.names: dict[int, str] = {}
        self._lock = threading.Lock()
        self._keep: np.ndarray | None = None

    def load(self) -> "Detector":
        """Load the weights and run one frame through them; return self or raise ModelError."""
        path = Path(self.cfg.weights)
        if not path.is_file():
            raise ModelError(f"model {self.name!r}: weights file {path} does not exist "
                             "(copy it there; see README 'Cameras with AI')")
        self._load(path)
        self._keep = self._class_filter()
        self.detect([np.zeros((64, 64, 3), np.uint8)])
        log.info("model %s: %s %s, %d classes", self.name, self.family, path.name, len(self.names))
        return self

    def _class_filter(self) -> np.ndarray | None:
        if not self.cfg.classes:
            return None
        ids = {label: i for i, label in self.names.items()}
        unknown = [c for c in self.cfg.classes if c not in ids]
        if unknown:
            raise ModelError(f"model {self.name!r} has no class {', '.join(unknown)}; it knows "
                             f"{', '.join(list(ids)[:20])}{'…' if len(ids) > 20 else ''}")
        return np.array(sorted(ids[c] for c in self.cfg.classes))

    def detect(self, images: list[np.ndarray]) -> list[Detections]:
        """Return one Detections per BGR image (thread-safe)."""
        with self._lock:
            found = self._detect(images)
        if self._keep is None:
            return found
        return [d[np.isin(d.cls, self._keep)] for d in found]

    @abc.abstractmethod
    def _load(self, path: Path) -> None:
        """Load the weights from ``path`` and fill ``self.names``; raise ModelError."""

    @abc.abstractmethod
    def _detect(self, images: list[np.ndarray]) -> list[Detections]:
        """Run the model on the images."""


class YoloDetector(Detector):
    """Ultralytics YOLO (v8, 11, 26… detection or segmentation weights), run offline."""

    family = "yolo"

    def _load(self, path: Path) -> None:
        if path.suffix.lower() in (".yaml", ".yml"):
            raise ModelError(f"model {self.name!r}: {path} is a model description, not trained "
                             "weights (.pt)")
        offline_environment()
        from ultralytics import YOLO
        try:
            self.model = YOLO(str(path), task=None)
        except Exception as exc:  # noqa: BLE001 - any failure here means the file is not a model
            raise ModelError(f"model {self.name!r}: {path} is not a YOLO weights file "
                             f"({type(exc).__name__}: {str(exc)[:300]})") from None
        if self.model.task not in ("detect", "segment"):
            raise ModelError(f"model {self.name!r}: {path} is a {self.model.task!r} model; "
                             "a detection (or segmentation) model is needed")
        self.names = {int(k): str(v) for k, v in self.model.names.items()}

    def _detect(self, images: list[np.ndarray]) -> list[Detections]:
        results = self.model.predict(images, imgsz=self.cfg.imgsz, conf=self.cfg.conf,
                                     iou=self.cfg.iou, device=self.cfg.device, verbose=False)
        out = []
        for r in results:
            boxes = r.boxes.cpu().numpy()
            out.append(Detections(boxes.xyxy.astype(np.float32), boxes.conf.astype(np.float32),
                                  boxes.cls.astype(np.int64), self.names))
        return out


#: Detector families by name (``models.<name>.family`` in cameras.yaml).
DETECTORS: dict[str, type[Detector]] = {YoloDetector.family: YoloDetector}


def load_detector(name: str, cfg: ModelConfig) -> Detector:
    """Return the loaded detector of ``cfg.family``; raise ModelError."""
    cls = DETECTORS.get(cfg.family)
    if cls is None:
        raise ModelError(f"model {name!r}: unknown family {cfg.family!r}; known: "
                         f"{', '.join(DETECTORS)}")
    return cls(name, cfg).load()
