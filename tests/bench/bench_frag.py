# Benchmark 4, fragmentation: the same churn (random sizes, random frees, a few long-lived
# survivors) on GC-heap bytearrays and on LpBuffers in a pool of the same size. Afterwards: the
# largest buffer each side can still allocate, and the allocations that failed along the way.
import gc

from lp_pool import AllocError, LpBuffer, LpMemoryPool
from lpbench import Rng, block_map, encode_map, heap_map, map_buffer, result

AIM = "pool >= 50%, GC heap < 50%"
SLOTS = 256


def plan(mem, steps, seed):
    """The request sequence both sides replay: (slot, size or 0 to free, long-lived)."""
    rng = Rng(seed)
    max_size = max(64, mem // 32)
    slots = min(SLOTS, max(8, (mem // 2) // ((16 + max_size) // 2)))
    return rng, max_size, slots


def churn(mem, steps, seed, alloc, free, slots, keep):
    """slots and keep are allocated by the caller before the heap is cut down; keep gets the
    long-lived survivors: every 8th allocation while they stay under 15% of mem."""
    rng, max_size, nslots = plan(mem, steps, seed)
    nkeep = 0
    kept = 0
    failed = 0
    allocs = 0
    for _ in range(steps):
        i = rng.below(nslots)
        size = 16 + rng.below(max_size - 15)
        if slots[i] is not None:
            free(slots[i])
            slots[i] = None
            continue
        try:
            obj = alloc(size)
        except MemoryError:
            failed += 1
            continue
        allocs += 1
        if allocs % 8 == 0 and kept + size < mem * 15 // 100 and nkeep < len(keep):
            keep[nkeep] = obj
            nkeep += 1
            kept += size
        else:
            slots[i] = obj
    for i in range(nslots):
        if slots[i] is not None:
            free(slots[i])
            slots[i] = None
    return keep, nkeep, kept, failed, allocs


def largest_gc(limit):
    """Largest bytearray the GC heap can still give (binary search, a collection before each try)."""
    lo, hi = 0, limit
    while lo < hi:
        mid = (lo + hi + 1) // 2
        gc.collect()
        try:
            b = bytearray(mid)
            del b
            lo = mid
        except MemoryError:
            hi = mid - 1
    return lo


def fill_heap_to(mem):
    """Ballast: leave the GC heap exactly one free hole of mem bytes, like a fresh pool.

    A bytearray of mem bytes takes the hole's place while every other free block, down to single
    GC blocks, is filled with ballast; then the placeholder goes. Without this the GC side would
    start with the interpreter's scattered holes and lose before the churn begins.
    """
    ballast = [None] * 2048
    gc.collect()
    hole = bytearray(mem)
    piece = 1 << 16
    i = 0
    while i < len(ballast) and piece >= 1:
        try:
            ballast[i] = bytearray(piece)
            i += 1
        except MemoryError:
            piece //= 2
    del hole
    gc.collect()
    return ballast


def main(cfg):
    mem = cfg["mem"]
    steps = cfg["steps"]
    seed = cfg.get("seed", 4242)
    maps = cfg.get("maps", False)

    # The pool first, then ballast so the GC heap has as much free as the pool holds.
    pool = LpMemoryPool(bytearray(mem))
    map_before, map_after = map_buffer(pool), map_buffer(pool)
    n_map = block_map(pool, map_before)
    slots, keep = [None] * SLOTS, [None] * 64
    ballast = fill_heap_to(mem)
    gc_free0 = gc.mem_free()
    start_gc = largest_gc(gc_free0)
    start_pool = pool.stats()["largest_free"]
    if maps:
        heap_map("before")

    # GC heap side.
    free_gc = lambda o: None  # noqa: E731 (dropping the reference is how the GC side frees)
    keep, nkeep, kept, failed_gc, allocs_gc = churn(gc_free0, steps, seed, bytearray, free_gc, slots, keep)
    gc.collect()
    if maps:
        heap_map("after")
    gc_free1 = gc.mem_free()
    big_gc = largest_gc(gc_free1)
    for i in range(len(keep)):
        keep[i] = None
    gc.collect()

    # Pool side: the same requests.
    keep, nkeep_p, kept_p, failed_pool, allocs_pool = churn(
        gc_free0, steps, seed, lambda n: LpBuffer(n, pool=pool), lambda o: o.free(), slots, keep
    )
    st = pool.stats()
    big_pool = st["largest_free"]
    probe = LpBuffer(big_pool, pool=pool)  # prove it: the largest free block really allocates
    probe.free()
    try:
        LpBuffer(big_pool + 8, pool=pool).free()
        big_pool_ok = False
    except AllocError:
        big_pool_ok = True
    block_map(pool, map_after)
    for i in range(nkeep_p):
        keep[i].free()
    ok = pool.check() and pool.stats()["used"] == 0
    pool.close()
    del ballast
    if maps:
        result("frag_map_pool_before", encode_map(map_before, n_map), "runs")
        result("frag_map_pool_after", encode_map(map_after, n_map), "runs")

    print(f"fragmentation: {gc_free0} bytes each side, {steps} steps")
    result("frag_mem_bytes", gc_free0, "B")
    result("frag_pool_bytes", mem, "B")
    result("frag_survivors_gc", nkeep, "objects")
    result("frag_survivor_bytes_gc", kept, "B")
    result("frag_survivors_pool", nkeep_p, "objects")
    result("frag_survivor_bytes_pool", kept_p, "B")
    result("frag_allocs_gc", allocs_gc, "")
    result("frag_allocs_pool", allocs_pool, "")
    result("frag_failed_gc", failed_gc, "allocs")
    result("frag_failed_pool", failed_pool, "allocs")
    result("frag_start_largest_gc_pct", 100 * start_gc / gc_free0, "%")
    result("frag_start_largest_pool_pct", 100 * start_pool / mem, "%")
    result("frag_largest_gc", big_gc, "B")
    result("frag_largest_pool", big_pool, "B")
    result("frag_largest_gc_pct", 100 * big_gc / gc_free0, "%", AIM)
    result("frag_largest_pool_pct", 100 * big_pool / mem, "%", AIM)
    result("frag_free_gc_pct", 100 * gc_free1 / gc_free0, "%")
    result("frag_free_pool_pct", 100 * st["free"] / mem, "%")
    result("frag_pool_largest_exact", int(big_pool_ok), "")
    result("frag_pool_ok", int(ok), "")
