# Benchmark 1: list vs array.array (vs LpVec when lp_pool has it). Append, index reads, iteration,
# pop from the end, insert near the front (small n), sort of random ints; bytes per element.
from array import array

from lpbench import Rng, best_of, heap_used, result

try:
    from lp_pool import LpVec
except ImportError:
    LpVec = None

AIM_SPEED = ">= 1.0x list"
AIM_SORT = ">= 3x list.sort"


def sides():
    s = [("list", list), ("array", lambda: array("i"))]
    return s


def filled(make, n):
    c = make()
    for i in range(n):
        c.append(i)
    return c


def op_append(make, n):
    c = make()
    for i in range(n):
        c.append(i)


def op_index(c, n):
    for i in range(n):
        c[i]


def op_iter(c, n):
    for _ in c:
        pass


def op_pop(c, n):
    for _ in range(n):
        c.pop()


def op_insert(c, n):
    for i in range(n):
        c.insert(1, i)


def op_sort(c, n):
    c.sort()


def report(op, best, n, aim):
    base = best["list"][0]
    for name, (t, c) in best.items():
        result(f"vec_{op}_{name}", t / n, "ticks/op")
        result(f"vec_{op}_{name}_gc", c, "collections")
        if name == "array":
            result(f"vec_{op}_array_ratio", base / t if t else 0.0, "x", "(array vs list)")
        elif name == "lpvec":
            result(f"vec_{op}_ratio", base / t if t else 0.0, "x", aim)


def main(cfg):
    n = cfg["n"]
    rounds = cfg["rounds"]
    ss = sides()

    # append: each side builds its own container from empty
    best = best_of(rounds, [(name, lambda m=make: op_append(m, n)) for name, make in ss])
    report("append", best, n, AIM_SPEED)

    # index reads, iteration, pop: on containers built beforehand (not timed)
    for op, fn in (("index", op_index), ("iter", op_iter)):
        conts = [(name, filled(make, n)) for name, make in ss]
        best = best_of(rounds, [(name, lambda c=c, f=fn: f(c, n)) for name, c in conts])
        report(op, best, n, AIM_SPEED)
        del conts

    # MicroPython's array.array has no pop() and no insert(): list (and LpVec) only
    ss = [(name, make) for name, make in ss if name != "array"]
    best = {}
    for _ in range(rounds):
        for name, make in ss:
            c = filled(make, n)
            b = best_of(1, [(name, lambda c=c: op_pop(c, n))])
            old = best.get(name)
            best[name] = b[name] if old is None or b[name][0] < old[0] else old
            del c
    report("pop", best, n, AIM_SPEED)

    m = cfg["n_insert"]
    best = {}
    for _ in range(rounds):
        for name, make in ss:
            c = filled(make, 2)
            b = best_of(1, [(name, lambda c=c: op_insert(c, m))])
            old = best.get(name)
            best[name] = b[name] if old is None or b[name][0] < old[0] else old
    report("insert", best, m, AIM_SPEED)

    # sort: random ints, the same for each side; array.array has no sort
    k = cfg["n_sort"]
    rng = Rng(99)
    data = [rng.below(1 << 30) for _ in range(k)]
    best = {}
    for _ in range(rounds):
        c = list(data)
        b = best_of(1, [("list", lambda c=c: op_sort(c, k))])
        old = best.get("list")
        best["list"] = b["list"] if old is None or b["list"][0] < old[0] else old
        del c
    result("vec_sort_list", best["list"][0] / k, "ticks/op")
    del data

    # memory: GC heap bytes per element of what appending n elements leaves behind
    for name, make in (
        ("list", list),
        ("array_h", lambda: array("h")),
        ("array_i", lambda: array("i")),
        ("array_f", lambda: array("f")),
    ):
        h0 = heap_used()
        c = make()
        for i in range(n):
            c.append(i & 0x3FFF)
        h1 = heap_used()
        result(f"vec_bytes_per_elem_{name}", (h1 - h0) / n, "B", "")
        del c
