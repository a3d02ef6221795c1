# No two pools share a byte (invariant 10): memory that overlaps the static arena or an open pool's
# region is refused with a ValueError naming that pool, whatever object exposes it (the same
# bytearray, a memoryview of it, a bytearray over its address, an array, a pool object's own
# buffer); close() frees the region for a new pool. Before, LpMemoryPool(B) twice was accepted and
# the two pools handed out the same bytes.
import array

import uctypes
from lp_pool import LpBuffer, LpMemoryPool, LpVec

static = LpMemoryPool()


def refused(label, make, named):
    try:
        make()
    except ValueError as e:
        print(label, "ValueError", named in str(e))
        return
    except Exception as e:  # noqa: BLE001 - a wrong type is what this prints
        print(label, "wrong:", type(e).__name__, e)
        return
    print(label, "accepted!")


B = bytearray(4096)
p1 = LpMemoryPool(B)
name = repr(p1)
print(name.startswith("<LpMemoryPool caller buffer at "), "closed" in name)
refused("same bytearray", lambda: LpMemoryPool(B), name)
refused("memoryview", lambda: LpMemoryPool(memoryview(B)), name)
refused("memoryview slice", lambda: LpMemoryPool(memoryview(B)[1000:3000]), name)
refused(
    "bytearray over its address",
    lambda: LpMemoryPool(uctypes.bytearray_at(uctypes.addressof(B) + 8, 256)),
    name,
)
refused("last byte", lambda: LpMemoryPool(uctypes.bytearray_at(uctypes.addressof(B) + 4095, 1024)), name)
# The message names the pool by its address: a second pool of the same size is told apart.
B2 = bytearray(4096)
p2 = LpMemoryPool(B2)
try:
    LpMemoryPool(memoryview(B2))
except ValueError as e:
    print("names the right pool:", repr(p2) in str(e), repr(p1) in str(e))
# Adjacent memory is not overlap: two pools over the halves of one bytearray.
C = bytearray(8192)
half1 = LpMemoryPool(uctypes.bytearray_at(uctypes.addressof(C), 4096))
half2 = LpMemoryPool(uctypes.bytearray_at(uctypes.addressof(C) + 4096, 4096))
refused(
    "inside the second half",
    lambda: LpMemoryPool(uctypes.bytearray_at(uctypes.addressof(C) + 4196, 200)),
    repr(half2),
)
print("adjacent halves:", half1.check(), half2.check())
half1.close()
half2.close()

# An array's memory.
A = array.array("i", range(1024))
pa = LpMemoryPool(A)
refused("same array", lambda: LpMemoryPool(A), repr(pa))
refused("memoryview of the array", lambda: LpMemoryPool(memoryview(A)[10:]), repr(pa))
pa.close()

# The static arena: a pool object's own memory, or a view of it.
buf = LpBuffer(256)
vec = LpVec("i", range(64))
arena = "the static arena"
refused("LpBuffer", lambda: LpMemoryPool(buf), arena)
refused("memoryview of an LpBuffer", lambda: LpMemoryPool(memoryview(buf)), arena)
refused("LpVec", lambda: LpMemoryPool(vec), arena)
refused(
    "bytearray over the arena", lambda: LpMemoryPool(uctypes.bytearray_at(uctypes.addressof(buf), 256)), arena
)
# ... and a caller pool's objects: their memory is that pool's.
inside = LpBuffer(512, pool=p1)
refused("LpBuffer of a caller pool", lambda: LpMemoryPool(inside), repr(p1))
inside.free()
buf.free()
vec.free()

# A memoryview of memory no pool uses is still refused for what it is (it can't tell when the
# bytearray under it moves), a read-only buffer too.
for label, obj in (("fresh memoryview", memoryview(bytearray(4096))), ("bytes", b"x" * 4096)):
    try:
        LpMemoryPool(obj)
    except TypeError:
        print(label, "TypeError")

# close() frees the region: the same bytearray takes a new pool.
p1.close()
p3 = LpMemoryPool(B)
print("reused after close:", p3.check(), repr(p3).startswith("<LpMemoryPool caller buffer at "))
p3.close()

# A pool closed while a memoryview pins one of its blocks keeps its memory (the view may still
# write there): still refused, and the message says why.
p4 = LpMemoryPool(B)
pinned = LpBuffer(64, pool=p4)
view = memoryview(pinned)
pinned.free()
p4.close()
print(repr(p4).startswith("<LpMemoryPool closed, keeping 4096 bytes at "))
refused("closed pool with a pinned block", lambda: LpMemoryPool(B), "memoryviews")
del view

# A bytearray that grew has moved: its old memory went back to the GC, and the grown bytearray is
# new memory a new pool may use; the old pool raises on use.
G = bytearray(1024)
pg = LpMemoryPool(G)
G.extend(bytes(4096))  # grows, and is reallocated (as in adversarial.py)
try:
    pg.stats()
except RuntimeError:
    print("moved pool raises RuntimeError")
pn = LpMemoryPool(G)
print("pool over the grown bytearray:", pn.check())
pn.close()
pg.close()
p2.close()
print(static.check(), static.stats()["objects"])
