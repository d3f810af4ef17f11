"""The camera worker: one thread per camera (capture → detect → track → rules → hits) and one
outbox thread that talks to the server. Models are loaded once at start and shared by the cameras
that use them; a model or server problem found at start stops the worker with a clear message.
"""
from __future__ import annotations

import logging
import threading
import time
from datetime import datetime, timezone
from typing import Any

import uuid6

from server.client import ApiClient
from vision.annotate import annotate, encode_jpeg
from vision.capture import CameraFeed, Frame, open_source
from vision.config import CameraConfig, VisionConfig
from vision.detect import Detector, load_detector
from vision.outbox import Outbox, PendingHit
from vision.rules import Hit, Observation, build_rules
from vision.track import Tracker
from vision.zones import Zones

log = logging.getLogger(__name__)

CHANNEL = "camera"
SHUTDOWN_S = 15.0


class CameraLoop:
    """One camera: its feed, tracker and rules; hits and views go to the outbox."""

    def __init__(self, cam: CameraConfig, cfg: VisionConfig, detector: Detector, outbox: Outbox,
                 stop: threading.Event):
        self.cam, self.cfg, self.detector, self.outbox = cam, cfg, detector, outbox
        self.zones = Zones(cam)
        self.rules = build_rules(cam, self.zones, cfg.labels)
        self.tracker = Tracker(cam.fps)
        self.feed = CameraFeed(open_source(cam, cfg.worker, stop),
                               lambda status, reason: outbox.set_status(cam.id, status, reason),
                               cfg.worker.reconnect_max_s)
        self.frames = 0
        self.hits = 0
        self._latest_at = float("-inf")

    def run(self) -> None:
        """Process frames until the feed ends (a video is over) or the worker stops."""
        try:
            for frame in self.feed:
                self.process(frame)
        except Exception:  # noqa: BLE001 - one broken camera must not stop the others
            log.exception("camera %s stopped on an error", self.cam.id)
            self.outbox.set_status(self.cam.id, "offline", "worker error (see the worker log)")

    def process(self, frame: Frame) -> list[Hit]:
        """Detect, track and apply the rules to one frame; queue hits and the latest view."""
        height, width = frame.image.shape[:2]
        self.zones.resize(width, height)
        dets = self.tracker.update(self.detector.detect([frame.image])[0], frame.image)
        obs = Observation(frame.t, frame.image, dets)
        hits = [hit for rule in self.rules for hit in rule.observe(obs)]
        for hit in hits:
            self.outbox.add_hit(self._pending(hit, obs))
        self.frames += 1
        self.hits += len(hits)
        if time.monotonic() - self._latest_at >= self.cfg.worker.latest_every_s:
            self._latest_at = time.monotonic()
            self.outbox.set_latest(self.cam.id, self._jpeg(obs, []))
        return hits

    def _jpeg(self, obs: Observation, highlight: list[int]) -> bytes:
        image = annotate(obs.image, obs.dets, self.zones, highlight, self.cam.id)
        return encode_jpeg(image, self.cfg.worker.jpeg_quality)

    def _pending(self, hit: Hit, obs: Observation) -> PendingHit:
        name = str(uuid6.uuid7())
        props = {"camera_id": self.cam.id, "road": self.cam.road, "direction": self.cam.direction,
                 "model": self.cfg.model_of(self.cam), **hit.props}
        snapshot = None
        if hit.snapshot:
            snapshot = (name, self._jpeg(obs, hit.highlight))
            props["snapshot"] = f"/api/v1/cameras/{self.cam.id}/{name}.jpg"
        event = {"kind": "camera_hit", "category": hit.category, "severity": hit.severity,
                 "lat": self.cam.lat, "lon": self.cam.lon,
                 "observed_at": datetime.now(timezone.utc).isoformat(),
                 "source": {"channel": CHANNEL, "ref": f"{self.cam.id}/{name}"},
                 "props": {k: v for k, v in props.items() if v is not None}}
        log.info("camera %s: %s %s", self.cam.id, hit.category, hit.props)
        return PendingHit(self.cam.id, event, snapshot)


def registration(cam: CameraConfig) -> dict[str, Any]:
    """Return the body of ``PUT /api/v1/cameras/{id}`` for ``cam`` (status not known yet)."""
    body = {"name": cam.name, "lat": cam.lat, "lon": cam.lon, "road": cam.road,
            "direction": cam.direction, "public": cam.public}
    return {k: v for k, v in body.items() if v is not None}


class Worker:
    """All cameras of one config. ``start`` loads models and registers cameras (raising
    ModelError or ApiError), ``wait`` blocks until every camera is done or ``stop`` is set."""

    def __init__(self, cfg: VisionConfig, url: str, token: str):
        self.cfg = cfg
        self.stop = threading.Event()
        self.client = ApiClient(url, token, retries=4, stop=threading.Event())
        self.outbox = Outbox(self.client, {c.id: registration(c) for c in cfg.cameras},
                             cfg.worker.heartbeat_s, cfg.worker.queue_size)
        self.loops: list[CameraLoop] = []
        self._threads: list[threading.Thread] = []

    def load_models(self) -> dict[str, Detector]:
        """Return the loaded detectors used by the cameras, by name; raise ModelError."""
        if self.cfg.worker.threads:
            import torch
            torch.set_num_threads(self.cfg.worker.threads)
        used = {self.cfg.model_of(cam) for cam in self.cfg.cameras}
        return {name: load_detector(name, self.cfg.models[name]) for name in sorted(used)}

    def start(self) -> None:
        """Load models, register the cameras and start every thread."""
        detectors = self.load_models()
        self.outbox.register()
        self.loops = [CameraLoop(cam, self.cfg, detectors[self.cfg.model_of(cam)], self.outbox,
                                 self.stop) for cam in self.cfg.cameras]
        sender = threading.Thread(target=self.outbox.run, name="outbox", daemon=True)
        self._threads = [threading.Thread(target=loop.run, name=f"camera-{loop.cam.id}",
                                          daemon=True) for loop in self.loops]
        for thread in [sender, *self._threads]:
            thread.start()
        self._sender = sender
        log.info("worker started: %d camera(s), models %s", len(self.loops), ", ".join(detectors))

    def wait(self) -> None:
        """Block until every camera is done (videos over) or ``stop`` is set, then shut down."""
        try:
            while any(t.is_alive() for t in self._threads) and not self.stop.wait(0.2):
                pass
        finally:
            self.shutdown()

    def shutdown(self) -> None:
        """Stop the cameras, mark them offline, send what is queued (at most SHUTDOWN_S)."""
        self.stop.set()
        for thread in self._threads:
            thread.join(SHUTDOWN_S)
        for cam in self.cfg.cameras:
            if self.outbox.cameras[cam.id].get("status") != "offline":
                self.outbox.set_status(cam.id, "offline", "the camera worker stopped")
        self.outbox.close()
        self._sender.join(SHUTDOWN_S)
        self.client.stop.set()
        frames = sum(loop.frames for loop in self.loops)
        log.info("worker stopped: %d frame(s) analysed, %d hit(s) found, %d sent, %d dropped",
                 frames, sum(loop.hits for loop in self.loops), self.outbox.sent,
                 self.outbox.dropped)
