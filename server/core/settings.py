"""Settings, declared once with defaults and help text; overridable by ``IOC_*`` environment
variables (``DATABASE_URL`` for the store); validated at start.
"""
from __future__ import annotations

from pathlib import Path

from typing import Literal

from pydantic import AliasChoices, Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

ROOT = Path(__file__).resolve().parents[2]


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
    rate_token_per_s: float = Field(50.0, ge=0, description="Requests per second a staff token "
                                    "(every role but public) may make, sustained; 0: no limit.")
    rate_token_burst: int = Field(500, ge=0, description="Requests a staff token may make at once "
                                  "before the per-second rate applies.")
    rate_address_per_s: float = Field(10.0, ge=0, description="Requests per second from one address "
                                      "without a token or with the shared public token; 0: no limit.")
    rate_address_burst: int = Field(200, ge=0, description="Requests one such address may make at once.")
    rate_sos_per_s: float = Field(2.0, ge=0, description="Public SOS per second from one address, "
                                  "sustained (a bucket of its own: other requests never use it up; "
                                  "a first SOS is never refused); 0: no limit.")
    rate_sos_burst: int = Field(60, ge=0, description="Public SOS one address may send at once "
                                "(generous: many phones may share one carrier address).")
    store_retry_after_s: int = Field(5, ge=1, le=3600, description="Retry-After (seconds) of the 503 "
                                     "answered while the database cannot be reached.")
    store_timeout_s: float = Field(10.0, gt=0, le=3600, description="Longest a request waits "
                                   "for the database (queue included) before it answers 503 "
                                   "with Retry-After: a silent network cut or a locked database "
                                   "never hangs a request.")
    ws_max_message_bytes: int = Field(64 * 1024, gt=0, description="Largest websocket message from a client.")
    ws_ping_interval: float = Field(20.0, gt=0, description="Seconds between websocket pings.")
    ws_ping_timeout: float = Field(60.0, gt=0, description="Close a websocket silent this long.")
    ws_max_pending_frames: int = Field(200, gt=0,
                                       description="Frames queued for a slow client before it is closed.")
    ws_soft_pending_bytes: int = Field(1024 * 1024, gt=0, description="Bytes queued for a client "
                                       "past which it gets summaries instead of events until it "
                                       "has drained (then it catches up).")
    ws_max_pending_bytes: int = Field(8 * 1024 * 1024, gt=0, description="Bytes queued for a "
                                      "client past which it is closed (1013; it resumes with since).")
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
    flush_ms: int = Field(100, ge=10, le=5000, description="Live batches go out at most this often.")
    allowed_origins: list[str] = Field(default_factory=list, description="Extra websocket "
                                       "origins allowed besides the server's own.")
    public_url: str | None = Field(None, pattern=r"^https?://[^/\s]+(/\S*)?$",
                                   description="The address browsers reach the server at (e.g. "
                                   "https://ioc.hue.gov.vn): its origin may open websockets. "
                                   "Default: the address the server is bound to (HOST:PORT).")
    # -- several nodes (see docs/SCALING.md) ------------------------------------------------------
    bus: str = Field("memory", pattern=r"^(memory|rediss?://\S+|unix://\S+)$",
                     description="Event bus: memory (one node) or a Redis URL (redis://host:6379/0) "
                                 "shared by several nodes on one PostGIS store.")
    node_id: str | None = Field(None, pattern=r"^[A-Za-z0-9_.:-]{1,64}$",
                                description="This node's name on the bus; keep it stable across "
                                            "restarts so the node resumes its Redis consumer group "
                                            "(default: host-pid).")
    bus_stream: str = Field("ioc:events", min_length=1, description="Redis stream of committed events.")
    bus_stream_maxlen: int = Field(100_000, ge=1000, description="Entries (batches) the Redis stream "
                                   "keeps (approximate trim).")
    bus_gap_ms: int = Field(200, ge=10, le=10_000, description="A seq gap the stream has not filled "
                            "after this long is filled from the store.")
    bus_poll_ms: int = Field(1000, ge=50, le=60_000, description="How often a node compares the "
                             "store's head with what it delivered (catch-up while Redis is down).")
    kpi_cache_s: float = Field(2.0, ge=0, le=300,
                               description="Seconds the key figures (GET /api/v1/kpis) are reused.")
    static_dir: Path = Field(ROOT / "static", description="Folder of the wall, tablet and hotline pages.")
    log_level: str = Field("INFO", description="Logging level.")
    data_dir: Path = Field(Path("var"), description="Folder for files kept beside the store: camera "
                           "images under cameras/, the generated secret key when IOC_SECRET_KEY is "
                           "not set.")
    secret_key: SecretStr | None = Field(None, description="Key that signs per-report citizen tokens "
                                         "(HMAC-SHA256). Set it in production; when empty a random key "
                                         "is generated once and kept in DATA_DIR/secret.key.")
    # Field reports and questions (see docs/REPORTS.md)
    report_duplicate_window_h: float = Field(72.0, gt=0, description="A report of the same category in "
                                             "the same or a neighbouring H3 cell within this many hours "
                                             "of an open case is linked to it as a duplicate.")
    report_check_interval_s: float = Field(30.0, gt=0, description="Seconds between checks for overdue "
                                           "cases (escalation) and resolved cases to close.")
    report_autoclose_days: float = Field(7.0, gt=0, description="A resolved report the citizen has not "
                                         "rated is closed after this many days.")
    report_dispute_days: float = Field(30.0, gt=0, description="A citizen may dispute (reopen) a result "
                                       "up to this many days after it was resolved.")
    report_max_extension_h: float = Field(720.0, gt=0, description="Longest extension a unit may ask for.")
    report_lag_on_time_pct: float = Field(50.0, ge=0, le=100, description="Monthly report: a unit whose "
                                          "on-time share is below this lags.")
    report_lag_processed_pct: float = Field(90.0, ge=0, le=100, description="Monthly report: a unit "
                                            "that processed a smaller share of its cases lags.")
    report_lag_min_cases: int = Field(5, ge=1, description="Monthly report: units with fewer cases are "
                                      "not judged.")
    open311_jurisdiction_id: str = Field("hue.gov.vn", description="Open311 jurisdiction_id this server "
                                         "answers for (other values get 404).")
    open311_request_type: Literal["batch", "realtime"] = Field(
        "batch", description="Open311 service type: batch answers a POST with the citizen token "
        "(resolve it with tokens/{token}); realtime with the service_request_id.")
    zalo_app_id: str | None = Field(None, description="Zalo Official Account: the app id (webhook).")
    zalo_oa_secret: SecretStr | None = Field(None, description="Zalo Official Account: the OA secret "
                                             "key that signs webhooks (X-ZEvent-Signature).")
    messenger_app_secret: SecretStr | None = Field(None, description="Facebook app secret that signs "
                                                   "Messenger webhooks (X-Hub-Signature-256).")
    messenger_verify_token: SecretStr | None = Field(None, description="Token Facebook echoes when the "
                                                     "Messenger webhook is registered (hub.verify_token).")
    chat_max_age_s: float = Field(900.0, gt=0, description="Chat webhooks whose signed timestamp is "
                                  "older than this are refused (replay protection, Zalo).")
    chat_draft_ttl_s: float = Field(3600.0, gt=0, description="A chat conversation that sent text or "
                                    "photos but no location is forgotten after this many seconds.")
    # Flood operations: calls, triage, dispatch (see docs/FLOOD_OPERATIONS.md)
    dispatch_related_hours: float = Field(72.0, gt=0, description="The hotline page shows earlier "
                                          "calls from the same phone or the same or neighbouring "
                                          "H3 cells received within this many hours.")
    dispatch_sos_merge_hours: float = Field(12.0, ge=0, description="An SOS from a phone that has "
                                            "an open call younger than this joins that call "
                                            "(a repeat) instead of opening another; 0: never.")
    dispatch_retriage_s: float = Field(60.0, gt=0, description="Seconds between passes that "
                                       "re-triage waiting calls (waiting time raises the score).")
    dispatch_fix_min_move_m: float = Field(20.0, ge=0, description="A tablet's position is stored "
                                           "when the unit moved at least this far …")
    dispatch_fix_interval_s: float = Field(120.0, ge=0, description="… or this long after the last "
                                           "stored fix (the tablet sends every 30 s).")
    dispatch_closed_shown_hours: float = Field(12.0, ge=0, description="A tablet lists its unit's "
                                               "closed cases this recent besides the open one.")
    # Public warnings, CAP 1.2 (see docs/WARNINGS.md)
    warning_sender: str = Field("canhbao@ioc.hue.gov.vn", pattern=r"^[^\s,<&]+$",
                                description="CAP <sender> of the warnings this IOC sends.")
    warning_default_hours: float = Field(24.0, gt=0, description="A warning sent without "
                                         "`expires` expires this many hours after it was sent.")
    warning_vessel_hours: float = Field(6.0, gt=0, description="Before sending, vessels seen in "
                                        "the target area within this many hours are counted.")
    warning_expire_check_s: float = Field(60.0, gt=0, description="Seconds between passes that "
                                          "move sent warnings past `expires` to expired.")
    flood_road_segment_m: float = Field(1000.0, ge=50, le=20_000, description="Main roads are cut "
                                        "into segments this long (at most) to be marked flooded.")
    flood_road_snap_m: float = Field(300.0, gt=0, le=5000, description="A point marks the nearest "
                                     "road segment only if it lies within this many metres.")
    flood_road_gauge_radius_m: float = Field(2000.0, ge=0, le=20_000, description="Illustrative: "
                                             "a river gauge passing BĐ3 marks the road segments "
                                             "within this many metres flooded (0: off).")
    feed_flush_ms: int = Field(100, ge=10, le=5000,
                               description="AIS and MQTT feeds hand their events to the store in batches at most this often.")
    # -- vessels (AIS) ---------------------------------------------------------------------------
    ais_tcp: str = Field("", description="AIS feeds to connect to as a TCP client, comma-separated host:port "
                                         "(NMEA 0183 lines, !AIVDM/!AIVDO).")
    ais_udp: int | None = Field(None, ge=0, le=65535,
                                description="UDP port to listen on for AIS NMEA datagrams (0 picks a free one; unset: off).")
    ais_udp_host: str = Field("127.0.0.1", description="Address the AIS UDP listener binds.")
    ais_reconnect_max_s: float = Field(30.0, gt=0, description="Longest wait between reconnects to a TCP AIS feed.")
    ais_store_moving_s: float = Field(10.0, ge=0,
                                      description="Store at most one position per vessel this often while it moves "
                                                  "(every position still goes to the live stream).")
    ais_store_stationary_s: float = Field(300.0, ge=0,
                                          description="Store at most one position per vessel this often while it is stationary.")
    ais_stationary_knots: float = Field(0.5, ge=0, description="Below this speed over ground a vessel counts as stationary.")
    ais_silent_after_s: float = Field(1800.0, gt=0,
                                      description="A vessel outside port silent this long raises an alert.")
    ais_silence_check_s: float = Field(10.0, gt=0, description="How often the silent-vessel timer runs.")
    ais_track_points: int = Field(60, ge=2, le=10_000, description="Recent positions kept per vessel for its track.")
    ais_port_radius_km: float = Field(2.0, gt=0, description="A vessel this close to a port counts as in port.")
    # -- sensors (MQTT) --------------------------------------------------------------------------
    mqtt_url: str | None = Field(None, pattern=r"^mqtts?://[^/:]+(:\d+)?/?$",
                                 description="MQTT broker for sensor readings, e.g. mqtt://127.0.0.1:1883 (unset: off).")
    mqtt_topic_prefix: str = Field("ioc/sensors", pattern=r"^[^#+]+$",
                                   description="Readings arrive on {prefix}/{station}/{quantity}.")
    sensor_series_points: int = Field(288, ge=2, le=100_000,
                                      description="Recent readings kept per station and quantity for sparklines.")

    @field_validator("ais_tcp")
    @classmethod
    def _host_ports(cls, v: str) -> str:
        for item in filter(None, (p.strip() for p in v.split(","))):
            host, _, port = item.rpartition(":")
            if not host or not port.isdigit() or not 0 < int(port) < 65536:
                raise ValueError(f"{item!r} is not host:port")
        return v

    @property
    def ais_tcp_feeds(self) -> list[tuple[str, int]]:
        """Return the AIS TCP feeds as (host, port) pairs."""
        pairs = [p.strip().rpartition(":") for p in self.ais_tcp.split(",") if p.strip()]
        return [(host, int(port)) for host, _, port in pairs]
    camera_image_max_bytes: int = Field(2 * 1024 * 1024, gt=0,
                                        description="Largest camera JPEG a worker may upload.")
    camera_stale_s: float = Field(60.0, gt=0, description="A camera with no heartbeat for this "
                                  "long is marked offline on the wall.")
    camera_snapshots_keep: int = Field(500, gt=0, description="Evidence snapshots kept per camera "
                                       "(the oldest are deleted beyond this).")

    @field_validator("db")
    @classmethod
    def _known_scheme(cls, v: str) -> str:
        if not (v.startswith("sqlite:///") or v.startswith("postgres")):
            raise ValueError("db must start with sqlite:/// or postgresql (e.g. postgresql+psycopg://…)")
        return v
