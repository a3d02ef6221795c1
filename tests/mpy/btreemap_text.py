# LpString works with LpBTreeMap as text: as a key (stored, and looked up without allocating), as
# a value, and as get_into's target. A map insert that finds the pool full of garbage collects once
# and retries, like every other pool allocation.
import gc
import json

from lp_pool import AllocError, LpBTreeMap, LpBuffer, LpMemoryPool, LpString


def ascii_repr(x, form=repr):
    # form(x) with non-ASCII text escaped, as MicroPython printed it before 1.29 (and as CPython's
    # ascii() does): from 1.29 its repr() shows such text as it is, as CPython's repr() does.
    return "".join(
        c if ord(c) < 128 else ("\\x%02x" if ord(c) < 256 else "\\u%04x") % ord(c) for c in form(x)
    )


pool = LpMemoryPool(bytearray(8192), reserve=40)
m = LpBTreeMap(pool=pool)
k = LpString("café", pool=pool)
m[k] = 1  # an LpString key is text: the same key as the str "café"
m["abc"] = LpString("xyz", pool=pool)  # an LpString value is stored as text (a copy)
m["zz"] = 3
print(m["café"], k in m, "abc" in m, LpString("abc", pool=pool) in m, ascii_repr(m, str))
try:
    m[b"abc"] = 1
except TypeError as e:
    print("TypeError:", e)
k.append("!")  # the map holds its own copy of the key
print("café!" in m, "café" in m, len(m), m._check())

out = LpString(capacity=32, pool=pool)
results = [0, 0, 0, 0]


def lookups(n):
    start = gc.mem_alloc()
    total = 0
    for _ in range(n):
        total += m["café"] + m["zz"]  # str constants: no allocation
    out.clear()
    results[1] = m.get_into("abc", out)  # writes the text value into the LpString
    json.dump(m, out)
    results[0] = gc.mem_alloc() - start
    results[2] = total


pool.run(lookups, 10)
print("heap bytes in run:", results[0], "written:", results[1], "total:", results[2], out)


# Lookup by an LpString key inside run(): no GC allocation.
def by_lpstring(key):
    start = gc.mem_alloc()
    v = m[key]
    results[3] = gc.mem_alloc() - start
    return v


probe = LpString("café", pool=pool)
print("by LpString:", pool.run(by_lpstring, probe), "heap bytes:", results[3])
probe.free()

k.free()
try:
    m[k] = 2
except ValueError as e:
    print("freed key:", e)

# Garbage recovery for a map: fill the pool with unreachable buffers, then insert until a split
# needs a node. The insert collects once and succeeds instead of raising AllocError.
scratch = LpMemoryPool(bytearray(4096), reserve=60)
sm = LpBTreeMap(pool=scratch)


def fill_with_garbage(p):
    bufs = []
    try:
        while True:
            bufs.append(LpBuffer(64, pool=p))
    except AllocError:
        pass


fill_with_garbage(scratch)
before = scratch.stats()["largest_free"]
for i in range(40):
    sm[i] = i * i
print("map after garbage:", before < 200, len(sm), sm[39], sm._check(), scratch.check())
gc.collect()
# All alive: the same inserts still fail with AllocError and leave the map as it was.
keep = []
try:
    while True:
        keep.append(LpBuffer(64, pool=scratch))
except AllocError:
    pass
try:
    for i in range(40, 400):
        sm[i] = i
except AllocError:
    print("all alive: AllocError", sm._check(), scratch.check())
for b in keep:
    b.free()
sm.free()
out.free()
m.free()
gc.collect()
print(pool.check(), pool.stats()["objects"], scratch.check(), scratch.stats()["objects"])
pool.close()
scratch.close()
