"""The outbox: everything a camera worker sends to the server, from one thread, so that a slow
or absent server never stalls capture and detection.

In order of importance: camera status (registration, changes at once, heartbeats every
``heartbeat_s``), hits (batched, each batch with an Idempotency-Key and each hit with its own
``source.ref``, so retries never store twice; the evidence snapshot is uploaded first), and the
latest view of each camera (only the newest is kept). Unreachable server: hits wait (the oldest
are dropped past ``queue_size``) and sending resumes with back-off. Refused (4xx): logged with the
server's message and dropped, since sending it again cannot succeed.
"""
from __future__ import annotations

import logging
import threading
import time
import uuid
from collections import deque
from dataclasses import dataclass
from typing import Any

from server.client import ApiClient, ApiError, Backoff

log = logging.getLogger(__name__)

BATCH = 100


@dataclass
class PendingHit:
    """A hit event waiting to be sent, with its snapshot (name, JPEG bytes) if any."""

    camera_id: str
    event: dict[str, Any]
    snapshot: tuple[str, bytes] | None = None


class Outbox:
    """Send camera status, hits and latest views to the server from one thread (``run``)."""

    def __init__(self, client: ApiClient, cameras: dict[str, dict[str, Any]], heartbeat_s: float,
                 queue_size: int):
        self.client = client
        self.cameras = cameras  # camera id → registration body (name, lat, lon, …, status)
        self.heartbeat_s = heartbeat_s
        self.hits: deque[PendingHit] = deque()
        self.queue_size = queue_size
        self.latest: dict[str, bytes] = {}
        self.dirty: set[str] = set(cameras)
        self.cond = threading.Condition()
        self.closing = False
        self.dropped = 0
        self.sent = 0

    # -- called from camera threads ---------------------------------------------------------
    def set_status(self, camera_id: str, status: str, reason: str | None) -> None:
        """Record a camera's status; it is sent at once."""
        with self.cond:
            self.cameras[camera_id].update(status=status, reason=reason)
            self.dirty.add(camera_id)
            self.cond.notify()

    def add_hit(self, hit: PendingHit) -> None:
        """Queue a hit (dropping the oldest when the queue is full)."""
        with self.cond:
            if len(self.hits) >= self.queue_size:
                self.hits.popleft()
                self.dropped += 1
                log.warning("outbox full: dropped the oldest hit (%d so far)", self.dropped)
            self.hits.append(hit)
            self.cond.notify()

    def set_latest(self, camera_id: str, jpeg: bytes) -> None:
        """Offer the latest annotated view of a camera (replaces one not sent yet)."""
        with self.cond:
            self.latest[camera_id] = jpeg
            self.cond.notify()

    # -- the sending thread -----------------------------------------------------------------
    def register(self) -> None:
        """Register every camera now; raise ApiError if the server refuses one (a wrong token,
        a place outside the service region). An unreachable server is not an error here."""
        for camera_id in list(self.cameras):
            try:
                self._put_camera(camera_id)
            except ApiError as err:
                if err.status is not None:
                    raise
                log.warning("server unreachable; camera %s will register later", camera_id)

    def run(self) -> None:
        """Send until ``close`` is called and everything queued has gone (or cannot go)."""
        backoff, next_beat = Backoff(initial=1.0, cap=30.0), time.monotonic() + self.heartbeat_s
        while True:
            with self.cond:
                while not self._pending() and not self.closing and time.monotonic() < next_beat:
                    self.cond.wait(max(0.0, next_beat - time.monotonic()))
                if self.closing and not self._pending():
                    return
            if time.monotonic() >= next_beat:
                with self.cond:
                    self.dirty.update(self.cameras)
                next_beat = time.monotonic() + self.heartbeat_s
            try:
                self._send_round()
                backoff.reset()
            except ApiError as err:  # unreachable: wait, then try again (closing: give up)
                if self.closing:
                    log.error("giving up: %s; %d hit(s) not sent", err, len(self.hits))
                    return
                self.client.stop.wait(backoff.next())

    def close(self) -> None:
        """Ask ``run`` to finish once everything queued is sent."""
        with self.cond:
            self.closing = True
            self.cond.notify()

    def _pending(self) -> bool:
        return bool(self.dirty or self.hits or self.latest)

    def _send_round(self) -> None:
        with self.cond:
            dirty, self.dirty = self.dirty, set()
        try:
            for camera_id in sorted(dirty):
                self._refusable(self._put_camera, camera_id)
        except ApiError:
            with self.cond:
                self.dirty |= dirty
            raise
        while self.hits:
            with self.cond:
                batch = [self.hits.popleft() for _ in range(min(BATCH, len(self.hits)))]
            try:
                self._refusable(self._post_hits, batch)
            except ApiError:
                with self.cond:
                    self.hits.extendleft(reversed(batch))
                raise
        with self.cond:
            latest, self.latest = self.latest, {}
        for camera_id, jpeg in latest.items():
            self._refusable(self._put_image, camera_id, "latest", jpeg)

    def _refusable(self, fn, *args) -> None:  # noqa: ANN001
        """Run ``fn``; a refusal (4xx) is logged and dropped, unreachable is raised."""
        try:
            fn(*args)
        except ApiError as err:
            if err.status is None:
                raise
            log.error("server refused: %s", err)

    def _put_camera(self, camera_id: str) -> None:
        with self.cond:
            body = dict(self.cameras[camera_id])
        self.client.request("PUT", f"/api/v1/cameras/{camera_id}", json=body)

    def _put_image(self, camera_id: str, name: str, jpeg: bytes) -> None:
        self.client.request("PUT", f"/api/v1/cameras/{camera_id}/{name}.jpg", body=jpeg,
                            headers={"Content-Type": "image/jpeg"})

    def _post_hits(self, batch: list[PendingHit]) -> None:
        for hit in batch:
            if hit.snapshot is not None:
                try:
                    self._put_image(hit.camera_id, *hit.snapshot)
                except ApiError as err:
                    if err.status is None:
                        raise
                    log.error("snapshot refused, hit sent without it: %s", err)
                    hit.event["props"].pop("snapshot", None)
                hit.snapshot = None
        key = f"vision-{uuid.uuid4()}"
        self.client.request("POST", "/api/v1/events", json={"events": [h.event for h in batch]},
                            headers={"Idempotency-Key": key})
        self.sent += len(batch)
