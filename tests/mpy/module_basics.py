# The native module and the package that re-exports it.
import _lp_pool
import lp_pool

print(lp_pool.version == _lp_pool.version)
print(lp_pool.arena_size is _lp_pool.arena_size)
size = lp_pool.arena_size()
print(type(size) is int, size > 0, size % 8)
parts = lp_pool.version.split(".")
print(len(parts), all(p.isdigit() for p in parts))
