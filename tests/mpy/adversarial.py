# Every public function driven with bad input: wrong types, negative, huge and overflowing sizes,
# closed pools, freed objects, nested run()s. Each must raise a clear exception of the right type
# and leave every pool consistent (check() after each group, empty pools at the end).
import gc
import sys

import micropython
from lp_pool import (
    AllocError,
    LpBuffer,
    LpMemoryPool,
    arena_size,
    current_pool,
    format_stats,
    guarded,
    guarded_step,
    with_global_alloc,
)

static = LpMemoryPool()
pool = LpMemoryPool(bytearray(4096), reserve=8)
HUGE = 2**100  # beyond any int a size can be
MAXSIZE = sys.maxsize  # beyond the small-int range on 32- and 64-bit ports
TOO_BIG = arena_size() * 2  # a valid int no pool can satisfy
wrong = [0]


def depth():
    micropython.heap_lock()
    return micropython.heap_unlock()


def expect(label, exc, fn, *args, **kwargs):
    # The exception must be exactly of type `exc` (or a subclass), and leave no lock behind.
    try:
        fn(*args, **kwargs)
    except exc:
        if depth() != 0 or current_pool() is not None:
            print(label, "left the heap locked or a pool current")
            wrong[0] += 1
        return
    except BaseException as e:  # noqa: BLE001 - a wrong type is what this script reports
        print(label, "raised", type(e).__name__, "not", exc.__name__)
        wrong[0] += 1
        return
    print(label, "did not raise", exc.__name__)
    wrong[0] += 1


def consistent(group):
    ok = static.check() and pool.check() and depth() == 0 and current_pool() is None
    print(group, "ok" if ok and wrong[0] == 0 else "WRONG")


def noop():
    return None


# ---- LpMemoryPool()
expect("pool int", TypeError, LpMemoryPool, 5)
expect("pool str", TypeError, LpMemoryPool, "abc")
expect("pool bytes", TypeError, LpMemoryPool, b"read-only" * 100)
expect("pool tuple", TypeError, LpMemoryPool, (1, 2))
expect("pool too small", ValueError, LpMemoryPool, bytearray(8))
expect("pool empty", ValueError, LpMemoryPool, bytearray(0))
expect("pool reserve negative", ValueError, LpMemoryPool, bytearray(1024), reserve=-1)
expect("pool reserve huge", ValueError, LpMemoryPool, bytearray(1024), reserve=70000)
expect("pool reserve overflow", ValueError, LpMemoryPool, bytearray(1024), reserve=HUGE)
expect("pool reserve str", TypeError, LpMemoryPool, bytearray(1024), reserve="8")
expect("pool unknown kw", TypeError, LpMemoryPool, bytearray(1024), size=3)
expect("pool two positional", TypeError, LpMemoryPool, bytearray(1024), 16)
print("None is the static pool:", LpMemoryPool(None) is static, static.is_static)
consistent("LpMemoryPool()")

# ---- LpBuffer() and pool.buffer()
for label, arg, exc in (
    ("str", "10", TypeError),
    ("float", 1.5, TypeError),
    ("None", None, TypeError),
    ("negative", -1, ValueError),
    ("very negative", -HUGE, ValueError),
    ("maxsize", MAXSIZE, OverflowError),
    ("overflow", HUGE, OverflowError),
    ("too big", TOO_BIG, AllocError),
):
    expect("buffer " + label, exc, LpBuffer, arg, pool=pool)
    expect("pool.buffer " + label, exc, pool.buffer, arg)
expect("buffer no size", TypeError, LpBuffer)
expect("buffer pool str", TypeError, LpBuffer, 4, pool="pool")
expect("buffer pool int", TypeError, LpBuffer, 4, pool=1)
expect("pool.buffer two args", TypeError, pool.buffer, 4, 5)
print("pool unchanged:", pool.stats()["objects"], pool.stats()["used"])
consistent("LpBuffer()")

# ---- an LpBuffer's operations
b = LpBuffer(8, pool=pool)


def store(i, v):
    b[i] = v


def store_slice(start, stop, v):
    b[start:stop] = v


def delete(i):
    del b[i]


expect("index out of range", IndexError, lambda: b[8])
expect("negative index out of range", IndexError, lambda: b[-9])
expect("index str", TypeError, lambda: b["0"])
expect("store 256", ValueError, store, 0, 256)
expect("store -1", ValueError, store, 0, -1)
expect("store str", TypeError, store, 0, "a")
expect("store overflow", OverflowError, store, 0, HUGE)
expect("delete item", TypeError, delete, 0)
expect("slice step", NotImplementedError, lambda: b[::2])
expect("slice store shorter", ValueError, store_slice, 0, 4, b"ab")
expect("slice store not a buffer", TypeError, store_slice, 0, 2, 12)
expect("resize negative", ValueError, b.resize, -1)
expect("resize str", TypeError, b.resize, "8")
expect("resize overflow", OverflowError, b.resize, HUGE)
expect("resize maxsize", OverflowError, b.resize, MAXSIZE)
expect("resize too big", AllocError, b.resize, TOO_BIG)
print("buffer intact:", len(b), bytes(b) == bytes(8))
consistent("LpBuffer ops")

# ---- freed objects: every use raises ValueError, free() again is harmless
b.free()
b.free()
for label, fn in (
    ("len", lambda: len(b)),
    ("bool", lambda: bool(b)),
    ("getitem", lambda: b[0]),
    ("setitem", lambda: store(0, 1)),
    ("slice", lambda: b[0:2]),
    ("iter", lambda: list(b)),
    ("memoryview", lambda: memoryview(b)),
    ("bytes", lambda: bytes(b)),
    ("eq", lambda: b == b"x"),
    ("resize", lambda: b.resize(4)),
    ("resize bad size", lambda: b.resize(-1)),
    ("with", lambda: b.__enter__()),
):
    expect("freed " + label, ValueError, fn)
print("freed:", b.freed, repr(b))
consistent("freed objects")

# ---- closed pools
closed = LpMemoryPool(bytearray(1024))
closed.close()
closed.close()
for label, fn in (
    ("buffer", lambda: LpBuffer(4, pool=closed)),
    ("pool.buffer", lambda: closed.buffer(4)),
    ("run", lambda: closed.run(noop)),
    ("with", lambda: closed.__enter__()),
    ("stats", closed.stats),
    ("check", closed.check),
    ("reserve", lambda: closed.reserve(4)),
    ("format_stats", lambda: format_stats(closed)),
):
    expect("closed " + label, ValueError, fn)
print("closed:", closed.closed, repr(closed))
expect("close static", RuntimeError, static.close)
live = LpBuffer(4, pool=pool)
expect("close with live objects", RuntimeError, pool.close)
live.free()
close = pool.close
caught = [None]
with pool:
    try:
        close()
    except RuntimeError as e:
        caught[0] = e
print("close while current:", type(caught[0]).__name__, pool.closed)
consistent("closed pools")

# ---- a pool whose buffer moved
mem = bytearray(1024)
moved = LpMemoryPool(mem)
m = LpBuffer(4, pool=moved)
mem.extend(bytes(4096))  # the bytearray grows and is reallocated
expect("moved buffer use", RuntimeError, lambda: m[0])
expect("moved check", RuntimeError, moved.check)
expect("moved new object", RuntimeError, LpBuffer, 4, pool=moved)
m.free()
moved.close()
print("moved pool closed:", moved.closed)
consistent("moved pools")

# ---- run(), with, nesting
expect("run nothing", TypeError, pool.run)
expect("run not callable", TypeError, pool.run, 42)
expect("run generator", TypeError, pool.run, lambda: (yield))
expect("run bad args", TypeError, pool.run, noop, 1, 2)


def kwargs_fn(a=0, b=0, c=0, d=0, e=0, f=0, g=0):
    return a + b + c + d + e + f + g


print("run many kwargs:", pool.run(kwargs_fn, a=1, b=2, c=3, d=4, e=5, f=6, g=7))


def nest(n):
    if n:
        static.run(nest, n - 1)


static.run(nest, 15)  # 16 levels: the limit
expect("run nested too deeply", RuntimeError, static.run, nest, 16)
expect("exit without enter", RuntimeError, pool.__exit__, None, None, None)
expect("exit args", TypeError, pool.__exit__)
expect("reserve inside run", RuntimeError, pool.run, pool.reserve, 4)
expect("reserve negative", ValueError, pool.reserve, -1)
expect("reserve str", TypeError, pool.reserve, "4")
expect("reserve overflow", ValueError, pool.reserve, HUGE)  # as reserve(10**9): out of range
expect("create pool inside run", RuntimeError, pool.run, LpMemoryPool, bytearray(1024))
consistent("run and with")

# ---- with_global_alloc, current_pool, guarded, format_stats, arena_size
expect("global_alloc kwargs only", TypeError, with_global_alloc, x=1)
expect("global_alloc not callable", TypeError, with_global_alloc, 3)
micropython.heap_lock()
try:
    with_global_alloc(noop)
    print("global_alloc under a foreign lock did not raise")
except RuntimeError:
    print("global_alloc under a foreign lock: RuntimeError", micropython.heap_unlock())
expect("current_pool arg", TypeError, current_pool, pool)
expect("arena_size arg", TypeError, arena_size, 1)
expect("format_stats str", TypeError, format_stats, "pool")
expect("guarded function", TypeError, lambda: guarded(noop, pool).send(None))
expect("guarded pool str", TypeError, lambda: guarded((lambda: (yield))(), "pool").send(None))
expect("guarded_step arity", TypeError, guarded_step, pool)
print("AllocError is a MemoryError:", issubclass(AllocError, MemoryError))
consistent("functions")

gc.collect()
print("end:", static.check(), pool.check(), pool.stats()["objects"], pool.stats()["used"], wrong[0])
pool.close()
