// libFuzzer target: the input is an operation sequence run against the shadow model in model.c.
// After every operation the model checks the touched blocks, their neighbours and the counters
// (O(1)); every FUZZ_FULL_EVERY operations and at the end it runs the full lp_alloc_check() walk
// and compares every block's contents. Any disagreement aborts (a "crash").
//
// Input: byte 0 picks the region size (low 3 bits) and the start misalignment (high bits); then
// records of 5 bytes: op, slot, size (little-endian 16 bits: top bit set = up to 32 KiB, else
// up to 511 bytes), arg (alignment exponent, bad-pointer kind, ...). A trailing partial record is
// ignored. At the end everything is freed and the pool must be one free block again.
#include <stdio.h>
#include <stdlib.h>

#include "model.h"

// The full walk costs O(blocks) plus every live byte; one in 16 keeps it the minority of the time
// while a damage still shows within 16 operations (and the cheap check sees most at once).
#define FUZZ_FULL_EVERY 16

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t len);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t len) {
    if (len < 1) {
        return 0;
    }
    size_t min = lp_alloc_min_region();
    size_t regions[8] = {min, min + 8, min + 24, 256, 512, 1024, 4096, 65536};
    model_t m;
    if (model_init(&m, regions[data[0] & 7u], data[0] >> 3) != 0) {
        fprintf(stderr, "region %zu rejected\n", regions[data[0] & 7u]);
        abort();
    }
    m.full_every = FUZZ_FULL_EVERY;
    size_t steps = 0;
    for (size_t i = 1; i + 5 <= len; i += 5, steps++) {
        unsigned raw = data[i + 2] | (unsigned)data[i + 3] << 8;
        size_t size = (raw & 0x8000u) ? (raw & 0x7FFFu) : (raw & 0x1FFu);
        const char *e = model_step(&m, data[i], data[i + 1], size, data[i + 4]);
        if (e) {
            fprintf(stderr, "step %zu (op %u, size %zu): %s\n", steps, data[i] % OP_COUNT, size, e);
            abort();
        }
    }
    const char *e = model_verify(&m);
    if (e) {
        fprintf(stderr, "after %zu steps: %s\n", steps, e);
        abort();
    }
    model_free_all(&m);
    if (m.error) {
        fprintf(stderr, "after %zu steps: %s\n", steps, m.error);
        abort();
    }
    model_destroy(&m);
    return 0;
}
