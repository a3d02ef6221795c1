# lp-pool's ESP32: MicroPython's ESP32_GENERIC board plus the lp-pool module and package.
# An out-of-tree board: `make esp32` hands this folder to the esp32 port as BOARD_DIR.
# The sdkconfig paths are relative to ports/esp32, as in the port's own boards.
set(SDKCONFIG_DEFAULTS
    boards/sdkconfig.base
    boards/sdkconfig.ble
)

set(MICROPY_FROZEN_MANIFEST ${MICROPY_BOARD_DIR}/manifest.py)
