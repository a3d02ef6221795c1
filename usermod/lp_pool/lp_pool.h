// What the files of the _lp_pool module share. Not part of the allocator core (lp_alloc.h).
#ifndef LP_POOL_H
#define LP_POOL_H

#include <stdint.h>

#define LP_POOL_VERSION "0.1.0"

// Bytes of static RAM for the arena; each board sets it in boards/<board>/.
#ifndef LP_POOL_ARENA_SIZE
#define LP_POOL_ARENA_SIZE (16 * 1024)
#endif

uint8_t *lp_arena_base(void);

#endif // LP_POOL_H
