"""``ioc vision …``: run camera workers, check a config, make demo data. This module stays light
(click only); torch, ultralytics and OpenCV are imported when a command needs them, and a missing
``vision`` extra is one clear message instead of a traceback."""
from __future__ import annotations

import importlib
import logging
import signal
from pathlib import Path

import click

log = logging.getLogger(__name__)

EXTRA_MODULES = ("yaml", "cv2", "torch", "ultralytics", "lap")
EXIT_CONFIG = 2


def require_extra() -> None:
    """Set ultralytics' offline environment, then raise ClickException unless the vision
    extra's packages import."""
    from vision.detect import offline_environment
    offline_environment()
    for name in EXTRA_MODULES:
        try:
            importlib.import_module(name)
        except ImportError as exc:
            raise click.ClickException(
                f"the camera worker needs the vision extra, and {name!r} does not import ({exc}). "
                "Install it: pip install 'hue-ioc[vision]' (or `make test`); see README "
                "'Cameras with AI' for a CPU-only torch.") from None


def _config(path: str):  # noqa: ANN202 - VisionConfig, imported lazily
    from vision.config import ConfigError, load_config
    try:
        return load_config(path)
    except ConfigError as exc:
        click.echo(f"Lỗi cấu hình / config error: {exc}", err=True)
        raise SystemExit(EXIT_CONFIG) from None


def register(cli: click.Group) -> None:
    """Add the ``vision`` group to ``cli`` (the entry point of group ``ioc.plugins``)."""
    cli.add_command(vision)


@click.group("vision")
def vision() -> None:
    """Camera workers: OpenCV capture, YOLO detection, camera hits on the map (needs the
    vision extra)."""


@vision.command("run")
@click.option("--config", "config_path", required=True, type=click.Path(dir_okay=False),
              help="Camera registry and worker settings (cameras.yaml).")
@click.option("--url", envvar="IOC_URL", default=None,
              help="Server (default: server.url of the config).")
@click.option("--token", envvar="IOC_TOKEN", required=True, help="Operator token (or IOC_TOKEN).")
def run(config_path: str, url: str | None, token: str) -> None:
    """Analyse every camera of CONFIG and post camera hits to the server until stopped (Ctrl-C);
    a config of video files without loop ends when the videos do."""
    require_extra()
    from server.client import ApiError
    from vision.detect import ModelError
    from vision.worker import Worker
    cfg = _config(config_path)
    worker = Worker(cfg, url or cfg.server.url, token)
    try:
        worker.start()
    except ModelError as exc:
        click.echo(f"Lỗi mô hình / model error: {exc}", err=True)
        raise SystemExit(EXIT_CONFIG) from None
    except ApiError as exc:
        raise click.ClickException(f"the server refused the cameras: {exc}") from None
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: worker.stop.set())
    click.echo(f"Đang phân tích {len(cfg.cameras)} camera / analysing {len(cfg.cameras)} camera(s) "
               f"→ {url or cfg.server.url}")
    worker.wait()
    click.echo(f"Đã dừng / stopped: {worker.outbox.sent} hit(s) sent")


@vision.command("check")
@click.option("--config", "config_path", required=True, type=click.Path(dir_okay=False))
def check(config_path: str) -> None:
    """Validate CONFIG and load its models (no server, no cameras)."""
    require_extra()
    from vision.detect import ModelError, load_detector
    cfg = _config(config_path)
    for name, model in cfg.models.items():
        try:
            det = load_detector(name, model)
        except ModelError as exc:
            click.echo(f"Lỗi mô hình / model error: {exc}", err=True)
            raise SystemExit(EXIT_CONFIG) from None
        click.echo(f"model {name}: {model.weights.name}, {len(det.names)} classes")
    for cam in cfg.cameras:
        rules = ", ".join(r.type for r in cam.rules) or "no rules"
        click.echo(f"camera {cam.id}: {cam.kind} at {cam.fps:g} frame/s, {rules}")
    click.echo("OK")


@vision.command("synth")
@click.argument("out", type=click.Path(file_okay=False))
@click.option("--epochs", type=int, default=25, show_default=True, help="Training epochs.")
@click.option("--seconds", type=float, default=14.0, show_default=True, help="Video length.")
def synth(out: str, epochs: int, seconds: float) -> None:
    """Make demo data in OUT without a camera or internet: two videos of drawn street scenes, a
    tiny YOLO trained on such drawings, and OUT/cameras.yaml to run them."""
    require_extra()
    from vision.synthetic import write_demo
    path = write_demo(Path(out), epochs, seconds)
    click.echo(f"Đã tạo / written: {path}\n  ioc vision run --config {path} --token TOKEN")
