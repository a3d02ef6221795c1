# An LpBTreeMap filled by a hard IRQ handler (_lp_pool._irq_call: scheduler and GC heap locked) while
# the main program reads it between interrupts: splits, rotations and node frees work there.
import _lp_pool

if not hasattr(_lp_pool, "_irq_call"):
    print("SKIP: no _irq_call test hook in this build")
    raise SystemExit
from lp_pool import AllocError, LpBTreeMap, LpMemoryPool

pool = LpMemoryPool(bytearray(8192), reserve=4)
events = LpBTreeMap(pool=pool)
errors = [0]


def on_edge(t):
    try:
        events[t] = t & 0xFF
        if len(events) > 300:
            del events[events.min()]  # a ring of the newest 300
    except AllocError:
        errors[0] += 1


seen = 0
for t in range(1000):
    _lp_pool._irq_call(on_edge, t)
    if t % 97 == 0:
        seen += len(list(events.range(t - 10, t + 1)))
print(len(events), events.min(), events.max(), seen, errors[0], events._check())
events.free()
print(pool.check(), pool.stats()["used"])
pool.close()
