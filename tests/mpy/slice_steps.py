# Slices whose step is near the machine word's limits (issue 17): LpString and LpVec give the items
# str and list would give, and deleting or assigning through such a slice leaves the pool
# consistent. The steps are relative to sys.maxsize, so the script means the same on 32- and 64-bit
# ports. Before the fix the item count overflowed a signed word: "hello"[::2**63-1] gave ''.
import sys

from lp_pool import LpMemoryPool, LpString, LpVec

BIG = sys.maxsize
# (-sys.maxsize - 1 is no step at all: MicroPython's int-to-word conversion refuses it.)
STEPS = (BIG, BIG - 1, -BIG, BIG // 2 + 1, -(BIG // 2) - 1, 2, -2, 3, -3)
BOUNDS = ((None, None), (1, None), (None, 3), (-2, None), (None, -3), (2, 9))


def indices(n, start, stop, step):
    # What [start:stop:step] selects from n items, by CPython's rules (slice.indices).
    def adj(x, default, low, high):
        if x is None:
            return default
        if x < 0:
            x += n
            return x if x >= low else low
        return x if x <= high else high

    if step > 0:
        i, end = adj(start, 0, 0, n), adj(stop, n, 0, n)
    else:
        i, end = adj(start, n - 1, -1, n - 1), adj(stop, -1, -1, n - 1)
    out = []
    while (step > 0 and i < end) or (step < 0 and i > end):
        out.append(i)
        i += step
    return out


def name(step):
    for k, s in (("maxsize", BIG), ("maxsize-1", BIG - 1), ("-maxsize", -BIG)):
        if step == s:
            return k
    return str(step) if abs(step) < 100 else ("+" if step > 0 else "-") + "maxsize/2"


pool = LpMemoryPool(bytearray(8192), reserve=8)
text = "hé€llo, wörld"
s = LpString(text, pool=pool)
items = list(range(10, 23))
v = LpVec("i", items, pool=pool)
for step in STEPS:
    got = s[::step]
    print(
        "str",
        name(step),
        len(got),
        str(got) == "".join(text[i] for i in indices(len(text), None, None, step)),
    )
    got.free()
    got = v[::step]
    print("vec", name(step), got == [items[i] for i in indices(len(items), None, None, step)])
    got.free()
    wrong = []
    for start, stop in BOUNDS:
        got = s.slice(start, stop, step)
        if str(got) != "".join(text[i] for i in indices(len(text), start, stop, step)):
            wrong.append(("str", start, stop))
        got.free()
        got = v.slice(start, stop, step)
        if got != [items[i] for i in indices(len(items), start, stop, step)]:
            wrong.append(("vec", start, stop))
        got.free()
    print("bounds", name(step), wrong)

# Assigning and deleting through one-item slices with the widest steps.
for step in (BIG, -BIG, BIG // 2 + 1, -(BIG // 2) - 1):
    first = indices(len(items), None, None, step)[0]
    v[::step] = [99]
    items[first] = 99
    print("vec set", name(step), v == items)
    del v[::step]
    del items[first]
    print("vec del", name(step), v == items)
v.free()
s.free()
print("pool", pool.check(), pool.stats()["objects"], pool.stats()["used"])
