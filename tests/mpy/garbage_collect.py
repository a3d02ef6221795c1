# Garbage never makes a pool fail: a failing allocation collects once (the finalisers of
# unreachable objects give their blocks back) and retries, with the heap free and inside run().
# Pools whose objects are all alive still raise AllocError; collect=False turns the collection off;
# a dry handle reserve can't be helped by a collection and still says so.
import gc

import micropython
from lp_pool import AllocError, LpBuffer, LpMemoryPool

SIZE = 100
pool = LpMemoryPool(bytearray(4096), reserve=48)


def fill_with_garbage(p):
    # Fill p with buffers and drop them all: only the finalisers can give the memory back.
    bufs = []
    try:
        while True:
            bufs.append(LpBuffer(SIZE, pool=p))
    except AllocError:
        pass
    n = len(bufs)
    # Emptied, not just dropped: the GC scans the C stack conservatively, and a stale word that still
    # names the list (an -O2 build with setjmp NLR kept this one; so did the Cortex-M0 board, at a
    # collection from deeper inside run()) would keep every buffer in it alive.
    bufs.clear()
    return n


def fill_alive(p, keep):
    try:
        while True:
            keep.append(LpBuffer(SIZE, pool=p))
    except AllocError:
        pass


# Heap free: the case. The pool is full of garbage, yet one more buffer works.
n = fill_with_garbage(pool)
# (most of the pool: with allocation tracking its table takes part of the 4 KiB)
print("filled:", n > pool.stats()["capacity"] // 128, pool.stats()["largest_free"] < SIZE)
b = LpBuffer(SIZE, pool=pool)
print("heap free: recovered", len(b), pool.stats()["objects"] < n, pool.check())
# A large block needs most of the garbage gone, not just one buffer's worth.
big = LpBuffer(2000, pool=pool)
print("large after garbage:", len(big), pool.check())
big.free()
b.free()
gc.collect()

# Resizing collects too.
fill_with_garbage(pool)
r = LpBuffer(8, pool=pool)
r.resize(1500)
print("resize recovered:", len(r), r[1499], pool.check())
r.free()
gc.collect()

# Inside run(): garbage made under the lock is collected under the lock, and the run goes on.
made = [None]


def churn():
    for i in range(40):
        b = LpBuffer(SIZE)  # dropped at once: garbage
        b[0] = i
    made[0] = LpBuffer(SIZE)  # the pool is full of garbage by now


failed = pool.stats()["failed"]
pool.run(churn)
# The first attempt failed (counted), the one after the collection did not.
print(
    "inside run: recovered",
    len(made[0]),
    pool.stats()["failed"] - failed,
    pool.stats()["objects"] < 20,
    pool.check(),
)
made[0].free()
gc.collect()

# Garbage made outside, exhaustion met inside run().
got = [None]


def one_more():
    got[0] = LpBuffer(SIZE)


fill_with_garbage(pool)
pool.run(one_more)
print("garbage from outside, run recovers:", len(got[0]), pool.check())
got[0].free()
gc.collect()

# All alive: a collection can't help, AllocError as before, with its fields.
keep = []
fill_alive(pool, keep)
largest = pool.stats()["largest_free"]
try:
    LpBuffer(SIZE, pool=pool)
    print("allocated!")
except AllocError as e:
    print(
        "alive, heap free:",
        e.requested,
        e.available == largest,
        str(e).startswith("pool cannot allocate 100 bytes"),
    )
err = [0, 0]


def alive_inside():
    try:
        LpBuffer(SIZE)
    except AllocError as e:
        err[0] = e.requested
        err[1] = e.available


pool.run(alive_inside)
print("alive, inside run:", err[0], err[1] == largest, pool.stats()["objects"] == len(keep), pool.check())
try:
    keep[0].resize(SIZE * 3)
    print("resized!")
except AllocError as e:
    print("alive, resize:", e.requested, len(keep[0]))
for k in keep:
    k.free()
keep = []

# collect=False: the caller takes AllocError at once instead of a collection.
quiet = LpMemoryPool(bytearray(4096), collect=False)
print("collect attr:", pool.collect, quiet.collect)
fill_with_garbage(quiet)
try:
    LpBuffer(SIZE, pool=quiet)
    print("collected anyway!")
except AllocError as e:
    print("collect=False raises:", e.requested)
quiet.collect = True
b = LpBuffer(SIZE, pool=quiet)
print("switched on:", quiet.collect, len(b))
b.free()
gc.collect()
print("quiet:", quiet.check(), quiet.stats()["objects"], quiet.stats()["used"])
quiet.close()

# The static pool takes the same setting through LpMemoryPool(None, collect=...) or the attribute.
static = LpMemoryPool(None, collect=False)
print("static:", static is LpMemoryPool(), static.collect)
static.collect = True
print("static back on:", LpMemoryPool().collect)

# Where a collection is not safe: a hard IRQ handler runs with the scheduler locked and one heap
# lock level that is not lp_pool's. A scheduled callback (scheduler locked, no foreign level)
# collects; the same code with a foreign level added, as in a hard IRQ, raises AllocError.
got = [None, None]


def soft_callback(slot):
    try:
        got[slot] = LpBuffer(SIZE, pool=pool)
    except AllocError as e:
        got[slot] = e


def hard_like_callback(slot):
    micropython.heap_lock()
    soft_callback(slot)
    micropython.heap_unlock()


for slot, callback in ((0, soft_callback), (1, hard_like_callback)):
    fill_with_garbage(pool)
    failed = pool.stats()["failed"]
    micropython.schedule(callback, slot)
    for _ in range(100):  # the VM runs scheduled callbacks at backward jumps
        pass
    # A retry after a collection either succeeds or counts a second failure. (Whether the garbage
    # is really gone depends on stale words on the C stack of the callback: the GC is conservative.)
    r = got[slot]
    retried = isinstance(r, LpBuffer) or pool.stats()["failed"] - failed == 2
    print(callback.__name__, "collected and retried:", retried)
    if slot == 1:
        print("  raised", type(r).__name__, r.requested)
    if isinstance(r, LpBuffer):
        r.free()
got = None
# MicroPython's scheduler queue keeps the callbacks that ran, and their arguments, in its slots,
# also across a soft reset, and the collector scans it: the next script's objects that happen to
# land at those addresses would never be collected. Fill every slot with a ROM callable.
for _ in range(8):
    micropython.schedule(int, 0)
    for _ in range(10):
        pass
gc.collect()

# The handle reserve: a collection can't make handles under the lock (handles are GC objects and
# the heap is locked), so running dry still raises AllocError naming the reserve, garbage or not.
dry = LpMemoryPool(bytearray(4096), reserve=2)
fill_with_garbage(dry)
held = [None, None, None]


def three():
    for i in range(3):
        held[i] = LpBuffer(SIZE)


try:
    dry.run(three)
except AllocError as e:
    print("reserve dry:", str(e).startswith("handle reserve"), held[1] is not None, held[2] is None)
# With the heap free handles come from the GC heap (which collects by itself) and the reserve is
# topped up again when run() returns.
print("reserve refilled:", dry.stats()["reserve"])
held = [None, None, None]
gc.collect()
dry.reserve(3)
dry.run(three)
print("three with reserve 3:", [len(h) for h in held])
for h in held:
    h.free()
held = None

gc.collect()
print(
    pool.check(),
    dry.check(),
    pool.stats()["objects"],
    dry.stats()["objects"],
    pool.stats()["used"],
    dry.stats()["used"],
)
pool.close()
dry.close()
