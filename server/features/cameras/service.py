"""Cameras on the server (no Tornado): registration and heartbeats from camera workers, camera
status on the wall, and the JPEGs the workers upload.

Each camera is one ``camera`` event (source ``camera``/its id, so registering twice finds the same
event) whose status the service changes in place with ``core.update`` (new seq, audited,
streamed): ``offline`` when the worker says so or falls silent for ``camera_stale_s``, ``online``
when it reports again. Images live under ``data_dir/cameras/{id}/``: ``latest.jpg`` (the latest
annotated view) and ``snapshots/{uuid}.jpg`` (evidence of hits, the oldest pruned beyond
``camera_snapshots_keep``), never in events.
"""
from __future__ import annotations

import asyncio
import logging
import os
import re
import tempfile
from pathlib import Path
from typing import Any, Awaitable, Callable, Literal

from pydantic import BaseModel, ConfigDict, Field

from server.core import policy
from server.core.auth import Principal, view_of
from server.features.cameras.kinds import CAMERA_ID
from server.core.errors import Conflict, Forbidden, NotFound, ValidationFailed, detail
from server.core.events import parse_model
from server.core.kit.feeds import every
from server.core.kit.follow import StoreFollower
from server.core.service import MAX_PAGE, EventService
from server.store import AuditEntry, EventQuery
from server.core.timefmt import to_rfc3339

log = logging.getLogger(__name__)

CHANNEL = "camera"
CAMERA_KINDS = frozenset({"camera"})
CAMERA_ID_RE = re.compile(CAMERA_ID)
IMAGE_NAME_RE = re.compile(r"^(latest|[0-9a-f-]{32,36})$")
JPEG_MAGIC = b"\xff\xd8\xff"
SAME_PLACE_DEG = 1e-6


class CameraIn(BaseModel):
    """What a worker sends on ``PUT /api/v1/cameras/{id}`` (registration and heartbeat)."""

    model_config = ConfigDict(extra="forbid")
    name: str = Field("", max_length=200)
    lat: float = Field(ge=-90, le=90, allow_inf_nan=False)
    lon: float = Field(ge=-180, le=180, allow_inf_nan=False)
    road: str | None = Field(None, max_length=200)
    direction: float | None = Field(None, ge=0, lt=360)
    public: bool = False
    status: Literal["online", "offline"] | None = Field(
        None, description="None: keep the stored status (a new camera starts offline).")
    reason: str | None = Field(None, max_length=500, description="Why it is offline.")


class CameraBook:
    """Camera id → its latest ``camera`` event (read from the store, then followed on the bus,
    so every node knows the cameras registered on the others)."""

    def __init__(self) -> None:
        self.events: dict[str, dict[str, Any]] = {}

    def __len__(self) -> int:
        return len(self.events)

    def observe(self, ev: dict[str, Any]) -> bool:
        """Take a wire event (other kinds and older versions are ignored); return True when it
        is a camera the book did not hold before."""
        if ev.get("kind") != "camera":
            return False
        camera_id = ev["props"]["camera_id"]
        old = self.events.get(camera_id)
        if old is None or old["seq"] < ev["seq"]:
            self.events[camera_id] = ev
        return old is None


def load_cameras(store: Any) -> CameraBook:
    """Return the CameraBook of every camera event in ``store`` (blocking: a reader thread)."""
    book, since = CameraBook(), 0
    while True:
        page = store.since(since, EventQuery(kinds=CAMERA_KINDS), MAX_PAGE)
        for ev in page.events:
            book.observe(ev)
        if len(page.events) < MAX_PAGE:
            return book
        since = page.next_since


class CameraService(StoreFollower[CameraBook]):
    """Camera registry, status and images on top of the EventService.
    ``CamerasFeature.install`` attaches it."""

    def __init__(self, core: EventService, data_dir: Path, stale_s: float, max_image_bytes: int,
                 keep_snapshots: int):
        super().__init__(core, CameraBook(), load_cameras, "the camera registry")
        self.root = Path(data_dir) / "cameras"
        self.stale_us = int(stale_s * 1_000_000)
        self.sweep_s = min(5.0, stale_s / 4)
        self.max_image_bytes = max_image_bytes
        self.keep_snapshots = keep_snapshots
        self._seen: dict[str, int] = {}  # camera id → last heartbeat (epoch µs)
        self._started = 0  # when the registry was loaded: silence is counted from here at most
        self._lock = asyncio.Lock()

    @property
    def _events(self) -> dict[str, dict[str, Any]]:
        """Return camera id → its latest camera event (the book)."""
        return self.book.events

    # -- background ------------------------------------------------------------------------
    async def bootstrap(self) -> int:
        """Read every camera event from the store (silence is counted from now on); return how
        many cameras are registered."""
        self._started = self.core.clock.now()
        return await super().bootstrap()

    def follow(self, events: list[dict[str, Any]]) -> None:
        """Take the camera events of every node into the book; a camera first heard of from
        another node counts as seen now (its silence is counted from here)."""
        for ev in events:
            if self.book.observe(ev):
                self._seen.setdefault(ev["props"]["camera_id"], self.core.clock.now())

    def loops(self) -> list[Callable[[], Awaitable[Any]]]:
        """Return the sweep (silent cameras → offline), started once the registry is read."""
        return [lambda: every(self.sweep_s, self.sweep, "camera sweep")]

    async def sweep(self) -> int:
        """Mark cameras offline whose last heartbeat is older than ``camera_stale_s``; return
        how many were marked."""
        now = self.core.clock.now()
        marked = 0
        for camera_id, ev in list(self._events.items()):
            silent = now - self._seen.get(camera_id, self._started)
            if ev["status"] == "online" and silent > self.stale_us:
                reason = f"no heartbeat for {silent / 1e6:.0f} s"
                if await self._set_status(camera_id, "offline", reason, None):
                    marked += 1
        return marked

    async def _ready(self) -> None:
        """Wait until the registry is loaded; raise Unavailable if the store does not answer."""
        await self.ready()

    # -- registration and heartbeats --------------------------------------------------------
    async def report(self, principal: Principal, camera_id: str, doc: Any) -> dict[str, Any]:
        """Register ``camera_id`` or record its heartbeat and status; return the camera as
        ``GET /api/v1/cameras`` lists it. Raise ValidationFailed, Forbidden or Conflict."""
        policy.require(principal, policy.EVENTS_POST)
        body = _parse_camera(camera_id, doc)
        await self._ready()
        async with self._lock:
            ev = await self._ensure_event(principal, camera_id, body)
            self._seen[camera_id] = self.core.clock.now()
            status = body.status or ev["status"]
            reason = ev["props"].get("reason") if body.status is None else body.reason
            props = self.core.kinds.get("camera").validate_props(
                _props(camera_id, body, reason if status == "offline" else None))
            if ev["status"] != status or ev["props"] != props:
                ev = await self._update(ev, status, props, principal, reason)
        return self._camera_json(ev)

    async def _ensure_event(self, principal: Principal, camera_id: str, body: CameraIn) -> dict:
        status = body.status or "offline"
        reason = body.reason if body.status else "waiting for the first frame"
        doc = {"kind": "camera", "category": "camera.device", "lat": body.lat, "lon": body.lon,
               "status": status, "source": {"channel": CHANNEL, "ref": camera_id},
               "props": _props(camera_id, body, reason if status == "offline" else None)}
        ev = (await self.core.ingest(doc, principal)).events[0]
        if abs(ev["lat"] - body.lat) > SAME_PLACE_DEG or abs(ev["lon"] - body.lon) > SAME_PLACE_DEG:
            raise Conflict(f"camera {camera_id!r} is registered at ({ev['lat']}, {ev['lon']}); "
                           "a camera that moved needs a new id",
                           [detail("lat", "differs from the registered place")])
        self._events[camera_id] = ev
        return ev

    async def _set_status(self, camera_id: str, status: str, reason: str | None,
                          principal: Principal | None) -> bool:
        async with self._lock:
            ev = self._events[camera_id]
            if ev["status"] == status:
                return False
            props = {**ev["props"], "reason": reason} if reason else ev["props"]
            await self._update(ev, status, props, principal, reason)
            return True

    async def _update(self, ev: dict, status: str, props: dict, principal: Principal | None,
                      reason: str | None) -> dict[str, Any]:
        audit = AuditEntry(action="camera.status", actor=principal.actor if principal else None,
                           role=principal.role if principal else "system", reason=reason,
                           data={"from": ev["status"], "to": status})
        new = await self.core.update(ev["id"], {"status": status, "props": props}, audit,
                                     expect_status=ev["status"])
        self._events[props["camera_id"]] = new
        log.info("camera %s: %s → %s (%s)", props["camera_id"], ev["status"], new["status"],
                 reason or "reported")
        return new

    # -- reading ---------------------------------------------------------------------------
    async def cameras(self, principal: Principal) -> list[dict[str, Any]]:
        """Return every camera ``principal`` may see, as ``_camera_json`` gives it."""
        view = view_of(principal)
        await self._ready()
        scope = view.scope(EventQuery())
        return [self._camera_json(self.core.render(ev, view),
                                  not view.public or ev["props"].get("public", False))
                for ev in sorted(self._events.values(), key=lambda e: e["props"]["camera_id"])
                if scope.matches(ev)]

    def _camera_json(self, ev: dict[str, Any], with_image: bool = True) -> dict[str, Any]:
        """Return ``{id, event_id, name, lat, lon, area, road, direction, public, status,
        reason, last_seen, latest: {url, at} | null}`` (times RFC 3339; ``latest`` is null when
        there is no image yet or the caller may not see it)."""
        props, camera_id = ev["props"], ev["props"]["camera_id"]
        latest = self._path(camera_id, "latest")
        seen = self._seen.get(camera_id)
        try:
            latest_json = {"url": f"/api/v1/cameras/{camera_id}/latest.jpg",
                           "at": to_rfc3339(int(latest.stat().st_mtime * 1e6), self.core.tz)}
        except FileNotFoundError:
            latest_json = None
        latest_json = latest_json if with_image else None
        return {"id": camera_id, "event_id": ev["id"], "name": props.get("name", ""),
                "lat": ev["lat"], "lon": ev["lon"], "area": ev["area"], "road": props.get("road"),
                "direction": props.get("direction"), "public": props.get("public", False),
                "status": ev["status"], "reason": props.get("reason"),
                "last_seen": to_rfc3339(seen, self.core.tz) if seen else None,
                "latest": latest_json}

    # -- images ----------------------------------------------------------------------------
    def _path(self, camera_id: str, name: str) -> Path:
        folder = self.root / camera_id
        return folder / "latest.jpg" if name == "latest" else folder / "snapshots" / f"{name}.jpg"

    def _known(self, camera_id: str) -> dict[str, Any]:
        if not CAMERA_ID_RE.match(camera_id) or camera_id not in self._events:
            raise NotFound(f"no camera {camera_id!r}; a worker registers it with PUT "
                           "/api/v1/cameras/{id}")
        return self._events[camera_id]

    async def save_image(self, principal: Principal, camera_id: str, name: str,
                         body: bytes) -> str:
        """Store a JPEG (``latest`` or a snapshot uuid) atomically; return its API path.
        Raise Forbidden, NotFound or ValidationFailed."""
        policy.require(principal, policy.EVENTS_POST)
        await self._ready()
        self._known(camera_id)
        if not IMAGE_NAME_RE.match(name):
            raise NotFound(f"an image is named latest.jpg or UUID.jpg, not {name!r}.jpg")
        if not body.startswith(JPEG_MAGIC):
            raise ValidationFailed("the body is not a JPEG image",
                                   [detail("body", "send the bytes of a JPEG (image/jpeg)")])
        path = self._path(camera_id, name)
        await asyncio.to_thread(_write_atomic, path, body)
        if name != "latest":
            await asyncio.to_thread(_prune, path.parent, self.keep_snapshots)
        return f"/api/v1/cameras/{camera_id}/{name}.jpg"

    async def read_image(self, principal: Principal, camera_id: str, name: str) -> bytes:
        """Return the bytes of a stored JPEG. The public may see only the latest image of a
        camera registered as public. Raise Unauthorized, Forbidden or NotFound."""
        view = view_of(principal)
        await self._ready()
        ev = self._known(camera_id)
        if view.public and not (name == "latest" and ev["props"].get("public")):
            raise Forbidden("camera images may show faces and plates; only the latest view of a "
                            "public camera is open to citizens")
        try:
            return await asyncio.to_thread(self._path(camera_id, name).read_bytes)
        except FileNotFoundError:
            raise NotFound(f"camera {camera_id!r} has no image {name}.jpg (yet)") from None


def _parse_camera(camera_id: str, doc: Any) -> CameraIn:
    if not CAMERA_ID_RE.match(camera_id):
        raise ValidationFailed("bad camera id", [detail("id", f"must match {CAMERA_ID}")])
    return parse_model(CameraIn, doc, "camera")


def _props(camera_id: str, body: CameraIn, reason: str | None) -> dict[str, Any]:
    props = {"camera_id": camera_id, "name": body.name, "road": body.road,
             "direction": body.direction, "public": body.public, "reason": reason}
    return {k: v for k, v in props.items() if v is not None}


def _write_atomic(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".upload-")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _prune(folder: Path, keep: int) -> None:
    files = sorted(folder.glob("*.jpg"), key=lambda p: p.stat().st_mtime)
    for old in files[:max(0, len(files) - keep)]:
        old.unlink(missing_ok=True)
