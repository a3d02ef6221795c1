# with_global_alloc: the escape hatch lifts run's own lock levels only, and puts them back.
import micropython
from lp_pool import LpMemoryPool, current_pool, with_global_alloc

pool = LpMemoryPool()
inner_pool = LpMemoryPool(bytearray(2048))


def lock_depth():
    micropython.heap_lock()
    return micropython.heap_unlock()


def make_list(n):
    return list(range(n))


out = [None] * 4


def uses_escape():
    out[0] = with_global_alloc(make_list, 3)
    out[1] = lock_depth()


pool.run(uses_escape)
print(out[0], out[1], lock_depth())


def uses_cm():
    with with_global_alloc():
        out[0] = [lock_depth(), current_pool() is pool]
    out[1] = lock_depth()


pool.run(uses_cm)
print(out[0], out[1], lock_depth())


# Inside nested runs it lifts both levels.
def nested():
    out[2] = with_global_alloc(make_list, 2)
    out[3] = lock_depth()


def outer():
    inner_pool.run(nested)


pool.run(outer)
print(out[2], out[3])


# An exception inside the escape hatch relocks before it propagates.
def fails():
    raise ValueError("inside")


def uses_failing():
    try:
        with_global_alloc(fails)
    except ValueError:
        out[0] = lock_depth()


pool.run(uses_failing)
print("relocked:", out[0])

# Outside run it simply calls the function.
print(with_global_alloc(make_list, 2), lock_depth())
with with_global_alloc():
    print("cm outside run", lock_depth())


# A heap locked by someone else (heap_lock(), an IRQ handler) is never unlocked.
def escape_under_user_lock():
    micropython.heap_lock()
    try:
        with_global_alloc(make_list, 1)
    except RuntimeError:
        out[0] = 1
    micropython.heap_unlock()


pool.run(escape_under_user_lock)
print("inside run, user lock:", out[0], lock_depth())


def escape_outside_run_under_user_lock():
    # A function, so the exception binds a local: a new global would need the (locked) heap.
    micropython.heap_lock()
    try:
        with_global_alloc(make_list, 1)
    except RuntimeError as err:
        out[0] = err
    micropython.heap_unlock()


escape_outside_run_under_user_lock()
print("outside run, user lock:", out[0])
try:
    with_global_alloc(1, 2)
except TypeError:
    print("TypeError")
print(pool.check(), pool.stats()["objects"])
inner_pool.close()
