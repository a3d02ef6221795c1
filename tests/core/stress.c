// Randomised model-based stress test: random operations against the shadow model in model.c,
// lp_alloc_check() after every one (or, with full_every > 1, the model's cheap local check in
// between, as the fuzzer does). Usage: stress [seed [steps [rounds [full_every]]]]; exit code 0 on
// success.
#include <stdio.h>
#include <stdlib.h>

#include "model.h"

static uint64_t rng_state;

static uint32_t rng(void) {
    // xorshift64*: deterministic across platforms for a given seed.
    rng_state ^= rng_state >> 12;
    rng_state ^= rng_state << 25;
    rng_state ^= rng_state >> 27;
    return (uint32_t)((rng_state * 0x2545F4914F6CDD1DULL) >> 32);
}

// Mostly small sizes, sometimes medium, rarely large relative to the region.
static size_t random_size(size_t region) {
    uint32_t r = rng() % 100;
    if (r < 60) {
        return rng() % 65;
    }
    if (r < 90) {
        return rng() % 1025;
    }
    return rng() % (region / 2 + 1);
}

static int run(uint64_t seed, unsigned steps, unsigned full_every) {
    // 0 and 1: the smallest region that works, and a little more.
    static const size_t regions[] = {0, 1, 4096, 65536, 300000};
    rng_state = seed * 0x9E3779B97F4A7C15ULL + 1;
    size_t region = regions[rng() % (sizeof(regions) / sizeof(regions[0]))];
    if (region <= 1) {
        region = lp_alloc_min_region() + 24 * region;
    }
    model_t m;
    if (model_init(&m, region, rng()) != 0) {
        printf("seed %llu: region %zu rejected\n", (unsigned long long)seed, region);
        return 1;
    }
    m.full_every = full_every;
    for (unsigned i = 0; i < steps; i++) {
        uint32_t r = rng() % 100;
        unsigned op = r < 40 ? OP_ALLOC : r < 60 ? OP_FREE : r < 75 ? OP_REALLOC : r < 85 ? OP_ALIGNED
                    : r < 93 ? OP_BAD_FREE : r < 97 ? OP_LARGEST : OP_HUGE;
        const char *e = model_step(&m, op, rng(), random_size(region), rng());
        if (e) {
            printf("seed %llu step %u (op %u, region %zu): %s\n", (unsigned long long)seed, i, op,
                region, e);
            model_destroy(&m);
            return 1;
        }
        if (rng() % 2000 == 0) {
            model_free_all(&m);
            if (m.error) {
                break;
            }
        }
    }
    if (!m.error) {
        m.error = model_verify(&m);   // the full check at the end, whatever full_every is
    }
    model_free_all(&m);
    if (m.error) {
        printf("seed %llu (region %zu): %s\n", (unsigned long long)seed, region, m.error);
    }
    int failed = m.error != NULL;
    model_destroy(&m);
    return failed;
}

int main(int argc, char **argv) {
    uint64_t seed = argc > 1 ? strtoull(argv[1], NULL, 0) : 1;
    unsigned steps = argc > 2 ? (unsigned)strtoul(argv[2], NULL, 0) : 20000;
    unsigned rounds = argc > 3 ? (unsigned)strtoul(argv[3], NULL, 0) : 20;
    unsigned full_every = argc > 4 ? (unsigned)strtoul(argv[4], NULL, 0) : 1;
    unsigned failed = 0;
    // Each round is a fresh pool from a seed derived from the given one.
    for (unsigned r = 0; r < rounds; r++) {
        failed += (unsigned)run(seed * 1000 + r, steps, full_every);
    }
    printf("stress seed %llu: %u rounds of %u steps: %u passed, %u failed\n",
        (unsigned long long)seed, rounds, steps, rounds - failed, failed);
    return failed ? 1 : 0;
}
