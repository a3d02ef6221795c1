# lp-pool's Raspberry Pi Pico 2 (RP2350, Arm cores): MicroPython's RPI_PICO2 board plus the lp-pool
# module and package. An out-of-tree board: `make rp2 RP2_BOARD=LP_RPI_PICO2` and `make dist` build it.
include(${MICROPY_PORT_DIR}/boards/RPI_PICO2/mpconfigboard.cmake)
set(PICO_PLATFORM "rp2350")

set(GEN_PINS_BOARD_CSV "${MICROPY_PORT_DIR}/boards/RPI_PICO2/pins.csv")
set(GEN_PINS_CSV_ARG --board-csv "${GEN_PINS_BOARD_CSV}")

set(MICROPY_FROZEN_MANIFEST ${MICROPY_BOARD_DIR}/manifest.py)
