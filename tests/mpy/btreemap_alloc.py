# LpBTreeMap under the heap lock (no GC allocation) and at pool exhaustion (a refused insert, also
# one whose splits can't get their nodes, leaves the map exactly as it was).
import io
import json

from lp_pool import AllocError, LpBTreeMap, LpBuffer, LpMemoryPool, arena_size

pool = LpMemoryPool(bytearray(min(24576, arena_size() // 3)))
out = io.BytesIO(512)  # its capacity is allocated now: writes inside run() fit it


def work(n):
    m = LpBTreeMap()  # in the current pool, its handle from the reserve
    for i in range(n):  # ascending: splits at the right edge
        m[i] = i * 3
    for i in range(-1, -n, -1):  # descending: splits at the left edge
        m[i] = i
    hits = 0
    for i in range(-n, n):
        if i in m and m[i] == m.get(i):
            hits += 1
    total = 0
    for k in m:  # iteration in the VM's iter_buf
        total += k
    for v in m.values():
        total += v
    for k, v in m.items():  # under the heap lock: one reused pair
        total += k - v
    for k in m.range(-5, 5):
        total += k
    for i in range(0, n, 2):
        del m[i]
    popped = m.pop(1) + m.pop(-1) + m.setdefault(7, 70) + m.min() + m.max() + m.floor(6) + m.ceiling(6)
    m.clear()
    m[1] = 10
    m[2] = 20
    m.get_into(1, out)
    out.write(b" ")
    json.dump(m, out)
    ok = m._check()
    m.free()
    print(hits, total, popped, ok)  # small ints print without the heap; a tuple would not


try:
    pool.run(work, 200)
except Exception as e:
    print("allocated inside run()!", type(e).__name__, e)
print(out.getvalue())
print(pool.check(), pool.stats()["used"])


# Text keys looked up by str constants inside run(): no allocation either.
words = LpBTreeMap({"alpha": 1, "beta": 2, "gamma": 3}, pool=pool)


def lookups():
    return words["beta"] + words.get("gamma") + ("delta" in words) + len(words)


print(pool.run(lookups))


# Exhaustion. Squeeze the pool to `leave` free bytes with filler buffers, then try inserts: each
# either works or raises AllocError with the map unchanged and structurally sound.
def squeeze(leave):
    fill = []
    while True:
        largest = pool.stats()["largest_free"]
        if largest <= leave:
            return fill
        fill.append(LpBuffer(max(0, min(largest - leave - 4, 4096)), pool=pool))


m = LpBTreeMap(pool=pool)
for i in range(0, 1200, 2):
    m[i] = i
height_before = pool.stats()["extra_blocks"]
failed = worked = unchanged = 0
for leave in range(0, 360, 8):
    fill = squeeze(leave)
    for k in range(1 + leave % 5, 1200, 37):  # odd keys: new entries all over the tree
        before = list(m.items()) if k % 3 == 0 else None
        blocks = pool.stats()["extra_blocks"]
        old = m.get(k, "absent")
        try:
            m[k] = "v" * (k % 20)
            worked += 1
        except AllocError:
            failed += 1
            same = pool.stats()["extra_blocks"] == blocks and m._check() and m.get(k, "absent") == old
            if before is not None:
                same = same and list(m.items()) == before
            unchanged += same
    for b in fill:
        b.free()
    m._check()
print("refused", failed > 20, "stored", worked > 20, "refusals left the map unchanged", unchanged == failed)
print(len(m) > 600, m._check(), pool.check())

# An insert that needs a new root: a full root leaf splits into two leaves under a new root. With
# room for the sibling leaf but not for the root, the leaf taken first is given back.
m.clear()
used = pool.stats()["used"]
m[0] = 0
leaf_block = pool.stats()["used"] - used
for k in range(1, 11):
    m[k] = k
fill = squeeze(leaf_block)
blocks = pool.stats()["extra_blocks"]
try:
    m[11] = 11
    print("no AllocError!")
except AllocError:
    print(
        "root split refused; unchanged:",
        pool.stats()["extra_blocks"] == blocks,
        list(m) == list(range(11)),
        m._check(),
    )
for b in fill:
    b.free()
m[11] = 11
print(pool.stats()["extra_blocks"] == blocks + 2, m._check())
m.free()
words.free()
print(pool.check(), pool.stats()["used"])
