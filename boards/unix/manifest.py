# Frozen into the unix binary: asyncio as in the standard variant, and the lp_pool package.
include("$(MPY_DIR)/extmod/asyncio")
include("../../lp_pool_py/manifest.py")
