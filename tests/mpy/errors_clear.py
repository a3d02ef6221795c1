# Each error a newcomer met that said the wrong thing (issue 19), one row each: the exception's type
# and message now say what is wrong.
import lp_pool
from lp_pool import AllocError, LpBTreeMap, LpBuffer, LpMemoryPool, LpString, LpVec, guarded

pool = LpMemoryPool(bytearray(4096), reserve=0)


def row(label, fn):
    try:
        r = fn()
    except Exception as e:  # noqa: BLE001 - the type and message are what this prints
        print(f"{label}: {type(e).__name__}: {e}")
        return None
    print(f"{label}: returned {r!r}")
    return r


# LpVec('i', capacity=-1) named "count".
row("LpVec capacity=-1", lambda: LpVec("i", capacity=-1, pool=pool))
row("LpVec reserve(-1)", lambda: LpVec("i", pool=pool).reserve(-1))

# LpString.replace('a', 'b', 'x') talked about indices.
s = LpString("banana", pool=pool)
row("replace count 'x'", lambda: s.replace("a", "b", "x"))

# m.get_into(1, 5) raised OSError.
m = LpBTreeMap({1: "one"}, pool=pool)
row("get_into(1, 5)", lambda: m.get_into(1, 5))

# LpBTreeMap([1, 2]) named update().
row("LpBTreeMap([1, 2])", lambda: LpBTreeMap([1, 2], pool=pool))
row("m.update([1, 2])", lambda: m.update([1, 2]))

# pool.reserve(10**30) and pool.reserve(10**9) raised different types.
row("reserve(10**30)", lambda: pool.reserve(10**30))
row("reserve(10**9)", lambda: pool.reserve(10**9))
row("reserve(-1)", lambda: pool.reserve(-1))
row("LpMemoryPool(reserve=10**30)", lambda: LpMemoryPool(bytearray(1024), reserve=10**30))


# pool.size = 5 said there is no attribute.
def store(obj, name, value):
    setattr(obj, name, value)


row("pool.size = 5", lambda: store(pool, "size", 5))
row("pool.closed = True", lambda: store(pool, "closed", True))
row("vec.capacity = 5", lambda: store(LpVec("i", pool=pool), "capacity", 5))
row("string.pool = None", lambda: store(s, "pool", None))
row("pool.unknown = 5", lambda: store(pool, "unknown", 5))


# A dry handle reserve inside run() raised AllocError with requested and available None.
def dry():
    try:
        LpBuffer(4)
    except AllocError as e:
        return e


e = pool.run(dry)
print(
    "dry reserve:",
    type(e).__name__,
    "pool.reserve(n)" in str(e),
    type(e.requested).__name__,
    e.requested > 0,
    e.available,
)


# guarded(None) failed only when awaited.
async def coro():
    return 1


row("guarded(None)", lambda: guarded(None))
row("guarded(coro)", lambda: guarded(coro))
row("guarded(coro(), pool=5)", lambda: guarded(coro(), pool=5))


# LpMemoryPool(buf, meta_rows=4) without tracking raised TypeError, the other tracking APIs
# NotImplementedError: now it behaves as pool.meta() does in the same build.
def kind(fn):
    try:
        fn()
        return "ok"
    except Exception as e:  # noqa: BLE001
        return type(e).__name__


print(
    "meta_rows= as pool.meta():", kind(lambda: LpMemoryPool(bytearray(4096), meta_rows=4)) == kind(pool.meta)
)

# min()/max() of an empty map raised KeyError; the builtins raise ValueError.
empty = LpBTreeMap(pool=pool)
row("empty min()", empty.min)
row("empty max()", empty.max)
row("empty pop_min()", empty.pop_min)  # KeyError, as dict.popitem()

# LpString.truncate(n) raised OverflowError for n >= 2**62 but did nothing for 2**31.
for label, n in (("2**31", 2**31), ("2**62", 2**62), ("2**100", 2**100), ("6", 6), ("3", 3)):
    row(f"truncate({label})", lambda n=n: s.truncate(n))
print(repr(str(s)))
row("truncate(-1)", lambda: s.truncate(-1))
row("truncate(-2**100)", lambda: s.truncate(-(2**100)))


# m["s"] = 2**63 on an int-key map reported the value's range before the key's type.
def setitem(key, value):
    m[key] = value


row('m["s"] = 2**63', lambda: setitem("s", 2**63))
row("m[2] = 2**63", lambda: setitem(2, 2**63))

for o in (s, m, empty):
    o.free()
print(pool.check(), lp_pool.current_pool())
