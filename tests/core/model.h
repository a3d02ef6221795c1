// A shadow model of an lp_alloc pool, shared by the stress test and the fuzzer: it applies one
// operation to the allocator and to the model, then verifies the two agree.
#ifndef LP_TEST_MODEL_H
#define LP_TEST_MODEL_H

#include <stddef.h>
#include <stdint.h>
#include "lp_alloc.h"

#define MODEL_SLOTS 64

typedef struct {
    uint8_t *ptr;     // NULL: slot empty
    size_t size;      // bytes asked for (all of them are filled with the tag)
    uint8_t tag;
} model_slot_t;

typedef struct {
    lp_alloc_t *a;
    uint8_t *mem;
    size_t mem_size;
    model_slot_t slot[MODEL_SLOTS];
    size_t live;
    uint8_t next_tag;
    size_t last_freed_slot_ptr_valid;  // 1 if last_freed still names a free block start
    uint8_t *last_freed;
    const char *error;                 // first disagreement found
    unsigned full_every;               // full check every this many steps (0 or 1: every step)
    unsigned steps;
} model_t;

enum {
    OP_ALLOC, OP_FREE, OP_REALLOC, OP_ALIGNED, OP_BAD_FREE, OP_LARGEST, OP_HUGE, OP_COUNT
};

// mem_size bytes are allocated with an offset of (shift % 8) bytes from an aligned address.
// Returns 0 on success, -1 if the region was rejected (too small), which is not an error.
int model_init(model_t *m, size_t mem_size, unsigned shift);
const char *model_verify(model_t *m);   // the full check, now
void model_free_all(model_t *m);     // frees every live slot, then checks full coalescing
void model_destroy(model_t *m);
// One operation; op is taken modulo OP_COUNT. Returns NULL or a description of the first problem.
// After each operation the model checks the pool: in full (lp_alloc_check, every block's contents)
// on every full_every-th step, otherwise cheaply (the O(1) invariants and counters, and the blocks
// the operation touched and their nearest live neighbours, with lp_alloc_check_near).
const char *model_step(model_t *m, unsigned op, unsigned slot, size_t size, unsigned arg);

#endif
