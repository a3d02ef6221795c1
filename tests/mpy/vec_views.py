# LpVec's buffer protocol: struct, stream.readinto and stream.write work on the items' bytes without
# pinning; a memoryview pins the block, and what growth then strands stays below the vector's final
# capacity however often a view is taken (stats()["pinned_bytes"] shows it). A stale view sees the
# old items, never another object's data.
import io
import struct

from lp_pool import LpBuffer, LpMemoryPool, LpVec

pool = LpMemoryPool(bytearray(32768))

# Transient consumers: nothing pinned, the block goes back on free().
v = LpVec("H", [1, 2, 3, 4], pool=pool)
struct.pack_into("<H", v, 2, 513)
print(v, struct.unpack_from("<HH", v, 4))
io.BytesIO(b"\x07\x00\x08\x00").readinto(v)
out = io.BytesIO()
out.write(v)
print(v, out.getvalue())
print(bytes(v) == out.getvalue(), v == [7, 8, 3, 4])
v.free()
s = pool.stats()
print("transient:", s["pinned"], s["pinned_bytes"], s["used"], pool.check())

# A view pins: growth moves the items and leaves the viewed block to the view.
v = LpVec("i", range(4), pool=pool)
mv = memoryview(v)
for i in range(100):
    v.append(i)
mv[0] = 99  # writes the stranded block only
print("view after growth:", len(mv), mv[0], v[0], v[-1], pool.stats()["pinned"], pool.check())

# Take a view after every growth: the stranded blocks still add up to less than the final capacity.
cycles = 0
for i in range(1000):
    cap = v.capacity
    v.append(i)
    if v.capacity != cap:
        memoryview(v)
        cycles += 1
final_bytes = v.capacity * v.itemsize
s = pool.stats()
print(
    "views taken after growth:",
    cycles >= 3,
    "pinned below final capacity:",
    s["pinned_bytes"] < final_bytes,
    pool.check(),
)

# Once viewed, a vector never shrinks its block (a view may still span it).
v.clear()
v.shrink_to_fit()
print("no shrink after a view:", v.capacity * v.itemsize == final_bytes)

# A stale view after free() sees the old items; new objects never get that memory.
w = LpVec("B", b"abc", pool=pool)
wv = memoryview(w)
w.free()
others = [LpBuffer(8, pool=pool) for _ in range(4)]
for o in others:
    o[0] = 0xEE
print("stale view:", bytes(wv), pool.check())
for o in others:
    o.free()
v.free()
s = pool.stats()
print("only pinned blocks left:", s["objects"], s["used_blocks"] == s["pinned"], pool.check())
