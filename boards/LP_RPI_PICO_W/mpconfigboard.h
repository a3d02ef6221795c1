// lp-pool's Raspberry Pi Pico W: MicroPython's RPI_PICO_W board, renamed, plus the arena.
#include "boards/RPI_PICO_W/mpconfigboard.h"
#undef MICROPY_HW_BOARD_NAME
#define MICROPY_HW_BOARD_NAME "Raspberry Pi Pico W (lp-pool)"

// The Pico W's RAM is the Pico's, but Wi-Fi (lwIP's buffers, TLS) allocates from the GC heap: 48 KiB
// for pools keeps the GC heap near 150 KiB.
#ifndef LP_POOL_ARENA_SIZE
#define LP_POOL_ARENA_SIZE (48 * 1024)
#endif
