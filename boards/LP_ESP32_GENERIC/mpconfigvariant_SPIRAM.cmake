# `make esp32 BOARD_VARIANT=SPIRAM`: boards with PSRAM (WROVER modules), as ESP32_GENERIC's variant.
set(SDKCONFIG_DEFAULTS
    ${SDKCONFIG_DEFAULTS}
    boards/sdkconfig.spiram
)

list(APPEND MICROPY_DEF_BOARD
    MICROPY_HW_BOARD_NAME="Generic ESP32 module with SPIRAM (lp-pool)"
)
