# LpVec's error paths: each raises the exception list/array raise, with the vector and the pool
# unchanged afterwards, also when the pool runs out in the middle of a change and inside run().
import json

from lp_pool import AllocError, LpBuffer, LpMemoryPool, LpVec

pool = LpMemoryPool(bytearray(8192), reserve=8)


def attempt(label, fn, *args):
    try:
        r = fn(*args)
        print(label, "->", r)
    except Exception as e:
        print(label, type(e).__name__)


def setitem(o, i, x):
    o[i] = x


def delitem(o, i):
    del o[i]


def setslice(o, a, b, c, x):
    o[a:b:c] = x


def iadd(o, x):
    o += x


# Wrong types and values at construction.
attempt("bad typecode", LpVec, "z")
attempt("typecode not str", LpVec, 5)
attempt("initial not iterable", LpVec, "i", 5)
attempt("negative capacity", lambda: LpVec("i", capacity=-1, pool=pool))
attempt("pool not a pool", lambda: LpVec("i", pool=5))
attempt("bad item in initial", lambda: LpVec("i", [1, "x"], pool=pool))
print("no leak from failed creations:", pool.stats()["objects"], pool.check())

v = LpVec("i", [1, 2, 3], pool=pool)
snapshot = v.tolist()


def unchanged(label):
    print(label, "unchanged:", v.tolist() == snapshot, len(v) == len(snapshot), pool.check())


# Wrong types and out-of-range values: TypeError and OverflowError, nothing stored.
attempt("append str", v.append, "a")
attempt("append float", v.append, 1.5)
attempt("append None", v.append, None)
attempt("append 2**31", v.append, 2**31)
attempt("append -2**31-1", v.append, -(2**31) - 1)
attempt("insert float", v.insert, 0, 2.5)
attempt("insert bad index", v.insert, "0", 2)
attempt("setitem overflow", setitem, v, 0, 2**40)
attempt("index by str", lambda: v["a"])
attempt("extend bad item mid-way", v.extend, [4, 5, "x", 6])
attempt("extend overflow mid-way", v.extend, (7, 2**33))
attempt("extend not iterable", v.extend, 3)
attempt("setslice bad item", setslice, v, 0, 1, None, [9, None])
unchanged("after bad values")
b = LpVec("B", pool=pool)
attempt("B append -1", b.append, -1)
attempt("B append 256", b.append, 256)
h = LpVec("h", pool=pool)
attempt("h append 32768", h.append, 32768)
q = LpVec("Q", pool=pool)
attempt("Q append -1", q.append, -1)
attempt("Q append 2**64", q.append, 2**64)
attempt("Q append 2**64-1", q.append, 2**64 - 1)
print(b.tolist(), h.tolist(), q == [2**64 - 1])
b.free()
h.free()
q.free()

# Empty pop, indices out of range, missing values: IndexError and ValueError as list raises them.
e = LpVec("i", pool=pool)
attempt("pop empty", e.pop)
attempt("pop(0) empty", e.pop, 0)
attempt("pop(5)", v.pop, 5)
attempt("pop(-4)", v.pop, -4)
attempt("v[3]", lambda: v[3])
attempt("v[-4]", lambda: v[-4])
attempt("v[3] = 1", setitem, v, 3, 1)
attempt("del v[3]", delitem, v, 3)
attempt("remove missing", v.remove, 42)
attempt("remove str", v.remove, "1")
attempt("index missing", v.index, 42)
attempt("index outside range", v.index, 1, 1)
attempt("extended slice wrong size", setslice, v, 0, 3, 2, [1])
attempt("slice step 0", lambda: v[::0])
attempt("reserve(-1)", v.reserve, -1)
unchanged("after bad indices")
e.free()

# A change made by the iterable itself, in the middle of extend(): RuntimeError, nothing added.


def grows():
    yield 10
    v.append(11)
    yield 12


attempt("iterable appends", v.extend, grows())
v.pop()  # the 11 the generator appended
unchanged("after iterable append")

# Exhaustion in the middle of a change: fill the vector to its capacity, then the pool around it.
small = LpMemoryPool(bytearray(1024), reserve=4)
w = LpVec("i", range(8), pool=small)
while len(w) < w.capacity:
    w.append(len(w))
before = w.tolist()
blockers = []
for size in (256, 64, 16, 0):
    try:
        while True:
            blockers.append(LpBuffer(size, pool=small))
    except AllocError:
        pass


def w_unchanged(label):
    print(label, "unchanged:", w.tolist() == before, small.check())


attempt("append when full", w.append, 1)
w_unchanged("append")
attempt("extend when full", w.extend, [1, 2, 3])
w_unchanged("extend")
attempt("extend iterable when full", w.extend, iter([1, 2, 3]))
w_unchanged("extend iterable")
attempt("insert when full", w.insert, 0, 1)
w_unchanged("insert")
attempt("slice assign when full", setslice, w, 0, 0, None, [1, 2, 3])
w_unchanged("slice assign")
attempt("+= when full", iadd, w, [1])
w_unchanged("+=")
attempt("+ when full", lambda: w + [1])
attempt("copy when full", w.copy)
attempt("slice when full", lambda: w[1:3])
w_unchanged("+, copy, slice")
attempt("reserve when full", w.reserve, 100)
w_unchanged("reserve")

# The same inside run(), where the heap is locked: the preallocated AllocError, nothing changed.
caught = [0]
LOCKED_OPS = (lambda: w.append(1), lambda: w.extend((1, 2)), lambda: w.insert(0, 1))


def locked():
    for fn in LOCKED_OPS:
        try:
            fn()
        except AllocError:
            caught[0] += 1


small.run(locked)
print("locked AllocErrors:", caught[0])
w_unchanged("inside run")
for blk in blockers:
    blk.free()
w.append(99)
print("after freeing the pool, append works:", w[-1], len(w) == len(before) + 1)
w.free()
print("small pool empty:", small.stats()["used"], small.stats()["objects"], small.check())

# Use after free: every operation raises ValueError; free() twice is harmless.
f = LpVec("d", [1.5], pool=pool)
f.free()
f.free()
print(repr(f), f.freed)
for label, op in (
    ("len", lambda: len(f)),
    ("append", lambda: f.append(1.0)),
    ("getitem", lambda: f[0]),
    ("setitem", lambda: setitem(f, 0, 1.0)),
    ("slice", lambda: f[0:1]),
    ("iter", lambda: [x for x in f]),
    ("in", lambda: 1.5 in f),
    ("==", lambda: f == [1.5]),
    ("+=", lambda: iadd(f, [1.0])),
    ("sort", f.sort),
    ("capacity", lambda: f.capacity),
    ("memoryview", lambda: memoryview(f)),
    ("json", lambda: json.dumps(f)),
    ("extend from freed", lambda: v.extend(f)),
):
    try:
        op()
        print("use after free", label, "did not raise")
    except ValueError as e:
        print("use after free", label, e)
unchanged("after use after free")
v.free()
print(pool.check(), pool.stats()["objects"], pool.stats()["used"])
small.close()

# Python code inside extend() that shrinks or frees the vector: RuntimeError / ValueError.
z = LpVec("i", [1, 2], pool=pool)


def shrinks():
    yield 3
    z.shrink_to_fit()
    yield 4


def frees():
    yield 5
    z.free()
    yield 6


attempt("iterable shrinks", z.extend, shrinks())
print("after shrink:", z.tolist())
attempt("iterable frees", z.extend, frees())
print(pool.check(), pool.stats()["objects"], pool.stats()["used"])
