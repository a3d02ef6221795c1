# Frozen into lp-pool's Pico W firmware: what RPI_PICO_W's stock manifest freezes (the Pico's modules,
# the networking bundle and aioble from micropython-lib when the build has it), plus lp_pool.
freeze("$(PORT_DIR)/modules")
include("$(MPY_DIR)/extmod/asyncio")
include("../stock_modules.py", modules=("onewire", "ds18x20", "dht", "neopixel", "bundle-networking", "aioble"))
include("../../lp_pool_py/manifest.py")
