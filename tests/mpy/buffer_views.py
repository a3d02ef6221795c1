# A memoryview keeps the address of an LpBuffer: such a buffer is pinned, so freeing, resizing or
# closing never hands its memory to anything else. A stale view sees stale bytes; the pool stays
# consistent.
import gc
import struct

from lp_pool import LpBuffer, LpMemoryPool

pool = LpMemoryPool(bytearray(4096))

# Transient users (struct, bytes, ==) do not pin: the memory goes back on free().
t = LpBuffer(32, pool=pool)
struct.pack_into("<I", t, 0, 7)
print(bytes(t[:4]), t == bytes(t))
t.free()
s = pool.stats()
print("transient:", s["pinned"], s["used"], s["objects"])

# A memoryview pins; after free() the view still works on memory nobody else gets.
b = LpBuffer(64, pool=pool)
mv = memoryview(b)
mv[0] = 11
b.free()
mv[1] = 22  # a write through a stale view
print("stale view:", mv[0], mv[1], len(mv))
s = pool.stats()
print("pinned:", s["pinned"], s["objects"], s["used"] > 0, s["pinned_bytes"] >= 64, pool.check())
others = [LpBuffer(64, pool=pool) for _ in range(5)]
for o in others:
    o[0] = 99
print("view unchanged by new objects:", mv[0], mv[1], pool.check())
for o in others:
    o.free()

# resize() of a pinned buffer moves it to a fresh block and keeps the old one for the view.
r = LpBuffer(16, pool=pool)
rv = memoryview(r)
r[0:3] = b"abc"
r.resize(200)
r[0] = ord("X")
print("resized:", bytes(r[:3]), bytes(rv[:3]), len(r), pool.stats()["pinned"], pool.check())
r.resize(8)
print("shrunk:", bytes(r[:3]), len(r), pool.stats()["pinned"])
r.free()

# Closing a pool with pinned blocks keeps its memory alive until soft reset.
pool.close()
gc.collect()
junk = [bytearray(64) for _ in range(40)]
print("after close:", pool.closed, mv[0], mv[1], bytes(rv[:3]))
