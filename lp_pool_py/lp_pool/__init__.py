"""lp_pool: memory pools for MicroPython that keep the GC heap out of the hot path.

The native module ``_lp_pool`` (compiled into the firmware) does the work; this package is what
users import. Everything that must run while the GC heap is locked is native; what is here runs
with the heap free (formatting, conveniences).
"""

from _lp_pool import (
    AllocError,
    LpBox,
    LpBTreeMap,
    LpBuffer,
    LpMemoryPool,
    LpString,
    LpVec,
    arena_size,
    current_pool,
    guarded_step,
    version,
    with_global_alloc,
)

__all__ = [
    "AllocError",
    "LpBTreeMap",
    "LpBox",
    "LpBuffer",
    "LpMemoryPool",
    "LpString",
    "LpVec",
    "arena_size",
    "current_pool",
    "format_stats",
    "guarded",
    "version",
    "with_global_alloc",
]

_ORDER = (
    "capacity",
    "used",
    "payload",
    "free",
    "largest_free",
    "peak",
    "used_blocks",
    "free_blocks",
    "objects",
    "pinned",
    "extra_blocks",
    "pinned_bytes",
    "allocs",
    "failed",
    "reserve",
    "reserve_target",
)


def format_stats(pool=None):
    """The pool's statistics as a printable two-column table (the static pool by default)."""
    if pool is None:
        pool = LpMemoryPool()
    elif not isinstance(pool, LpMemoryPool):
        raise TypeError("format_stats() takes an LpMemoryPool")
    stats = pool.stats()
    keys = [k for k in _ORDER if k in stats] + sorted(k for k in stats if k not in _ORDER)
    width = max(len(k) for k in keys)
    return "\n".join(k + " " * (width - len(k)) + "  " + str(stats[k]) for k in keys)


def guarded(coro, pool=None):
    """Run a coroutine with `pool` current and the GC heap locked, and let everything else run
    with the heap free while it is suspended.

    ``await guarded(coro)``, ``asyncio.create_task(guarded(coro))``, ``gather``, ``wait_for``:
    use it wherever a coroutine goes. The pool is the static pool unless one is given. Each step of
    `coro` (from one suspension point to the next) runs inside the guard; this driver passes what
    it yields to the event loop, and what the loop sends or throws (cancellation) back in, outside
    the guard. A ``with pool:`` inside `coro` left open across an ``await`` raises RuntimeError at
    that await.
    """
    if pool is None:
        pool = LpMemoryPool()
    value = None
    exc = None
    while True:
        try:
            value = guarded_step(pool, coro, value, exc)
        except StopIteration as e:
            return e.value
        exc = None
        try:
            value = yield value
        except BaseException as e:  # noqa: BLE001 - cancellation and close() go to the coroutine
            value = None
            exc = e
