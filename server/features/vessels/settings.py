"""The vessels feature's settings (``IOC_AIS_*``; see docs/VESSELS_AND_SENSORS.md)."""
from __future__ import annotations

from pydantic import Field, field_validator

from server.core.settings import SettingsBase


class VesselsSettings(SettingsBase):
    """Vessels (AIS): the feeds, what is stored, silence alerts."""

    ais_tcp: str = Field("", description="AIS feeds to connect to as a TCP client, "
                                         "comma-separated host:port "
                                         "(NMEA 0183 lines, !AIVDM/!AIVDO).")
    ais_udp: int | None = Field(None, ge=0, le=65535,
                                description="UDP port to listen on for AIS NMEA datagrams "
                                            "(0 picks a free one; unset: off).")
    ais_udp_host: str = Field("127.0.0.1", description="Address the AIS UDP listener binds.")
    ais_reconnect_max_s: float = Field(30.0, gt=0, description="Longest wait between reconnects "
                                       "to a TCP AIS feed.")
    ais_store_moving_s: float = Field(10.0, ge=0,
                                      description="Store at most one position per vessel this "
                                                  "often while it moves "
                                                  "(every position still goes to the live stream).")
    ais_store_stationary_s: float = Field(300.0, ge=0,
                                          description="Store at most one position per vessel this "
                                                      "often while it is stationary.")
    ais_stationary_knots: float = Field(0.5, ge=0, description="Below this speed over ground a "
                                        "vessel counts as stationary.")
    ais_silent_after_s: float = Field(1800.0, gt=0, description="A vessel outside port silent this "
                                      "long raises an alert.")
    ais_silence_check_s: float = Field(10.0, gt=0,
                                       description="How often the silent-vessel timer runs.")
    ais_track_points: int = Field(60, ge=2, le=10_000,
                                  description="Recent positions kept per vessel for its track.")
    ais_port_radius_km: float = Field(2.0, gt=0, description="A vessel this close to a port "
                                      "counts as in port.")

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
