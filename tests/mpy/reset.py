# lp_pool.reset(): after a `with pool:` block was abandoned (suspended in a generator that is never
# resumed), the calling thread has no current pool again and lp_pool's heap lock levels are
# released; nothing else changes (objects, pools, other heap lock levels). It refuses inside run()
# and in an interrupt handler, where it would unlock the heap under running code.
import _lp_pool
import lp_pool
import micropython
from lp_pool import LpBuffer, LpMemoryPool, LpVec, current_pool, with_global_alloc

pool = LpMemoryPool(bytearray(4096))
static = LpMemoryPool()


def depth():
    micropython.heap_lock()
    return micropython.heap_unlock()


def abandoned(p):
    with p:
        yield


def abandon(p):
    g = abandoned(p)
    next(g)  # inside the with block: p current, heap locked; g is never resumed
    return g


print("nothing to reset:", lp_pool.reset(), current_pool(), depth())

v = LpVec("i", range(10), pool=pool)
g = abandon(pool)
print(current_pool() is pool, depth())
print("reset:", lp_pool.reset(), current_pool(), depth())
print("objects untouched:", v.tolist() == list(range(10)), pool.check(), pool.stats()["objects"])
# The generator's block has lost its level: leaving it later says so.
try:
    g.close()
except RuntimeError as e:
    print("late exit:", e)

# Nested blocks, another pool, a with_global_alloc section: all of them go. (Each generator is
# made before the first block locks the heap.)


def global_section():
    with with_global_alloc():
        yield


nested = [abandoned(pool), abandoned(static), global_section()]
for g in nested:
    next(g)
print(current_pool() is static, depth())
print("reset:", lp_pool.reset(), current_pool(), depth())

# Only lp_pool's own levels: a program's heap_lock() stays.
g = abandon(pool)
micropython.heap_lock()  # one level of the program's own, on top
print("reset:", lp_pool.reset(), current_pool(), depth())
micropython.heap_unlock()

# A program that unlocked by hand: the pool was still current; reset() never unlocks below zero.
g = abandon(pool)
micropython.heap_unlock()
print(current_pool() is pool, depth())
print("reset:", lp_pool.reset(), current_pool(), depth())

# Refused where code is still inside run() (and guarded()): its level is not abandoned.
try:
    pool.run(lp_pool.reset)
except RuntimeError as e:
    print("inside run():", e)
print(current_pool(), depth())


def inner():
    with pool:
        return lp_pool.reset()


try:
    static.run(inner)
except RuntimeError as e:
    print("with inside run():", "inside run()" in str(e))
print(current_pool(), depth())

# Refused in an interrupt handler (the scheduler is locked there): _irq_call, the test builds' hook,
# calls it as a hard IRQ handler is called.
try:
    _lp_pool._irq_call(lambda _: lp_pool.reset(), None)
except RuntimeError as e:
    print("in an IRQ:", e)

# Everything works as before afterwards.
with pool:
    b = LpBuffer(16)
    with with_global_alloc():
        print("inside:", current_pool() is pool, depth())
b.free()
v.free()
print(pool.check(), pool.stats()["used"], static.check(), current_pool(), depth())
