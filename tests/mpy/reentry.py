# User code that lp_pool's C calls back into (an __int__ in an index, an iterator given to extend())
# and errors raised under the lock that live on afterwards: none of it may reach freed pool memory.
# Each case raises a clear exception and leaves the pool consistent.
import gc
import io
import sys

from lp_pool import LpBuffer, LpMemoryPool, LpString, LpVec


def ascii_repr(x, form=repr):
    # form(x) with non-ASCII text escaped, as MicroPython printed it before 1.29 (and as CPython's
    # ascii() does): from 1.29 its repr() shows such text as it is, as CPython's repr() does.
    return "".join(
        c if ord(c) < 128 else ("\\x%02x" if ord(c) < 256 else "\\u%04x") % ord(c) for c in form(x)
    )


pool = LpMemoryPool(bytearray(8192))
base = pool.stats()["used"]


def consistent(label):
    print(label, pool.check(), pool.stats()["used"] == base)


# ---- an error raised inside run() outlives it: the frames outside add their traceback on the GC
# heap, and a collection must not sweep it while the exception is held.
v = LpVec("i", [1], pool=pool)


def outer():
    pool.run(v.pop, 100)


def outer2():
    outer()


held = []
for _ in range(10):  # more raises than the module keeps exception objects for
    try:
        outer2()
    except IndexError as e:
        held.append(e)
gc.collect()
junk = [bytearray(b"\xff" * 24) for _ in range(200)]
out = io.StringIO()
sys.print_exception(held[-1], out)
lines = out.getvalue().splitlines()
nums = [int(ln.split("line ")[1].split(",")[0]) for ln in lines if "line " in ln]
print("held traceback:", lines[-1], all(0 < n < 200 for n in nums))
del junk
v.free()
consistent("tracebacks")


# ---- __int__ in an index or slice could free or shrink the object while C holds its length and
# data: only ints (and bools) are taken, anything else is TypeError before any conversion.
class Sneaky:
    def __init__(self, fn):
        self.fn = fn

    def __int__(self):
        self.fn()
        return 0


v = LpVec("i", range(100), pool=pool)
s = LpString("hello world", pool=pool)
b = LpBuffer(16, pool=pool)


def shrink_v():
    v.clear()
    v.shrink_to_fit()


def del_slice():
    del v[Sneaky(shrink_v) : 50]


def set_slice():
    v[Sneaky(shrink_v) : 90] = [1, 2]


def store(obj, key, value):
    obj[key] = value


for label, fn in (
    ("vec del slice", del_slice),
    ("vec get slice", lambda: v[Sneaky(v.free) : 5]),
    ("vec set slice", set_slice),
    ("vec slice()", lambda: v.slice(Sneaky(v.free), 5)),
    ("vec index", lambda: v[Sneaky(v.free)]),
    ("str slice", lambda: s[Sneaky(s.free) : 5]),
    ("str slice()", lambda: s.slice(Sneaky(s.free), 5)),
    ("buffer index", lambda: b[Sneaky(lambda: b.resize(0))]),
    ("buffer store", lambda: store(b, 3, Sneaky(b.free))),
    ("buffer slice", lambda: b[Sneaky(b.free) : 4]),
):
    try:
        fn()
        print(label, "no error")
    except TypeError as e:
        print(label, "TypeError", e)
print("intact:", len(v), v[99], s, len(b), v.freed, s.freed, b.freed)
print("bools still index:", v[True], s[False], b[True])
v.free()
s.free()
b.free()
consistent("indices")

# ---- extend() with an iterator that frees or changes the string between items.
s = LpString("hello world", pool=pool)


def freeing():
    yield "a"
    s.free()
    yield "b"


try:
    s.extend(freeing())
except ValueError as e:
    print("extend, freed by the iterator:", e, s.freed)

s = LpString("\u20ac\u20ac\u20ac", pool=pool)


def changing():
    s.clear()
    s.append("\u00e9")
    yield "x"


try:
    s.extend(changing())
except RuntimeError as e:
    print("extend, changed by the iterator:", e, ascii_repr(s), len(s), ascii_repr(list(s)))


def changing_then_raising():
    s.clear()
    s.append("ab")
    raise ValueError("from the iterator")
    yield


try:
    s.extend(changing_then_raising())
except ValueError as e:
    print("extend, changed then raised:", e, repr(s), len(s))
s.extend(iter(["c", "d"]))
print("extend after:", s, len(s))
s.free()
consistent("extend")

# ---- a pool whose caller buffer moved: repr and check() say so and read nothing.
mem = bytearray(2048)
q = LpMemoryPool(mem)
mem.extend(b"z" * 4096)
print(repr(q))
try:
    q.check()
except RuntimeError as e:
    print("moved:", "moved" in str(e))
q.close()

# A pool whose own memory the program scribbled over: check() names the damage, no crash.
mem = bytearray(4096)
q = LpMemoryPool(mem)
mem[:] = b"A" * len(mem)
try:
    q.check()
except RuntimeError as e:
    print("scribbled:", str(e).startswith("pool is corrupted"))
consistent("end")
