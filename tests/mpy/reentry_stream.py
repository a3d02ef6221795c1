# Printing a pool object to a stream whose write() is Python code (print(file=), json.dump,
# get_into): while it is written, the object is in use and write() can't free, change or read it
# (RuntimeError), since the printer holds pointers into its blocks. Afterwards it works as before.
import io
import json

if not hasattr(io, "IOBase"):
    print("SKIP: no io.IOBase on this target")
    raise SystemExit
from lp_pool import LpBox, LpBTreeMap, LpMemoryPool, LpString, LpVec

pool = LpMemoryPool(bytearray(16384))
base = pool.stats()["used"]


class Meddler(io.IOBase):
    """A stream that does `act` on its n-th write."""

    def __init__(self, n, act):
        self.n = n
        self.act = act
        self.calls = 0
        self.out = []

    def write(self, b):
        self.calls += 1
        if self.calls == self.n:
            self.act()
        self.out.append(bytes(b))
        return len(b)


m = LpBTreeMap(pool=pool)
for i in range(50):
    m[i] = "text " + str(i)
v = LpVec("i", range(40), pool=pool)
s = LpString("caf\u00e9 au lait", pool=pool)
box = LpBox("boxed", pool=pool)

for label, obj, act in (
    ("map clear", m, m.clear),
    ("map free", m, m.free),
    ("map store", m, lambda: m.update({3: "a much longer text than before"})),
    ("map len", m, lambda: len(m)),
    ("vec free", v, v.free),
    ("vec append", v, lambda: v.append(1)),
    ("str free", s, s.free),
    ("str clear", s, s.clear),
    ("box free", box, box.free),
    ("box store", box, lambda: setattr(box, "value", "x" * 40)),
):
    for how in ("print", "json"):
        st = Meddler(1 if obj is s else 3, act)  # print(s) writes the text in one piece
        try:
            if how == "print":
                print(obj, file=st)
            else:
                json.dump(obj, st)
            print(label, how, "no error", st.calls)
        except RuntimeError as e:
            print(label, how, "RuntimeError", "in use" in str(e))

# get_into with a stream that frees the map on its first write and writes short.
g = Meddler(1, m.free)
try:
    m.get_into(7, g)
except RuntimeError as e:
    print("get_into free:", "in use" in str(e))

# Nothing was freed or changed, and the objects are usable again.
print(len(m), m[3], m.get_into(7, Meddler(0, None)), len(v), v[39], s, box.value)
json.dump(m, Meddler(0, None))
print(m.freed, v.freed, s.freed, box.freed, pool.check())

# A write() that only reads other objects is fine.
other = LpVec("i", [1, 2, 3], pool=pool)
st = Meddler(2, lambda: other.append(len(other)))
print(v, file=st)
print("other:", other.tolist(), "".join(x.decode() for x in st.out)[:20])

for o in (m, v, s, box, other):
    o.free()
print(pool.check(), pool.stats()["used"] == base)
