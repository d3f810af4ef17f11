"""Running numba batch kernels: small batches on one core, large ones in chunks on every core.

Each parallel kernel runs its serial kernel over ``CHUNK``-point slices in a ``prange`` loop;
chunks are handed out dynamically (``numba.parallel_chunksize(1)``), so a core that the shared
machine takes away for a while does not hold the whole batch back.
"""
from __future__ import annotations

from typing import Callable

import numba

#: Batches at least this large use every core (below it, waking the threads costs more).
PARALLEL_MIN = 50_000
#: Points per chunk of a parallel batch.
CHUNK = 8192


def run(serial: Callable[..., None], parallel: Callable[..., None], n: int, *args) -> None:
    """Call ``serial(*args)`` for fewer than PARALLEL_MIN points, else ``parallel(*args)``."""
    if n < PARALLEL_MIN:
        serial(*args)
        return
    with numba.parallel_chunksize(1):
        parallel(*args)
