"""Geography of Huế: H3 helpers, areas, the service region, categories and routing.

Nothing here imports Tornado or a database driver: the server and the benchmarks both build on it.
"""

from geo.kernel_cache import drop_stale_kernel_cache

drop_stale_kernel_cache()
