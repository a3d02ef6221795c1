# Without allocation tracking compiled in (the default build), the statistics functions exist and
# say so clearly; the tracking-only methods and keywords are absent.
import lp_pool

if lp_pool.alloc_meta:
    print("SKIP: this build has allocation tracking (LP_POOL_ALLOC_META=1); meta_stats.py tests it")
    raise SystemExit

from lp_pool import LpMemoryPool

pool = LpMemoryPool(bytearray(2048))
for fn, args in ((lp_pool.print_memory_stats, ()), (lp_pool.print_memory_stats_with, (print,))):
    try:
        fn(*args)
    except NotImplementedError as e:
        print("NotImplementedError", e)
print(hasattr(pool, "meta"), hasattr(pool, "scope"))
try:
    LpMemoryPool(bytearray(2048), meta_rows=4)
except TypeError:
    print("TypeError")
print(pool.stats()["objects"], pool.stats()["used"], pool.check())
