"""Capture with OpenCV: frames of one camera sampled at ``fps`` frames per second, from a video
file, a live stream (RTSP, HTTP MJPEG) or an HTTP snapshot URL, reconnecting with back-off.

``open_source(cam, worker, stop)`` picks the FrameSource; ``CameraFeed`` iterates its frames,
reopens it after a failure (1 s, 2 s, 4 s … up to ``reconnect_max_s``) and reports each change of
status (``online`` / ``offline`` with a reason) to a callback. Credentials in URLs never reach logs
or the server (``redact``).
"""
from __future__ import annotations

import abc
import logging
import threading
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from typing import Callable, Iterator
from urllib.parse import urlparse, urlunparse

import cv2
import numpy as np

from server.client import Backoff
from vision.config import CameraConfig, WorkerConfig

log = logging.getLogger(__name__)

StatusCallback = Callable[[str, "str | None"], None]


class SourceError(RuntimeError):
    """The source cannot give a frame now (it may later)."""


class EndOfStream(Exception):
    """A video file ended (and does not loop)."""


@dataclass
class Frame:
    """A sampled frame: the BGR image and its time on the stream's clock (s)."""

    image: np.ndarray
    t: float


def redact(url: str) -> str:
    """Return ``url`` without its user name and password."""
    parts = urlparse(url)
    if not parts.password and not parts.username:
        return url
    host = parts.hostname or ""
    netloc = f"***@{host}" + (f":{parts.port}" if parts.port else "")
    return urlunparse(parts._replace(netloc=netloc))


class FrameSource(abc.ABC):
    """One camera's frames. ``read`` waits for the next sample and returns None once ``stop``
    is set; it raises SourceError (reconnect) or EndOfStream (a file is over)."""

    def __init__(self, cam: CameraConfig, worker: WorkerConfig, stop: threading.Event):
        self.cam = cam
        self.worker = worker
        self.stop = stop
        self.period = 1.0 / cam.fps
        self.label = redact(cam.url)

    @abc.abstractmethod
    def open(self) -> None:
        """Connect; raise SourceError."""

    @abc.abstractmethod
    def read(self) -> Frame | None:
        """Return the next sampled frame (None: stopped)."""

    def close(self) -> None:
        """Release the connection (safe to call when not open)."""


class VideoFileSource(FrameSource):
    """A video file, sampled on its own timeline; played at its speed when ``realtime``. The
    timeline goes on across loops and reopens."""

    def __init__(self, cam: CameraConfig, worker: WorkerConfig, stop: threading.Event):
        super().__init__(cam, worker, stop)
        self.cap = None
        self.t_last, self.next_t, self.clock0 = -self.period, 0.0, time.monotonic()

    def open(self) -> None:
        """Open the file."""
        self.cap = cv2.VideoCapture(self.cam.url)
        if not self.cap.isOpened():
            raise SourceError(f"cannot open video file {self.label}")
        self.native_fps = self.cap.get(cv2.CAP_PROP_FPS) or 25.0
        self.index = 0
        self.offset = self.t_last + self.period

    def read(self) -> Frame | None:
        """Skip (grab) frames until the next sample is due; decode and return it."""
        while True:
            if self.stop.is_set():
                return None
            if not self.cap.grab():
                self._end()
                continue
            t = self.offset + self.index / self.native_fps
            self.index += 1
            if t + 1e-6 >= self.next_t:
                break
        ok, image = self.cap.retrieve()
        if not ok:
            raise SourceError(f"cannot decode a frame of {self.label}")
        self.t_last, self.next_t = t, max(self.next_t + self.period, t)
        if self.cam.realtime and self.stop.wait(max(0.0, self.clock0 + t - time.monotonic())):
            return None
        return Frame(image, t)

    def _end(self) -> None:
        if not self.cam.loop:
            raise EndOfStream(self.label)
        self.offset += self.index / self.native_fps
        self.index = 0
        self.cap.set(cv2.CAP_PROP_POS_FRAMES, 0)

    def close(self) -> None:
        """Release the file."""
        if self.cap is not None:
            self.cap.release()
            self.cap = None


class VideoStreamSource(FrameSource):
    """A live stream (RTSP, HTTP MJPEG…) through FFmpeg. A reader thread grabs every frame (so
    the picture never lags) and decodes only the sampled ones."""

    def __init__(self, cam: CameraConfig, worker: WorkerConfig, stop: threading.Event):
        super().__init__(cam, worker, stop)
        self.reader: threading.Thread | None = None

    def open(self) -> None:
        """Connect (FFmpeg, with open and read timeouts of ``stall_s``) and start the reader."""
        ms = int(self.worker.stall_s * 1000)
        self.cap = cv2.VideoCapture(self.cam.url, cv2.CAP_FFMPEG,
                                    [cv2.CAP_PROP_OPEN_TIMEOUT_MSEC, ms,
                                     cv2.CAP_PROP_READ_TIMEOUT_MSEC, ms])
        if not self.cap.isOpened():
            self.cap.release()
            raise SourceError(f"cannot open stream {self.label}")
        self.cond = threading.Condition()
        self.latest: Frame | None = None
        self.failed: str | None = None
        self.closing = threading.Event()
        self.reader = threading.Thread(target=self._read_loop, daemon=True,
                                       name=f"grab-{self.cam.id}")
        self.reader.start()

    def _read_loop(self) -> None:
        due = time.monotonic()
        while not (self.closing.is_set() or self.stop.is_set()):
            if not self.cap.grab():
                self._publish(None, f"stream {self.label} stopped sending")
                return
            now = time.monotonic()
            if now >= due:
                ok, image = self.cap.retrieve()
                self._publish(Frame(image, now) if ok else None,
                              None if ok else f"cannot decode {self.label}")
                due = max(due + self.period, now)

    def _publish(self, frame: Frame | None, error: str | None) -> None:
        with self.cond:
            self.latest, self.failed = frame or self.latest, error
            self.cond.notify_all()

    def read(self) -> Frame | None:
        """Wait for the next sampled frame; raise SourceError after ``stall_s`` without one."""
        deadline = time.monotonic() + self.worker.stall_s
        with self.cond:
            while self.latest is None and self.failed is None and not self.stop.is_set():
                if not self.cond.wait(min(0.5, max(0.0, deadline - time.monotonic()))) \
                        and time.monotonic() >= deadline:
                    raise SourceError(f"no frame from {self.label} for {self.worker.stall_s:g} s")
            frame, self.latest = self.latest, None
            if frame is None and self.failed:
                raise SourceError(self.failed)
        return None if self.stop.is_set() else frame

    def close(self) -> None:
        """Stop the reader and release the stream."""
        if self.reader is None:
            return
        self.closing.set()
        self.reader.join(self.worker.stall_s + 5)
        self.cap.release()
        self.reader = None


class SnapshotSource(FrameSource):
    """An HTTP(S) URL that answers one JPEG per request, fetched once per sampling period.
    ``user:password@`` in the URL is sent as HTTP basic or digest authentication."""

    def __init__(self, cam: CameraConfig, worker: WorkerConfig, stop: threading.Event):
        super().__init__(cam, worker, stop)
        self.due = time.monotonic()

    def open(self) -> None:
        """Prepare the HTTP opener (the first fetch tells whether the camera answers)."""
        parts = urlparse(self.cam.url)
        handlers = []
        if parts.username:
            mgr = urllib.request.HTTPPasswordMgrWithDefaultRealm()
            netloc = parts.hostname + (f":{parts.port}" if parts.port else "")
            self.url = urlunparse(parts._replace(netloc=netloc))
            mgr.add_password(None, self.url, parts.username, parts.password or "")
            handlers = [urllib.request.HTTPBasicAuthHandler(mgr),
                        urllib.request.HTTPDigestAuthHandler(mgr)]
        else:
            self.url = self.cam.url
        self.opener = urllib.request.build_opener(*handlers)

    def read(self) -> Frame | None:
        """Wait until the next sample is due, fetch and decode it."""
        if self.stop.wait(max(0.0, self.due - time.monotonic())):
            return None
        now = time.monotonic()
        self.due = max(self.due + self.period, now)
        try:
            with self.opener.open(self.url, timeout=self.worker.stall_s) as res:
                data = res.read()
        except (urllib.error.URLError, OSError) as exc:
            raise SourceError(f"snapshot {self.label}: {getattr(exc, 'reason', exc)}") from None
        image = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_COLOR)
        if image is None:
            raise SourceError(f"snapshot {self.label} did not return an image")
        return Frame(image, now)


SOURCES: dict[str, type[FrameSource]] = {"file": VideoFileSource, "stream": VideoStreamSource,
                                         "snapshot": SnapshotSource}


def open_source(cam: CameraConfig, worker: WorkerConfig, stop: threading.Event) -> FrameSource:
    """Return the FrameSource for ``cam`` (by ``cam.kind``), not yet opened."""
    return SOURCES[cam.kind](cam, worker, stop)


class CameraFeed:
    """Iterate a source's frames, reconnecting with back-off; ``on_status(status, reason)`` is
    called when the camera goes ``online`` or ``offline``."""

    def __init__(self, source: FrameSource, on_status: StatusCallback, reconnect_max_s: float):
        self.source = source
        self.on_status = on_status
        self.backoff = Backoff(initial=1.0, cap=reconnect_max_s)
        self.status: str | None = None

    def _set(self, status: str, reason: str | None) -> None:
        if status != self.status:
            self.status = status
            log.log(logging.INFO if status == "online" else logging.WARNING, "camera %s %s%s",
                    self.source.cam.id, status, f": {reason}" if reason else "")
            self.on_status(status, reason)

    def __iter__(self) -> Iterator[Frame]:
        stop = self.source.stop
        while not stop.is_set():
            try:
                self.source.open()
                while (frame := self.source.read()) is not None:
                    self._set("online", None)
                    self.backoff.reset()
                    yield frame
                return
            except EndOfStream:
                self._set("offline", "end of the video")
                return
            except SourceError as exc:
                self._set("offline", str(exc))
            finally:
                self.source.close()
            stop.wait(self.backoff.next())
