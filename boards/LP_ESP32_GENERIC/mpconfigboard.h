// lp-pool's ESP32: the settings of MicroPython's ESP32_GENERIC board (its name set by the variant
// files, as there), plus the arena.
#ifndef MICROPY_HW_BOARD_NAME
#define MICROPY_HW_BOARD_NAME "Generic ESP32 module (lp-pool)"
#endif
#ifndef MICROPY_HW_MCU_NAME
#define MICROPY_HW_MCU_NAME "ESP32"
#endif

// Where the memory goes (MicroPython 1.25's ports/esp32, ESP-IDF 5.2-5.4):
// - The arena is a static array: it lands in internal DRAM's .bss. With sdkconfig.ble (which
//   ESP32_GENERIC uses) the Bluetooth controller reserves DRAM, so the linker leaves static data
//   about 122 KiB (dram0_0_seg), shared with ESP-IDF's and MicroPython's own statics.
// - MicroPython's GC heap is not static: it starts as a 56 KiB block from the IDF heap
//   (MICROPY_GC_INITIAL_HEAP_SIZE in mpconfigport.h) and grows from the same IDF heap when it fills
//   (MICROPY_GC_SPLIT_HEAP_AUTO). Wi-Fi buffers and TLS sessions come from that heap as well.
// So the arena's 32 KiB comes out of the margin Wi-Fi and TLS need. Check it on the board after
// Wi-Fi is up and a TLS connection is open: micropython.mem_info() (GC heap) and
// esp32.idf_heap_info(esp32.HEAP_DATA) (what the IDF heap has left); lower it with
// LP_POOL_ARENA_SIZE=<bytes> if either runs short. On the SPIRAM variant the GC heap lives in PSRAM
// and the arena stays in internal RAM, which is faster.
#ifndef LP_POOL_ARENA_SIZE
#define LP_POOL_ARENA_SIZE (32 * 1024)
#endif
