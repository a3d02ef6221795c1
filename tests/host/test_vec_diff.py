"""LpVec against CPython: random operation sequences compared result by result with a model built on
CPython's array (its value checks) and list (its index and slice rules).

Where LpVec deliberately differs from array, the model says so: extend, += and slice assignment are
all-or-nothing (array keeps the items before a bad one), slice assignment follows list (array deletes
an extended slice given an empty array), sort() exists, and == compares contents with lists, tuples
and arrays. Seeds are fixed per typecode; LP_DIFF_SEED=n reruns one seed, and
LP_DIFF_RUNS=k adds k more seeds per typecode.
"""

import os

import lp_difftest
import pytest
from harness.runners import QemuArmRunner, QemuM0Runner, QemuRv32Runner, UnixRunner

TARGET_SETUP = """
from lp_pool import LpMemoryPool, LpVec

pool = LpMemoryPool(bytearray({pool_bytes}))


def new():
    return LpVec({tc!r}, pool=pool)


def check():
    pool.check()


def finish(v):
    v.free()
    s = pool.stats()
    return "CLEAN " + str(pool.check() and s["objects"] == 0 and s["used"] == 0)
"""

MODEL_SETUP = """
from array import array


class Vec:
    def __init__(self, tc, items=()):
        self.tc = tc
        self.a = self._conv(items)

    def _conv(self, it):
        tmp = array(self.tc)
        for x in it:
            tmp.append(x)
        return tmp

    def free(self):
        pass

    def tolist(self):
        return self.a.tolist()

    def append(self, x):
        self.a.append(x)

    def extend(self, it):
        self.a.extend(self._conv(it))

    def insert(self, i, x):
        self.a.insert(i, x)

    def pop(self, *i):
        return self.a.pop(*i)

    def remove(self, x):
        self.a.remove(x)

    def index(self, x, *r):
        return self.a.index(x, *r)

    def count(self, x):
        return self.a.count(x)

    def clear(self):
        del self.a[:]

    def reverse(self):
        self.a.reverse()

    def sort(self, *, reverse=False):
        self.a = array(self.tc, sorted(self.a, reverse=reverse))

    def copy(self):
        return Vec(self.tc, self.a)

    def slice(self, a, b, c=None):
        return self[a:b:c]

    def reserve(self, n):
        if not isinstance(n, int):
            raise TypeError
        if n < 0:
            raise ValueError

    def __len__(self):
        return len(self.a)

    def __contains__(self, x):
        return x in self.a

    def __eq__(self, o):
        if isinstance(o, Vec):
            o = o.a
        if not isinstance(o, (list, tuple, array)):
            return False
        return list(self.a) == list(o)

    def __getitem__(self, i):
        r = self.a[i]
        return Vec(self.tc, r) if isinstance(i, slice) else r

    def __setitem__(self, i, x):
        if isinstance(i, slice):
            # list's rules (array deletes an extended slice given an empty array; list raises)
            lst = self.a.tolist()
            lst[i] = self._conv(x).tolist()
            self.a = array(self.tc, lst)
        else:
            self.a[i] = x

    def __delitem__(self, i):
        del self.a[i]

    def __iadd__(self, it):
        self.extend(it)
        return self

    def __add__(self, it):
        r = self.copy()
        r.extend(it)
        return r


def new():
    return Vec({tc!r})


def check():
    pass


def finish(v):
    return "CLEAN True"
"""

SHARED = """
from array import array


def _setitem(v, i, x):
    v[i] = x


def _delitem(v, i):
    del v[i]


def _setslice(v, a, b, c, x):
    v[a:b:c] = x


def _setslice_self(v, a, b):
    v[a:b] = v


def _delslice(v, a, b, c):
    del v[a:b:c]


def _iadd(v, x):
    w = v
    w += x
    return w is v


def _eq_copy(v):
    c = v.copy()
    r = v == c
    c.free()
    return r


APPLY = {
    "append": lambda v, x: v.append(x),
    "extend": lambda v, x: v.extend(x),
    "extend_tuple": lambda v, x: v.extend(tuple(x)),
    "extend_self": lambda v: v.extend(v),
    "extend_bytes": lambda v, b: v.extend(b),
    "extend_array": lambda v, tc, xs: v.extend(array(tc, xs)),
    "eq_array": lambda v, tc, xs: v == array(tc, xs),
    "iadd": _iadd,
    "iadd_self": lambda v: _iadd(v, v),
    "add": lambda v, x: v + x,
    "insert": lambda v, i, x: v.insert(i, x),
    "pop": lambda v: v.pop(),
    "pop_at": lambda v, i: v.pop(i),
    "remove": lambda v, x: v.remove(x),
    "index": lambda v, x: v.index(x),
    "index_range": lambda v, x, a, b: v.index(x, a, b),
    "count": lambda v, x: v.count(x),
    "clear": lambda v: v.clear(),
    "reverse": lambda v: v.reverse(),
    "sort": lambda v: v.sort(),
    "sort_rev": lambda v: v.sort(reverse=True),
    "getitem": lambda v, i: v[i],
    "setitem": _setitem,
    "delitem": _delitem,
    "getslice": lambda v, a, b, c: v[a:b:c],
    "slice": lambda v, a, b, c: v.slice(a, b, c),
    "setslice": _setslice,
    "setslice_self": _setslice_self,
    "delslice": _delslice,
    "contains": lambda v, x: x in v,
    "len": lambda v: len(v),
    "bool": lambda v: bool(v),
    "eq": lambda v, x: v == x,
    "ne": lambda v, x: v != x,
    "eq_copy": _eq_copy,
    "copy": lambda v: v.copy(),
    "iter": lambda v: [x for x in v],
    "reserve": lambda v, n: v.reserve(n),
    "_final": lambda v: v.tolist(),
}


def canon(r, obj):
    if r is obj:
        return "SELF"
    if hasattr(r, "tolist"):
        t = r.tolist()
        r.free()
        return "V" + repr(t)
    return repr(r)
"""

BITS = {"b": 8, "h": 16, "i": 32, "q": 64}
RANGES = {tc: (-(2 ** (b - 1)), 2 ** (b - 1) - 1) for tc, b in BITS.items()}
RANGES.update({tc.upper(): (0, 2**b - 1) for tc, b in BITS.items()})
RANGES["l"], RANGES["L"] = RANGES["q"], RANGES["Q"]  # 64-bit host and unix port


def value_gen(tc, float_bits):
    # Floats stay exactly printable: k/4, and ints below 2**float_bits (20 where floats are single
    # precision and print 7 digits, 40 on unix).
    is_float = tc in "fd"
    lo, hi = RANGES.get(tc, (-(2**60), 2**60))

    def value(rng):
        r = rng.random()
        if r < 0.6:
            return min(max(rng.randint(-5, 20), lo), hi)
        if r < 0.7:
            return rng.choice((lo, hi)) if not is_float else rng.randint(-1000, 1000)
        if r < 0.78:
            return (
                rng.choice((lo - 1, hi + 1)) if not is_float else rng.randint(-(2**float_bits), 2**float_bits)
            )
        if r < 0.9:
            return rng.randint(-400, 400) / 4
        if r < 0.95:
            return rng.choice(("x", None))
        return rng.choice((True, False))

    return value


def vec_collection(tc: str, pool_bytes: int, float_bits: int = 40) -> lp_difftest.Collection:
    value = value_gen(tc, float_bits)

    def index(rng, v):
        if rng.random() < 0.04:
            return rng.choice(("a", 1.5))
        return rng.randint(-len(v) - 2, len(v) + 1)

    def bound(rng, v):
        return rng.choice((None, rng.randint(-len(v) - 3, len(v) + 3)))

    def step(rng):
        return rng.choice((None, None, 1, 1, 2, -1, -2, 3, -3) if rng.random() > 0.02 else (0,))

    def values(rng, n):
        return [value(rng) if rng.random() > 0.05 else rng.randint(0, 9) for _ in range(n)]

    def clean_values(rng, n):
        return [
            min(max(rng.randint(-5, 20), RANGES.get(tc, (-99, 99))[0]), RANGES.get(tc, (-99, 99))[1])
            for _ in range(n)
        ]

    def other_array(rng):
        # a buffer of another (or the same) typecode: converted item by item, or block-copied
        tc2 = rng.choice("bhiBd")
        return (tc2, [rng.randint(0, 9) for _ in range(rng.randint(0, 4))])

    def setslice(rng, v):
        a, b, c = bound(rng, v), bound(rng, v), step(rng)
        if c in (None, 1):
            return (a, b, c, values(rng, rng.randint(0, 6)) if rng.random() < 0.9 else 5)
        if c == 0:
            return (a, b, c, clean_values(rng, 2))
        n = len(range(len(v))[a:b:c])
        return (a, b, c, values(rng, n if rng.random() < 0.8 else n + rng.choice((-1, 1)) if n else 1))

    ops = {
        "append": (14, lambda rng, v: (value(rng),)),
        "extend": (4, lambda rng, v: (values(rng, rng.randint(0, 8)),)),
        "extend_tuple": (2, lambda rng, v: (values(rng, rng.randint(0, 4)),)),
        "extend_self": (1, lambda rng, v: ()),
        "extend_bytes": (1, lambda rng, v: (bytes(rng.randint(0, 255) for _ in range(rng.randint(0, 4))),)),
        "extend_array": (2, lambda rng, v: other_array(rng)),
        "eq_array": (1, lambda rng, v: rng.choice((other_array(rng), (tc, v.tolist())))),
        "iadd": (3, lambda rng, v: (values(rng, rng.randint(0, 5)),)),
        "iadd_self": (1, lambda rng, v: ()),
        "add": (2, lambda rng, v: (values(rng, rng.randint(0, 3)),)),
        "insert": (6, lambda rng, v: (index(rng, v), value(rng))),
        "pop": (5, lambda rng, v: ()),
        "pop_at": (4, lambda rng, v: (index(rng, v),)),
        "remove": (3, lambda rng, v: (value(rng),)),
        "index": (3, lambda rng, v: (value(rng),)),
        "index_range": (2, lambda rng, v: (value(rng), index(rng, v), index(rng, v))),
        "count": (3, lambda rng, v: (value(rng),)),
        "clear": (1, lambda rng, v: ()),
        "reverse": (2, lambda rng, v: ()),
        "sort": (2, lambda rng, v: ()),
        "sort_rev": (1, lambda rng, v: ()),
        "getitem": (8, lambda rng, v: (index(rng, v),)),
        "setitem": (6, lambda rng, v: (index(rng, v), value(rng))),
        "delitem": (3, lambda rng, v: (index(rng, v),)),
        "getslice": (5, lambda rng, v: (bound(rng, v), bound(rng, v), step(rng))),
        "slice": (2, lambda rng, v: (bound(rng, v), bound(rng, v), step(rng))),
        "setslice": (6, setslice),
        "setslice_self": (1, lambda rng, v: (bound(rng, v), bound(rng, v))),
        "delslice": (3, lambda rng, v: (bound(rng, v), bound(rng, v), step(rng))),
        "contains": (3, lambda rng, v: (value(rng),)),
        "len": (1, lambda rng, v: ()),
        "bool": (1, lambda rng, v: ()),
        "eq": (
            2,
            lambda rng, v: (rng.choice((v.tolist(), tuple(v.tolist()), values(rng, 2), [*v.tolist(), "x"])),),
        ),
        "ne": (1, lambda rng, v: (rng.choice((v.tolist(), values(rng, 1))),)),
        "eq_copy": (1, lambda rng, v: ()),
        "copy": (1, lambda rng, v: ()),
        "iter": (1, lambda rng, v: ()),
        "reserve": (1, lambda rng, v: (rng.choice((0, 5, 40, -1, "a")),)),
    }
    return lp_difftest.Collection(
        name=f"LpVec_{tc}",
        target_setup=TARGET_SETUP,
        model_setup=MODEL_SETUP,
        shared=SHARED,
        ops=ops,
        pick=lambda rng, v, names, weights: (
            rng.choice(("pop", "pop_at", "delslice", "clear"))
            if len(v) > 80
            else rng.choices(names, weights)[0]
        ),
        extra={"tc": tc, "pool_bytes": pool_bytes},
    )


def seeds(tc: str) -> list[int]:
    if os.environ.get("LP_DIFF_SEED"):
        return [int(os.environ["LP_DIFF_SEED"])]
    base = 1000 + "bBhHiIlLqQfd".index(tc) * 7919
    return [base + k for k in range(1 + int(os.environ.get("LP_DIFF_RUNS", "0")))]


def run_diff(runner, tc: str, n_ops: int, pool_bytes: int, tmp_path, float_bits: int = 40) -> None:
    runner.check_available()
    coll = vec_collection(tc, pool_bytes, float_bits)
    for seed in seeds(tc):
        seq = lp_difftest.generate(coll, seed, n_ops)
        lp_difftest.compare(coll, seq, lp_difftest.run_target(coll, seq, runner, tmp_path), runner.name)


@pytest.mark.parametrize("tc", list("bBhHiIlLqQfd"))
def test_vec_matches_cpython_on_unix(tc, tmp_path):
    run_diff(UnixRunner(), tc, 3000, 262144, tmp_path)


# 32-bit boards: 'l'/'L' are 4 bytes there but 8 in the CPython model, so they are left out.
@pytest.mark.boards
@pytest.mark.parametrize(
    "runner_cls", [QemuArmRunner, QemuRv32Runner, QemuM0Runner], ids=["qemu-arm", "qemu-rv32", "qemu-m0"]
)
def test_vec_matches_cpython_on_qemu(runner_cls, tmp_path):
    runner = runner_cls()
    try:
        for tc in "bHiIqQfd":
            run_diff(runner, tc, 300, 16384, tmp_path, float_bits=20)
    finally:
        runner.close()


def test_generator_is_deterministic_and_the_model_is_clean():
    coll = vec_collection("i", 4096)
    a, b = lp_difftest.generate(coll, 5, 400), lp_difftest.generate(coll, 5, 400)
    assert a.ops == b.ops and a.expected == b.expected
    assert a.expected[-1] == "CLEAN True"
    # The sequence exercises the error paths too, not only the happy ones.
    outcomes = " ".join(a.expected)
    for exc in ("!IndexError", "!TypeError", "!OverflowError", "!ValueError"):
        assert exc in outcomes, exc
