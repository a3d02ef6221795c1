// lp-pool's unix variant: MicroPython's standard unix build plus the _lp_pool module.
#define MICROPY_CONFIG_ROM_LEVEL (MICROPY_CONFIG_ROM_LEVEL_EXTRA_FEATURES)
#include "variants/mpconfigvariant_common.h"

// 1 MiB arena: room for the test suite's pools; boards with less RAM set less.
#define LP_POOL_ARENA_SIZE (1024 * 1024)
