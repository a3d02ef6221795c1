// lp-pool's Raspberry Pi Pico: the settings of MicroPython's RPI_PICO board, plus the arena.
#define MICROPY_HW_BOARD_NAME                   "Raspberry Pi Pico (lp-pool)"
#define MICROPY_HW_FLASH_STORAGE_BYTES          (1408 * 1024)

// The RP2040 has 264 KiB of SRAM; MicroPython's GC heap gets what .data, .bss and the C heap leave.
// 64 KiB for pools leaves the GC heap about 100 KiB (`make rp2` prints the exact figures): still
// more than the port's 32 KiB floor and enough for typical scripts, while pools get a real share.
#define LP_POOL_ARENA_SIZE (64 * 1024)

// No pool stays current from one REPL input, raw REPL script (mpremote), boot.py or main.py to the
// next: pyexec calls lp_pool after each (usermod/lp_pool/lp_pool_repl.h). Self-contained, so this
// header needs no include path of the module's.
#define MICROPY_BOARD_AFTER_PYTHON_EXEC(input_kind, exec_flags, ret_val, ret) \
    do { extern void lp_pool_repl_reset(void); lp_pool_repl_reset(); } while (0)
