"""The camera worker's parts that need no model: the config and its errors, the rules on
hand-made detections, and the `ioc` command staying light."""
from __future__ import annotations

import subprocess
import sys
import textwrap

import numpy as np
import pytest
import yaml

from vision.config import ConfigError, VisionConfig, load_config
from vision.detect import Detections
from vision.rules import Observation, build_rules
from vision.zones import Zones
from tests.helpers.server import ROOT

NAMES = {0: "person", 1: "car", 2: "water"}
EXAMPLE = ROOT / "vision" / "cameras.example.yaml"
ROAD = [[0, 100], [320, 100], [320, 240], [0, 240]]
NO_STOPPING = [[180, 110], [320, 110], [320, 165], [180, 165]]
REFERENCE = [[0, 140], [320, 140], [320, 160], [0, 160]]


def dets(*items: tuple[str, tuple, int]) -> Detections:
    """Detections from (label, (x0, y0, x1, y1), track id) triples."""
    ids = {v: k for k, v in NAMES.items()}
    xyxy = np.array([b for _, b, _ in items], np.float32).reshape(-1, 4)
    return Detections(xyxy, np.full(len(items), 0.9, np.float32),
                      np.array([ids[label] for label, _, _ in items], np.int64), NAMES,
                      np.array([t for _, _, t in items], np.int64))


def camera(rules: list[dict], **regions) -> tuple:  # noqa: ANN003
    cfg = VisionConfig.model_validate({
        "models": {"m": {"weights": "m.pt"}},
        "labels": {"vehicle": ["car"], "person": ["person"], "water": ["water"]},
        "cameras": [{"id": "cam", "lat": 16.46, "lon": 107.59, "url": "v.mp4",
                     "regions": regions, "rules": rules}]})
    cam = cfg.cameras[0]
    zones = Zones(cam)
    zones.resize(320, 240)
    return build_rules(cam, zones, cfg.labels)


def play(rules, frames) -> list:  # noqa: ANN001
    """Feed (t, Detections) frames to the rules; return [(t, hit)]."""
    image = np.zeros((240, 320, 3), np.uint8)
    return [(t, hit) for t, d in frames for rule in rules
            for hit in rule.observe(Observation(t, image, d))]


def test_example_config_is_valid():
    cfg = load_config(EXAMPLE)
    assert [c.id for c in cfg.cameras] == ["cam-le-loi-hung-vuong", "cam-kim-long-flood"]
    assert cfg.models["coco"].weights == EXAMPLE.parent / "models" / "yolo11n.pt"
    assert [c.kind for c in cfg.cameras] == ["stream", "snapshot"]


def test_config_errors_name_every_problem(tmp_path):
    doc = yaml.safe_load(EXAMPLE.read_text())
    cams = doc["cameras"]
    cams[0]["lat"] = 95
    cams[0]["regions"]["no_stopping"] = [[0, 0], [10, 10]]
    cams[1]["regions"].pop("water_reference")
    cams[1]["model"] = "flood"
    cams.append({**cams[0], "id": "Bad Id"})
    path = tmp_path / "cameras.yaml"
    path.write_text(yaml.safe_dump(doc))
    with pytest.raises(ConfigError) as err:
        load_config(path)
    text = str(err.value)
    assert "cameras[0].lat: Input should be less than or equal to 90" in text
    assert "cameras[0].regions.no_stopping" in text and "at least 3 points" in text
    assert "rules[0] (water_level) needs regions.water_reference" in text
    assert "cameras[2].id: String should match pattern" in text
    flood = {**cams[1], "regions": {"road": ROAD, "water_reference": REFERENCE}}
    cams[:] = [flood, dict(flood)]
    path.write_text(yaml.safe_dump(doc))
    with pytest.raises(ConfigError, match="ids must be unique; repeated: cam-kim-long-flood"):
        load_config(path)
    cams[1]["id"] = "other"
    path.write_text(yaml.safe_dump(doc))
    with pytest.raises(ConfigError, match=r"cameras\[0\].model: 'flood' is not in models \(coco\)"):
        load_config(path)


def test_config_file_problems(tmp_path):
    with pytest.raises(ConfigError, match="cannot read"):
        load_config(tmp_path / "missing.yaml")
    bad = tmp_path / "bad.yaml"
    bad.write_text("cameras:\n  - id: a\n   lat: 1\n")
    with pytest.raises(ConfigError, match="(?s)not valid YAML.*line 3"):
        load_config(bad)
    crossed = textwrap.dedent("""
        models: {m: {weights: m.pt}}
        cameras:
          - {id: a, lat: 16.4, lon: 107.5, url: v.mp4,
             regions: {road: [[0, 0], [10, 10], [10, 0], [0, 10]]}}
        """)
    bad.write_text(crossed)
    with pytest.raises(ConfigError, match="crosses itself"):
        load_config(bad)


def test_no_stopping_reports_a_stopped_vehicle_once():
    rules = camera([{"type": "no_stopping", "min_stop_s": 3}], no_stopping=NO_STOPPING)
    parked = ("car", (200, 120, 256, 156), 7)
    frames = [(t / 2, dets(parked, ("car", (60, 180, 120, 218), 8))) for t in range(12)]
    hits = play(rules, frames)
    assert [(t, h.category, h.props["track_id"], h.props["stopped_s"]) for t, h in hits] == \
        [(3.0, "camera.no_stopping", 7, 3.0)]
    assert hits[0][1].highlight == [0] and hits[0][1].props["box"] == [200, 120, 256, 156]
    assert hits[0][1].props["label"] == "car" and hits[0][1].severity == "moderate"


def test_no_stopping_ignores_moving_vehicles_people_and_other_places():
    rules = camera([{"type": "no_stopping", "min_stop_s": 3}], no_stopping=NO_STOPPING)
    frames = [(t / 2, dets(("car", (150 + 20 * t, 120, 206 + 20 * t, 156), 1),  # creeping
                           ("person", (250, 100, 270, 160), 2),                  # a person
                           ("car", (20, 180, 76, 216), 3),                       # outside
                           ("car", (200, 120, 256, 156), -1)))                   # untracked
              for t in range(20)]
    assert play(rules, frames) == []


def test_no_stopping_bridges_short_gaps_and_forgets_a_vehicle_that_left():
    rules = camera([{"type": "no_stopping", "min_stop_s": 3, "gap_s": 2}], no_stopping=NO_STOPPING)
    parked = ("car", (200, 120, 256, 156), 4)
    seen = [0, 1, 3, 4, 5, 6, 10, 11, 12, 13, 14]  # hidden at 2 s (short), away 7-9 s (left)
    hits = play(rules, [(t, dets(parked)) for t in seen])
    assert [(t, h.props["stopped_s"]) for t, h in hits] == [(3, 3.0), (13, 3.0)]


def test_vehicle_count_per_interval():
    rules = camera([{"type": "vehicle_count", "interval_s": 5}], road=ROAD)
    frames = [(t, dets(("car", (10 * t, 120, 10 * t + 50, 150), 1),
                       ("car", (200, 180, 250, 210), 2 if t < 3 else 3),
                       ("car", (100, 20, 150, 50), 9),      # off the road
                       ("person", (30, 150, 45, 200), 5)))
              for t in range(11)]
    hits = play(rules, frames)
    assert [t for t, _ in hits] == [5, 10]
    first = hits[0][1].props
    assert first == {"interval_s": 5, "count": 3, "max_in_view": 2, "mean_in_view": 2.0,
                     "by_label": {"car": 3}}
    assert hits[0][1].snapshot is False and hits[1][1].props["count"] == 2


def test_water_over_the_reference_is_a_flood_once_per_episode():
    rules = camera([{"type": "water_level", "min_cover": 0.5, "hold_s": 1, "repeat_s": 100}],
                   water_reference=REFERENCE)
    # under 50 % at 1 s; over from 2 s; a one-frame dip at 4 s; gone 6-7 s; back from 8 s
    level = [230, 152, 130, 130, 200, 130, 200, 200, 130, 130]
    frames = [(t, dets(("water", (0, y, 320, 240), -1))) for t, y in enumerate(level)]
    hits = play(rules, frames)
    assert [(t, h.props["cover"]) for t, h in hits] == [(3, 1.0), (9, 1.0)]
    assert hits[0][1].category == "camera.road_flooded" and hits[0][1].severity == "severe"


def test_people_in_flood_water():
    rules = camera([{"type": "people_in_flood", "min_frames": 2, "window": 4}], road=ROAD)
    water = ("water", (0, 150, 320, 240), -1)
    dry = ("person", (20, 60, 40, 120), 1)       # feet on the verge, above the water
    wading = ("person", (100, 130, 120, 190), 2)
    frames = [(0, dets(water, dry)), (1, dets(water, wading)), (2, dets(water)),
              (3, dets(water, wading, ("car", (200, 170, 260, 205), 3)))]
    hits = play(rules, frames)
    assert [(t, h.props) for t, h in hits] == [(3, {"persons": 1, "vehicles": 1})]
    assert hits[0][1].highlight == [1, 2]


def test_ioc_command_does_not_load_the_vision_stack():
    code = ("import sys; from click.testing import CliRunner; from server.cli import main; "
            "r = CliRunner().invoke(main, ['vision', 'run', '--help']); assert r.exit_code == 0; "
            "print(sorted(m for m in ('torch', 'cv2', 'ultralytics') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "[]"


def test_missing_extra_is_one_clear_message(tmp_path):
    code = ("import sys; sys.modules['ultralytics'] = None; from server.cli import main; "
            f"main(['vision', 'run', '--config', '{tmp_path / 'c.yaml'}', '--token', 't'])")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert out.returncode == 1
    assert "needs the vision extra" in out.stderr and "pip install 'hue-ioc[vision]'" in out.stderr
    assert "Traceback" not in out.stderr


def test_credentials_in_camera_urls_never_leave_the_worker():
    from vision.capture import redact
    assert redact("rtsp://admin:s3cret@10.0.0.5:554/Streaming/102") == \
        "rtsp://***@10.0.0.5:554/Streaming/102"
    assert redact("http://viewer@cam.local/snapshot.jpg") == "http://***@cam.local/snapshot.jpg"
    assert redact("/data/videos/le-loi.mp4") == "/data/videos/le-loi.mp4"
