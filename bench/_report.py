"""Shared by the benchmarks: timing with medians, the machine description, and writing one
section of docs/BENCHMARKS.md between ``<!-- bench:NAME -->`` markers."""
from __future__ import annotations

import os
import platform
import statistics
import subprocess
import time
from datetime import datetime, timezone
from importlib import metadata
from pathlib import Path
from typing import Callable, Iterable

REPORT = Path(__file__).resolve().parent.parent / "docs" / "BENCHMARKS.md"
HEADER = """# Benchmarks

Every figure here is written by a script in `bench/` (run them all with `make bench`, or one with
`python -m bench.NAME`). Each section says the machine and versions it ran on. Timings are medians
of repeated runs on a small shared machine, so read the ratios more than the absolute numbers.
"""


def median_time(fn: Callable[[], object], repeat: int = 5, warmup: int = 1) -> float:
    """Return the median wall time of ``fn()`` in seconds over ``repeat`` runs."""
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def cpu_model() -> str:
    """Return the CPU model name (Linux) or the platform processor."""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown CPU"


def machine(packages: Iterable[str] = ()) -> str:
    """Return one markdown line naming the machine, Python and the given package versions."""
    versions = []
    for name in packages:
        try:
            versions.append(f"{name} {metadata.version(name)}")
        except metadata.PackageNotFoundError:
            versions.append(f"{name} (not installed)")
    stamp = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    return (f"_Run {stamp} on {cpu_model()}, {os.cpu_count()} cores, Python "
            f"{platform.python_version()}, {', '.join(versions)}._")


def table(headers: list[str], rows: list[list[object]]) -> str:
    """Return a markdown table."""
    out = ["| " + " | ".join(headers) + " |", "|" + "---|" * len(headers)]
    out += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
    return "\n".join(out)


def write_section(name: str, body: str, report: Path = REPORT) -> None:
    """Replace (or append) the section ``name`` of the report with ``body``."""
    start, end = f"<!-- bench:{name} -->", f"<!-- /bench:{name} -->"
    text = report.read_text(encoding="utf-8") if report.exists() else HEADER
    block = f"{start}\n{body.strip()}\n{end}"
    if start in text and end in text:
        head, rest = text.split(start, 1)
        text = head + block + rest.split(end, 1)[1]
    else:
        text = text.rstrip() + "\n\n" + block + "\n"
    report.parent.mkdir(parents=True, exist_ok=True)
    report.write_text(text, encoding="utf-8")


def git_commit() -> str:
    """Return the short commit of the working tree (or 'unknown')."""
    try:
        return subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True,
                              text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"
