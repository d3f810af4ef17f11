"""``ioc ais …``: the vessels feature's commands (replay an AIS recording into a server)."""
from __future__ import annotations

import sys

import click


@click.group()
def ais() -> None:
    """AIS (vessel positions, NMEA 0183)."""


@ais.command("replay")
@click.argument("file", type=click.File("rb"))
@click.option("--url", default="http://127.0.0.1:8888", show_default=True,
              help="Server to post to.")
@click.option("--token", envvar="IOC_TOKEN", required=True,
              help="Operator or admin token (or IOC_TOKEN).")
@click.option("--rate", type=float, default=0.0, show_default=True,
              help="Sentences per second (0 = as fast as possible).")
def ais_replay(file, url: str, token: str, rate: float) -> None:  # noqa: ANN001
    """Send the NMEA sentences of FILE (one per line; tag blocks keep their times) to a running
    server, with a progress bar."""
    import time

    from tqdm import tqdm

    from server.client import ApiClient, ApiError
    lines = [ln for ln in file.read().splitlines() if ln.strip()]
    chunk = max(1, int(rate * 0.25)) if rate > 0 else 2000
    client = ApiClient(url, token)
    totals: dict[str, int] = {}
    start = time.monotonic()
    with tqdm(total=len(lines), unit="line", desc="AIS") as bar:
        for i in range(0, len(lines), chunk):
            if rate > 0:
                time.sleep(max(0.0, start + i / rate - time.monotonic()))
            try:
                answer = client.request("POST", "/api/v1/ais", body=b"\n".join(lines[i:i + chunk]),
                                        headers={"Content-Type": "text/plain"})
            except ApiError as exc:
                click.echo(f"Lỗi / error: {exc}", err=True)
                sys.exit(1)
            totals = answer.body["counters"]
            bar.update(len(lines[i:i + chunk]))
    click.echo(f"Đã gửi {len(lines)} câu / sent {len(lines)} sentences; server counters: {totals}")
