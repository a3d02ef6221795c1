# LpBTreeMap: the dict API, key order, views, ordered extras, printing, errors, use after free.
import gc
import io
import json

from lp_pool import LpBTreeMap, LpMemoryPool


def ascii_repr(x, form=repr):
    # form(x) with non-ASCII text escaped, as MicroPython printed it before 1.29 (and as CPython's
    # ascii() does): from 1.29 its repr() shows such text as it is, as CPython's repr() does.
    return "".join(
        c if ord(c) < 128 else ("\\x%02x" if ord(c) < 256 else "\\u%04x") % ord(c) for c in form(x)
    )


pool = LpMemoryPool(bytearray(16384))


def check(m):
    # The structural walk and the pool's own walk, after every step of this script.
    return m._check() and pool.check()


# The dict API, in key order whatever the insertion order.
m = LpBTreeMap(pool=pool)
for k in (5, -3, 12, 0, 7):
    m[k] = k * 10
print(len(m), bool(m), list(m), list(m.values()), list(m.items()), check(m))
m[5] = "five"
print(m[5], m.get(5), m.get(99), m.get(99, "dflt"), 5 in m, 99 in m, check(m))
print(m.pop(12), m.pop(12, "gone"), m.setdefault(0, 1), m.setdefault(1), m[1], check(m))
del m[-3]
m.update({20: 2.5, 21: True, 22: None}, **{})
m.update([(30, b"\x00\xffraw"), (31, "\u20ac uro")])
print(ascii_repr(list(m.items())), check(m))
print(m == dict(m.items()), m == {}, m == [1], m != dict(m.items()), check(m))
other = LpBTreeMap(dict(m.items()), pool=pool)
print(m == other, other._check())
other[0] = 1
print(m == other, check(other))
other.free()

# Printing: str() is the dict form, repr() names the type, json.dump writes JSON (int keys quoted).
print(ascii_repr(m, str))
print(ascii_repr(m))
# Bytes values print in JSON as MicroPython's json prints bytes (raw), so none here.
del m[30]
out = io.StringIO()
json.dump(m, out)
print(out.getvalue())
print(json.dumps(m, separators=(",", ":")))
print(json.loads(json.dumps(LpBTreeMap({"b": 1, "a": [0][0]}, pool=pool))) == {"a": 0, "b": 1})

# Ordered extras.
print(
    m.min(),
    ascii_repr(m.max()),
    m.floor(19),
    m.floor(20),
    m.ceiling(23),
    m.ceiling(32),
    m.floor(-100),
    check(m),
)
print(list(m.range(1, 22)), list(m.range(None, 5)), list(m.range(21)), list(m.range(7, 7)), check(m))
print(m.pop_min(), ascii_repr(m.pop_max()), len(m), check(m))

# Views are live; the range view is the map's one range view, aimed by each range() call.
ks = m.keys()
m[100] = 1
print(len(ks), list(ks)[-1], ks is m.keys(), m.values() is m.values(), repr(m.items()))
r1 = m.range(0, 10)
r2 = m.range(20, 30)
print(r1 is r2, list(r1), len(r2), bool(m.range(200, 300)))

# A map that changes during iteration raises RuntimeError; changing a value does not.
for k in m:
    m[k] = 0
print(list(m.values()))
for view in (m, m.keys(), m.values(), m.items(), m.range(0, 1000)):
    try:
        for _ in view:
            m[1000] = 1
        print("no error")
    except RuntimeError as e:
        print("RuntimeError", e)
    del m[1000]
print(check(m))

# Text keys compare as Python compares them; bytes keys too.
t = LpBTreeMap(pool=pool)
for word in ("pear", "apple", "\u00e9clair", "Zebra", "", "app"):
    t[word] = len(word)
print(ascii_repr(list(t)), t.min(), t.max(), t.floor("apricot"), t.ceiling("b"), check(t))
print(t["apple"], "app" in t, "ap" in t, list(t.range("a", "b")), check(t))
bt = LpBTreeMap({b"\xff": 1, b"\x00": 2, b"a": 3}, pool=pool)
print(list(bt), check(bt))


# Bad input: the right exception, nothing changed.
def setitem(obj, key, value):
    obj[key] = value


def delitem(obj, key):
    del obj[key]


before = list(m.items())
for fn, exc in (
    (lambda: m["one"], TypeError),
    (lambda: setitem(m, "one", 1), TypeError),
    (lambda: setitem(m, 1.5, 1), TypeError),
    (lambda: setitem(m, True, 1), TypeError),
    (lambda: setitem(m, (1,), 1), TypeError),
    (lambda: setitem(m, 1, [1]), TypeError),
    (lambda: setitem(m, 1, 2**70), OverflowError),
    (lambda: setitem(m, 2**70, 1), OverflowError),
    (lambda: m[999], KeyError),
    (lambda: m.pop(999), KeyError),
    (lambda: delitem(m, 999), KeyError),
    (lambda: "x" in m, TypeError),
    (lambda: m.range("a"), TypeError),
    (lambda: m.floor(b"x"), TypeError),
    (lambda: m.update([1, 2]), TypeError),
    (lambda: m.update([(1, 2, 3)]), TypeError),
    (lambda: LpBTreeMap().min(), ValueError),  # as min() of an empty sequence
    (lambda: LpBTreeMap(pool=pool).pop_max(), KeyError),
    (lambda: LpBTreeMap(pool=5), TypeError),
    (lambda: t.get_into("pear", 5), TypeError),  # not a file
):
    try:
        fn()
        print("no exception!")
    except exc as e:
        print(type(e).__name__, end=" ")
print()
print(list(m.items()) == before, check(m))
try:
    m[999]
except KeyError as e:
    print("KeyError", e.args)

# An emptied map forgets its key kind.
t.clear()
t[1] = 1
print(list(t), check(t))

# get_into appends the value's text (or str() of a number) to any writable stream, returns the count.
m[1] = "text"
m[2] = b"\x01\x02"
m.update({20: 2.5, 21: True, 22: None})
out = io.BytesIO()
print(m.get_into(1, out), m.get_into(2, out), m.get_into(20, out), m.get_into(21, out), m.get_into(22, out))
print(out.getvalue())

# free(), with, use after free.
with LpBTreeMap({1: "a"}, pool=pool) as w:
    print(w.freed, w[1])
print(w.freed, repr(w))
view = m.items()
m.free()
m.free()
print(m.freed, repr(m), repr(view))
for fn in (
    lambda: len(m),
    lambda: m[1],
    lambda: setitem(m, 1, 1),
    lambda: 1 in m,
    lambda: list(m),
    lambda: list(view),
    lambda: m.keys(),
    lambda: m.min(),
    lambda: m == {},
    lambda: m._check(),
    lambda: m.get_into(1, io.BytesIO()),
):
    try:
        fn()
        print("no exception!")
    except ValueError as e:
        print(e, end="; ")
print()

# Freeing the map while iterating stops the iteration with ValueError.
it_map = LpBTreeMap({1: 1, 2: 2}, pool=pool)
try:
    for _ in it_map:
        it_map.free()
except ValueError as e:
    print("ValueError", e)

# The finaliser gives the nodes back.
lost = LpBTreeMap(dict((i, str(i)) for i in range(50)), pool=pool)
lost = None
t.free()
bt.free()
ks = r1 = r2 = view = None
gc.collect()
print(pool.check(), pool.stats()["used"], pool.stats()["objects"], pool.stats()["extra_blocks"])
