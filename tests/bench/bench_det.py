# Benchmark 5, determinism: n appends inside a workload that also churns other GC objects. The
# worst single append, the latency distribution and the collections during the appends, for list
# (vs LpVec inside run() when lp_pool has it).
from lp_pool import LpMemoryPool, LpVec
from lpbench import Rng, emit_hist, gc_collections, hist_add, new_hist, now, result, ticks_diff

AIM_GC = "0 for LpVec in run()"
AIM_WORST = "LpVec <= list/10"


def workload(c, n, churn_every, ring, rng, hist):
    """Append 0..n-1 to c, churning the ring every churn_every appends. Returns (worst, gcs)."""
    worst = 0
    gcs = 0
    slots = len(ring)
    for i in range(n):
        if i % churn_every == 0:
            ring[rng.below(slots)] = bytes(16 + rng.below(240))
        g0 = gc_collections()
        t0 = now()
        c.append(i)
        dt = ticks_diff(now(), t0)
        gcs += gc_collections() - g0
        hist_add(hist, dt)
        if dt > worst:
            worst = dt
    return worst, gcs


def workload_lp(v, pool, n, churn_every, ring, rng, hist):
    """The same, with each append inside `with pool:` (the GC heap locked); the churn stays outside."""
    worst = 0
    gcs = 0
    slots = len(ring)
    for i in range(n):
        if i % churn_every == 0:
            ring[rng.below(slots)] = bytes(16 + rng.below(240))
        g0 = gc_collections()
        with pool:
            t0 = now()
            v.append(i)
            dt = ticks_diff(now(), t0)
        gcs += gc_collections() - g0
        hist_add(hist, dt)
        if dt > worst:
            worst = dt
    return worst, gcs


def main(cfg):
    n = cfg["n"]
    ring = [None] * cfg["ring"]
    # The clock's own cost, in the same loop shape: what a latency of "nothing" reads as.
    t_min = 1 << 30
    for _ in range(100):
        t0 = now()
        dt = ticks_diff(now(), t0)
        t_min = min(t_min, dt)
    result("det_clock_overhead", t_min, "ticks")

    hist = new_hist()
    g_all = gc_collections()
    c = []
    worst, gcs = workload(c, n, cfg["churn_every"], ring, Rng(7), hist)
    g_all = gc_collections() - g_all
    result("det_worst_list", worst, "ticks", AIM_WORST)
    result("det_gc_in_appends_list", gcs, "collections")
    result("det_gc_total_list", g_all, "collections")
    emit_hist("det_hist_list", hist)
    del c

    for i in range(len(ring)):
        ring[i] = None
    pool = LpMemoryPool()
    hist = new_hist()
    g_all = gc_collections()
    v = LpVec("i")
    worst_lp, gcs = workload_lp(v, pool, n, cfg["churn_every"], ring, Rng(7), hist)
    g_all = gc_collections() - g_all
    ok = len(v) == n and v[n - 1] == n - 1
    v.free()
    result("det_worst_lpvec", worst_lp, "ticks", AIM_WORST)
    result("det_gc_in_appends_lpvec", gcs, "collections", AIM_GC)
    result("det_gc_total_lpvec", g_all, "collections")
    result("det_worst_ratio", worst / worst_lp if worst_lp else 0.0, "x", ">= 10x")
    emit_hist("det_hist_lpvec", hist)
    result("det_pool_ok", int(ok and pool.check() and pool.stats()["used"] == 0), "")
