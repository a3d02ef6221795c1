# LpString basics: construction, the ASCII fast path and non-ASCII text, growth and capacity, the
# buffer protocol and memoryview pinning, with/free/finaliser, results in the same pool.
import gc

from lp_pool import LpMemoryPool, LpString

pool = LpMemoryPool(bytearray(8192), reserve=8)

# Construction from str, LpString and buffers of UTF-8; len counts characters.
a = LpString("héllo", pool=pool)
b = LpString(a)  # in the default pool (static, or run()'s current), not a's: pool= chooses
c = LpString(b"w\xc3\xb6rld", pool=pool)
d = LpString(bytearray("€uro", "utf-8"), pool=pool)
e = LpString(memoryview(b"xyz")[1:], pool=pool)
print(len(a), len(c), len(d), len(e), a == "héllo", c == "wörld", d == "€uro", e == "yz")
print(b == a, b.pool is a.pool, a.pool is pool, LpString().pool is b.pool)
b.free()
empty = LpString(pool=pool)
print(len(empty), bool(empty), bool(a), empty == "", repr(empty))

# Both sides of == with str; ordering as str orders (code points).
print("héllo" == a, a == "héllo", a != "hello", "x" != a)
for x, y in (("a", "b"), ("é", "z"), ("€", "é"), ("ab", "a"), ("", "a"), ("😀", "€")):
    lx = LpString(x, pool=pool)
    ly = LpString(y, pool=pool)
    print(x < y, lx < y, lx < ly, lx <= y, lx > ly, lx >= y, (lx == ly) == (x == y))
    lx.free()
    ly.free()

# Indexing is by character, for ASCII and non-ASCII text.
mixed = "aé€😀b"
m = LpString(mixed, pool=pool)
print(all(m[i] == mixed[i] for i in range(-len(mixed), len(mixed))), list(m) == list(mixed))
print(m[1:4] == mixed[1:4], m[::-1] == "".join(list(mixed)[::-1]), m[-2:] == mixed[-2:], m[10:] == "")

# Growth: capacity in bytes, reserve(n) makes room for n more without moving.
g = LpString(capacity=40, pool=pool)
print(g.capacity >= 40, len(g))
g.reserve(100)
cap = g.capacity
for _ in range(20):
    g += "abcde"
print(cap >= 100, g.capacity == cap, len(g), g.count("abcde"))
for _ in range(100):
    g.append("€")
print(len(g), g.capacity >= 400, g.endswith("€€"), g.find("€"), g.rfind("abcde"))
g.free()

# +, extend, insert of text and of itself; extend is all or nothing.
t = LpString("ab", pool=pool)
u = t + "ç"
print(u == "abç", u.pool is pool, t == "ab")
u.free()
dd = LpString("d", pool=pool)
t.extend(["c", dd, "é"])
dd.free()
t.extend("fg")
print(t == "abcdéfg")
try:
    t.extend(["h", 1])
except TypeError:
    print("extend failed, unchanged:", t == "abcdéfg")
t.insert(2, t)
print(t == "ababcdéfgcdéfg")
t += t
print(len(t) == 28, t.startswith("abab") and t.endswith("fgcdéfg"))

# str(s) makes a str (on the GC heap); bytes(s) and memoryview read the UTF-8.
print(str(t) == "ababcdéfgcdéfg" * 2, type(str(t)) is str, bytes(a) == "héllo".encode())
mv = memoryview(a)
print(len(mv), bytes(mv) == "héllo".encode())
try:
    mv[0] = 65
except TypeError:
    print("memoryview of an LpString is read-only")
print("viewed block pinned:", pool.stats()["pinned"], end=" ")
a.free()
print(pool.stats()["pinned"], pool.check())
del mv

# with, free and the finaliser.
with LpString("temp", pool=pool) as w:
    print(w == "temp", w.freed)
print(w.freed)
gc.collect()  # the slices compared above are garbage too
before = pool.stats()["objects"]


def drop():
    for _ in range(5):
        LpString("dropped", pool=pool)


pool.run(drop)  # run() zeroes its stack buffer: no stale word keeps a dropped handle
gc.collect()
print("finaliser freed them:", pool.stats()["objects"] == before)

for x in (c, d, e, empty, m, t):
    x.free()
print(pool.check(), pool.stats()["objects"], pool.stats()["used"] == 0 or pool.stats()["pinned"] > 0)
