# Allocation tracking from a hard IRQ handler (_lp_pool._irq_call: scheduler and GC heap locked):
# blocks made there are counted, in the handler's own run(..., scope=) scope, and the table prints
# into an LpString from the handler without the GC heap.
import _lp_pool
import lp_pool

if not lp_pool.alloc_meta:
    print("SKIP: allocation tracking is not compiled in (build with LP_POOL_ALLOC_META=1)")
    raise SystemExit
if not hasattr(_lp_pool, "_irq_call"):
    print("SKIP: no _irq_call test hook in this build")
    raise SystemExit
from lp_pool import LpBuffer, LpMemoryPool, LpString

pool = LpMemoryPool(bytearray(4096), reserve=8)
keep = [None] * 8
out = LpString(capacity=1200, pool=pool)


def on_edge(i):
    keep[i] = pool.run(LpBuffer, 8 * (i + 1), scope="irq")


with pool.scope("main"):
    for i in range(4):
        _lp_pool._irq_call(on_edge, i)
    main_buf = LpBuffer(8, pool=pool)
for row in pool.meta():
    print(row)


def print_table(target):
    lp_pool.print_memory_stats(pool, target)


_lp_pool._irq_call(print_table, out)
lines = []
lp_pool.print_memory_stats_with(lines.append, pool)
print(str(out) == "".join(lines), pool.check())
for b in keep[:4]:
    b.free()
main_buf.free()
out.free()
print(pool.meta(), pool.stats()["objects"], pool.stats()["used"], pool.check())
