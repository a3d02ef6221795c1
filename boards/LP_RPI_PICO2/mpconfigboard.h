// lp-pool's Raspberry Pi Pico 2: MicroPython's RPI_PICO2 board, renamed, plus the arena.
#include "boards/RPI_PICO2/mpconfigboard.h"
#undef MICROPY_HW_BOARD_NAME
#define MICROPY_HW_BOARD_NAME "Raspberry Pi Pico2 (lp-pool)"

// The RP2350 has 520 KiB of SRAM: 128 KiB for pools leaves the GC heap about 350 KiB.
#ifndef LP_POOL_ARENA_SIZE
#define LP_POOL_ARENA_SIZE (128 * 1024)
#endif
