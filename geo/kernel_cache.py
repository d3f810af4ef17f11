"""Keep numba's on-disk kernel cache honest.

``cache=True`` stores each compiled kernel next to its module and reuses it while *that file* is
unchanged — but a kernel inlines the kernels it calls from other modules (the locator calls the H3
port and the grid point-in-polygon), and numba does not notice when those change. So whenever any
kernel source changes, every cached kernel of these modules is dropped and compiled again.
"""
from __future__ import annotations

import hashlib
import logging
from pathlib import Path

log = logging.getLogger(__name__)

KERNEL_MODULES = ("batch", "h3tables", "h3kernel", "pip", "locator")
GEO_DIR = Path(__file__).resolve().parent


def drop_stale_kernel_cache(folder: Path = GEO_DIR) -> bool:
    """Delete the cached kernels of KERNEL_MODULES if their sources changed; return True if so."""
    digest = hashlib.sha256(b"".join((folder / f"{m}.py").read_bytes()
                                     for m in KERNEL_MODULES)).hexdigest()
    cache = folder / "__pycache__"
    stamp = cache / "numba-kernels.sha256"
    try:
        if stamp.read_text() == digest:
            return False
    except OSError:
        pass
    stale = [p for m in KERNEL_MODULES for p in cache.glob(f"{m}.*.nb[ic]")]
    for path in stale:
        path.unlink(missing_ok=True)
    try:
        cache.mkdir(exist_ok=True)
        stamp.write_text(digest)
    except OSError as exc:
        log.warning("cannot record the numba kernel fingerprint in %s: %s", cache, exc)
    if stale:
        log.info("kernel sources changed: dropped %d cached numba files", len(stale))
    return True
