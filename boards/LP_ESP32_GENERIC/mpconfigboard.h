// lp-pool's ESP32: the settings of MicroPython's ESP32_GENERIC board, plus the arena.
#define MICROPY_HW_BOARD_NAME "Generic ESP32 module (lp-pool)"
#define MICROPY_HW_MCU_NAME "ESP32"

// The arena is a static array, so it lands in DRAM .bss. The ESP32 linker gives static data at most
// about 160 KiB of DRAM (dram0_0_seg); ESP-IDF with Wi-Fi and BLE plus MicroPython already take much
// of it, and MicroPython's GC heap is malloc'd from what is left at boot. 32 KiB fits with a margin
// and leaves the GC heap its usual ~100 KiB; raise it only after checking `idf.py size`.
#define LP_POOL_ARENA_SIZE (32 * 1024)

// No pool stays current from one REPL input, raw REPL script (mpremote), boot.py or main.py to the
// next: pyexec calls lp_pool after each (usermod/lp_pool/lp_pool_repl.h). Self-contained, so this
// header needs no include path of the module's.
#define MICROPY_BOARD_AFTER_PYTHON_EXEC(input_kind, exec_flags, ret_val, ret) \
    do { extern void lp_pool_repl_reset(void); lp_pool_repl_reset(); } while (0)
