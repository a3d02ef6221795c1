# AllocError: a MemoryError with .requested and .available, raised with the heap locked or not;
# a failed allocation leaves the pool as it was.
from lp_pool import AllocError, LpBuffer, LpMemoryPool

print(issubclass(AllocError, MemoryError))
pool = LpMemoryPool(bytearray(4096), reserve=2)
before = pool.stats()

errs = []
for _ in range(2):
    try:
        LpBuffer(100000, pool=pool)
    except AllocError as e:
        errs.append(e)
e = errs[0]
print(type(e).__name__, e.requested, 0 < e.available < 4096, errs[0] is not errs[1])
print(str(e).startswith("pool cannot allocate 100000 bytes"))
after = pool.stats()
print(after["failed"] - before["failed"], after["used"] == before["used"], after["objects"], pool.check())

# Caught as MemoryError too.
try:
    LpBuffer(100000, pool=pool)
except MemoryError as e:
    print("MemoryError handler caught", type(e).__name__)

# Inside run: the preallocated instance, and `except AllocError:` works.
result = [0, 0, 0]


def too_big():
    try:
        LpBuffer(100000)
    except AllocError as e:
        result[0] = e.requested
        result[1] = e.available
        result[2] = 1 if isinstance(e, MemoryError) else 0


pool.run(too_big)
print(result[0], 0 < result[1] < 4096, result[2])

# Exhaustion mid-way: fill the pool, the failing creation changes nothing, the rest stays intact.
bufs = []
try:
    while True:
        b = LpBuffer(200, pool=pool)
        b[0] = len(bufs)
        bufs.append(b)
except AllocError:
    pass
s = pool.stats()
print(len(bufs) > 10, all(b[0] == i for i, b in enumerate(bufs)), s["objects"] == len(bufs), pool.check())
for b in bufs:
    b.free()
print(pool.stats()["used"], pool.check())

# The handle reserve: creation under the lock takes reserved handles and says so when they run out.
held = [None] * 4


def take_handles():
    for i in range(4):
        held[i] = LpBuffer(8)


try:
    pool.run(take_handles)
except AllocError as e:
    print("reserve empty:", str(e).startswith("handle reserve"), held[2] is None)
for h in held:
    if h is not None:
        h.free()
print(pool.stats()["reserve"], pool.stats()["objects"])
pool.reserve(4)
pool.run(take_handles)
print(all(h.pool is pool for h in held), pool.stats()["objects"])
for h in held:
    h.free()
print(pool.check(), pool.stats()["used"])
pool.close()
