# lp-pool's Raspberry Pi Pico: MicroPython's RPI_PICO board plus the lp-pool module and package.
# An out-of-tree board: `make rp2` configures the rp2 port with MICROPY_BOARD_DIR pointing here.
include(${MICROPY_PORT_DIR}/boards/RPI_PICO/mpconfigboard.cmake)

# RPI_PICO's pin names (LED, GP0..), read from the port's own board folder.
set(GEN_PINS_BOARD_CSV "${MICROPY_PORT_DIR}/boards/RPI_PICO/pins.csv")
set(GEN_PINS_CSV_ARG --board-csv "${GEN_PINS_BOARD_CSV}")

set(MICROPY_FROZEN_MANIFEST ${MICROPY_BOARD_DIR}/manifest.py)
