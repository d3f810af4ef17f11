"""Settings, declared once with defaults and help text; overridable by ``IOC_*`` environment
variables (``DATABASE_URL`` for the store); validated at start.
"""
from __future__ import annotations

from pathlib import Path

from pydantic import AliasChoices, Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

ROOT = Path(__file__).resolve().parent.parent


class Settings(BaseSettings):
    """All server settings. ``Settings()`` reads the environment; CLI flags override fields."""

    model_config = SettingsConfigDict(env_prefix="IOC_", extra="forbid", validate_default=True,
                                      populate_by_name=True)

    host: str = Field("127.0.0.1", description="Address to bind (keep 127.0.0.1 unless behind a proxy).")
    port: int = Field(8888, ge=0, le=65535, description="HTTP port (0 picks a free one).")
    db: str = Field("sqlite:///var/ioc.sqlite3",
                    validation_alias=AliasChoices("DATABASE_URL", "IOC_DB"),
                    description="Store URL: sqlite:///PATH (embedded, default) or postgresql+psycopg://…")
    h3_res: int = Field(9, ge=0, le=15, description="H3 resolution of event cells.")
    region_buffer_km: float = Field(100.0, gt=0, le=500,
                                    description="How far beyond Huế's land (into the sea) points are accepted.")
    tz_offset: str = Field("+07:00", pattern=r"^[+-]\d\d:\d\d$", description="Offset used when writing times.")
    max_body_bytes: int = Field(8 * 1024 * 1024, gt=0, description="Largest accepted HTTP body.")
    max_batch: int = Field(10_000, gt=0, description="Most events in one POST.")
    ws_max_message_bytes: int = Field(64 * 1024, gt=0, description="Largest websocket message from a client.")
    ws_ping_interval: float = Field(20.0, gt=0, description="Seconds between websocket pings.")
    ws_ping_timeout: float = Field(60.0, gt=0, description="Close a websocket silent this long.")
    ws_max_pending_frames: int = Field(200, gt=0,
                                       description="Frames queued for a slow client before it is closed.")
    flush_ms: int = Field(100, ge=10, le=5000, description="Live batches go out at most this often.")
    allowed_origins: list[str] = Field(default_factory=list,
                                       description="Extra websocket origins allowed besides the server's own host.")
    kpi_cache_s: float = Field(2.0, ge=0, le=300,
                               description="Seconds the key figures (GET /api/v1/kpis) are reused.")
    static_dir: Path = Field(ROOT / "static", description="Folder of the wall, tablet and hotline pages.")
    log_level: str = Field("INFO", description="Logging level.")

    @field_validator("db")
    @classmethod
    def _known_scheme(cls, v: str) -> str:
        if not (v.startswith("sqlite:///") or v.startswith("postgresql")):
            raise ValueError("db must start with sqlite:/// or postgresql (e.g. postgresql+psycopg://…)")
        return v
