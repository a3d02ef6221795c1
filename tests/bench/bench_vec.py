# Benchmark 1: list vs array.array (vs LpVec when lp_pool has it). Append, index reads, iteration,
# pop from the end, insert near the front (small n), sort of random ints; bytes per element.
from array import array

from lp_pool import LpMemoryPool, LpVec
from lpbench import Rng, best_of, heap_used, result

AIM_SPEED = ">= 1.0x list"
AIM_SORT = ">= 3x list.sort"


def new_array():
    return array("i")


def new_lpvec():
    return LpVec("i")


def free_lpvec(v):
    v.free()  # pool memory comes back now, not at the next collection


def keep(c):
    pass


def sides():
    """(name, make, release): the built-ins are dropped, an LpVec is freed."""
    return [("list", list, keep), ("array", new_array, keep), ("lpvec", new_lpvec, free_lpvec)]


def filled(make, n):
    c = make()
    for i in range(n):
        c.append(i)
    return c


def op_append(c, n):
    for i in range(n):
        c.append(i)


def op_append_cached(c, n):
    """The bound method fetched once, as a tight loop would: no attribute lookup per call."""
    ap = c.append
    for i in range(n):
        ap(i)


def op_store_counter(c, n):
    """Appending into a preallocated list or array with a counter, the usual workaround."""
    k = 0
    for i in range(n):
        c[k] = i
        k += 1


def op_empty(c, n):
    """The loop alone: what every range-loop figure contains besides its operation."""
    for _ in range(n):
        pass


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


def rounds_of(rounds, ss, prepare, op, n):
    """Interleaved rounds on a fresh container per side and round (prepare(make) builds it)."""
    best = {}
    for _ in range(rounds):
        for name, make, release in ss:
            c = prepare(make)
            b = best_of(1, [(name, lambda c=c: op(c, n))])
            release(c)
            if name not in best or b[name][0] < best[name][0]:
                best[name] = b[name]
    return best


def report(op, best, n, aim, empty=None):
    """Per side: ticks per operation raw and, for range loops (`empty` given), with the empty
    loop's own ticks subtracted (`_net`); the ratios both ways."""
    base = best["list"][0]
    for name, (t, c) in best.items():
        result(f"vec_{op}_{name}", t / n, "ticks/op")
        result(f"vec_{op}_{name}_gc", c, "collections")
        if empty is not None:
            result(f"vec_{op}_{name}_net", (t - empty) / n, "ticks/op")
        if name == "array":
            result(f"vec_{op}_array_ratio", base / t if t else 0.0, "x", "(array vs list)")
        elif name == "lpvec":
            result(f"vec_{op}_ratio", base / t if t else 0.0, "x", aim)
            if empty is not None and t > empty:
                result(f"vec_{op}_net_ratio", (base - empty) / (t - empty), "x", aim + ", loop subtracted")


def main(cfg):
    n = cfg["n"]
    rounds = cfg["rounds"]
    pool = LpMemoryPool()
    ss = sides()

    # the loop alone, subtracted from the range-loop figures below (their `_net` keys)
    empty = best_of(rounds, [("empty", lambda: op_empty(None, n))])["empty"][0]
    result("vec_empty_loop", empty / n, "ticks/op")

    # append: each side builds its own container from empty, in turn; then the same with the
    # bound method fetched once on every side
    best_append = rounds_of(rounds, ss, lambda make: make(), op_append, n)
    report("append", best_append, n, AIM_SPEED, empty)
    report(
        "append_cached", rounds_of(rounds, ss, lambda make: make(), op_append_cached, n), n, AIM_SPEED, empty
    )

    # the workaround: a preallocated list or array written with a counter, against LpVec.append
    t_lp = best_append["lpvec"][0]
    counters = (
        ("listcounter", lambda: [0] * n, keep),
        ("arraycounter", lambda: array("i", bytes(4 * n)), keep),
    )
    for name, (t, _) in rounds_of(rounds, counters, lambda make: make(), op_store_counter, n).items():
        result(f"vec_append_{name}", t / n, "ticks/op")
        result(f"vec_append_{name}_net", (t - empty) / n, "ticks/op")
        result(f"vec_append_vs_{name}_ratio", t / t_lp, "x", AIM_SPEED.replace("list", name))
        if t_lp > empty:
            result(f"vec_append_vs_{name}_net_ratio", (t - empty) / (t_lp - empty), "x", "loop subtracted")

    # index reads and iteration: on containers built beforehand (not timed)
    for op, fn, loop in (("index", op_index, empty), ("iter", op_iter, None)):
        conts = [(name, filled(make, n), release) for name, make, release in ss]
        best = best_of(rounds, [(name, lambda c=c, f=fn: f(c, n)) for name, c, _ in conts])
        report(op, best, n, AIM_SPEED, loop)
        for _name, c, release in conts:
            release(c)
        del conts

    # MicroPython's array.array has no pop() and no insert(): list and LpVec only
    ss = [side for side in ss if side[0] != "array"]
    report("pop", rounds_of(rounds, ss, lambda make: filled(make, n), op_pop, n), n, AIM_SPEED, empty)
    m = cfg["n_insert"]
    report("insert", rounds_of(rounds, ss, lambda make: filled(make, 2), op_insert, m), m, AIM_SPEED)

    # sort: the same random ints for each side; array.array has no sort
    k = cfg["n_sort"]
    rng = Rng(99)
    data = [rng.below(1 << 30) for _ in range(k)]
    sorts = [("list", lambda d=data: list(d), keep), ("lpvec", lambda d=data: LpVec("i", d), free_lpvec)]
    best = rounds_of(rounds, sorts, lambda make: make(), op_sort, k)
    report("sort", best, k, AIM_SORT)
    del data

    # memory: bytes per element of what appending n elements leaves behind (GC heap, and for
    # LpVec the pool's bytes with block headers plus its handle on the GC heap)
    for name, make in (
        ("list", list),
        ("array_h", lambda: array("h")),
        ("array_i", lambda: array("i")),
        ("array_f", lambda: array("f")),
        ("lpvec_h", lambda: LpVec("h")),
        ("lpvec_i", lambda: LpVec("i")),
        ("lpvec_f", lambda: LpVec("f")),
    ):
        h0 = heap_used()
        u0 = pool.stats()["used"]
        c = make()
        for i in range(n):
            c.append(i & 0x3FFF)
        u1 = pool.stats()["used"]
        h1 = heap_used()
        result(f"vec_bytes_per_elem_{name}", (h1 - h0 + u1 - u0) / n, "B", "")
        if name.startswith("lpvec"):
            c.free()
        del c
    result("vec_pool_ok", int(pool.check() and pool.stats()["used"] == 0), "")
