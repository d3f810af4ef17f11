"""The real camera worker (``ioc vision run`` as a child process) with a tiny YOLO trained offline
on drawn scenes: video → detections → rules → camera hits on a real server → a real websocket
client; live cameras (HTTP snapshot, MJPEG) that fail and come back; clear errors at start."""
from __future__ import annotations

import json
import signal
import subprocess
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import cv2
import numpy as np
import pytest
import yaml

from tests.helpers import collect_events, http, ioc_command, open_ws, recv_json
from vision.synthetic import demo_config, traffic_scene

WORKER_TIMEOUT = 300
#: The first test here also trains the tiny model (``vision_demo``): 1-3 minutes on a busy CPU.
pytestmark = pytest.mark.timeout(900)


def write_config(path, doc) -> str:  # noqa: ANN001
    path.write_text(yaml.safe_dump(doc, allow_unicode=True))
    return str(path)


def vision_cmd(*args: str) -> list[str]:
    return ioc_command() + ["vision", *args]


def subscribe(ws) -> None:  # noqa: ANN001
    ws.send(json.dumps({"op": "subscribe", "layers": ["cameras", "camera_hits"], "since": 0}))
    assert recv_json(ws)["op"] == "subscribed"


def test_worker_turns_videos_into_camera_hits_on_the_wall(server, operator, wall, vision_demo,
                                                          tmp_path):
    doc = demo_config(vision_demo, vision_demo / "tiny.pt", loop=False, realtime=False)
    config = write_config(tmp_path / "cameras.yaml", doc)
    with open_ws(server, wall) as ws:
        subscribe(ws)
        run = subprocess.run(vision_cmd("run", "--config", config, "--url", server.url,
                                        "--token", operator),
                             capture_output=True, text=True, timeout=WORKER_TIMEOUT)
        assert run.returncode == 0, run.stderr[-4000:]
        events = collect_events(ws, until_seq=server.core.store.last_seq(), timeout=30)
    cams = {c["id"]: c for c in doc["cameras"]}
    versions = [e for e in events if e["kind"] == "camera"]
    assert {e["props"]["camera_id"] for e in versions if e["status"] == "online"} == set(cams)
    listed = http("GET", server.url + "/api/v1/cameras", token=wall).body["cameras"]
    final = {c["id"]: c for c in listed}
    assert {(k, v["status"], v["reason"]) for k, v in final.items()} == \
        {(k, "offline", "end of the video") for k in cams}
    hits = [e for e in events if e["kind"] == "camera_hit"]
    for hit in hits:
        cam = cams[hit["props"]["camera_id"]]
        assert (hit["lat"], hit["lon"]) == (cam["lat"], cam["lon"]) and hit["area"]
        assert hit["props"]["road"] == cam["road"] and hit["props"]["model"] == "demo"
    by_cat: dict[str, list] = {}
    for hit in hits:
        by_cat.setdefault(hit["category"], []).append(hit)
    assert set(by_cat) == {"camera.vehicle_count", "camera.no_stopping", "camera.road_flooded",
                           "camera.people_in_flood"}
    check_traffic(by_cat, server, wall)
    check_flood(by_cat)
    for camera_id in cams:
        latest = http("GET", f"{server.url}/api/v1/cameras/{camera_id}/latest.jpg", token=wall)
        assert latest.status == 200 and decode(latest.raw).shape == (240, 320, 3)


def decode(jpeg: bytes) -> np.ndarray:
    return cv2.imdecode(np.frombuffer(jpeg, np.uint8), cv2.IMREAD_COLOR)


def check_traffic(by_cat: dict, server, wall) -> None:  # noqa: ANN001
    counts = by_cat["camera.vehicle_count"]
    assert len(counts) == 3  # 14 s of video, one count every 4 s of video time
    assert all(c["props"]["interval_s"] == 4 and c["props"]["count"] >= 1 for c in counts)
    assert all(set(c["props"]["by_label"]) == {"car"} for c in counts)
    # Only car A stops (2-8 s at x 200); car B passes outside the zone, car C creeps through it.
    [stop] = by_cat["camera.no_stopping"]
    props = stop["props"]
    assert props["camera_id"] == "demo-le-loi" and props["label"] == "car"
    assert 3 <= props["stopped_s"] < 6 and abs(props["box"][0] - 200) < 12
    assert stop["severity"] == "moderate" and stop["deadline"]
    snapshot = http("GET", server.url + props["snapshot"], token=wall)
    image = decode(snapshot.raw)
    x0, y0, x1, y1 = (int(v) for v in props["box"])
    red = (image[:, :, 2] > 180) & (image[:, :, 1] < 80) & (image[:, :, 0] < 80)
    assert red[max(y0 - 3, 0):y1 + 3, max(x0 - 3, 0):x1 + 3].sum() > 50, "the car is marked in red"


def check_flood(by_cat: dict) -> None:
    [flood] = by_cat["camera.road_flooded"]
    assert flood["props"]["camera_id"] == "demo-kim-long" and flood["props"]["cover"] >= 0.5
    assert flood["severity"] == "severe" and flood["props"]["snapshot"].endswith(".jpg")
    wading = by_cat["camera.people_in_flood"]
    assert wading and all(w["props"]["camera_id"] == "demo-kim-long" for w in wading)
    assert wading[0]["props"]["persons"] >= 1


class CameraSimulator:
    """A fake IP camera on a free port: ``/snapshot.jpg`` and ``/video.mjpg`` (MJPEG at 10
    frames/s) of the traffic scene. While ``down`` is set it answers 503 and cuts streams."""

    def __init__(self):
        self.down = threading.Event()
        self.closed = threading.Event()
        self.rng = np.random.default_rng(5)
        sim = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 - http.server's name
                sim.serve(self)

            def log_message(self, *args) -> None:  # noqa: ANN002
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def jpeg(self) -> bytes:
        return cv2.imencode(".jpg", traffic_scene(time.monotonic() % 14, self.rng))[1].tobytes()

    def serve(self, req: BaseHTTPRequestHandler) -> None:
        if self.down.is_set() or req.path not in ("/snapshot.jpg", "/video.mjpg"):
            req.send_error(503 if self.down.is_set() else 404)
            return
        req.send_response(200)
        if req.path == "/snapshot.jpg":
            data = self.jpeg()
            req.send_header("Content-Type", "image/jpeg")
            req.send_header("Content-Length", str(len(data)))
            req.end_headers()
            req.wfile.write(data)
            return
        req.send_header("Content-Type", "multipart/x-mixed-replace; boundary=frame")
        req.end_headers()
        while not (self.down.is_set() or self.closed.is_set()):
            data = self.jpeg()
            req.wfile.write(b"--frame\r\nContent-Type: image/jpeg\r\nContent-Length: "
                            + str(len(data)).encode() + b"\r\n\r\n" + data + b"\r\n")
            time.sleep(0.1)

    def stop(self) -> None:
        self.closed.set()
        self.httpd.shutdown()
        self.httpd.server_close()


def wait_status(ws, wanted: dict[str, str], timeout: float = 60.0) -> dict:  # noqa: ANN001
    """Read frames until every camera in ``wanted`` has that status; return their events."""
    seen: dict[str, dict] = {}
    deadline = time.monotonic() + timeout
    while any(seen.get(k, {}).get("status") != v for k, v in wanted.items()):
        frame = recv_json(ws, timeout=max(0.1, deadline - time.monotonic()))
        for ev in frame.get("events", []):
            if ev["kind"] == "camera":
                seen[ev["props"]["camera_id"]] = ev
    return seen


def test_live_cameras_go_offline_and_come_back(server, operator, wall, vision_demo, tmp_path):
    sim = CameraSimulator()
    place = {"lat": 16.4637, "lon": 107.5909, "fps": 4,
             "rules": [{"type": "vehicle_count", "interval_s": 1}]}
    doc = {"models": {"demo": {"weights": str(vision_demo / "tiny.pt"), "imgsz": 256}},
           "worker": {"heartbeat_s": 1, "stall_s": 2, "reconnect_max_s": 1, "latest_every_s": 1},
           "cameras": [{"id": "live-snapshot", "url": sim.url + "/snapshot.jpg",
                        "source": "snapshot", **place},
                       {"id": "live-mjpeg", "url": sim.url + "/video.mjpg", **place}]}
    config = write_config(tmp_path / "live.yaml", doc)
    both = ("live-snapshot", "live-mjpeg")
    with open_ws(server, wall) as ws:
        subscribe(ws)
        proc = subprocess.Popen(vision_cmd("run", "--config", config, "--url", server.url,
                                           "--token", operator),
                                stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        try:
            wait_status(ws, dict.fromkeys(both, "online"))
            sim.down.set()
            offline = wait_status(ws, dict.fromkeys(both, "offline"))
            assert "503" in offline["live-snapshot"]["props"]["reason"] or \
                "Unavailable" in offline["live-snapshot"]["props"]["reason"]
            assert sim.url.split("//")[1] in offline["live-mjpeg"]["props"]["reason"]
            sim.down.clear()
            wait_status(ws, dict.fromkeys(both, "online"))
            proc.send_signal(signal.SIGTERM)
            stopped = wait_status(ws, dict.fromkeys(both, "offline"))
            assert {e["props"]["reason"] for e in stopped.values()} == {"the camera worker stopped"}
            assert proc.wait(60) == 0
        finally:
            if proc.poll() is None:
                proc.kill()
            output = proc.communicate(timeout=30)[0]
            sim.stop()
    assert "vehicle_count" in output
    counts = http("GET", server.url + "/api/v1/events?kind=camera_hit", token=wall).body["events"]
    assert {e["props"]["camera_id"] for e in counts} == set(both)


@pytest.mark.parametrize("weights, command, message", [
    ("missing.pt", "run", "weights file {path} does not exist"),
    ("broken.pt", "check", "{path} is not a YOLO weights file"),
    ("yolo11n.yaml", "check", "{path} is a model description, not trained weights"),
])
def test_bad_weights_are_a_clear_error_at_start(tmp_path, weights, command, message):
    path = tmp_path / weights
    if weights != "missing.pt":
        path.write_text("nc: 80\n")
    doc = {"models": {"coco": {"weights": weights}},
           "cameras": [{"id": "c1", "lat": 16.46, "lon": 107.59, "url": "v.mp4"}]}
    config = write_config(tmp_path / "cameras.yaml", doc)
    extra = ["--token", "t", "--url", "http://127.0.0.1:9"] if command == "run" else []
    out = subprocess.run(vision_cmd(command, "--config", config, *extra), capture_output=True,
                         text=True, timeout=WORKER_TIMEOUT)
    assert out.returncode == 2, out.stderr
    assert message.format(path=path) in out.stderr and "Traceback" not in out.stderr


def test_unknown_class_and_refused_token(server, vision_demo, tmp_path):
    doc = {"models": {"demo": {"weights": str(vision_demo / "tiny.pt"), "classes": ["giraffe"]}},
           "cameras": [{"id": "c1", "lat": 16.46, "lon": 107.59, "url": "v.mp4"}]}
    out = subprocess.run(vision_cmd("check", "--config", write_config(tmp_path / "a.yaml", doc)),
                         capture_output=True, text=True, timeout=WORKER_TIMEOUT)
    assert out.returncode == 2 and "has no class giraffe; it knows person, car, water" in out.stderr
    doc["models"]["demo"]["classes"] = ["car"]
    config = write_config(tmp_path / "b.yaml", doc)
    out = subprocess.run(vision_cmd("check", "--config", config), capture_output=True,
                         text=True, timeout=WORKER_TIMEOUT)
    assert out.returncode == 0 and "camera c1: file at 1 frame/s, no rules" in out.stdout
    out = subprocess.run(vision_cmd("run", "--config", config, "--url", server.url,
                                    "--token", "ioc_wrong"),
                         capture_output=True, text=True, timeout=WORKER_TIMEOUT)
    assert out.returncode == 1 and "the server refused the cameras" in out.stderr
    assert "401" in out.stderr and "Traceback" not in out.stderr
