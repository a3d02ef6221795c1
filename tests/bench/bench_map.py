# Benchmark 3: dict (vs LpBTreeMap when lp_pool has it) with int keys: insert, lookup hit and miss,
# delete, and ordered iteration (dict plus sorted()); bytes per entry.
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


def op_insert(make, ks):
    d = make()
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


def main(cfg):
    rounds = cfg["rounds"]
    for n in cfg["sizes"]:
        ks, miss = keys_for(n, n)
        best = best_of(rounds, [("dict", lambda ks=ks: op_insert(dict, ks))])
        result(f"map_insert_dict_{n}", best["dict"][0] / n, "ticks/op")
        d = op_insert(dict, ks)
        best = best_of(rounds, [("dict", lambda d=d, ks=ks: op_lookup(d, ks))])
        result(f"map_lookup_dict_{n}", best["dict"][0] / n, "ticks/op", AIM_LOOKUP)
        best = best_of(rounds, [("dict", lambda d=d, miss=miss: op_miss(d, miss))])
        result(f"map_miss_dict_{n}", best["dict"][0] / n, "ticks/op")
        best = best_of(rounds, [("dict", lambda d=d, ks=ks: op_ordered_dict(d, ks))])
        result(f"map_ordered_dict_{n}", best["dict"][0] / n, "ticks/op", AIM_ORDERED)
        t = None
        for _ in range(rounds):
            d2 = op_insert(dict, ks)
            b = best_of(1, [("dict", lambda d2=d2, ks=ks: op_delete(d2, ks))])
            t = b["dict"][0] if t is None else min(t, b["dict"][0])
            del d2
        result(f"map_delete_dict_{n}", t / n, "ticks/op")
        del d
        h0 = heap_used()
        d = op_insert(dict, ks)
        h1 = heap_used()
        result(f"map_bytes_per_entry_dict_{n}", (h1 - h0) / n, "B", "LpBTreeMap <= dict")
        del d, ks, miss
