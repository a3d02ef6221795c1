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
    stats = (pool or LpMemoryPool()).stats()
    keys = [k for k in _ORDER if k in stats] + sorted(k for k in stats if k not in _ORDER)
    width = max(len(k) for k in keys)
    return "\n".join(k + " " * (width - len(k)) + "  " + str(stats[k]) for k in keys)
