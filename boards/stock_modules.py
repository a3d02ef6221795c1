# The micropython-lib modules a stock board's manifest requires, frozen when the build has
# micropython-lib (MICROPY_LIB_DIR=<checkout>). Board manifests include this file with their list:
#     include("../stock_modules.py", modules=("onewire", "ds18x20", "dht", "neopixel"))
# MicroPython's release tarballs (Debian's among them) leave lib/micropython-lib empty: then each
# missing module is named in the build's output (the build scripts show these lines), with the way
# to add it on the board instead.
for name in options.modules:
    try:
        require(name)
    except ValueError:
        print("lp-pool: stock module not frozen (no micropython-lib): %s -> on the board: mpremote mip install %s" % (name, name))
