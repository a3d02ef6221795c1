# _lp_pool._irq_call(fn, arg) runs fn(arg) as a hard IRQ handler runs (scheduler and GC heap locked):
# pool objects work there, a GC allocation fails, and the locks are gone afterwards.
import _lp_pool

if not hasattr(_lp_pool, "_irq_call"):
    print("SKIP: no _irq_call test hook in this build")
    raise SystemExit
from lp_pool import LpBuffer, LpMemoryPool

pool = LpMemoryPool(bytearray(4096), reserve=4)
out = [0, 0, 0]


def handler(tag):
    try:
        out[0] = len([tag])  # a list is a GC allocation
    except MemoryError:
        out[0] = 2
    b = LpBuffer(16, pool=pool)  # a handle from the reserve, a block from the pool
    b.resize(200)
    b[199] = tag
    out[1] = b[199]
    b.free()
    out[2] = pool.check()


print(_lp_pool._irq_call(handler, 7), out)


def raising(arg):
    raise ValueError(arg)


try:
    _lp_pool._irq_call(raising, 3)
except ValueError as e:
    print("re-raised:", type(e).__name__)
print("heap unlocked after:", len([1, 2]) == 2)
print(pool.check(), pool.stats()["objects"], pool.stats()["used"])
pool.close()
