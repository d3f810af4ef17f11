"""Run every benchmark module in this folder, one after another, each in its own process."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path


def main() -> int:
    """Run ``python -m bench.NAME`` for every ``bench/NAME.py``; return the worst exit code."""
    names = sorted(p.stem for p in Path(__file__).parent.glob("*.py") if not p.stem.startswith("_"))
    worst = 0
    for name in names:
        print(f"== bench.{name}", flush=True)
        worst = max(worst, subprocess.run([sys.executable, "-m", f"bench.{name}",
                                           *sys.argv[1:]]).returncode)
    return worst


if __name__ == "__main__":
    sys.exit(main())
