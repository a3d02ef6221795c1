# Without allocation tracking compiled in (the default build), the statistics functions, pool.meta(),
# pool.scope() and run(fn, scope=) exist and say so clearly; scope= never reaches fn.
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


def fn(other=0):
    return other


for call in (pool.meta, lambda: pool.scope("rx"), lambda: pool.run(fn, scope="rx")):
    try:
        call()
    except NotImplementedError as e:
        print("NotImplementedError", e)
print(pool.run(fn, other=1), lp_pool.current_pool())
try:
    LpMemoryPool(bytearray(2048), meta_rows=4)
except NotImplementedError as e:  # as the other tracking APIs, not an unknown keyword
    print("NotImplementedError", e)
print(pool.stats()["objects"], pool.stats()["used"], pool.check())
