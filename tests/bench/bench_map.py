# Benchmark 3: dict (vs LpBTreeMap when lp_pool has it) with int keys: insert, lookup hit and miss,
# delete, and ordered iteration (dict plus sorted()); bytes per entry.
from lp_pool import LpBTreeMap, LpMemoryPool
from lpbench import Rng, best_of, heap_used, result

AIM_LOOKUP = "within 2x of dict"
AIM_ORDERED = ">= 3x sorted(d)"


def keys_for(n, seed):
    """n distinct random int keys (30-bit, so small ints on every port), and n keys not among them."""
    rng = Rng(seed)
    seen = set()
    ks = []
    miss = []
    while len(ks) < n or len(miss) < n:
        k = rng.next()
        if k in seen:
            continue
        seen.add(k)
        if len(ks) < n:
            ks.append(k)
        else:
            miss.append(k)
    return ks, miss


def op_fill(d, ks):
    for k in ks:
        d[k] = k
    return d


def op_lookup(d, ks):
    for k in ks:
        d[k]


def op_miss(d, ks):
    n = 0
    for k in ks:
        if k in d:
            n += 1
    return n


def op_delete(d, ks):
    for k in ks:
        del d[k]


def op_ordered_dict(d, ks):
    for k in sorted(d):
        d[k]


def op_ordered_lp(m, ks):
    for _k, _v in m.items():
        pass


def new_lp():
    return LpBTreeMap()


def free_lp(m):
    m.free()


def free_dict(d):
    pass


SIDES = (("dict", dict, free_dict, op_ordered_dict), ("lp", new_lp, free_lp, op_ordered_lp))


def ratio(best, op, n, aim=""):
    """dict's time over LpBTreeMap's: above 1 the pool map is faster."""
    td, tl = best["dict"][0], best["lp"][0]
    result(f"map_{op}_dict_{n}", td / n, "ticks/op")
    result(f"map_{op}_lp_{n}", tl / n, "ticks/op")
    result(f"map_{op}_ratio_{n}", td / tl if tl else 0.0, "x", aim)


def main(cfg):
    rounds = cfg["rounds"]
    pool = LpMemoryPool()
    for n in cfg["sizes"]:
        ks, miss = keys_for(n, n)
        best = {}
        for _ in range(rounds):  # insert: each side into a fresh map, freed after
            for name, make, free, _ in SIDES:
                c = make()
                b = best_of(1, [(name, lambda c=c, ks=ks: op_fill(c, ks))])
                free(c)
                if name not in best or b[name][0] < best[name][0]:
                    best[name] = b[name]
        ratio(best, "insert", n)
        maps = [(name, op_fill(make(), ks), free, ordered) for name, make, free, ordered in SIDES]
        best = best_of(rounds, [(name, lambda c=c, ks=ks: op_lookup(c, ks)) for name, c, _, _ in maps])
        ratio(best, "lookup", n, AIM_LOOKUP)
        best = best_of(rounds, [(name, lambda c=c, miss=miss: op_miss(c, miss)) for name, c, _, _ in maps])
        ratio(best, "miss", n, AIM_LOOKUP)
        best = best_of(rounds, [(name, lambda c=c, o=o, ks=ks: o(c, ks)) for name, c, _, o in maps])
        ratio(best, "ordered", n, AIM_ORDERED)
        for _name, c, free, _ in maps:
            free(c)
        del maps
        best = {}
        for _ in range(rounds):
            for name, make, free, _ in SIDES:
                c = op_fill(make(), ks)
                b = best_of(1, [(name, lambda c=c, ks=ks: op_delete(c, ks))])
                free(c)
                if name not in best or b[name][0] < best[name][0]:
                    best[name] = b[name]
        ratio(best, "delete", n)

        # Memory: GC heap bytes for the dict; pool bytes (block headers included) plus the GC
        # heap bytes of its handle for the LpBTreeMap.
        h0 = heap_used()
        d = op_fill(dict(), ks)
        h1 = heap_used()
        result(f"map_bytes_per_entry_dict_{n}", (h1 - h0) / n, "B")
        del d
        h0 = heap_used()
        u0 = pool.stats()["used"]
        m = op_fill(new_lp(), ks)
        u1 = pool.stats()["used"]
        h1 = heap_used()
        result(f"map_bytes_per_entry_lp_{n}", (u1 - u0 + h1 - h0) / n, "B", "<= dict")
        m.free()
        del ks, miss
    result("map_pool_ok", int(pool.check() and pool.stats()["used"] == 0), "")
