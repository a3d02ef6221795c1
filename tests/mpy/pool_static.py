# The static pool: one per firmware, over the arena compiled in; stats, check, reserve, repr.
import gc

import lp_pool
from lp_pool import LpBuffer, LpMemoryPool

pool = LpMemoryPool()
print(pool is LpMemoryPool(), pool.is_static, pool.closed)
print(repr(pool).startswith("<LpMemoryPool static arena"))

s = pool.stats()
print(sorted(s))
print(s["capacity"] <= lp_pool.arena_size(), s["capacity"] > lp_pool.arena_size() * 9 // 10)
print(s["used"], s["objects"], s["free"] == s["capacity"], s["largest_free"] <= s["free"])

# Allocation shows up in the statistics and goes away again.
bufs = [LpBuffer(100) for _ in range(10)]
s = pool.stats()
print(s["objects"], s["used_blocks"], s["payload"] >= 1000, s["used"] > s["payload"])
for b in bufs:
    b.free()
s = pool.stats()
print(s["objects"], s["used"], s["peak"] >= 1000, s["allocs"] >= 10)

# The static pool is never closed.
try:
    pool.close()
except RuntimeError as e:
    print("RuntimeError:", e)

# reserve(n) sets how many handles are kept ready for creation under the heap lock.
print(pool.reserve(4), pool.stats()["reserve_target"])
print(pool.reserve(32) >= 32)
for bad in (-1, 70000):
    try:
        pool.reserve(bad)
    except ValueError as e:
        print("ValueError:", e)
try:
    pool.reserve("3")
except TypeError:
    print("TypeError")
pool.reserve(16)

print(lp_pool.format_stats(pool).split("\n")[0].split()[0])

# Re-importing the native module in the same session (not a soft reset) keeps every pool and object.
import sys  # noqa: E402

kept = LpBuffer(10)
kept[0] = 77
del sys.modules["_lp_pool"]
import _lp_pool  # noqa: E402

print(_lp_pool.LpMemoryPool() is pool, kept[0], pool.stats()["objects"], pool.check())
kept.free()
bufs = b = None
gc.collect()
print(pool.check(), pool.stats()["used"])
