# Frozen into lp-pool's Pico 2 firmware: what RPI_PICO2's stock manifest freezes (the port's boot
# modules, asyncio, and four drivers from micropython-lib when the build has it), plus lp_pool.
freeze("$(PORT_DIR)/modules")
include("$(MPY_DIR)/extmod/asyncio")
include("../stock_modules.py", modules=("onewire", "ds18x20", "dht", "neopixel"))
include("../../lp_pool_py/manifest.py")
