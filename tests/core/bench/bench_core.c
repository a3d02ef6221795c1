// Benchmark workloads for lp_alloc (see issue 3), with glibc malloc as a host baseline.
//   bench_core time                   churn, vectors and fragmentation; prints key=value lines
//   bench_core churn <arena> <steps>  churn on lp_alloc only, for callgrind (counts lp_alloc/lp_free)
//   bench_core adversarial <arena>    one probe_alloc(256) + probe_free in a fragmented arena
// tools/bench_core.py runs these, adds callgrind counts and code size, and writes the JSON.
#define _POSIX_C_SOURCE 199309L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "lp_alloc.h"

#define CHURN_SLOTS 400
#define CHURN_STEPS 1000000
#define RUNS 5

static uint8_t *arena_mem;
static uint32_t rng_state;

static uint32_t rng(void) {
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 17;
    rng_state ^= rng_state << 5;
    return rng_state;
}

static double now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

static int cmp_double(const void *x, const void *y) {
    double a = *(const double *)x, b = *(const double *)y;
    return a < b ? -1 : a > b;
}

static double median(double *v, int n) {
    qsort(v, (size_t)n, sizeof(double), cmp_double);
    return v[n / 2];
}

static lp_alloc_t *fresh(size_t arena) {
    lp_alloc_t *a;
    if (lp_alloc_init(&a, arena_mem, arena) != LP_OK) {
        fprintf(stderr, "init failed\n");
        exit(1);
    }
    return a;
}

// The allocator under test, either lp_alloc over an arena or glibc malloc.
typedef struct {
    lp_alloc_t *a;   // NULL: malloc
} heap_t;

static void *h_alloc(heap_t *h, size_t n) {
    return h->a ? lp_alloc(h->a, n) : malloc(n);
}

static void h_free(heap_t *h, void *p) {
    if (h->a) {
        lp_free(h->a, p);
    } else {
        free(p);
    }
}

static void *h_realloc(heap_t *h, void *p, size_t n) {
    return h->a ? lp_realloc(h->a, p, n) : realloc(p, n);
}

// (a) churn: a random slot is freed if live, else given 8..256 bytes. Returns failed allocations.
static unsigned long churn(heap_t *h, unsigned slots, unsigned long steps, size_t lo, size_t hi,
    void **slot, unsigned long *allocs, unsigned long *frees) {
    unsigned long failed = 0;
    for (unsigned long i = 0; i < steps; i++) {
        unsigned s = rng() % slots;
        if (slot[s]) {
            h_free(h, slot[s]);
            slot[s] = NULL;
            (*frees)++;
        } else {
            slot[s] = h_alloc(h, lo + rng() % (hi - lo + 1));
            (*allocs)++;
            failed += slot[s] == NULL;
        }
    }
    return failed;
}

static double churn_ns(size_t arena) {
    static void *slot[CHURN_SLOTS];
    double t[RUNS];
    for (int r = 0; r < RUNS; r++) {
        heap_t h = {arena ? fresh(arena) : NULL};
        unsigned long al = 0, fr = 0;
        memset(slot, 0, sizeof(slot));
        rng_state = 12345;
        double t0 = now_ns();
        unsigned long failed = churn(&h, CHURN_SLOTS, CHURN_STEPS, 8, 256, slot, &al, &fr);
        t[r] = (now_ns() - t0) / CHURN_STEPS;
        if (failed) {
            fprintf(stderr, "churn: %lu failed allocations\n", failed);
        }
        for (unsigned s = 0; s < CHURN_SLOTS; s++) {
            h_free(&h, slot[s]);
        }
    }
    return median(t, RUNS);
}

// (d) vectors: 4 buffers grown by realloc doubling 8 -> 4096, a small alloc/free between steps.
// A growth is in place when it needed no new block: the pointer stayed (forwards) or, for lp_alloc,
// the allocation counter did not move (backwards, the payload moved down into the block before).
// Also reports, at the end of the last round while the buffers are live, the largest block left
// as a share of the free bytes. Run 0 counts (calling lp_alloc_stats around each realloc) and is
// not timed; runs 1..RUNS are timed.
// Growth of a realloc, three ways (issue 20): the same pointer (*same), a move whose new block
// overlaps the old one (*overlap: backward growth into the free space in front), and any move that
// took no new block (*backwards: alloc_count unchanged, the overlapping moves and moves into a free
// block elsewhere); *in_place is same + backwards, the figure the earlier tables gave.
static void vectors(size_t arena, double *ns, double *in_place, double *backwards, double *largest,
    double *same, double *overlap) {
    double t[RUNS];
    unsigned long grows = 0, kept = 0, down = 0, lapped = 0;
    for (int r = 0; r <= RUNS; r++) {
        heap_t h = {arena ? fresh(arena) : NULL};
        bool count = r == 0;
        unsigned long ops = 0;
        if (count) {
            grows = kept = down = lapped = 0;
            *largest = 0;
        }
        double t0 = now_ns();
        for (int round = 0; round < 2000; round++) {
            void *buf[4] = {NULL, NULL, NULL, NULL};
            void *small = NULL;
            for (size_t size = 8; size <= 4096; size *= 2) {
                for (int i = 0; i < 4; i++) {
                    size_t allocs = 0;
                    if (count && h.a) {
                        lp_alloc_stats_t st;
                        lp_alloc_stats(h.a, &st);
                        allocs = st.alloc_count;
                    }
                    void *q = h_realloc(&h, buf[i], size);
                    if (count && buf[i]) {
                        grows++;
                        // The old block held size / 2 bytes (the previous request).
                        uintptr_t o = (uintptr_t)buf[i], n = (uintptr_t)q;
                        if (q != buf[i] && n < o + size / 2 && o < n + size) {
                            lapped++;
                        }
                        if (q == buf[i]) {
                            kept++;
                        } else if (h.a) {
                            lp_alloc_stats_t st;
                            lp_alloc_stats(h.a, &st);
                            down += st.alloc_count == allocs;
                        }
                    }
                    buf[i] = q;
                    ops++;
                }
                void *s = h_alloc(&h, 24);
                h_free(&h, small);
                small = s;
                ops += 2;
            }
            if (count && h.a && round == 1999) {
                lp_alloc_stats_t st;
                lp_alloc_stats(h.a, &st);
                *largest = st.free ? 100.0 * (double)st.largest_free / (double)st.free : 0;
            }
            h_free(&h, small);
            for (int i = 0; i < 4; i++) {
                h_free(&h, buf[i]);
            }
            ops += 5;
        }
        if (!count) {
            t[r - 1] = (now_ns() - t0) / (double)ops;
        }
    }
    *ns = median(t, RUNS);
    *in_place = grows ? (double)(kept + down) / (double)grows : 0;
    *backwards = grows ? (double)down / (double)grows : 0;
    *same = grows ? (double)kept / (double)grows : 0;
    *overlap = grows ? (double)lapped / (double)grows : 0;
}

static void count_usable(void *ptr, size_t usable, bool used, void *ctx) {
    (void)ptr;
    if (used) {
        *(size_t *)ctx += usable;
    }
}

// (e) fragmentation figures for one arena size.
static void fragmentation(size_t arena, const char *tag) {
    lp_alloc_t *a = fresh(arena);
    lp_alloc_stats_t st;
    lp_alloc_stats(a, &st);
    printf("frag_largest_empty_pct_%s=%.3f\n", tag, 100.0 * (double)st.largest_free / (double)arena);
    unsigned long count = 0;
    while (lp_alloc(a, 16)) {
        count++;
    }
    printf("frag_bytes_per_16b_%s=%.3f\n", tag, (double)arena / (double)count);
    lp_alloc_stats(a, &st);
    printf("frag_block_bytes_per_16b_%s=%.3f\n", tag, (double)st.used / (double)count);

    // Churn whose live set is about half the arena (sizes 8..256, mean 132 + header).
    a = fresh(arena);
    unsigned slots = (unsigned)(arena / 136);
    void **slot = calloc(slots, sizeof(void *));
    heap_t h = {a};
    unsigned long al = 0, fr = 0;
    rng_state = 777;
    unsigned long failed = churn(&h, slots, 20UL * slots + 200000, 8, 256, slot, &al, &fr);
    lp_alloc_stats(a, &st);
    printf("frag_churn_live_pct_%s=%.3f\n", tag, 100.0 * (double)st.used / (double)arena);
    printf("frag_churn_failed_%s=%lu\n", tag, failed);
    printf("frag_churn_free_blocks_%s=%zu\n", tag, st.free_blocks);
    printf("frag_churn_largest_pct_of_free_%s=%.3f\n", tag,
        100.0 * (double)st.largest_free / (double)st.free);
    printf("frag_churn_largest_pct_%s=%.3f\n", tag, 100.0 * (double)st.largest_free / (double)arena);
    // Usable share: fill every hole with the largest block that fits, then count usable bytes.
    while (st.largest_free && lp_alloc(a, st.largest_free)) {
        lp_alloc_stats(a, &st);
    }
    size_t usable = 0;
    lp_alloc_walk(a, count_usable, &usable);
    printf("frag_churn_usable_pct_%s=%.3f\n", tag, 100.0 * (double)usable / (double)arena);
    free(slot);
}

// Separate, never-inlined entry points so callgrind can count just the probed calls.
__attribute__((noinline)) void *probe_alloc(lp_alloc_t *a, size_t n) {
    return lp_alloc(a, n);
}

__attribute__((noinline)) lp_status_t probe_free(lp_alloc_t *a, void *p) {
    return lp_free(a, p);
}

// (c) adversarial: half the arena in 16-byte objects, every other one freed, then alloc(256).
// With `probe` false only the setup runs: tools/bench_core.py counts lp_alloc and lp_free in both
// runs and takes the difference, the probed calls alone on the churn's basis (no wrapper).
static int adversarial(size_t arena, bool probe) {
    lp_alloc_t *a = fresh(arena);
    size_t n = arena / 2 / 24;
    void **obj = calloc(n, sizeof(void *));
    for (size_t i = 0; i < n; i++) {
        obj[i] = lp_alloc(a, 16);
    }
    for (size_t i = 0; i < n; i += 2) {
        lp_free(a, obj[i]);
    }
    void *p = probe ? probe_alloc(a, 256) : NULL;
    int ok = (!probe || (p && probe_free(a, p) == LP_OK)) && lp_alloc_check(a) == NULL;
    lp_alloc_stats_t st;
    lp_alloc_stats(a, &st);
    printf("adversarial_free_blocks=%zu ok=%d\n", st.free_blocks, ok);
    free(obj);
    return ok ? 0 : 1;
}

int main(int argc, char **argv) {
    arena_mem = malloc((1 << 20) + 64);
    if (argc >= 2 && strcmp(argv[1], "time") == 0) {
        printf("churn_ns_64k=%.2f\n", churn_ns(64 * 1024));
        printf("churn_ns_1m=%.2f\n", churn_ns(1024 * 1024));
        printf("churn_ns_malloc=%.2f\n", churn_ns(0));
        double ns, in_place, backwards, largest, same, overlap;
        static const struct {
            size_t arena;
            const char *tag;
        } runs[] = {{64 * 1024, "64k"}, {1024 * 1024, "1m"}, {0, "malloc"}};
        for (int i = 0; i < 3; i++) {
            vectors(runs[i].arena, &ns, &in_place, &backwards, &largest, &same, &overlap);
            printf("vectors_ns_%s=%.2f\nvectors_in_place_pct_%s=%.1f\n", runs[i].tag, ns, runs[i].tag,
                100 * in_place);
            printf("vectors_same_ptr_pct_%s=%.1f\nvectors_overlap_pct_%s=%.1f\n", runs[i].tag, 100 * same,
                runs[i].tag, 100 * overlap);
            if (runs[i].arena) {
                printf("vectors_backwards_pct_%s=%.1f\nvectors_largest_pct_of_free_%s=%.1f\n",
                    runs[i].tag, 100 * backwards, runs[i].tag, largest);
            }
        }
        fragmentation(64 * 1024, "64k");
        fragmentation(1024 * 1024, "1m");
        return 0;
    }
    if (argc >= 4 && strcmp(argv[1], "churn") == 0) {
        static void *slot[CHURN_SLOTS];
        heap_t h = {fresh((size_t)strtoul(argv[2], NULL, 0))};
        unsigned long al = 0, fr = 0;
        rng_state = 12345;
        unsigned long failed = churn(&h, CHURN_SLOTS, strtoul(argv[3], NULL, 0), 8, 256, slot, &al, &fr);
        printf("allocs=%lu frees=%lu failed=%lu\n", al, fr, failed);
        return 0;
    }
    if (argc >= 3 && strcmp(argv[1], "adversarial") == 0) {
        return adversarial((size_t)strtoul(argv[2], NULL, 0), !(argc >= 4 && strcmp(argv[3], "setup") == 0));
    }
    fprintf(stderr, "usage: %s time | churn <arena> <steps> | adversarial <arena> [setup]\n", argv[0]);
    return 2;
}
