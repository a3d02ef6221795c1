# Errors raised with the heap locked keep their type and message on every port (lp_pool raises
# preallocated instances then), and leave the pool consistent.
import micropython
from lp_pool import AllocError, LpBuffer, LpMemoryPool, with_global_alloc

pool = LpMemoryPool(bytearray(4096), reserve=8)
dead = LpBuffer(8, pool=pool)
dead.free()
caught = [None] * 8


def setitem(obj, key, value):
    obj[key] = value


def noop():
    pass


CASES = ((len, dead), (LpBuffer, -1), (LpBuffer, "8"), (LpBuffer, 100000))


def provoke():
    i = 0
    for fn, arg in CASES:
        try:
            fn(arg)
        except Exception as e:
            caught[i] = e
        i += 1
    live = LpBuffer(4)
    try:
        setitem(live, 0, 300)
    except ValueError as e:
        caught[4] = e
    live.free()
    try:
        pool.reserve(2)
    except RuntimeError as e:
        caught[5] = e
    micropython.heap_lock()
    try:
        with_global_alloc(noop)
    except RuntimeError as e:
        caught[6] = e
    micropython.heap_unlock()


pool.run(provoke)
for e in caught:
    if e is not None:
        print(type(e).__name__ + ":", e)
print(isinstance(caught[3], AllocError), caught[3].requested)


# A user's exception raised under the lock keeps its args (lp_pool sets up the emergency buffer).
def raise_own():
    raise KeyError(42)


try:
    pool.run(raise_own)
except KeyError as e:
    print("KeyError args:", e.args)
print(pool.check(), pool.stats()["objects"])
pool.close()
