# pool.run(fn): current pool, heap locked one level, stray allocations fail fast, everything undone
# on every way out; nesting; `with pool:`.
import gc

import micropython
from lp_pool import LpBuffer, LpMemoryPool, current_pool

static = LpMemoryPool()
other = LpMemoryPool(bytearray(4096))


def lock_depth():
    micropython.heap_lock()
    return micropython.heap_unlock()


def add(a, b, scale=1):
    return (a + b) * scale


print(static.run(add, 2, 3), static.run(add, 2, 3, scale=10), static.run(lock_depth))
print(current_pool(), lock_depth())


# Stray heap allocations inside run fail at once with MemoryError.
class Thing:
    pass


def make_list():
    return [1, 2, 3]


def concat(s):
    return s + "tail"


def make_thing():
    return Thing()


def make_dict():
    return {"a": 1}


for fn, arg in ((make_list, None), (concat, "head"), (make_thing, None), (make_dict, None)):
    try:
        static.run(fn, arg) if arg else static.run(fn)
        print(fn.__name__, "allocated!")
    except MemoryError as e:
        print(fn.__name__, "MemoryError", type(e) is MemoryError)
print("after:", lock_depth(), current_pool())


# An exception inside run: heap unlocked after, current pool restored, exception passes through.
def boom(code):
    raise KeyError(code)


try:
    static.run(boom, 42)
except KeyError as e:
    print("KeyError", e.args[0], lock_depth(), current_pool())

# Nested runs: inner pool current inside, outer restored after, one lock level each.
seen = [None] * 6


def inner(slot):
    seen[slot] = current_pool()
    seen[slot + 1] = lock_depth()


def outer():
    seen[0] = current_pool()
    seen[1] = lock_depth()
    other.run(inner, 2)
    seen[4] = current_pool()
    seen[5] = lock_depth()


static.run(outer)
print(seen[0] is static, seen[1], seen[2] is other, seen[3], seen[4] is static, seen[5])


# An exception from a nested run unwinds both levels exactly.
def outer_boom():
    other.run(boom, 7)


try:
    static.run(outer_boom)
except KeyError as e:
    print("nested KeyError", e.args[0], lock_depth(), current_pool())

# `with pool:` does the same as run.
with other:
    seen[0] = current_pool()
    seen[1] = lock_depth()
print(seen[0] is other, seen[1], lock_depth(), current_pool())
try:
    with other:
        raise KeyError(3)
except KeyError:
    print("with KeyError", lock_depth(), current_pool())

# Objects created inside run go to the current pool.
held = [None]


def make_buffer():
    held[0] = LpBuffer(10)


other.run(make_buffer)
print(held[0].pool is other, other.stats()["objects"])
held[0].free()


# A function that leaves the heap lock on another level than run() locked it: RuntimeError, and
# the lock is put back where it was before run() (never unlocked twice, never left locked).
def unlocker():
    micropython.heap_unlock()


def locker():
    micropython.heap_lock()


for fn in (unlocker, locker):
    try:
        static.run(fn)
        print(fn.__name__, "passed!")
    except RuntimeError as e:
        print(fn.__name__, "RuntimeError", "lock level changed" in str(e), lock_depth(), current_pool())
micropython.heap_lock()
try:
    static.run(unlocker)
except RuntimeError:
    print("user lock kept after unlocker:", micropython.heap_unlock())

# A user's own heap_lock() around run stays in place.
micropython.heap_lock()
static.run(add, 1, 1)
print("user lock kept:", micropython.heap_unlock())

# run() needs something to call.
for args in ((), (1,)):
    try:
        static.run(*args)
    except TypeError:
        print("TypeError")

gc.collect()
print(static.check(), other.check(), static.stats()["objects"], other.stats()["objects"])
other.close()
