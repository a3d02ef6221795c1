// lp-pool's Raspberry Pi Pico: MicroPython's RPI_PICO board, renamed, plus the arena.
#include "boards/RPI_PICO/mpconfigboard.h"
#undef MICROPY_HW_BOARD_NAME
#define MICROPY_HW_BOARD_NAME "Raspberry Pi Pico (lp-pool)"

// The RP2040 has 264 KiB of SRAM; MicroPython's GC heap gets what .data, .bss and the C heap leave.
// 64 KiB for pools leaves the GC heap about 180 KiB (`make rp2` prints the exact figures): more than
// the port's 32 KiB floor and enough for typical scripts, while pools get a real share.
#ifndef LP_POOL_ARENA_SIZE
#define LP_POOL_ARENA_SIZE (64 * 1024)
#endif
