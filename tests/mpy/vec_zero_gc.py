# Inside run() an LpVec is created, grown, iterated, sliced, sorted, extended with +=, printed and
# written as JSON with zero GC-heap allocations: the heap is locked (any allocation would raise)
# and gc.mem_alloc() does not move. Floats are printed from storage, never boxed.
import gc
import io
import json

from lp_pool import LpMemoryPool, LpVec

pool = LpMemoryPool(bytearray(16384), reserve=40)
# No pool stream exists yet (LpString will be one): a BytesIO sized up front takes writes without
# growing, so it shows that json.dump of an LpVec allocates nothing itself.
out = io.BytesIO(1024)
res = [0] * 6
# Float literals computed at run time (-1.25) are new float objects: made here, before run().
f = LpVec("d", [0.5, -1.25, 1e5, 3], pool=pool)


def hot(n):
    start = gc.mem_alloc()
    v = LpVec("i")  # a handle from the reserve, storage from the pool
    for i in range(n):
        v.append(i * 3 % 17)  # grows geometrically, in place when it can
    total = 0
    for x in v:  # the iterator lives in the VM's iter_buf
        total += x
    s = v.slice(2, 12, 3)  # a slice without a slice object (1.25 heap-allocates those)
    v.sort(reverse=True)  # on the raw values
    v += s  # in place
    total += v[0] + len(v) + v.count(3) + v.index(5) + (7 in v) + (v == v)
    w = v.copy()
    w.reverse()
    w.extend(s)
    w.insert(0, 1)
    w.pop()
    w.remove(1)
    del w[0]
    w[1] = 5
    total += w[1] + len(w)
    w.clear()
    w.shrink_to_fit()
    w.reserve(10)
    with LpVec("h", s) as t:
        total += t[0] + t.itemsize
    f.append(0.125)
    head = v.slice(0, 4)
    print(f, head)  # print() from storage: no float is boxed
    json.dump(f, out)
    json.dump(s, out)
    s.free()
    w.free()
    v.free()
    head.free()
    res[0] = start
    res[1] = gc.mem_alloc()
    res[2] = total


pool.run(hot, 200)
print("mem_alloc unchanged:", res[0] == res[1], "total:", res[2])
print(out.getvalue())
f.free()
print(pool.check(), pool.stats()["objects"], pool.stats()["used"])
