"""lp_pool: memory pools for MicroPython that keep the GC heap out of the hot path.

The native module ``_lp_pool`` is compiled into the firmware; this package is what users import.
"""

from _lp_pool import arena_size, version

__all__ = ["arena_size", "version"]
