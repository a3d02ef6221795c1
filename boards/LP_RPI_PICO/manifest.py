# Frozen into lp-pool's Pico firmware: the port's own boot modules, asyncio, and the lp_pool package.
# RPI_PICO's manifest also requires onewire, ds18x20, dht and neopixel from micropython-lib, which
# this build does not fetch; install them with `mpremote mip install` if you need them.
freeze("$(PORT_DIR)/modules")
include("$(MPY_DIR)/extmod/asyncio")
include("../../lp_pool_py/manifest.py")
