# Bad (and good) arguments, at random, to every method of every lp type, also inside run() and
# `with pool:` and across two pools: each call returns or raises an Exception with a message, the
# pools stay consistent, and after free() and gc.collect() nothing is left in them.
import gc
import sys

from lp_pool import LpBox, LpBTreeMap, LpBuffer, LpMemoryPool, LpString, LpVec, alloc_meta

BOARD = sys.platform not in ("linux", "darwin")
SEEDS = (1, 2, 3, 4)
STEPS = 800 if BOARD else 4000

state = 1


def rnd(n):
    global state
    state = (state * 1103515245 + 12345) & 0x7FFFFFFF
    return (state >> 8) % n


def pick(seq):
    return seq[rnd(len(seq))]


# A tracking build keeps a row per (type, typecode): twelve typecodes need more than 16 rows.
rows = {"meta_rows": 48} if alloc_meta else {}
pool = LpMemoryPool(bytearray(12288), reserve=4, **rows)
other = LpMemoryPool(bytearray(4096 + 36 * 48), reserve=2, **rows)
objs = []
VALUES = [None, 0, 1, -1, 2, 3, 7, 255, 256, -129, 2**31 - 1, 2**31, -(2**31) - 1, 2**63 - 1, 2**63]
VALUES += [-(2**63), 2**64, 10**30, -(10**30), 0.5, -1.5, float("inf"), float("nan"), 1e300, True]
VALUES += ["", "a", "abc", "h\u00e9llo", "\x00", "x" * 300, b"", b"ab", b"\xff\xfe", bytearray(b"xyz")]
VALUES += [bytearray(3000), memoryview(b"abc"), [], [1, 2], [1, "a"], (), (1, 2), {}, {1: 2}, {"a": 1}]
VALUES += [print, lambda *a: None, object(), pool, other, range(5), "i", "b", "Q", "f", "d", "z", "ii"]
CALLS = ["__getitem__", "__setitem__", "__delitem__", "__len__", "__contains__", "__iter__"]


def arg():
    if rnd(8) == 0 and objs:
        return pick(objs)
    return pick(VALUES)


def make():
    p = other if rnd(4) == 0 else pool
    t = rnd(7)
    if t == 0:
        return LpVec(pick("bBhHiIlLqQfd"), [rnd(60) for _ in range(rnd(8))], pool=p)
    if t == 1:
        return LpString(pick(["", "abc", "h\u00e9llo w\u00f6rld", "x" * 40]), pool=p)
    if t == 2:
        return LpBTreeMap({i: str(i) for i in range(rnd(8))}, pool=p)
    if t == 3:
        return LpBTreeMap({str(i): i for i in range(rnd(8))}, pool=p)
    if t == 4:
        return LpBuffer(rnd(64), pool=p)
    if t == 5:
        return LpBox(pick([1, 2.5, "s", b"b", None, 2**30]), pool=p)
    return LpVec("i", pool=p)


def call(o, name, args, how):
    if name == "__getitem__":
        if how == 7:
            return o[arg() : arg() : arg()]
        return o[arg()]
    if name == "__setitem__":
        if how == 7:
            o[arg() : arg() : arg()] = arg()
        else:
            o[arg()] = arg()
        return None
    if name == "__delitem__":
        del o[arg()]
        return None
    if name == "__len__":
        return len(o)
    if name == "__contains__":
        return arg() in o
    if name == "__iter__":
        return sum(1 for _ in o)
    m = getattr(o, name)
    if not callable(m):
        if how < 2:
            setattr(o, name, arg())
        return m
    if how == 0:
        return pool.run(m, *args)
    if how == 1:
        with pool:
            return m(*args)
    return m(*args)


def names_of(o):
    try:
        names = [n for n in dir(o) if not n.startswith("_")]
    except ValueError:  # a freed object has nothing to list
        names = ["free", "append", "value", "pool"]
    return names + CALLS


def fuzz(seed):
    global state
    state = seed
    silent = {}
    for step in range(STEPS):
        if len(objs) < 6 or rnd(8) == 0:
            try:
                objs.append(make())
            except MemoryError:
                pass
            continue
        o = pick(objs)
        name = pick(names_of(o))
        args = [arg() for _ in range(rnd(4))]
        try:
            call(o, name, args, rnd(8))
        except Exception as e:  # noqa: BLE001 - any Exception is fine if it says something
            k = type(e).__name__
            # A KeyError's argument is the key (maybe 0 or ""); every other error must say why.
            if k != "KeyError" and (not e.args or not str(e.args[0])):
                silent[(k, name)] = silent.get((k, name), 0) + 1
        if step % 64 == 0:
            pool.check()
            other.check()
        if rnd(32) == 0:
            objs.pop(rnd(len(objs))).free()
        if rnd(64) == 0:
            gc.collect()
    for o in objs:
        o.free()
    objs.clear()
    gc.collect()
    pool.check()
    other.check()
    left = (pool.stats()["objects"], other.stats()["objects"])
    print("seed", seed, "consistent; objects left:", left, "errors without a message:", silent)


for seed in SEEDS:
    fuzz(seed)
