"""Settings, declared once with defaults and help text; overridable by ``IOC_*`` environment
variables (``DATABASE_URL`` for the store); validated at start.

``CoreSettings`` holds the platform's settings; each feature declares its own in
``server/features/<name>/settings.py``. The server's ``Settings`` (``server.features.Settings``)
is composed of them all.
"""
from __future__ import annotations

from pathlib import Path

from typing import Literal

from pydantic import AliasChoices, Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

ROOT = Path(__file__).resolve().parents[2]


class SettingsBase(BaseSettings):
    """The base of every settings class, the core's and each feature's: the same ``IOC_*``
    environment variables, unknown fields refused, defaults validated, fields set by name."""

    model_config = SettingsConfigDict(env_prefix="IOC_", extra="forbid", validate_default=True,
                                      populate_by_name=True)


class CoreSettings(SettingsBase):
    """The platform's settings: address, store, region, limits, websockets, bus, files."""

    host: str = Field("127.0.0.1",
                      description="Address to bind (keep 127.0.0.1 unless behind a proxy).")
    port: int = Field(8888, ge=0, le=65535, description="HTTP port (0 picks a free one).")
    db: str = Field("sqlite:///var/ioc.sqlite3",
                    validation_alias=AliasChoices("DATABASE_URL", "IOC_DB"),
                    description="Store URL: sqlite:///PATH (embedded, default) or postgresql+psycopg://…")
    h3_res: int = Field(9, ge=0, le=15, description="H3 resolution of event cells.")
    region_buffer_km: float = Field(100.0, gt=0, le=500,
                                    description="How far beyond Huế's land (into the sea) points "
                                                "are accepted.")
    land_tolerance_km: float = Field(2.0, ge=0, le=50, description="How far beyond Huế's 40 "
                                     "communes the points of land kinds (reports, questions, an "
                                     "SOS not at sea) are accepted.")
    observed_max_age_days: float = Field(3650.0, gt=0, description="How far in the past a trusted "
                                         "source (staff, machine feeds) may date an event's "
                                         "observed_at (history imports route by the boundaries "
                                         "then in force).")
    observed_max_ahead_s: float = Field(300.0, ge=0, le=86_400, description="How far in the "
                                        "future a trusted source may date observed_at (clock "
                                        "skew). Public input always gets the receipt time.")
    tz_offset: str = Field("+07:00", pattern=r"^[+-]\d\d:\d\d$",
                           description="Offset used when writing times.")
    max_body_bytes: int = Field(8 * 1024 * 1024, gt=0, description="Largest accepted HTTP body.")
    max_batch: int = Field(10_000, gt=0, description="Most events in one POST.")
    rate_token_per_s: float = Field(50.0, ge=0, description="Requests per second a staff token "
                                    "(every role but public) may make, sustained; 0: no limit.")
    rate_token_burst: int = Field(500, ge=0, description="Requests a staff token may make at once "
                                  "before the per-second rate applies.")
    rate_address_per_s: float = Field(10.0, ge=0, description="Requests per second from one "
                                      "address without a token or with the shared public token; "
                                      "0: no limit.")
    rate_address_burst: int = Field(200, ge=0,
                                    description="Requests one such address may make at once.")
    rate_sos_per_s: float = Field(2.0, ge=0, description="Public SOS per second from one address, "
                                  "sustained (a bucket of its own: other requests never use it up; "
                                  "a first SOS is never refused); 0: no limit.")
    rate_sos_burst: int = Field(60, ge=0, description="Public SOS one address may send at once "
                                "(generous: many phones may share one carrier address).")
    store_retry_after_s: int = Field(5, ge=1, le=3600, description="Retry-After (seconds) of the "
                                     "503 answered while the database cannot be reached.")
    store_timeout_s: float = Field(10.0, gt=0, le=3600, description="Longest a request waits "
                                   "for the database (queue included) before it answers 503 "
                                   "with Retry-After: a silent network cut or a locked database "
                                   "never hangs a request.")
    ws_max_message_bytes: int = Field(64 * 1024, gt=0,
                                      description="Largest websocket message from a client.")
    ws_ping_interval: float = Field(20.0, gt=0, description="Seconds between websocket pings.")
    ws_ping_timeout: float = Field(60.0, gt=0, description="Close a websocket silent this long.")
    ws_max_pending_frames: int = Field(200, gt=0, description="Frames queued for a slow client "
                                       "before it is closed.")
    ws_soft_pending_bytes: int = Field(1024 * 1024, gt=0, description="Bytes queued for a client "
                                       "past which it gets summaries instead of events until it "
                                       "has drained (then it catches up).")
    ws_max_pending_bytes: int = Field(8 * 1024 * 1024, gt=0, description="Bytes queued for a "
                                      "client past which it is closed (1013; it resumes with "
                                      "since).")
    ws_max_congested_s: float = Field(30.0, gt=0, description="A client that stays past the soft "
                                      "mark this long is closed (1013; it resumes with since).")
    ws_fanout: Literal["grouped", "per_event"] = Field(
        "grouped", description="grouped: one frame per flush and group of equal subscribers, "
        "encoded once; per_event: one message per event and client (the naive broadcast, kept "
        "for the load benchmark's comparison).")
    ws_max_messages_per_s: float = Field(20.0, gt=0, description="Messages a websocket client may "
                                         "send per second (bursts of twice as many); beyond: an "
                                         "error frame and close 1008.")
    ws_token_check_s: float = Field(10.0, gt=0, description="How often each node checks that the "
                                    "tokens of its open websockets are still live (a revocation "
                                    "announced on the bus closes them at once; this catches one "
                                    "whose announcement was lost, and expiry).")
    flush_ms: int = Field(100, ge=10, le=5000,
                          description="Live batches go out at most this often.")
    allowed_origins: list[str] = Field(default_factory=list, description="Extra websocket "
                                       "origins allowed besides the server's own.")
    public_url: str | None = Field(None, pattern=r"^https?://[^/\s]+(/\S*)?$",
                                   description="The address browsers reach the server at (e.g. "
                                   "https://ioc.hue.gov.vn): its origin may open websockets. "
                                   "Default: the address the server is bound to (HOST:PORT).")
    # -- several nodes (see docs/SCALING.md) ------------------------------------------------------
    bus: str = Field("memory", pattern=r"^(memory|rediss?://\S+|unix://\S+)$",
                     description="Event bus: memory (one node) or a Redis URL "
                                 "(redis://host:6379/0) shared by several nodes on one PostGIS "
                                 "store.")
    node_id: str | None = Field(None, pattern=r"^[A-Za-z0-9_.:-]{1,64}$",
                                description="This node's name on the bus; keep it stable across "
                                            "restarts so the node resumes its Redis consumer group "
                                            "(default: host-pid).")
    bus_stream: str = Field("ioc:events", min_length=1,
                            description="Redis stream of committed events.")
    bus_stream_maxlen: int = Field(100_000, ge=1000, description="Entries (batches) the Redis "
                                   "stream keeps (approximate trim).")
    bus_gap_ms: int = Field(200, ge=10, le=10_000, description="A seq gap the stream has not "
                            "filled after this long is filled from the store.")
    bus_poll_ms: int = Field(1000, ge=50, le=60_000, description="How often a node compares the "
                             "store's head with what it delivered (catch-up while Redis is down).")
    kpi_cache_s: float = Field(2.0, ge=0, le=300,
                               description="Seconds the key figures (GET /api/v1/kpis) are reused.")
    static_dir: Path = Field(ROOT / "static",
                             description="Folder of the wall, tablet and hotline pages.")
    log_level: str = Field("INFO", description="Logging level.")
    data_dir: Path = Field(Path("var"), description="Folder for files kept beside the store: "
                           "camera images under cameras/, the generated secret key when "
                           "IOC_SECRET_KEY is not set.")
    feed_flush_ms: int = Field(100, ge=10, le=5000,
                               description="AIS and MQTT feeds hand their events to the store "
                                           "in batches at most this often.")

    @field_validator("db")
    @classmethod
    def _known_scheme(cls, v: str) -> str:
        if not (v.startswith("sqlite:///") or v.startswith("postgres")):
            raise ValueError("db must start with sqlite:/// or postgresql (e.g. postgresql+psycopg://…)")
        return v
