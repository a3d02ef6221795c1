# LpVec.sort() and reverse() for every typecode against list's sort of the same values (as
# array.array stores them): random, sorted, reversed, equal, few distinct, organ-pipe and sawtooth
# data at sizes around the sort's insertion-sort run (16); NaNs sort last, first with reverse=True.
import gc
from array import array

from lp_pool import LpMemoryPool, LpVec

pool = LpMemoryPool(bytearray(16384))

seed = 12345


def rand(bound):
    global seed
    seed = (seed * 1103515245 + 12345) & 0x7FFFFFFF
    return (seed >> 4) % bound


RANGES = {
    "b": (-128, 256),
    "B": (0, 256),
    "h": (-32768, 65536),
    "H": (0, 65536),
    "i": (-(2**31), 2**32),
    "I": (0, 2**32),
    "l": (-(2**31), 2**32),
    "L": (0, 2**32),
    "q": (-(2**63), 2**64),
    "Q": (0, 2**64),
    "f": (-1000, 2000),
    "d": (-(10**6), 2 * 10**6),
}


def patterns(tc, n):
    lo, span = RANGES[tc]
    rnd = [lo + rand(span) if span < 2**30 else lo + rand(2**30) * (span >> 30) for _ in range(n)]
    if tc in "fd":
        rnd = [x / 7 for x in rnd] + [-0.0, 0.0][: min(n, 2)]
    yield "random", rnd
    yield "sorted", sorted(rnd)
    yield "reversed", sorted(rnd, reverse=True)
    yield "equal", [rnd[0]] * n if n else []
    yield "few", [rnd[rand(min(3, len(rnd)))] for _ in range(n)] if n else []
    yield "organ", sorted(rnd)[::2] + sorted(rnd, reverse=True)[::2]
    yield "saw", [lo + i % 5 for i in range(n)]
    yield "extremes", [lo, lo + span - 1] * (n // 2)


bad = 0
for tc in "bBhHiIlLqQfd":
    gc.collect()  # big ints for q and Q: keep the small boards' GC heap unfragmented
    for n in (0, 1, 2, 3, 15, 16, 17, 40, 120):
        for name, data in patterns(tc, n):
            want = list(array(tc, data))
            for reverse in (False, True):
                v = LpVec(tc, data, pool=pool)
                v.sort(reverse=reverse)
                got = v.tolist()
                v.free()
                if got != sorted(want, reverse=reverse):
                    bad += 1
                    print("sort differs:", tc, n, name, reverse, got[:8])
            v = LpVec(tc, data, pool=pool)
            v.reverse()
            if v.tolist() != want[::-1]:
                bad += 1
                print("reverse differs:", tc, n, name)
            v.free()
print("sorted, all typecodes and patterns:", bad == 0)

# 32-bit ints from 256 items up take a radix sort through a scratch block from the pool, and the
# in-place sort when the pool has no room for it; either way the same order, and nothing kept.
gc.collect()
big = LpMemoryPool()  # the static arena: no 16 KiB piece of the boards' GC heap needed
for tc in "iI":
    lo, span = RANGES[tc]
    # small ints (no big-int boxes on 32-bit boards) but for the four extremes
    vals = [lo, lo + span - 1, lo + 1, 0 if lo else 1] + [
        lo // 4 + rand(1 << 20) * (span >> 22) for _ in range(396)
    ]
    for data in (vals, [v & 0xFF00FF for v in vals], [lo + 7] * 300, sorted(vals)):
        want = sorted(list(array(tc, data)))
        for reverse in (False, True):
            v = LpVec(tc, data, pool=big)
            v.sort(reverse=reverse)
            ok = v.tolist() == (want[::-1] if reverse else want)
            v.free()
            if not ok or big.stats()["used"] != 0:
                print("large sort differs:", tc, len(data), reverse)
    # A pool with no room left beside the vector: the in-place sort.
    v = LpVec(tc, vals, pool=big)
    allocs = big.stats()["allocs"]
    v.sort()
    print(
        tc,
        "large, a scratch block:",
        big.stats()["allocs"] - allocs,
        v.tolist() == sorted(list(array(tc, vals))),
    )
    v.reverse()
    filler = LpVec("B", capacity=big.stats()["largest_free"] - 64, pool=big)
    allocs, failed = big.stats()["allocs"], big.stats()["failed"]
    v.sort()
    ok = v.tolist() == sorted(list(array(tc, vals)))
    tried = big.stats()["allocs"] - allocs, big.stats()["failed"] - failed
    print(tc, "large, no room for scratch:", tried, ok, big.check())
    filler.free()
    v.free()
print("large sorts:", big.check(), big.stats()["used"])

nan = float("nan")
for tc in "fd":
    data = [3.5, nan, -1.0, nan, 0.0, -0.0, 2.25, nan, -7.5] * 3
    nums = sorted(x for x in data if x == x)
    v = LpVec(tc, data, pool=pool)
    v.sort()
    got = v.tolist()
    print(tc, "NaNs last:", got[:-9] == nums, all(x != x for x in got[-9:]))
    v.sort(reverse=True)
    got = v.tolist()
    print(tc, "NaNs first with reverse:", all(x != x for x in got[:9]), got[9:] == nums[::-1])
    v.free()

print(pool.check(), pool.stats()["objects"], pool.stats()["used"])
