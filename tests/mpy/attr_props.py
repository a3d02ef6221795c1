# Properties are entries of each type's locals_dict (issue 18): help() and dir() list them with
# the methods, reads and stores behave as before, and a Python subclass that defines a property of
# its own reads the native ones too (MicroPython calls property getters only in such classes).
from lp_pool import LpBox, LpBTreeMap, LpBuffer, LpMemoryPool, LpString, LpVec

pool = LpMemoryPool(bytearray(4096))
objs = [
    ("LpVec", LpVec("h", [1, 2], pool=pool)),
    ("LpString", LpString("ab", pool=pool)),
    ("LpBox", LpBox(3, pool=pool)),
    ("LpBTreeMap", LpBTreeMap({1: 2}, pool=pool)),
    ("LpBuffer", LpBuffer(8, pool=pool)),
]
by_name = dict(objs)
props = {
    "LpVec": ("typecode", "itemsize", "capacity", "pool", "freed"),
    "LpString": ("capacity", "pool", "freed"),
    "LpBox": ("value", "pool", "freed"),
    "LpBTreeMap": ("pool", "freed"),
    "LpBuffer": ("pool", "freed"),
}
for name, o in objs:
    t = type(o)
    for p in props[name]:
        print(name, p, p in dir(o), p in dir(t), type(getattr(t, p)).__name__, getattr(o, p) is not None)
for p in ("size", "closed", "is_static", "collect"):
    print("LpMemoryPool", p, p in dir(pool), p in dir(LpMemoryPool), type(getattr(LpMemoryPool, p)).__name__)
print(
    by_name["LpVec"].typecode,
    by_name["LpVec"].itemsize,
    by_name["LpString"].capacity >= 2,
    by_name["LpBox"].value,
)
print(pool.size, pool.closed, pool.is_static, pool.collect)

# Methods still bind; stores: read-only properties, a writable one, methods and unknown names.
v = by_name["LpVec"]
ap = v.append
ap(3)
print(list(v))
for target, name in (
    (v, "typecode"),
    (v, "pool"),
    (v, "append"),
    (v, "nope"),
    (by_name["LpBTreeMap"], "freed"),
):
    try:
        setattr(target, name, 1)
    except AttributeError as e:
        print("set", name, "AttributeError:", e)
b = by_name["LpBox"]
b.value = "x"
print(b.value)
try:
    del b.value
except AttributeError:
    print("del value AttributeError")
try:
    del v.capacity
except AttributeError as e:
    print("del capacity AttributeError:", e)
pool.collect = False
print(pool.collect)

# Property reads work inside run() (no GC allocation for these).
for name in ("typecode", "itemsize", "capacity", "freed", "pool"):
    print("in run():", name, pool.run(lambda n=name: getattr(v, n)) == getattr(v, name))


class Mine(LpVec):
    @property
    def first(self):
        return self[0]


m = Mine("i", [7], pool=pool)
print(m.typecode, m.itemsize, m.first, m.freed, m.capacity >= 1)

v.free()
print(v.freed)
try:
    print(v.capacity)
except ValueError as e:
    print("freed:", e)
for _, o in objs:
    o.free()
m.free()
print(pool.check(), pool.stats()["used"])
