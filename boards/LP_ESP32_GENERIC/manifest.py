# Frozen into lp-pool's ESP32 firmware: what ESP32_GENERIC's stock manifest freezes (the port's
# boot modules, asyncio, and the micropython-lib packages when the build has them), plus lp_pool.
# The port's apa106.py driver imports neopixel, so it is frozen only with neopixel: without
# micropython-lib it would freeze a module whose import fails on the board.
freeze("$(PORT_DIR)/modules", ("_boot.py", "espnow.py", "flashbdev.py", "inisetup.py"))
include("$(MPY_DIR)/extmod/asyncio")
try:
    require("neopixel")
    freeze("$(PORT_DIR)/modules", "apa106.py")
except ValueError:
    print("lp-pool: stock module not frozen (no micropython-lib): neopixel (and apa106, which needs it) -> on the board: mpremote mip install neopixel")
include(
    "../stock_modules.py",
    modules=("bundle-networking", "aioespnow", "dht", "ds18x20", "onewire", "umqtt.robust", "umqtt.simple", "upysh"),
)
include("../../lp_pool_py/manifest.py")
