"""Synthetic street scenes, for trying the camera worker without a camera or pretrained weights
(``ioc vision synth DIR``), for the tests and for the benchmark.

Everything is drawn with OpenCV: a road, cars (boxes with windows and wheels), people (a head and a
body) and brown flood water. ``make_dataset`` draws random scenes with YOLO labels, ``train_tiny``
trains a tiny YOLO11 from its YAML on them (offline, seconds on a CPU), and ``render_video`` writes
the two demo scenes: ``traffic`` (a car stops in the no-stopping zone for 6 s; others pass) and
``flood`` (water rises over the curb while a person wades in).
"""
from __future__ import annotations

import logging
import shutil
from pathlib import Path
from typing import Any, Callable

import cv2
import numpy as np

log = logging.getLogger(__name__)

W, H = 320, 240
NAMES = ["person", "car", "water"]
PERSON, CAR, WATER = range(3)
Box = tuple[int, int, int, int]
Scene = Callable[[float, np.random.Generator], np.ndarray]

#: Regions of the demo scenes, in pixels of a W × H frame.
ROAD = [[0, 100], [320, 100], [320, 240], [0, 240]]
NO_STOPPING = [[180, 110], [320, 110], [320, 165], [180, 165]]
WATER_REFERENCE = [[0, 140], [320, 140], [320, 160], [0, 160]]


def background(rng: np.random.Generator) -> np.ndarray:
    """Return grass, a road with a lane line, and sensor noise."""
    img = np.full((H, W, 3), (90, 110, 100), np.uint8)
    cv2.rectangle(img, (0, 100), (W, H), (70, 70, 70), -1)
    cv2.line(img, (0, 170), (W, 170), (220, 220, 220), 2)
    noise = rng.integers(-8, 8, (H, W, 3))
    return np.clip(img.astype(np.int16) + noise, 0, 255).astype(np.uint8)


def draw_car(img: np.ndarray, x: int, y: int, w: int, h: int, color: tuple) -> Box:
    """Draw a car with its top-left at (x, y); return its box (wheels included)."""
    cv2.rectangle(img, (x, y), (x + w, y + h), color, -1)
    cv2.rectangle(img, (x + w // 5, y + 2), (x + 4 * w // 5, y + h // 3), (40, 40, 40), -1)
    for cx in (x + w // 5, x + 4 * w // 5):
        cv2.circle(img, (cx, y + h), h // 5, (20, 20, 20), -1)
    return x, y, x + w, y + h + h // 5


def draw_person(img: np.ndarray, x: int, y: int, h: int, color: tuple) -> Box:
    """Draw a standing person of height ``h`` with its top-left at (x, y); return its box."""
    w = h // 3
    cv2.circle(img, (x + w // 2, y + w // 2), w // 2, (150, 180, 220), -1)
    cv2.rectangle(img, (x, y + w), (x + w, y + h), color, -1)
    return x, y, x + w, y + h


def draw_water(img: np.ndarray, level: int, rng: np.random.Generator) -> Box:
    """Flood the frame below ``level`` with muddy water and ripples; return the water's box."""
    overlay = img.copy()
    cv2.rectangle(overlay, (0, level), (W, H), (50, 95, 135), -1)
    for _ in range(12):
        yy, xx = int(rng.integers(level, H)), int(rng.integers(0, W))
        cv2.line(overlay, (xx, yy), (xx + 20, yy), (90, 140, 175), 1)
    img[:] = cv2.addWeighted(overlay, 0.85, img, 0.15, 0)
    return 0, level, W, H


def _color(rng: np.random.Generator) -> tuple[int, int, int]:
    return tuple(int(c) for c in rng.integers(30, 255, 3))


def random_scene(rng: np.random.Generator) -> tuple[np.ndarray, list[tuple[int, Box]]]:
    """Return a random frame and its labelled boxes [(class id, (x0, y0, x1, y1))]."""
    img, boxes = background(rng), []
    if rng.random() < 0.4:
        boxes.append((WATER, draw_water(img, int(rng.integers(120, 220)), rng)))
    for _ in range(int(rng.integers(0, 4))):
        w = int(rng.integers(30, 70))
        h = int(w * rng.uniform(0.45, 0.6))
        x, y = int(rng.integers(0, W - w)), int(rng.integers(90, H - h - h // 5))
        boxes.append((CAR, draw_car(img, x, y, w, h, _color(rng))))
    for _ in range(int(rng.integers(0, 3))):
        h = int(rng.integers(40, 80))
        x, y = int(rng.integers(0, W - h // 3)), int(rng.integers(60, H - h))
        boxes.append((PERSON, draw_person(img, x, y, h, _color(rng))))
    return img, boxes


def traffic_scene(t: float, rng: np.random.Generator) -> np.ndarray:
    """Car A drives in and stops in the no-stopping zone from 2 s to 8 s, then leaves; car B
    passes on the far lane (3-6 s); car C creeps through the zone without stopping (9-13.5 s);
    a person waits on the verge."""
    img = background(rng)
    xa = -60 + 130 * t if t < 2 else (200 if t < 8 else 200 + 100 * (t - 8))
    draw_car(img, int(xa), 120, 56, 30, (40, 40, 200))
    if 3 <= t < 6:
        draw_car(img, int(-60 + 130 * (t - 3)), 180, 60, 32, (200, 120, 40))
    if t >= 9:
        draw_car(img, int(140 + 40 * (t - 9)), 122, 54, 30, (60, 180, 220))
    draw_person(img, 20, 50, 60, (40, 160, 40))
    return img


def flood_scene(t: float, rng: np.random.Generator) -> np.ndarray:
    """Water rises from the bottom over the curb band (y 140-160) by 6 s; from 4 s a person
    wades into it."""
    img = background(rng)
    level = int(236 - min(t, 6) / 6 * 106)
    draw_water(img, level, rng)
    if t >= 4:
        draw_person(img, int(40 + 12 * (t - 4)), level - 40, 70, (30, 30, 160))
    return img


SCENES: dict[str, Scene] = {"traffic": traffic_scene, "flood": flood_scene}


def render_video(path: Path, scene: Scene, seconds: float, fps: float = 10.0,
                 size: tuple[int, int] | None = None, seed: int = 3) -> Path:
    """Write ``seconds`` of ``scene`` to ``path`` (MPEG-4), resized to ``size`` if given."""
    rng = np.random.default_rng(seed)
    out_size = size or (W, H)
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"mp4v"), fps, out_size)
    if not writer.isOpened():
        raise RuntimeError(f"OpenCV cannot write {path}")
    for i in range(int(seconds * fps)):
        frame = scene(i / fps, rng)
        writer.write(frame if size is None else cv2.resize(frame, out_size))
    writer.release()
    return path


def make_dataset(root: Path, images: int = 128, seed: int = 1) -> Path:
    """Write a YOLO dataset of random scenes under ``root``; return its data.yaml."""
    import yaml
    rng = np.random.default_rng(seed)
    for split, count in (("train", images), ("val", max(8, images // 8))):
        (root / "images" / split).mkdir(parents=True, exist_ok=True)
        (root / "labels" / split).mkdir(parents=True, exist_ok=True)
        for i in range(count):
            img, boxes = random_scene(rng)
            cv2.imwrite(str(root / "images" / split / f"{i}.jpg"), img)
            lines = [_yolo_label(c, b) for c, b in boxes]
            (root / "labels" / split / f"{i}.txt").write_text("".join(lines))
    data = root / "data.yaml"
    data.write_text(yaml.safe_dump({"path": str(root), "train": "images/train",
                                    "val": "images/val", "names": dict(enumerate(NAMES))}))
    return data


def _yolo_label(cls: int, box: Box) -> str:
    x0, y0, x1, y1 = max(0, box[0]), max(0, box[1]), min(W, box[2]), min(H, box[3])
    cx, cy, w, h = (x0 + x1) / 2 / W, (y0 + y1) / 2 / H, (x1 - x0) / W, (y1 - y0) / H
    return f"{cls} {cx:.5f} {cy:.5f} {w:.5f} {h:.5f}\n"


def model_yaml(out: Path, nc: int, scale: tuple[float, float, int] | None) -> Path:
    """Write YOLO11's detection YAML with ``nc`` classes (and, given, one custom scale
    [depth, width, max channels]); return its path."""
    import ultralytics
    import yaml
    base = Path(ultralytics.__file__).parent / "cfg" / "models" / "11" / "yolo11.yaml"
    cfg = yaml.safe_load(base.read_text())
    cfg["nc"] = nc
    if scale is not None:
        cfg["scales"] = {"n": list(scale)}
    path = out / ("yolo11-tiny.yaml" if scale else "yolo11n.yaml")
    path.write_text(yaml.safe_dump(cfg))
    return path


#: The tiny scale: a third of YOLO11n's depth, half its width (≈ 0.28 M parameters).
TINY_SCALE = (0.33, 0.125, 256)


def train_tiny(out: Path, epochs: int = 25, images: int = 128, imgsz: int = 256) -> Path:
    """Train a tiny YOLO11 from its YAML on a fresh synthetic dataset; return ``out/tiny.pt``."""
    from vision.detect import offline_environment
    offline_environment()
    from ultralytics import YOLO
    out = out.resolve()
    out.mkdir(parents=True, exist_ok=True)
    data = make_dataset(out / "dataset", images)
    model = YOLO(str(model_yaml(out, len(NAMES), TINY_SCALE)))
    model.train(data=str(data), epochs=epochs, imgsz=imgsz, batch=16, workers=0, device="cpu",
                project=str(out / "runs"), name="tiny", exist_ok=True, plots=False, val=False,
                verbose=False, amp=False, optimizer="AdamW", lr0=0.01, warmup_epochs=0,
                cos_lr=False, mosaic=0.0, close_mosaic=0, hsv_h=0.0, hsv_s=0.2, hsv_v=0.2,
                translate=0.05, scale=0.2, seed=0, deterministic=False)
    weights = out / "tiny.pt"
    shutil.copy(out / "runs" / "tiny" / "weights" / "last.pt", weights)
    return weights


def demo_config(out: Path, weights: Path, *, loop: bool = True, realtime: bool = True,
                fps: float = 5.0, stop_s: float = 3.0, count_s: float = 4.0) -> dict[str, Any]:
    """Return a cameras.yaml document for the two demo videos in ``out`` (two cameras in Huế)."""
    common = {"fps": fps, "loop": loop, "realtime": realtime, "image_size": [W, H]}
    return {
        "models": {"demo": {"weights": str(weights), "imgsz": 256, "conf": 0.25}},
        "labels": {"vehicle": ["car"], "person": ["person"], "water": ["water"]},
        "worker": {"heartbeat_s": 2, "latest_every_s": 1},
        "cameras": [
            {"id": "demo-le-loi", "name": "Lê Lợi (demo)", "lat": 16.4637, "lon": 107.5909,
             "road": "Lê Lợi", "direction": 90, "url": str(out / "traffic.mp4"), **common,
             "regions": {"road": ROAD, "no_stopping": NO_STOPPING},
             "rules": [{"type": "vehicle_count", "interval_s": count_s},
                       {"type": "no_stopping", "min_stop_s": stop_s}]},
            {"id": "demo-kim-long", "name": "Kim Long (demo)", "lat": 16.4620, "lon": 107.5560,
             "road": "Kim Long", "direction": 200, "public": True, "url": str(out / "flood.mp4"),
             **common, "regions": {"road": ROAD, "water_reference": WATER_REFERENCE},
             "rules": [{"type": "water_level", "min_cover": 0.5, "hold_s": 1.0},
                       {"type": "people_in_flood", "min_frames": 2, "window": 5}]},
        ],
    }


def write_demo(out: Path, epochs: int = 25, seconds: float = 14.0) -> Path:
    """Render both videos, train the tiny model and write ``out/cameras.yaml``; return it."""
    import yaml
    out = out.resolve()
    out.mkdir(parents=True, exist_ok=True)
    for name, scene in SCENES.items():
        render_video(out / f"{name}.mp4", scene, seconds)
    weights = train_tiny(out, epochs)
    path = out / "cameras.yaml"
    path.write_text(yaml.safe_dump(demo_config(out, weights), allow_unicode=True, sort_keys=False))
    return path
