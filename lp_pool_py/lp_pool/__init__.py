"""lp_pool: memory pools for MicroPython that keep the GC heap out of the hot path.

The native module ``_lp_pool`` (compiled into the firmware) does the work; this package is what
users import. Everything that must run while the GC heap is locked is native; what is here runs
with the heap free (formatting, conveniences).
"""

import sys as _sys

from _lp_pool import (
    AllocError,
    LpBox,
    LpBTreeMap,
    LpBuffer,
    LpMemoryPool,
    LpString,
    LpVec,
    _meta_print,
    alloc_meta,  # True when allocation tracking is compiled in (LP_POOL_ALLOC_META=1)
    arena_size,
    current_pool,
    guarded_step,
    reset,
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
    "alloc_meta",
    "arena_size",
    "current_pool",
    "format_stats",
    "guarded",
    "no_alloc",
    "print_memory_stats",
    "print_memory_stats_with",
    "reset",
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


def no_alloc(fn):
    """Mark fn as code that must not allocate on the GC heap: lp-check (on the host) checks it.

    Returns fn unchanged, so it costs nothing on the board.
    """
    return fn


def print_memory_stats(pool=None, file=_sys.stdout):
    """Write the table of live blocks by type and scope to file (what print(file=) takes: an object
    with a write method; TypeError otherwise).

    pool=None means the current pool inside run(), else the static pool. Inside run(), with file a
    pool stream (an LpString), nothing is allocated on the GC heap. NotImplementedError when the
    firmware has no allocation tracking.
    """
    _meta_print(pool, file, False)


def print_memory_stats_with(write, pool=None):
    """Call write(line) for each line of the table print_memory_stats writes.

    Inside run() each line is a str that is only valid during the call: write it somewhere (an
    LpString), don't keep it.
    """
    _meta_print(pool, write, True)


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


def _gen():
    yield


# The type of a coroutine object (and of a generator): MicroPython has one for both.
_Coroutine = type(_gen())


def guarded(coro, pool=None):
    """Run a coroutine with `pool` current and the GC heap locked, and let everything else run
    with the heap free while it is suspended.

    ``await guarded(coro)``, ``asyncio.create_task(guarded(coro))``, ``gather``, ``wait_for``:
    use it wherever a coroutine goes. The pool is the static pool unless one is given. Each step of
    `coro` (from one suspension point to the next) runs inside the guard; this driver passes what
    it yields to the event loop, and what the loop sends or throws (cancellation) back in, outside
    the guard. A ``with pool:`` inside `coro` left open across an ``await``: the lock and current
    pool are put back at that await, and RuntimeError is raised out of guarded() when the loop
    resumes the task (what `coro` awaited had already scheduled that); `coro` is not resumed again.

    Its arguments are checked here, when guarded() is called, not when it is first awaited.
    """
    if not isinstance(coro, _Coroutine):
        if callable(coro):
            raise TypeError("guarded() needs a coroutine object: guarded(fn(...)), not guarded(fn)")
        raise TypeError("guarded() needs a coroutine object, as fn(...) makes, not " + type(coro).__name__)
    if pool is None:
        pool = LpMemoryPool()
    elif not isinstance(pool, LpMemoryPool):
        raise TypeError("guarded(): pool must be an LpMemoryPool or None, not " + type(pool).__name__)
    return _guarded(coro, pool)


def _guarded(coro, pool):
    value = None
    exc = None
    pending = [None]
    while True:
        try:
            value = guarded_step(pool, coro, value, exc, pending)
        except StopIteration as e:
            return e.value
        exc = None
        try:
            value = yield value
        except BaseException as e:  # noqa: BLE001 - cancellation and close() go to the coroutine
            value = None
            exc = e
        if pending[0] is not None:
            raise pending[0]
