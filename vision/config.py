"""The camera registry and worker settings, read from YAML (``cameras.yaml``) and validated with
pydantic. ``load_config`` reports every problem with its path (``cameras[1].regions.road: …``)
so that an operator can fix the file without reading code. See docs/VISION.md for an example.
"""
from __future__ import annotations

from pathlib import Path
from typing import Annotated, Literal, Union
from urllib.parse import urlparse

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator
from shapely.geometry import Polygon

from server.features.cameras.kinds import CAMERA_ID

COCO_VEHICLES = ["bicycle", "car", "motorcycle", "bus", "truck"]
STREAM_SCHEMES = frozenset({"rtsp", "rtsps", "rtmp", "http", "https"})
NAME = r"^[A-Za-z0-9_-]{1,40}$"


class ConfigError(ValueError):
    """The configuration cannot be used; the message names every problem, one per line."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ModelConfig(_Strict):
    """A detector: its family (``yolo``), the weights file, and how it is run."""

    family: str = Field("yolo", description="Detector family (see vision.detect.DETECTORS).")
    weights: Path = Field(description="Weights file, relative to the config (e.g. yolo11n.pt).")
    imgsz: int = Field(640, ge=32, le=4096, description="Inference size in pixels (long side).")
    conf: float = Field(0.35, gt=0, lt=1, description="Lowest confidence kept.")
    iou: float = Field(0.5, gt=0, lt=1, description="IoU of non-maximum suppression.")
    device: str = Field("cpu", max_length=20, description="cpu, cuda:0, …")
    classes: list[str] | None = Field(None, description="Keep only these labels (default: all).")


class LabelGroups(_Strict):
    """Which detector labels count as vehicles, people and water (COCO names by default)."""

    vehicle: list[str] = Field(default_factory=lambda: list(COCO_VEHICLES))
    person: list[str] = Field(default_factory=lambda: ["person"])
    water: list[str] = Field(default_factory=lambda: ["water", "flood"])


Point = tuple[float, float]


class Regions(_Strict):
    """Regions of interest, as polygons of [x, y] pixels of the camera image."""

    road: list[Point] | None = Field(None, description="The road surface (counting, flooding).")
    no_stopping: list[Point] | None = Field(None, description="Where stopping is forbidden.")
    water_reference: list[Point] | None = Field(
        None, description="The reference the water must not cover (a curb band, a gauge mark).")

    @field_validator("road", "no_stopping", "water_reference")
    @classmethod
    def _polygon(cls, pts: list[Point] | None) -> list[Point] | None:
        if pts is None:
            return None
        if len(pts) < 3:
            raise ValueError("a region needs at least 3 points [x, y]")
        poly = Polygon(pts)
        if not poly.is_valid or poly.area <= 0:
            raise ValueError("the polygon crosses itself or has no area; list its corners in order")
        return pts


class VehicleCountRule(_Strict):
    """Count vehicles every ``interval_s`` (in ``region``; default: the road, else the frame)."""

    type: Literal["vehicle_count"]
    interval_s: float = Field(60.0, gt=0)
    region: str | None = None


class NoStoppingRule(_Strict):
    """A vehicle that stays in ``region`` for ``min_stop_s`` (moving less than ``max_move`` of
    its height) is a violation, reported once per vehicle with an annotated snapshot."""

    type: Literal["no_stopping"]
    min_stop_s: float = Field(60.0, gt=0)
    max_move: float = Field(0.5, gt=0, description="Drift allowed, as a share of the box height.")
    gap_s: float = Field(5.0, ge=0, description="Unseen this long, a vehicle has left (a shorter "
                         "gap, e.g. hidden by a bus, continues the same stop).")
    region: str = "no_stopping"


class WaterLevelRule(_Strict):
    """Water over at least ``min_cover`` of ``region`` for ``hold_s`` is a flood on the road,
    reported again every ``repeat_s`` while it lasts; it ends when the cover stays below for
    ``hold_s`` (shorter dips and blips are ignored)."""

    type: Literal["water_level"]
    min_cover: float = Field(0.5, gt=0, le=1)
    hold_s: float = Field(10.0, ge=0)
    repeat_s: float = Field(1800.0, gt=0)
    region: str = "water_reference"


class PeopleInFloodRule(_Strict):
    """People or vehicles standing in water (in ``region``; default: the road, else the frame)
    in ``min_frames`` of the last ``window`` frames; reported again after ``repeat_s``."""

    type: Literal["people_in_flood"]
    min_frames: int = Field(2, ge=1)
    window: int = Field(5, ge=1)
    repeat_s: float = Field(300.0, gt=0)
    region: str | None = None

    @model_validator(mode="after")
    def _window(self) -> "PeopleInFloodRule":
        if self.min_frames > self.window:
            raise ValueError("min_frames cannot exceed window")
        return self


RuleConfig = Annotated[Union[VehicleCountRule, NoStoppingRule, WaterLevelRule, PeopleInFloodRule],
                       Field(discriminator="type")]


class CameraConfig(_Strict):
    """One camera: identity and place, stream, sampling, regions and rules."""

    id: str = Field(pattern=CAMERA_ID)
    name: str = Field("", max_length=200)
    lat: float = Field(ge=-90, le=90)
    lon: float = Field(ge=-180, le=180)
    road: str | None = Field(None, max_length=200)
    direction: float | None = Field(None, ge=0, lt=360, description="Bearing it looks to (°).")
    url: str = Field(min_length=1, description="Video file, rtsp://, http(s):// MJPEG or snapshot.")
    source: Literal["auto", "file", "stream", "snapshot"] = "auto"
    fps: float = Field(1.0, gt=0, le=30, description="Frames analysed per second (0.2: every 5 s).")
    loop: bool = Field(False, description="Video files: start again at the end.")
    realtime: bool = Field(True, description="Video files: play at their own speed (else: fast).")
    model: str | None = Field(None, description="Name in `models` (default: the only model).")
    public: bool = Field(False, description="Citizens may watch its latest image.")
    image_size: tuple[int, int] | None = Field(None,
                                               description="[w, h] the regions are drawn on.")
    regions: Regions = Field(default_factory=Regions)
    rules: list[RuleConfig] = Field(default_factory=list)

    @model_validator(mode="after")
    def _rule_regions(self) -> "CameraConfig":
        for i, rule in enumerate(self.rules):
            if rule.region is not None and getattr(self.regions, rule.region, None) is None:
                raise ValueError(f"rules[{i}] ({rule.type}) needs regions.{rule.region}")
        return self

    @property
    def kind(self) -> str:
        """Return the source kind: ``file``, ``stream`` or ``snapshot``."""
        if self.source != "auto":
            return self.source
        return "stream" if urlparse(self.url).scheme in STREAM_SCHEMES else "file"


class WorkerConfig(_Strict):
    """How the worker runs and talks to the server."""

    threads: int = Field(0, ge=0, description="Torch threads (0: torch's default).")
    heartbeat_s: float = Field(15.0, gt=0, description="Camera status sent this often.")
    latest_every_s: float = Field(5.0, gt=0, description="latest.jpg uploaded at most this often.")
    jpeg_quality: int = Field(80, ge=10, le=100)
    reconnect_max_s: float = Field(60.0, gt=0, description="Longest wait between reconnects.")
    stall_s: float = Field(10.0, gt=0, description="A stream silent this long is reconnected.")
    queue_size: int = Field(1000, gt=0,
                            description="Hits kept for the server before the oldest go.")


class ServerConfig(_Strict):
    """Where the hits go (the token comes from --token or IOC_TOKEN, never from this file)."""

    url: str = "http://127.0.0.1:8888"


class VisionConfig(_Strict):
    """The whole file."""

    server: ServerConfig = Field(default_factory=ServerConfig)
    worker: WorkerConfig = Field(default_factory=WorkerConfig)
    labels: LabelGroups = Field(default_factory=LabelGroups)
    models: dict[Annotated[str, Field(pattern=NAME)], ModelConfig] = Field(min_length=1)
    cameras: list[CameraConfig] = Field(min_length=1)

    @model_validator(mode="after")
    def _references(self) -> "VisionConfig":
        ids = [c.id for c in self.cameras]
        dupes = sorted({i for i in ids if ids.count(i) > 1})
        if dupes:
            raise ValueError(f"camera ids must be unique; repeated: {', '.join(dupes)}")
        for i, cam in enumerate(self.cameras):
            if cam.model is None and len(self.models) > 1:
                raise ValueError(f"cameras[{i}].model: name one of {', '.join(self.models)}")
            if cam.model is not None and cam.model not in self.models:
                raise ValueError(f"cameras[{i}].model: {cam.model!r} is not in models "
                                 f"({', '.join(self.models)})")
        return self

    def model_of(self, cam: CameraConfig) -> str:
        """Return the name of the model ``cam`` uses."""
        return cam.model or next(iter(self.models))


def load_config(path: str | Path) -> VisionConfig:
    """Return the validated configuration in ``path``; relative weights and video paths are
    taken from the file's folder. Raise ConfigError naming every problem."""
    import yaml
    path = Path(path)
    try:
        doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ConfigError(f"cannot read {path}: {exc.strerror}") from None
    except yaml.YAMLError as exc:
        raise ConfigError(f"{path} is not valid YAML: {exc}") from None
    try:
        cfg = VisionConfig.model_validate(doc if doc is not None else {})
    except ValidationError as exc:
        raise ConfigError(f"{path}: {exc.error_count()} problem(s)\n" + _explain(exc)) from None
    return _resolve(cfg, path.resolve().parent)


def _explain(exc: ValidationError) -> str:
    lines = []
    for err in exc.errors(include_url=False):
        where = ""
        for part in err["loc"]:
            where += f"[{part}]" if isinstance(part, int) else (f".{part}" if where else str(part))
        lines.append(f"  {where or '(top)'}: {err['msg']}")
    return "\n".join(lines)


def _resolve(cfg: VisionConfig, base: Path) -> VisionConfig:
    for model in cfg.models.values():
        model.weights = model.weights if model.weights.is_absolute() else base / model.weights
    for cam in cfg.cameras:
        if cam.kind == "file" and not urlparse(cam.url).scheme and not Path(cam.url).is_absolute():
            cam.url = str(base / cam.url)
    return cfg
