# LpString in a hard IRQ handler: _lp_pool._irq_call runs the handler as mpirq.c runs one (scheduler
# and GC heap locked). print() and json.dump() write into a string that grows in the pool, and a
# full pool raises the preallocated AllocError with only whole writes kept.
import _lp_pool

if not hasattr(_lp_pool, "_irq_call"):
    print("SKIP: no _irq_call test hook in this build")
    raise SystemExit

import json

from lp_pool import AllocError, LpMemoryPool, LpString

pool = LpMemoryPool(bytearray(2048), reserve=4)
log = LpString(pool=pool)
state = [0, None]
counts = {"edges": 0}


def on_edge(pin):
    counts["edges"] += 1
    print("edge", pin, counts["edges"], sep=":", end=";", file=log)
    json.dump(counts, log)
    log.append("\n")
    state[0] = len(log)


for p in range(5):
    _lp_pool._irq_call(on_edge, p)
print(state[0] == len(log), log.count("\n"), log.startswith('edge:0:1;{"edges": 1}\n'))


def flood(n):
    try:
        for _ in range(n):
            print("xxxxxxxxxx", file=log)
    except AllocError as e:
        state[1] = e


_lp_pool._irq_call(flood, 1000)
print(
    type(state[1]).__name__,
    log.count("\n") > 5,
    all(ln in ("", "x" * 10) or ln.startswith("edge") for ln in str(log).split("\n")),
)
log.free()
print(pool.check(), pool.stats()["objects"], pool.stats()["used"])
pool.close()
