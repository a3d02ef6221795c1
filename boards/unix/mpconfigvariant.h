// lp-pool's unix variant: MicroPython's standard unix build plus the _lp_pool module.
#define MICROPY_CONFIG_ROM_LEVEL (MICROPY_CONFIG_ROM_LEVEL_EXTRA_FEATURES)
#include "variants/mpconfigvariant_common.h"

// 1 MiB arena: room for the test suite's pools; boards with less RAM set less.
#ifndef LP_POOL_ARENA_SIZE
#define LP_POOL_ARENA_SIZE (1024 * 1024)
#endif

// Test-only hooks (_lp_pool._irq_call): the unix test build only, never a board's firmware.
#define LP_POOL_TEST_HOOKS (1)
