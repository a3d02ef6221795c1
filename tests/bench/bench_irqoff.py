# Interrupts-off windows: the longest critical section (lp_lock() to lp_unlock(), the port's atomic
# section) of each public operation, in ticks of the board's timer, and how many sections the
# operation took. Needs the recorder of the qemu-m0 test build (_lp_pool._lock_spans); the driver
# turns ticks into instructions. The recorder's own cost (an empty section) is taken off every
# figure: what is left is the work done inside the section.
#
# Every operation runs on a pool prepared outside the measurement, with a collection first so that
# none of its finalisers runs inside it (except where the collection is the operation).
import gc

from _lp_pool import _lock_empty, _lock_spans
from lp_pool import LpBox, LpBTreeMap, LpBuffer, LpMemoryPool, LpString, LpVec
from lpbench import now, result, ticks_diff

EMPTY = [0]


def span(fn, *args):
    gc.collect()
    _lock_spans(True)
    t0 = now()
    fn(*args)
    t = ticks_diff(now(), t0)
    return _lock_spans(False) + (t,)


def report(name, bound, fn, *args, total=False):
    ticks, sections, t = span(fn, *args)
    result(f"irqoff_{name}", max(0, ticks - EMPTY[0]) if sections else 0, "ticks", bound)
    result(f"irqoff_{name}_sections", sections, "sections")
    if total:
        result(f"irqoff_{name}_total", t, "ticks", "the whole call")


def noop():
    pass


def fragment(pool, n):
    """n text values in a map, every other one deleted: n / 2 free blocks of one size class, between
    live ones (text blocks need no GC handle, so this fits any GC heap)."""
    m = LpBTreeMap(pool=pool)
    for i in range(n):
        m[i] = "x"
    for i in range(0, n, 2):
        del m[i]
    return m


def main(cfg):
    _lock_spans(True)
    _lock_empty()
    EMPTY[0], _ = _lock_spans(False)
    result("irqoff_empty", EMPTY[0], "ticks")

    pool = LpMemoryPool()
    big = cfg["big"]

    # Objects: creation and release, with the heap free and inside run() (a reserve handle).
    report("buffer_new", "O(1)", lambda: EMPTY.append(LpBuffer(64)))
    b = EMPTY.pop()
    report("buffer_free", "O(1)", b.free)
    report("buffer_new_in_run", "O(1)", pool.run, lambda: LpBuffer(64).free())
    report("run_enter_exit", "threads x nesting", pool.run, noop)

    # Resizes: in place, backwards into the free block before (a move inside one block), and a move
    # to a new block, of a big block: the copy runs between two sections.
    x = LpBuffer(64)
    report("resize_in_place", "O(1)", x.resize, 128)
    x.free()
    a, b, c = LpBuffer(big), LpBuffer(big), LpBuffer(16)
    a.free()
    report("resize_backwards_big", "O(1), the copy outside", b.resize, big + 1024)
    b.free()
    c.free()
    a, b = LpBuffer(big), LpBuffer(16)
    report("resize_move_big", "O(1), the copy outside", a.resize, 2 * big, total=True)
    a.free()
    b.free()

    # The collections.
    v = LpVec("i", range(cfg["vec"]))
    v.shrink_to_fit()
    blocker = LpBuffer(16)

    def appends(n):
        for i in range(n):
            v.append(i)

    report("vec_append_growth", "O(1), the copy outside", appends, 8)  # grows once at least
    report("vec_sort_radix", "O(1)", v.sort)
    v.free()
    blocker.free()
    s = LpString("x" * 100)
    blocker = LpBuffer(16)
    report("string_append_growth", "O(1), the copy outside", s.append, "y" * 200)
    s.free()
    blocker.free()
    m = LpBTreeMap()

    def inserts(n):
        for k in range(n):
            m[k] = "v"

    def deletes(n):
        for k in range(n):
            del m[k]

    report("map_insert", "O(1) per block", inserts, cfg["map"])
    report("map_delete", "O(1) per block", deletes, cfg["map"])
    m.free()
    box = LpBox(1)
    report("box_set_text", "O(1)", setattr, box, "value", "t" * 40)
    box.free()

    # Memoryviews pin: freeing a viewed buffer strands its block.
    p = LpBuffer(64)
    mv = memoryview(p)
    report("pinned_free", "O(1)", p.free)
    del mv

    # The pool itself.
    report("stats", "O(1)", pool.stats)
    report("alloc_error", "O(1)", alloc_error, pool)
    report("reserve_refill", "O(1) per handle", pool.reserve, 48)
    pool.reserve(16)

    def garbage(n):
        for _ in range(n):
            LpBuffer(32)

    garbage(cfg["garbage"])
    _lock_spans(True)
    gc.collect()  # the finalisers of n dropped buffers, one section each
    ticks, sections = _lock_spans(False)
    result("irqoff_gc_finalisers", max(0, ticks - EMPTY[0]), "ticks", "O(1) per object")
    result("irqoff_gc_finalisers_sections", sections, "sections")

    others = [LpMemoryPool(bytearray(512)) for _ in range(8)]
    victim = others[0]  # the oldest: the last in the registry
    report("close", "O(1)", victim.close)
    for o in others[1:]:
        o.close()
    del others, victim

    # check(): an empty pool, a fragmented one (the static arena: half its text blocks free, all in
    # one size class, the case that was quadratic), and a large caller pool fragmented the same way.
    report(
        "check_empty_pool", "one section per LP_POOL_CHECK_CHUNK units", LpMemoryPool(bytearray(4096)).check
    )
    m = fragment(pool, cfg["frag"])
    st = pool.stats()
    result("irqoff_frag_free_blocks", st["free_blocks"], "blocks")
    result("irqoff_frag_used_blocks", st["used_blocks"], "blocks")
    report("check_fragmented", "LP_POOL_CHECK_CHUNK units", pool.check, total=True)
    m.free()
    gc.collect()
    caller = LpMemoryPool(bytearray(cfg["caller"]))
    m = fragment(caller, cfg["caller_frag"])
    result("irqoff_caller_free_blocks", caller.stats()["free_blocks"], "blocks")
    report("check_caller_pool", "LP_POOL_CHECK_CHUNK units", caller.check, total=True)
    m.free()
    caller.close()


def alloc_error(pool):
    try:
        LpBuffer(1 << 20, pool=pool)
    except MemoryError:
        pass
