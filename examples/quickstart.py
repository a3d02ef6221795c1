# lp-pool quick start: what the module can do today. Run it with `make run`.
import lp_pool

print("lp_pool", lp_pool.version)
print("static arena:", lp_pool.arena_size(), "bytes")
