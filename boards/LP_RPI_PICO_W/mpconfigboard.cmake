# lp-pool's Raspberry Pi Pico W: MicroPython's RPI_PICO_W board (Wi-Fi and Bluetooth through the
# CYW43 chip) plus the lp-pool module and package. It needs lib/cyw43-driver, lib/lwip, lib/btstack and
# lib/mbedtls in the MicroPython tree: a git checkout after `make -C ports/rp2 BOARD=RPI_PICO_W
# submodules`. Debian packages none of the first three, so the fetched 1.25 tree can't build it.
include(${MICROPY_PORT_DIR}/boards/RPI_PICO_W/mpconfigboard.cmake)

set(GEN_PINS_BOARD_CSV "${MICROPY_PORT_DIR}/boards/RPI_PICO_W/pins.csv")
set(GEN_PINS_CSV_ARG --board-csv "${GEN_PINS_BOARD_CSV}")

set(MICROPY_FROZEN_MANIFEST ${MICROPY_BOARD_DIR}/manifest.py)
