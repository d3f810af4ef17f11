"""Cached numba kernels are dropped when any kernel source changes (numba alone only watches the
file that defines each kernel, not the kernels it inlines from other modules)."""
from __future__ import annotations

from geo.kernel_cache import KERNEL_MODULES, drop_stale_kernel_cache


def test_cached_kernels_are_dropped_when_a_kernel_source_changes(tmp_path):
    for m in KERNEL_MODULES:
        (tmp_path / f"{m}.py").write_text(f"# {m}\n")
    cache = tmp_path / "__pycache__"
    cache.mkdir()
    cached = cache / "locator.locate_one-90.py311.nbi"
    cached.write_text("compiled")
    other = cache / "router.cpython-311.pyc"
    other.write_text("bytecode")
    assert drop_stale_kernel_cache(tmp_path) and not cached.exists() and other.exists()
    cached.write_text("compiled again")
    assert not drop_stale_kernel_cache(tmp_path) and cached.exists()
    (tmp_path / "h3kernel.py").write_text("# changed\n")
    assert drop_stale_kernel_cache(tmp_path) and not cached.exists()
