# LpVec's storage: capacity=, reserve(), shrink_to_fit(), geometric growth in place (the allocator's
# allocation count does not move while the next block is free), and itemsize as struct's native size.
import struct

from lp_pool import LpMemoryPool, LpVec

pool = LpMemoryPool(bytearray(16384))

for tc in "bBhHiIlLqQfd":
    v = LpVec(tc, pool=pool)
    if v.itemsize != struct.calcsize(tc) or v.typecode != tc:
        print("itemsize or typecode differs for", tc)
    v.free()

v = LpVec("i", capacity=10, pool=pool)
print("capacity=10:", len(v), v.capacity >= 10)
v.reserve(100)
print("reserve(100):", v.capacity >= 100)
w = LpVec("i", range(100), pool=pool)
w.shrink_to_fit()
c = w.capacity
w.reserve(c - 100)  # room for that many more is there already
same = w.capacity == c
w.reserve(c - 100 + 1)  # room for len + n items: geometric at most, never twice the length
print("reserve past len:", same, c + 1 <= w.capacity < 200, len(w))
w.free()
v.extend(range(5))
v.shrink_to_fit()
print("shrink_to_fit:", len(v), 5 <= v.capacity < 100, v.tolist())

# Growth: geometric (few capacity changes) and in place while the block after it is free.
allocs = pool.stats()["allocs"]
changes = 0
for i in range(1000):
    cap = v.capacity
    v.append(i)
    changes += v.capacity != cap
print(
    "1000 appends:",
    len(v),
    "capacity changes <= 16:",
    changes <= 16,
    "moved:",
    pool.stats()["allocs"] - allocs,
)

# With a neighbour in the way growth moves the items (one allocation), keeping them.
blocker = LpVec("i", [7], pool=pool)
while len(v) < v.capacity:
    v.append(0)
before = pool.stats()["allocs"]
v.append(1)
print("moved past a neighbour:", pool.stats()["allocs"] - before, v[0], v[999 + 5], blocker[0])
blocker.free()
v.clear()
print("clear keeps the block:", len(v), v.capacity > 1000)
v.shrink_to_fit()
print("then shrink_to_fit:", v.capacity < 10, pool.check())
v.free()
print(pool.check(), pool.stats()["objects"], pool.stats()["used"])
