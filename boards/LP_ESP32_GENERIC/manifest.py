# Frozen into lp-pool's ESP32 firmware: the port's own boot modules, asyncio, and the lp_pool package.
# ESP32_GENERIC's manifest also requires networking and driver packages from micropython-lib; add
# `require(...)` lines here if your MicroPython checkout has lib/micropython-lib populated.
freeze("$(PORT_DIR)/modules")
include("$(MPY_DIR)/extmod/asyncio")
include("../../lp_pool_py/manifest.py")
