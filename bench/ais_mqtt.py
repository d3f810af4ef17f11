"""AIS sentences decoded and stored per second, and MQTT sensor readings per second.

AIS: a seeded fleet's type 1 position reports (pyais-encoded, with tag-block times two seconds
apart per round) go through (1) pyais decoding only, (2) decoding plus the vessel tracker (zones,
danger zones, down-sampling), (3) everything down to the SQLite store with every position stored,
and (4) the same with the default write down-sampling. MQTT: readings (1) parsed, converted and
evaluated against the threshold rules in-process, and (2) published to the real broker and
received, evaluated and stored by the server's MQTT client.

Run: ``python -m bench.ais_mqtt`` (``--quick`` for a short run). Writes its section of
docs/BENCHMARKS.md.
"""
from __future__ import annotations

import asyncio
import secrets
import sys
import tempfile
import time
from pathlib import Path

from bench._report import machine, median_time, table, write_section
from scenarios.fleet import Fleet, tag

BOATS = 200


def ais_lines(rounds: int) -> list[str]:
    """Return ``rounds`` position reports of every boat, 2 s apart (tag-block times)."""
    fleet, t0, out = Fleet(BOATS, seed=5), time.time() - rounds * 2 - 60, []
    for r in range(rounds):
        out += [tag(ln, t0 + 2 * r) for ln in fleet.positions()]
        fleet.step(2)
    return out


def core_for(db: Path, **overrides):  # noqa: ANN201
    """Return an in-process EventService on a fresh SQLite store."""
    from server.features import Settings
    from server.core.service import build_service
    from server.features import default_features
    return build_service(Settings(port=0, db=f"sqlite:///{db}", **overrides),
                         kinds=default_features().kinds())


async def ais_through_store(lines: list[str], db: Path, **overrides) -> tuple[float, int]:
    """Return (seconds, events stored) for feeding ``lines`` through the whole vessel path."""
    from server.store import EventQuery
    from server.features.vessels.service import VesselService
    core = core_for(db, **overrides)
    vessels = VesselService(core)
    vessels.attach()
    await core.start()
    await vessels.ready()
    t0 = time.perf_counter()
    for i in range(0, len(lines), 500):
        vessels.feed_lines("bench", lines[i:i + 500])
        await vessels.settle()
    elapsed = time.perf_counter() - t0
    stored = len(core.store.since(0, EventQuery(kinds=frozenset({"vessel"})), 10**7).events)
    await core.close()
    return elapsed, stored


def bench_ais(rounds: int, tmp: Path) -> tuple[list[list[object]], int]:
    """Return the AIS table rows and the number of sentences."""
    from geo.areas import communes_2025
    from geo.region import ServiceRegion
    from geo.sea import SeaZones, load_ports
    from server.features.vessels.ais import AisDecoder
    from server.features.vessels.service import VesselTracker
    from server.features.vessels.settings import VesselsSettings
    from server.core.timefmt import parse_offset
    lines = ais_lines(rounds)
    decode_s = median_time(lambda: AisDecoder().feed_many(lines), repeat=3)
    territory = communes_2025().union()
    zones, region = SeaZones(territory, load_ports()), ServiceRegion(territory)

    def track() -> None:
        tracker = VesselTracker(zones, VesselsSettings(), region.contains, parse_offset("+07:00"))
        now = int(time.time() * 1e6)
        for msg in AisDecoder().feed_many(lines):
            tracker.position(msg, now)

    track_s = median_time(track, repeat=3)
    all_s, all_n = asyncio.run(ais_through_store(lines, tmp / "all.sqlite3", ais_store_moving_s=0,
                                                 ais_store_stationary_s=0))
    ds_s, ds_n = asyncio.run(ais_through_store(lines, tmp / "ds.sqlite3"))
    n = len(lines)
    rows = [["pyais decode only", f"{n / decode_s:,.0f}", "—", "1.00"],
            ["decode + tracker (zones, geofences, down-sampling)", f"{n / track_s:,.0f}", "—",
             f"{decode_s / track_s:.2f}"],
            ["decode + tracker + validate + store, every position stored", f"{n / all_s:,.0f}",
             f"{all_n:,}", f"{decode_s / all_s:.2f}"],
            ["decode + tracker + validate + store, down-sampled (default)", f"{n / ds_s:,.0f}",
             f"{ds_n:,}", f"{decode_s / ds_s:.2f}"]]
    return rows, n


async def mqtt_end_to_end(n: int, db: Path) -> float:
    """Return the seconds from the first publish to ``n`` readings stored (real broker)."""
    import paho.mqtt.client as mqtt
    from server.features.sensors.service import SensorService
    prefix = f"ioc-bench-{secrets.token_hex(4)}/sensors"
    core = core_for(db, mqtt_url="mqtt://127.0.0.1:1883", mqtt_topic_prefix=prefix)
    sensors = SensorService(core)
    sensors.attach()
    await core.start()
    while not sensors.counters.subscribed:
        await asyncio.sleep(0.05)
    client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2)
    client.connect("127.0.0.1", 1883)
    client.loop_start()
    t0 = time.perf_counter()
    for i in range(n):
        client.publish(f"{prefix}/hue-air/pm25", f"{20 + i % 60}", qos=0)
    deadline = t0 + 120
    while sensors.counters.accepted < n and time.perf_counter() < deadline:
        await asyncio.sleep(0.01)
    await sensors.settle()
    elapsed = time.perf_counter() - t0
    client.loop_stop()
    client.disconnect()
    got = sensors.counters.accepted
    await core.close()
    if got < n:
        raise RuntimeError(f"only {got} of {n} readings arrived")
    return elapsed


def bench_mqtt(n: int, tmp: Path) -> list[list[object]]:
    """Return the MQTT table rows."""
    from server.features.sensors.service import SensorService

    async def parse_only() -> float:
        core = core_for(tmp / "parse.sqlite3")
        sensors = SensorService(core)
        now = int(time.time() * 1e6)
        t0 = time.perf_counter()
        for i in range(n):
            sensors.reading("hue-air", "pm25", f"{20 + i % 60}".encode(), now)
        elapsed = time.perf_counter() - t0
        core.store.close()
        return elapsed

    parse_s = asyncio.run(parse_only())
    e2e_s = asyncio.run(mqtt_end_to_end(n, tmp / "mqtt.sqlite3"))
    return [["parse + units + threshold rules + event built, not stored (in process)",
             f"{n / parse_s:,.0f}", "1.00"],
            ["broker → MQTT client → rules → validate → store", f"{n / e2e_s:,.0f}",
             f"{parse_s / e2e_s:.2f}"]]


def main() -> None:
    """Run both benchmarks and write the report section."""
    quick = "--quick" in sys.argv
    rounds, readings = (10, 2000) if quick else (50, 20000)
    with tempfile.TemporaryDirectory() as d:
        ais_rows, n = bench_ais(rounds, Path(d))
        mqtt_rows = bench_mqtt(readings, Path(d))
    body = "\n\n".join([
        "## AIS and MQTT ingest (`bench/ais_mqtt.py`)",
        machine(["pyais", "aiomqtt", "paho-mqtt", "shapely"]),
        f"AIS: {n:,} position sentences ({BOATS} boats × {rounds} rounds, 2 s apart), fed in "
        "chunks of 500; store = embedded SQLite (WAL, synchronous=FULL). The ratio is the "
        "rate relative to decoding alone.",
        table(["AIS path", "sentences/s", "events stored", "× decode-only rate"], ais_rows),
        f"MQTT: {readings:,} PM2.5 readings; end to end they are published with QoS 0 to the "
        "local Mosquitto and counted once stored.",
        table(["MQTT path", "readings/s", "× in-process rate"], mqtt_rows),
    ])
    write_section("ais_mqtt", body)
    print(body)


if __name__ == "__main__":
    main()
