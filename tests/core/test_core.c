// Unit tests for lp_alloc: every public function and error path. Prints one line per failed
// expectation and a closing "N passed, N failed" line; exit code 0 when everything passed.
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lp_alloc.h"

static unsigned tests_passed, tests_failed;
static int current_failed;

#define EXPECT(cond) do { \
        if (!(cond)) { \
            printf("  %s:%d: expected %s\n", __FILE__, __LINE__, #cond); \
            current_failed = 1; \
        } \
} while (0)

#define EXPECT_CHECK(a) do { \
        const char *check_msg_ = lp_alloc_check(a); \
        if (check_msg_) { \
            printf("  %s:%d: lp_alloc_check: %s\n", __FILE__, __LINE__, check_msg_); \
            current_failed = 1; \
        } \
} while (0)

#define RUN(test) do { \
        current_failed = 0; \
        test(); \
        printf("%s %s\n", current_failed ? "FAIL" : "ok  ", #test); \
        if (current_failed) { tests_failed++; } else { tests_passed++; } \
} while (0)

// Index bytes taken by the exact pointer check in a region of size bytes: the start bitmap and a
// pointer to it.
#define START_MAP_BYTES(size) (LP_ALLOC_EXACT_FREE ? ((size) / 8 + 31) / 32 * 4 + sizeof(void *) : 0)

// Test regions: 8-byte aligned backing store, handed out at any offset.
static _Alignas(16) uint8_t arena[1 << 20];

static lp_alloc_t *make(size_t size, size_t shift) {
    lp_alloc_t *a = NULL;
    lp_status_t s = lp_alloc_init(&a, arena + shift, size);
    if (s != LP_OK) {
        printf("  lp_alloc_init(%zu, shift %zu): %s\n", size, shift, lp_status_str(s));
        current_failed = 1;
        return NULL;
    }
    return a;
}

static lp_alloc_stats_t stats(const lp_alloc_t *a) {
    lp_alloc_stats_t st;
    lp_alloc_stats(a, &st);
    return st;
}

static void test_init_errors(void) {
    lp_alloc_t *a = (lp_alloc_t *)1;
    EXPECT(lp_alloc_init(NULL, arena, 4096) == LP_ERR_ARG);
    EXPECT(lp_alloc_init(&a, NULL, 4096) == LP_ERR_ARG);
    EXPECT(a == NULL);
    EXPECT(lp_alloc_init(&a, arena, 0) == LP_ERR_TOO_SMALL);
    EXPECT(lp_alloc_init(&a, arena, 7) == LP_ERR_TOO_SMALL);
    EXPECT(lp_alloc_init(&a, arena + 1, 8) == LP_ERR_TOO_SMALL);
    size_t min = lp_alloc_min_region();
    EXPECT(min >= 16 && min < 512);
    for (size_t shift = 0; shift < 8; shift++) {
        EXPECT(lp_alloc_init(&a, arena + shift, min) == LP_OK);
        EXPECT(a != NULL && lp_alloc(a, 0) != NULL);
        EXPECT(lp_alloc_init(&a, arena + shift, min - 8) == LP_ERR_TOO_SMALL);
    }
    // The region must not wrap around the address space (checked before memory is touched).
    EXPECT(lp_alloc_init(&a, (void *)(UINTPTR_MAX - 64), 4096) == LP_ERR_ARG);
    #if SIZE_MAX > 0xFFFFFFFFu
    EXPECT(lp_alloc_init(&a, arena, (size_t)1 << 32) == LP_ERR_TOO_LARGE);
    EXPECT(lp_alloc_init(&a, arena, SIZE_MAX) == LP_ERR_TOO_LARGE);
    #endif
}

static void test_init_layout(void) {
    for (size_t shift = 0; shift < 8; shift++) {
        lp_alloc_t *a = make(4096, shift);
        if (!a) {
            return;
        }
        EXPECT((uintptr_t)a % 8 == 0);
        EXPECT((uint8_t *)a >= arena + shift && (uint8_t *)a < arena + shift + 8);
        lp_alloc_stats_t st = stats(a);
        // A 4 KiB region must not pay for a big index (about 310 bytes of overhead, 8 more on a
        // 64-bit host for the spare word of the branch-free insert and its padding).
        EXPECT(st.capacity >= 4096 - 344 - START_MAP_BYTES(4096));
        EXPECT(st.used == 0 && st.used_payload == 0 && st.used_blocks == 0);
        EXPECT(st.free == st.capacity && st.free_blocks == 1);
        EXPECT(st.largest_free == st.capacity - 4);
        EXPECT(st.peak_used == 0 && st.alloc_count == 0 && st.failed_count == 0);
        EXPECT(lp_alloc_invariants_hold(a));
        EXPECT_CHECK(a);
    }
    // 64 KiB: the largest single block is at least 98% of the region.
    lp_alloc_t *a = make(65536, 0);
    EXPECT((stats(a).largest_free + START_MAP_BYTES(65536)) * 100 >= 65536 * 98);
    void *p = lp_alloc(a, stats(a).largest_free);
    EXPECT(p != NULL);
    EXPECT(lp_free(a, p) == LP_OK);
    EXPECT_CHECK(a);
}

static void test_alloc_sizes(void) {
    lp_alloc_t *a = make(65536, 3);
    void *ptrs[300];
    for (size_t size = 0; size < 300; size++) {
        uint8_t *p = ptrs[size] = lp_alloc(a, size);
        EXPECT(p != NULL);
        if (!p) {
            return;
        }
        EXPECT((uintptr_t)p % LP_ALLOC_ALIGN == 0);
        EXPECT(lp_alloc_owns(a, p));
        size_t usable = lp_usable_size(a, p);
        // Exact fit: the block is the request plus the 4-byte header, rounded up to 8.
        EXPECT(usable >= size && usable < (size < 12 ? 12 : size) + 8);
        memset(p, (int)size, usable);
    }
    EXPECT_CHECK(a);
    for (size_t size = 0; size < 300; size++) {
        uint8_t *p = ptrs[size];
        for (size_t i = 0; i < size; i++) {
            if (p[i] != (uint8_t)size) {
                EXPECT(!"contents intact");
                break;
            }
        }
    }
    EXPECT(stats(a).used_blocks == 300 && stats(a).alloc_count == 300);
    for (size_t size = 0; size < 300; size += 2) {
        EXPECT(lp_free(a, ptrs[size]) == LP_OK);
    }
    EXPECT_CHECK(a);
    for (size_t size = 1; size < 300; size += 2) {
        EXPECT(lp_free(a, ptrs[size]) == LP_OK);
    }
    EXPECT_CHECK(a);
    EXPECT(stats(a).free_blocks == 1 && stats(a).used == 0);
}

static void test_zero_size(void) {
    lp_alloc_t *a = make(4096, 0);
    void *p = lp_alloc(a, 0);
    void *q = lp_alloc(a, 0);
    EXPECT(p && q && p != q);
    EXPECT(lp_usable_size(a, p) == 12);
    EXPECT(lp_realloc(a, p, 0) == p);
    void *big = lp_alloc(a, 100);
    EXPECT(lp_realloc(a, big, 0) == big);
    EXPECT(lp_usable_size(a, big) == 12);
    EXPECT_CHECK(a);
}

static void test_overflow(void) {
    lp_alloc_t *a = make(65536, 0);
    size_t cap = stats(a).capacity;
    size_t bad[] = {SIZE_MAX, SIZE_MAX - 1, SIZE_MAX - 3, SIZE_MAX - 4, SIZE_MAX - 7, SIZE_MAX - 8,
                    SIZE_MAX - 11, SIZE_MAX - 12, SIZE_MAX - 15, SIZE_MAX - 16, SIZE_MAX / 2 + 1,
                    SIZE_MAX / 2, SIZE_MAX / 8 + 1, (size_t)-1, (size_t)-64, (size_t)INT32_MAX + 1u,
                    cap - 3, cap, cap + 1, 65536};
    size_t n = sizeof(bad) / sizeof(bad[0]);
    for (size_t i = 0; i < n; i++) {
        EXPECT(lp_alloc(a, bad[i]) == NULL);
        EXPECT(lp_alloc_aligned(a, bad[i], 16) == NULL);
    }
    EXPECT(stats(a).failed_count == 2 * n);
    void *p = lp_alloc(a, 16);
    for (size_t i = 0; i < n; i++) {
        EXPECT(lp_realloc(a, p, bad[i]) == NULL);
    }
    EXPECT(stats(a).failed_count == 3 * n);
    EXPECT(lp_usable_size(a, p) >= 16);
    EXPECT(lp_free(a, p) == LP_OK);
    EXPECT(lp_alloc(a, cap - 4) != NULL);   // the exact maximum fits an empty pool
    EXPECT_CHECK(a);
}

static void test_null_allocator(void) {
    int x;
    lp_alloc_stats_t st;
    memset(&st, 0xFF, sizeof(st));
    EXPECT(lp_alloc(NULL, 8) == NULL);
    EXPECT(lp_alloc_aligned(NULL, 8, 64) == NULL);
    EXPECT(lp_realloc(NULL, NULL, 8) == NULL);
    EXPECT(lp_realloc(NULL, &x, 8) == NULL);
    EXPECT(lp_free(NULL, NULL) == LP_OK);
    EXPECT(lp_free(NULL, &x) == LP_ERR_ARG);
    EXPECT(lp_usable_size(NULL, &x) == 0);
    EXPECT(!lp_alloc_owns(NULL, &x));
    lp_alloc_stats(NULL, &st);
    EXPECT(st.capacity == 0 && st.used == 0);
    lp_alloc_stats(NULL, NULL);
    EXPECT(!lp_alloc_invariants_hold(NULL));
    EXPECT(lp_alloc_check(NULL) != NULL);
    lp_alloc_walk(NULL, NULL, NULL);
}

static void test_free_errors(void) {
    lp_alloc_t *a = make(4096, 5);
    uint8_t *p = lp_alloc(a, 100);
    uint8_t *q = lp_alloc(a, 100);
    uint8_t *r = lp_alloc(a, 100);
    memset(p, 0, 100);
    memset(q, 0xA7, 100);
    int local;
    EXPECT(lp_free(a, NULL) == LP_OK);
    EXPECT(lp_free(a, &local) == LP_ERR_NOT_BLOCK);
    EXPECT(lp_free(a, a) == LP_ERR_NOT_BLOCK);                   // the index
    EXPECT(lp_free(a, arena) == LP_ERR_NOT_BLOCK);               // before the index
    EXPECT(lp_free(a, arena + 4096 + 5) == LP_ERR_NOT_BLOCK);    // just past the region
    EXPECT(lp_free(a, arena + 4096 - 3) == LP_ERR_NOT_BLOCK);    // the sentinel
    for (size_t off = 1; off < 8; off++) {
        EXPECT(lp_free(a, q + off) == LP_ERR_NOT_BLOCK);
    }
    // Interior pointers whose preceding word is zero or fill data.
    for (size_t off = 8; off < 100; off += 8) {
        EXPECT(lp_free(a, p + off) != LP_OK);
        EXPECT(lp_free(a, q + off) != LP_OK);
        EXPECT(lp_usable_size(a, q + off) == 0);
        EXPECT(lp_realloc(a, q + off, 10) == NULL);
    }
    EXPECT_CHECK(a);
    // Double frees: plain, after merging with the previous block, after merging with the next.
    EXPECT(lp_free(a, q) == LP_OK);
    EXPECT(lp_free(a, q) == LP_ERR_NOT_LIVE);
    EXPECT(lp_usable_size(a, q) == 0);
    EXPECT(lp_realloc(a, q, 10) == NULL);
    EXPECT(lp_free(a, r) == LP_OK);                              // r merges into q's block
    EXPECT(lp_free(a, r) == LP_ERR_NOT_LIVE);
    EXPECT(lp_free(a, q) == LP_ERR_NOT_LIVE);
    EXPECT(lp_free(a, p) == LP_OK);                              // p absorbs q + r + rest
    EXPECT(lp_free(a, p) == LP_ERR_NOT_LIVE);
    EXPECT(lp_free(a, q) == LP_ERR_NOT_LIVE);
    EXPECT(lp_free(a, r) == LP_ERR_NOT_LIVE);
    EXPECT_CHECK(a);
    EXPECT(stats(a).free_blocks == 1 && stats(a).used_blocks == 0);
}

// lp_free's paths (no free neighbour, free before, free after, both) keep the block counters and
// the lists right: after every free, the free blocks are exactly the runs of freed neighbours.
static void test_free_paths(void) {
    enum { N = 7 };
    // Every order of freeing blocks 1..5 of seven (0 and 6 stay live) would be 120 runs; these
    // cover each path with neighbours in the same and in different size classes.
    static const int orders[][5] = {{1, 2, 3, 4, 5}, {5, 4, 3, 2, 1}, {1, 3, 5, 2, 4},
                                    {2, 4, 1, 5, 3}, {3, 1, 5, 2, 4}, {4, 2, 3, 5, 1}};
    static const size_t sizes[N] = {16, 16, 200, 16, 1000, 40, 16};
    for (size_t o = 0; o < sizeof(orders) / sizeof(orders[0]); o++) {
        lp_alloc_t *a = make(8192, 0);
        void *b[N];
        for (int i = 0; i < N; i++) {
            b[i] = lp_alloc(a, sizes[i]);
        }
        lp_alloc(a, stats(a).largest_free);   // fill the tail so block 6 has a used neighbour
        bool freed[N] = {false};
        for (int k = 0; k < 5; k++) {
            int i = orders[o][k];
            EXPECT(lp_free(a, b[i]) == LP_OK);
            freed[i] = true;
            size_t runs = 0, live = 0;
            for (int j = 0; j < N; j++) {
                runs += freed[j] && (j == 0 || !freed[j - 1]);
                live += !freed[j];
            }
            EXPECT(stats(a).free_blocks == runs);
            EXPECT(stats(a).used_blocks == live + 1);
            EXPECT(lp_free(a, b[i]) == LP_ERR_NOT_LIVE);
            EXPECT_CHECK(a);
        }
        // Blocks 1..5 are one free block now: one allocation of their total fits exactly there.
        size_t total = 0;
        for (int i = 1; i <= 5; i++) {
            total += (sizes[i] + 4 + 7) / 8 * 8;   // each block is header + size, in granules
        }
        EXPECT(stats(a).largest_free == total - 4);
        EXPECT(lp_alloc(a, total - 4) == b[1]);
        EXPECT_CHECK(a);
    }
}

// Free three neighbours in every order: each time the pool must end as one free block.
static void test_coalescing(void) {
    static const int orders[6][3] = {{0, 1, 2}, {0, 2, 1}, {1, 0, 2}, {1, 2, 0}, {2, 0, 1}, {2, 1, 0}};
    for (int o = 0; o < 6; o++) {
        for (int fill = 0; fill < 2; fill++) {
            lp_alloc_t *a = make(2048, 0);
            void *b[4];
            for (int i = 0; i < 3; i++) {
                b[i] = lp_alloc(a, 40);
            }
            // With fill, a last block occupies the tail, so the free blocks have used neighbours.
            b[3] = fill ? lp_alloc(a, stats(a).largest_free) : NULL;
            for (int i = 0; i < 3; i++) {
                EXPECT(lp_free(a, b[orders[o][i]]) == LP_OK);
                EXPECT_CHECK(a);
            }
            EXPECT(stats(a).free_blocks == 1);
            EXPECT(lp_free(a, b[3]) == LP_OK);
            EXPECT(stats(a).free_blocks == 1 && stats(a).largest_free == stats(a).capacity - 4);
            EXPECT_CHECK(a);
        }
    }
}

static void test_aligned(void) {
    lp_alloc_t *a = make(1 << 18, 1);
    for (size_t align = 1; align <= LP_ALLOC_MAX_ALIGN; align *= 2) {
        for (size_t size = 0; size < 200; size += 37) {
            void *pad = lp_alloc(a, 4 + size % 24);   // vary the start address
            uint8_t *p = lp_alloc_aligned(a, size, align);
            EXPECT(p != NULL);
            EXPECT((uintptr_t)p % align == 0);
            EXPECT(lp_usable_size(a, p) >= size);
            memset(p, 0x3C, size);
            EXPECT_CHECK(a);
            EXPECT(lp_free(a, pad) == LP_OK);
        }
    }
    // The gap in front goes back to the free lists: a 4096-aligned block wastes nothing.
    lp_alloc_t *b = make(1 << 16, 0);
    void *x = lp_alloc(b, 8);
    lp_alloc_stats_t before = stats(b);
    void *y = lp_alloc_aligned(b, 16, 4096);
    lp_alloc_stats_t after = stats(b);
    EXPECT(y && (uintptr_t)y % 4096 == 0);
    EXPECT(after.used - before.used == 24);
    EXPECT(after.free_blocks == 2);
    EXPECT(lp_free(b, x) == LP_OK && lp_free(b, y) == LP_OK);
    EXPECT(stats(b).free_blocks == 1);
    EXPECT_CHECK(b);
    size_t failed = stats(b).failed_count;
    EXPECT(lp_alloc_aligned(b, 8, 0) == NULL);
    EXPECT(lp_alloc_aligned(b, 8, 3) == NULL);
    EXPECT(lp_alloc_aligned(b, 8, 24) == NULL);
    EXPECT(lp_alloc_aligned(b, 8, LP_ALLOC_MAX_ALIGN * 2) == NULL);
    EXPECT(lp_alloc_aligned(b, 8, (size_t)1 << (sizeof(size_t) * 8 - 1)) == NULL);
    EXPECT(stats(b).failed_count == failed + 5);
}

static void test_realloc(void) {
    lp_alloc_t *a = make(8192, 0);
    // NULL pointer: a fresh allocation.
    uint8_t *p = lp_realloc(a, NULL, 100);
    EXPECT(p != NULL && stats(a).alloc_count == 1);
    memset(p, 0x11, 100);
    uint8_t *q = lp_alloc(a, 100);
    memset(q, 0x22, 100);
    // Shrink in place: the tail goes back to the free lists.
    size_t used = stats(a).used;
    EXPECT(lp_realloc(a, p, 20) == p);
    EXPECT(stats(a).used == used - 80);
    EXPECT(p[19] == 0x11);
    EXPECT_CHECK(a);
    // Grow in place into the free tail just returned.
    EXPECT(lp_realloc(a, p, 100) == p);
    EXPECT(p[0] == 0x11 && p[19] == 0x11);
    EXPECT(stats(a).alloc_count == 2);
    EXPECT_CHECK(a);
    // Grow in place into the free block after q (the rest of the pool).
    EXPECT(lp_realloc(a, q, 1000) == q);
    EXPECT(q[99] == 0x22);
    EXPECT_CHECK(a);
    // p cannot grow in place (q follows): it moves and keeps its contents.
    uint8_t *moved = lp_realloc(a, p, 300);
    EXPECT(moved != NULL && moved != p);
    EXPECT(moved && moved[0] == 0x11 && moved[19] == 0x11);
    EXPECT(lp_free(a, p) == LP_ERR_NOT_LIVE);
    EXPECT(stats(a).alloc_count == 3);
    EXPECT_CHECK(a);
    // Failure leaves the old block untouched.
    size_t failed = stats(a).failed_count;
    EXPECT(lp_realloc(a, q, 8000) == NULL);
    EXPECT(stats(a).failed_count == failed + 1);
    EXPECT(lp_usable_size(a, q) >= 1000 && q[99] == 0x22);
    EXPECT_CHECK(a);
    // Growth that exactly consumes the next free block (no tail left to split).
    lp_alloc_t *b = make(4096, 0);
    uint8_t *x = lp_alloc(b, 100);
    uint8_t *y = lp_alloc(b, 20);
    uint8_t *z = lp_alloc(b, 100);
    (void)z;
    EXPECT(lp_free(b, y) == LP_OK);
    EXPECT(lp_realloc(b, x, 100 + 24) == x);
    EXPECT(stats(b).free_blocks == 1);
    EXPECT_CHECK(b);
}

static void fill_pattern(uint8_t *p, size_t n, uint8_t seed) {
    for (size_t i = 0; i < n; i++) {
        p[i] = (uint8_t)(seed + i * 7);
    }
}

static bool has_pattern(const uint8_t *p, size_t n, uint8_t seed) {
    for (size_t i = 0; i < n; i++) {
        if (p[i] != (uint8_t)(seed + i * 7)) {
            return false;
        }
    }
    return true;
}

// Backward growth: the free block before p (and the one after, if free) take the grown block; the
// payload moves down and survives byte for byte; no allocation is counted; failure changes nothing.
static void test_realloc_backwards(void) {
    for (int with_next = 0; with_next < 2; with_next++) {
        for (int split = 0; split < 2; split++) {
            lp_alloc_t *a = make(8192, 3);
            uint8_t *w = lp_alloc(a, 40);     // used block before the free one
            uint8_t *x = lp_alloc(a, 200);    // becomes the free block before p
            uint8_t *p = lp_alloc(a, 100);
            uint8_t *y = lp_alloc(a, 60);     // free after p when with_next
            uint8_t *z = lp_alloc(a, 16);     // keeps y's free block from reaching the tail
            lp_alloc(a, stats(a).largest_free);   // no room anywhere else
            fill_pattern(p, 100, 0x31);
            fill_pattern(w, 40, 0x55);
            fill_pattern(z, 16, 0x66);
            EXPECT(lp_free(a, x) == LP_OK);
            if (with_next) {
                EXPECT(lp_free(a, y) == LP_OK);
            }
            lp_alloc_stats_t before = stats(a);
            size_t room = lp_usable_size(a, p) + 208 + (with_next ? 64 : 0);   // whole blocks
            // split: leave a tail that can form a free block; else take everything.
            size_t want = split ? room - 24 : room;
            uint8_t *q = lp_realloc(a, p, want);
            EXPECT(q == x);
            EXPECT(q && has_pattern(q, 100, 0x31));
            EXPECT(q && lp_usable_size(a, q) >= want);
            EXPECT(has_pattern(w, 40, 0x55) && has_pattern(z, 16, 0x66));
            lp_alloc_stats_t after = stats(a);
            EXPECT(after.alloc_count == before.alloc_count);
            EXPECT(after.used_blocks == before.used_blocks);
            EXPECT(after.free_blocks == (split ? 1u : 0u) + 0u);
            EXPECT(lp_free(a, p) != LP_OK);   // the old address is inside q's block now
            EXPECT_CHECK(a);
            EXPECT(lp_free(a, q) == LP_OK);
            EXPECT_CHECK(a);
        }
    }
    // Forwards is preferred when it is enough: the pointer stays.
    lp_alloc_t *a = make(4096, 0);
    uint8_t *x = lp_alloc(a, 100);
    uint8_t *p = lp_alloc(a, 100);
    uint8_t *y = lp_alloc(a, 100);
    lp_alloc(a, 16);
    lp_alloc(a, stats(a).largest_free);
    EXPECT(lp_free(a, x) == LP_OK && lp_free(a, y) == LP_OK);
    EXPECT(lp_realloc(a, p, 150) == p);
    EXPECT_CHECK(a);
    // Failure: before + p + after together are too small and nothing else is free. The pool, the
    // block and its contents stay exactly as they were.
    a = make(4096, 0);
    x = lp_alloc(a, 40);
    p = lp_alloc(a, 100);
    y = lp_alloc(a, 40);
    lp_alloc(a, 16);
    lp_alloc(a, stats(a).largest_free);
    fill_pattern(p, 100, 0x77);
    EXPECT(lp_free(a, x) == LP_OK && lp_free(a, y) == LP_OK);
    lp_alloc_stats_t before = stats(a);
    EXPECT(lp_realloc(a, p, 100 + 48 + 48 + 1) == NULL);
    lp_alloc_stats_t after = stats(a);
    EXPECT(lp_usable_size(a, p) == 100 && has_pattern(p, 100, 0x77));
    EXPECT(after.used == before.used && after.free_blocks == before.free_blocks
           && after.largest_free == before.largest_free && after.alloc_count == before.alloc_count
           && after.failed_count == before.failed_count + 1);
    EXPECT_CHECK(a);
    // The largest size that fits is exactly all three blocks.
    uint8_t *q = lp_realloc(a, p, 100 + 48 + 48);
    EXPECT(q == x && has_pattern(q, 100, 0x77));
    EXPECT(stats(a).free_blocks == 0);
    EXPECT_CHECK(a);
}

// A header forged inside a live block, consistent enough for every heuristic check: with the exact
// check the pointer after it is rejected by every function; without it, only lp_usable_size (which
// changes nothing) is tried, and it is fooled, as lp_alloc.h says.
static void test_exact_free(void) {
    lp_alloc_t *a = make(8192, 0);
    uint8_t *big = lp_alloc(a, 400);
    uint8_t *after = lp_alloc(a, 16);
    memset(big, 0, 400);
    uint32_t fake_header = 4u << 2;        // used, 4 granules, predecessor used
    uint32_t fake_next = 2u << 2;          // what the forged block's successor header says
    memcpy(big + 64 - 4, &fake_header, 4);
    memcpy(big + 64 + 4 * 8 - 4, &fake_next, 4);
    uint8_t *fake = big + 64;
    lp_alloc_stats_t before = stats(a);
    if (LP_ALLOC_EXACT_FREE) {
        EXPECT(lp_free(a, fake) == LP_ERR_NOT_BLOCK);
        EXPECT(lp_usable_size(a, fake) == 0);
        EXPECT(lp_realloc(a, fake, 8) == NULL);
        EXPECT(lp_alloc_check_near(a, big) == NULL);
        // Every interior granule of a live block, whatever precedes it.
        for (size_t off = 8; off < 400; off += 8) {
            EXPECT(lp_free(a, big + off) == LP_ERR_NOT_BLOCK);
        }
        // A double free is still told apart from a bad pointer.
        EXPECT(lp_free(a, after) == LP_OK);
        EXPECT(lp_free(a, after) == LP_ERR_NOT_LIVE);
        before = stats(a);
    } else {
        EXPECT(lp_usable_size(a, fake) == 4 * 8 - 4);
    }
    lp_alloc_stats_t now = stats(a);
    EXPECT(now.used == before.used && now.free_blocks == before.free_blocks);
    EXPECT_CHECK(a);
    #if LP_ALLOC_EXACT_FREE
    // Invariant 10: a single flipped start bit. The bitmap is the end of the index; flipping bit 0
    // of each index word in turn must be reported as invariant 10 for every one of its words.
    uint8_t *first = lp_alloc(make(4096, 0), 16);
    lp_alloc_t *b = (lp_alloc_t *)(void *)arena;
    EXPECT(first != NULL && lp_alloc_owns(b, first));
    int hits = 0;
    for (uint8_t *w = (uint8_t *)b; w + 8 <= first; w += 4) {
        *(uint32_t *)(void *)w ^= 1u;
        const char *msg = lp_alloc_check(b);
        hits += msg && strncmp(msg, "invariant 10", 12) == 0;
        *(uint32_t *)(void *)w ^= 1u;
    }
    EXPECT(hits >= ((4096 / 8 + 31) / 32));   // at least one per word of the bitmap
    EXPECT_CHECK(b);
    #endif
}

static void test_owns_and_usable(void) {
    lp_alloc_t *a = make(4096, 0);
    uint8_t *p = lp_alloc(a, 50);
    int local;
    EXPECT(lp_alloc_owns(a, p) && lp_alloc_owns(a, p + 50) && lp_alloc_owns(a, a));
    EXPECT(!lp_alloc_owns(a, &local) && !lp_alloc_owns(a, arena + 4096) && !lp_alloc_owns(a, NULL));
    EXPECT(lp_usable_size(a, p) == 52);
    EXPECT(lp_usable_size(a, NULL) == 0 && lp_usable_size(a, &local) == 0);
}

static void test_stats(void) {
    lp_alloc_t *a = make(8192, 0);
    void *p = lp_alloc(a, 16);
    void *q = lp_alloc(a, 100);
    lp_alloc_stats_t st = stats(a);
    EXPECT(st.used == 24 + 104 && st.used_payload == 20 + 100 && st.used_blocks == 2);
    EXPECT(st.free == st.capacity - st.used && st.free_blocks == 1);
    EXPECT(st.largest_free == st.free - 4);
    EXPECT(st.peak_used == st.used && st.alloc_count == 2 && st.failed_count == 0);
    EXPECT(lp_free(a, p) == LP_OK);
    st = stats(a);
    EXPECT(st.used == 104 && st.peak_used == 128 && st.free_blocks == 2);
    EXPECT(lp_alloc(a, st.largest_free + 1) == NULL);
    EXPECT(stats(a).failed_count == 1);
    EXPECT(lp_alloc(a, st.largest_free) != NULL);
    EXPECT(stats(a).largest_free == 20);   // only p's old block is left
    EXPECT(lp_free(a, q) == LP_OK);
    EXPECT_CHECK(a);
}

static void test_exhaustion(void) {
    lp_alloc_t *a = make(4096, 0);
    size_t count = 0;
    while (lp_alloc(a, 16)) {
        count++;
    }
    lp_alloc_stats_t st = stats(a);
    EXPECT(count == st.capacity / 24);
    EXPECT(st.failed_count == 1);
    EXPECT(lp_alloc(a, 0) == NULL || st.free >= 16);
    EXPECT_CHECK(a);
}

typedef struct {
    size_t blocks, used, bytes;
} walk_ctx_t;

static void walk_count(void *ptr, size_t usable, bool used, void *ctx) {
    walk_ctx_t *w = ctx;
    (void)ptr;
    w->blocks++;
    w->used += used;
    w->bytes += usable + 4;
}

static void test_walk(void) {
    lp_alloc_t *a = make(4096, 0);
    void *p[5];
    for (int i = 0; i < 5; i++) {
        p[i] = lp_alloc(a, 10 * (size_t)i);
    }
    EXPECT(lp_free(a, p[1]) == LP_OK && lp_free(a, p[3]) == LP_OK);
    walk_ctx_t w = {0, 0, 0};
    lp_alloc_walk(a, walk_count, &w);
    EXPECT(w.blocks == 6 && w.used == 3 && w.bytes == stats(a).capacity);
    lp_alloc_walk(a, NULL, NULL);
}

// lp_realloc in halves (lp_realloc_begin / the caller's memmove / lp_realloc_end): what each path
// plans, a consistent and usable allocator between the halves with the payload untouched, and the
// same result as lp_realloc in the end.
static void test_realloc_split(void) {
    lp_realloc_plan_t plan;
    // In place (shrink, forward growth) and from NULL: nothing left to do.
    lp_alloc_t *a = make(4096, 0);
    uint8_t *p = lp_alloc(a, 100);
    EXPECT(lp_realloc_begin(a, p, 40, &plan) == p && plan.move == 0 && !plan.old && !plan.trim);
    EXPECT(lp_realloc_begin(a, p, 300, &plan) == p && plan.move == 0 && !plan.old && !plan.trim);
    uint8_t *n = lp_realloc_begin(a, NULL, 30, &plan);
    EXPECT(n && plan.move == 0);
    EXPECT(lp_realloc_begin(a, p + 4, 30, &plan) == NULL && plan.move == 0);   // not a block
    EXPECT_CHECK(a);
    // A move: the new block and the old one are both live until the end frees the old one.
    a = make(4096, 0);
    p = lp_alloc(a, 100);
    lp_alloc(a, 16);
    fill_pattern(p, 100, 0x21);
    lp_alloc_stats_t before = stats(a);
    uint8_t *q = lp_realloc_begin(a, p, 600, &plan);
    EXPECT(q && q != p && plan.old == p && !plan.trim && plan.move == lp_usable_size(a, p));
    EXPECT(stats(a).used_blocks == before.used_blocks + 1 && stats(a).alloc_count == before.alloc_count + 1);
    EXPECT_CHECK(a);
    EXPECT(has_pattern(p, 100, 0x21));
    void *x = lp_alloc(a, 50);   // an interrupt handler between the halves
    EXPECT(x && lp_free(a, x) == LP_OK && has_pattern(p, 100, 0x21));
    memmove(q, p, plan.move);
    lp_realloc_end(a, q, 600, &plan);
    EXPECT(stats(a).used_blocks == before.used_blocks && has_pattern(q, 100, 0x21));
    EXPECT(lp_free(a, p) == LP_ERR_NOT_LIVE);
    EXPECT_CHECK(a);
    // Backward growth with a large free block before p and a small request: the whole free space
    // is taken first (a tail split off now would lie over p's payload), and trimmed at the end.
    a = make(8192, 0);
    uint8_t *w = lp_alloc(a, 16);
    uint8_t *big = lp_alloc(a, 1000);   // the free block before p
    p = lp_alloc(a, 100);
    uint8_t *z = lp_alloc(a, 16);
    lp_alloc(a, stats(a).largest_free);   // nothing else anywhere
    fill_pattern(p, 100, 0x42);
    fill_pattern(w, 16, 0x43);
    fill_pattern(z, 16, 0x44);
    EXPECT(lp_free(a, big) == LP_OK);
    before = stats(a);
    size_t usable = lp_usable_size(a, p);
    q = lp_realloc_begin(a, p, 200, &plan);
    EXPECT(q == big && !plan.old && plan.trim && plan.move == usable);
    EXPECT(q && lp_usable_size(a, q) >= 1000 + 100);   // everything between w and z
    EXPECT(stats(a).free_blocks == 0 && stats(a).alloc_count == before.alloc_count);
    EXPECT_CHECK(a);
    EXPECT(has_pattern(p, 100, 0x42));
    EXPECT(lp_alloc(a, 0) == NULL);   // a handler finds nothing free, and changes nothing
    memmove(q, p, plan.move);
    lp_realloc_end(a, q, 200, &plan);
    EXPECT(has_pattern(q, 100, 0x42) && has_pattern(w, 16, 0x43) && has_pattern(z, 16, 0x44));
    EXPECT(lp_usable_size(a, q) < 220 && stats(a).free_blocks == 1);   // the tail came back
    EXPECT(stats(a).used_blocks == before.used_blocks && stats(a).alloc_count == before.alloc_count);
    EXPECT_CHECK(a);
    // Failure: NULL, nothing planned, nothing changed.
    before = stats(a);
    EXPECT(lp_realloc_begin(a, q, 100000, &plan) == NULL && plan.move == 0 && !plan.old && !plan.trim);
    EXPECT(stats(a).used == before.used && lp_usable_size(a, q) < 220);
}

// The change count moves with every change of a block and only then.
static void test_changes(void) {
    lp_alloc_t *a = make(4096, 0);
    uint32_t c = lp_alloc_changes(a);
    uint8_t *p = lp_alloc(a, 40);
    EXPECT(lp_alloc_changes(a) != c);
    c = lp_alloc_changes(a);
    EXPECT(lp_alloc(a, 100000) == NULL && lp_free(a, p + 4) != LP_OK && lp_usable_size(a, p) >= 40);
    lp_alloc_stats_t st;
    lp_alloc_stats(a, &st);
    EXPECT(lp_alloc_check(a) == NULL && lp_realloc(a, p, 40) == p);   // same size: in place, no change
    EXPECT(lp_alloc_changes(a) == c);
    EXPECT(lp_realloc(a, p, 200) == p && lp_alloc_changes(a) != c);
    c = lp_alloc_changes(a);
    EXPECT(lp_realloc(a, p, 16) == p && lp_alloc_changes(a) != c);
    c = lp_alloc_changes(a);
    EXPECT(lp_alloc_aligned(a, 10, 256) && lp_alloc_changes(a) != c);
    c = lp_alloc_changes(a);
    EXPECT(lp_free(a, p) == LP_OK && lp_alloc_changes(a) != c);
    c = lp_alloc_changes(a);
    EXPECT(lp_free(a, p) == LP_ERR_NOT_LIVE && lp_alloc_changes(a) == c);
    #if LP_ALLOC_TAG
    p = lp_alloc(a, 8);
    c = lp_alloc_changes(a);
    EXPECT(lp_alloc_set_tag(a, p, 9) == LP_OK && lp_alloc_changes(a) != c);
    #endif
    EXPECT(lp_alloc_changes(NULL) == 0);
}

typedef struct {
    size_t blocks;
    uintptr_t order;   // a running hash of the addresses, in walk order
} walk_seq_t;

static void walk_seq(void *ptr, size_t usable, bool used, void *ctx) {
    walk_seq_t *w = ctx;
    w->blocks++;
    w->order = w->order * 31u + (uintptr_t)ptr + usable + used;
}

// The check in steps: the same verdict as in one go, work linear in the blocks (a pool whose free
// blocks all share one list took a search per free block before), a restart when the allocator
// changes between steps, and the resumable walk.
static void test_check_steps(void) {
    // 1000 free 16-byte blocks, all in one class, between live ones.
    lp_alloc_t *a = make(65536, 0);
    static void *p[2048];
    size_t n = 0;
    while (n < 2048 && (p[n] = lp_alloc(a, 12)) != NULL) {
        n++;
    }
    for (size_t i = 0; i + 1 < n; i += 2) {
        EXPECT(lp_free(a, p[i]) == LP_OK);
    }
    lp_alloc_stats_t st = stats(a);
    EXPECT(st.free_blocks >= 1000);
    lp_alloc_check_t c;
    lp_alloc_check_begin(a, &c);
    uint32_t units = 0;
    while (!lp_alloc_check_step(a, &c, 1)) {
        units++;
    }
    EXPECT(c.error == NULL && c.restarts == 0);
    // One unit per block, one per free-list entry, two per class (fewer than 128 here), one per word
    // of the start bitmap (LP_ALLOC_EXACT_FREE), and a few more. Each unit is O(1): linear.
    size_t bound = st.used_blocks + 2 * st.free_blocks + 2 * 128 + 16 + (LP_ALLOC_EXACT_FREE ? 65536 / 8 / 32 : 0);
    EXPECT(units <= bound);
    if (units > bound) {
        printf("  %u units for %zu blocks, %zu free\n", units, st.used_blocks + st.free_blocks, st.free_blocks);
    }
    // The allocator changes between two steps: the check starts over and still finishes right.
    lp_alloc_check_begin(a, &c);
    EXPECT(!lp_alloc_check_step(a, &c, 100));
    EXPECT(lp_free(a, p[1]) == LP_OK);   // merges with its free neighbours
    EXPECT(!lp_alloc_check_step(a, &c, 100) && c.restarts == 1);
    while (!lp_alloc_check_step(a, &c, 7)) {
    }
    EXPECT(c.error == NULL && c.restarts == 1);
    // Damage found in steps too, and a finished check stays finished.
    uint32_t *tag = (uint32_t *)(void *)((uint8_t *)p[4] + 8);   // p[4] is free: 16 bytes, tag last
    *tag ^= 1;
    lp_alloc_check_begin(a, &c);
    while (!lp_alloc_check_step(a, &c, 3)) {
    }
    EXPECT(c.error && strncmp(c.error, "invariant 5", 11) == 0);
    EXPECT(lp_alloc_check_step(a, &c, 3) && c.error && strncmp(c.error, "invariant 5", 11) == 0);
    *tag ^= 1;
    EXPECT_CHECK(a);
    lp_alloc_check_begin(NULL, &c);
    EXPECT(lp_alloc_check_step(NULL, &c, 1) && c.error && strncmp(c.error, "invariant 1", 11) == 0);
    // A stale header left inside a merged block is not taken for a free block: a list link bent to
    // it is reported, although the stale header still says "free".
    a = make(4096, 0);
    uint8_t *x = lp_alloc(a, 100);
    uint8_t *y = lp_alloc(a, 100);
    uint8_t *z = lp_alloc(a, 12);
    uint8_t *u = lp_alloc(a, 12);
    lp_alloc(a, 12);
    EXPECT(lp_free(a, y) == LP_OK && lp_free(a, x) == LP_OK);   // y's header stays inside x's block
    EXPECT(lp_free(a, u) == LP_OK);
    EXPECT_CHECK(a);
    (void)z;
    uint32_t stale = (uint32_t)(y - (uint8_t *)a);
    uint32_t good = ((uint32_t *)(void *)u)[0];
    ((uint32_t *)(void *)u)[0] = stale;   // u's forward link now names y's stale header
    const char *msg = lp_alloc_check(a);
    EXPECT(msg && strncmp(msg, "invariant 6", 11) == 0);
    ((uint32_t *)(void *)u)[0] = good;
    EXPECT_CHECK(a);
    // The resumable walk visits what lp_alloc_walk does, in the same order, whatever the budget.
    walk_seq_t whole = {0, 0};
    lp_alloc_walk(a, walk_seq, &whole);
    for (uint32_t budget = 1; budget < 5; budget++) {
        walk_seq_t part = {0, 0};
        uint32_t cursor = 0, calls = 0;
        while (!lp_alloc_walk_step(a, &cursor, budget, walk_seq, &part)) {
            calls++;
        }
        EXPECT(part.blocks == whole.blocks && part.order == whole.order);
        EXPECT(calls + 1 >= (whole.blocks + budget - 1) / budget);
    }
    uint32_t cursor = 0;
    EXPECT(lp_alloc_walk_step(NULL, &cursor, 1, walk_seq, NULL));
}

// Corrupt one thing at a time and see lp_alloc_check name the right invariant.
static void test_check_detects(void) {
    struct {
        size_t offset_from_p;   // which word to damage, relative to block p's payload
        uint32_t xor_mask;
        const char *prefix;
    } cases[] = {
        {(size_t)-4, 1u << 24, "invariant 2"},   // p's size: the block runs past the sentinel
        {(size_t)-4, 2u, "invariant 3"},         // p claims a free predecessor
        {24 * 2 - 8, 1u, "invariant 5"},         // the free block's boundary tag (block q = p + 24)
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        lp_alloc_t *a = make(4096, 0);
        uint8_t *p = lp_alloc(a, 16);
        uint8_t *q = lp_alloc(a, 16);
        uint8_t *r = lp_alloc(a, 16);
        (void)r;
        EXPECT(lp_free(a, q) == LP_OK);
        EXPECT_CHECK(a);
        uint32_t *w = (uint32_t *)(void *)(p + cases[i].offset_from_p);
        *w ^= cases[i].xor_mask;
        const char *msg = lp_alloc_check(a);
        EXPECT(msg && strncmp(msg, cases[i].prefix, strlen(cases[i].prefix)) == 0);
        if (msg && strncmp(msg, cases[i].prefix, strlen(cases[i].prefix)) != 0) {
            printf("  case %zu: got \"%s\"\n", i, msg);
        }
        // The local check sees the same damage from the damaged block.
        msg = lp_alloc_check_near(a, p);
        EXPECT(msg && strncmp(msg, cases[i].prefix, strlen(cases[i].prefix)) == 0);
        if (msg && strncmp(msg, cases[i].prefix, strlen(cases[i].prefix)) != 0) {
            printf("  case %zu, near: got \"%s\"\n", i, msg);
        }
    }
    // Invariant 1: the index's magic number.
    lp_alloc_t *a = make(4096, 0);
    *(uint32_t *)(void *)a ^= 1;
    EXPECT(!lp_alloc_invariants_hold(a));
    EXPECT(strncmp(lp_alloc_check(a), "invariant 1", 11) == 0);
    // Invariant 4: mark a used block between two free ones free without merging.
    a = make(4096, 0);
    uint8_t *p = lp_alloc(a, 16);
    uint8_t *q = lp_alloc(a, 16);
    uint8_t *r = lp_alloc(a, 16);
    (void)r;
    EXPECT(lp_free(a, p) == LP_OK);
    *(uint32_t *)(void *)(q - 4) |= 1;
    EXPECT(strncmp(lp_alloc_check(a), "invariant", 9) == 0);
    // Invariant 7: a free block whose list link is cut.
    a = make(4096, 0);
    p = lp_alloc(a, 16);
    q = lp_alloc(a, 16);
    r = lp_alloc(a, 16);
    uint8_t *s = lp_alloc(a, 16);
    (void)s;
    EXPECT(lp_free(a, p) == LP_OK && lp_free(a, r) == LP_OK);   // same class: r -> p
    ((uint32_t *)(void *)r)[0] = 0;
    EXPECT(strncmp(lp_alloc_check(a), "invariant 7", 11) == 0);
    EXPECT(lp_alloc_check_near(a, r) == NULL);   // r itself is a well-formed list of one
    EXPECT(lp_alloc_check_near(a, p) != NULL);   // p's back link names r, which no longer points at p
    // Invariant 6: a broken back link.
    a = make(4096, 0);
    p = lp_alloc(a, 16);
    q = lp_alloc(a, 16);
    r = lp_alloc(a, 16);
    s = lp_alloc(a, 16);
    EXPECT(lp_free(a, p) == LP_OK && lp_free(a, r) == LP_OK);
    ((uint32_t *)(void *)p)[1] ^= 1;
    EXPECT(strncmp(lp_alloc_check(a), "invariant 6", 11) == 0);
    EXPECT(strncmp(lp_alloc_check_near(a, p), "invariant 6", 11) == 0);
    EXPECT(strncmp(lp_alloc_check_near(a, q), "invariant 6", 11) == 0);   // p is q's free neighbour
    // Invariant 9: a counter. The header layout puts used_granules sixth (after magic, the spare
    // word an insert into an empty list writes, granules, last_index and class_count).
    a = make(4096, 0);
    p = lp_alloc(a, 16);
    ((uint32_t *)(void *)a)[5] += 3;
    EXPECT(strncmp(lp_alloc_check(a), "invariant 9", 11) == 0);
}

static void near_every_block(void *ptr, size_t usable, bool used, void *ctx) {
    (void)usable;
    (void)used;
    const lp_alloc_t *a = ctx;
    const char *msg = lp_alloc_check_near(a, ptr);
    if (msg) {
        printf("  lp_alloc_check_near(%p): %s\n", ptr, msg);
        current_failed = 1;
    }
}

// On a consistent pool the local check passes at every block, live or free; it rejects pointers
// that are not in the block area.
static void test_check_near(void) {
    lp_alloc_t *a = make(16384, 1);
    void *p[40];
    for (int i = 0; i < 40; i++) {
        p[i] = lp_alloc(a, (size_t)(8 + 37 * i % 300));
    }
    for (int i = 0; i < 40; i += 3) {
        EXPECT(lp_free(a, p[i]) == LP_OK);
    }
    EXPECT(lp_free(a, p[1]) == LP_OK);   // merges with p[0]'s block and p[2] stays live
    EXPECT(lp_free(a, p[4]) == LP_OK);   // between two free blocks: one block of three
    EXPECT_CHECK(a);
    lp_alloc_walk(a, near_every_block, a);
    int local;
    EXPECT(lp_alloc_check_near(a, &local) != NULL);
    EXPECT(lp_alloc_check_near(a, (uint8_t *)p[2] + 4) != NULL);
    EXPECT(lp_alloc_check_near(NULL, p[2]) != NULL);
}

#if LP_ALLOC_TAG
// Tags: 8 bits per live block in its header, no extra bytes; free blocks carry none (invariant 11).
static void test_tags(void) {
    lp_alloc_t *a = make(4096, 0);
    if (!a) {
        return;
    }
    size_t used0 = stats(a).used;
    uint8_t *p = lp_alloc(a, 20), *q = lp_alloc(a, 100);
    EXPECT(p && q && lp_alloc_tag(a, p) == 0 && lp_alloc_tag(a, q) == 0);
    EXPECT(stats(a).used - used0 == 24 + 104); // the same bytes per block as without tags
    EXPECT(lp_alloc_set_tag(a, p, 255) == LP_OK && lp_alloc_set_tag(a, q, 7) == LP_OK);
    EXPECT(lp_alloc_tag(a, p) == 255 && lp_alloc_tag(a, q) == 7);
    EXPECT(lp_usable_size(a, p) == 20 && lp_usable_size(a, q) == 100);
    EXPECT(lp_alloc_set_tag(a, p, 256) == LP_ERR_ARG && lp_alloc_tag(a, p) == 255);
    EXPECT(lp_alloc_set_tag(a, p + 8, 1) == LP_ERR_NOT_BLOCK);
    EXPECT(lp_alloc_set_tag(NULL, p, 1) == LP_ERR_ARG);
    EXPECT_CHECK(a);
    // Growth in place keeps the tag.
    uint8_t *q2 = lp_realloc(a, q, 200);
    EXPECT(q2 == q && lp_alloc_tag(a, q2) == 7);
    EXPECT(lp_alloc_set_tag(a, q2, 9) == LP_OK);
    EXPECT(lp_free(a, p) == LP_OK);
    EXPECT(lp_alloc_tag(a, p) == 0 && lp_alloc_set_tag(a, p, 1) == LP_ERR_NOT_LIVE);
    EXPECT_CHECK(a);
    // A tag forged into a free block's header is reported.
    uint32_t *hdr = (uint32_t *)(void *)(p - 4);
    uint32_t saved = *hdr;
    *hdr |= 5u << 2;
    const char *msg = lp_alloc_check(a);
    EXPECT(msg && strncmp(msg, "invariant 11", 12) == 0);
    *hdr = saved;
    EXPECT(lp_free(a, q2) == LP_OK);
    EXPECT_CHECK(a);
    // Regions are limited to 2^22 granules (32 MiB).
    lp_alloc_t *b;
    EXPECT(lp_alloc_init(&b, arena, (size_t)1 << 25) == LP_ERR_TOO_LARGE);
}
#endif

#if LP_ALLOC_TAG
// Tallies (invariant 12): after every step, each tag's count and bytes equal those of a walk.
typedef struct {
    const lp_alloc_t *a;
    uint32_t count[4], bytes[4];
} tally_walk_t;

static void tally_block(void *ptr, size_t usable, bool used, void *ctx) {
    tally_walk_t *w = ctx;
    uint32_t t = used ? lp_alloc_tag(w->a, ptr) : 0;
    if (t >= 1 && t <= 4) {
        w->count[t - 1]++;
        w->bytes[t - 1] += (uint32_t)usable + 4;
    }
}

static bool tallies_match(const lp_alloc_t *a, const lp_alloc_tally_t *tally, int tags) {
    tally_walk_t w = { .a = a };
    lp_alloc_walk(a, tally_block, &w);
    for (int i = 0; i < tags; i++) {
        if (w.count[i] != tally[i].count || w.bytes[i] != tally[i].bytes) {
            return false;
        }
    }
    return true;
}

static void test_tallies(void) {
    lp_alloc_t *a = make(8192, 0);
    if (!a) {
        return;
    }
    lp_alloc_tally_t tally[3] = {{0, 0}, {0, 0}, {0, 0}};
    lp_alloc_set_tallies(a, tally, 3);
    uint8_t *p = lp_alloc(a, 20), *q = lp_alloc(a, 100), *r = lp_alloc(a, 40);
    EXPECT(p && q && r && tally[0].count == 0); // tag 0 counts nowhere
    EXPECT(lp_alloc_set_tag(a, p, 1) == LP_OK && lp_alloc_set_tag(a, q, 2) == LP_OK);
    EXPECT(lp_alloc_set_tag(a, r, 4) == LP_OK); // beyond the tallies: counts nowhere
    EXPECT(tally[0].count == 1 && tally[0].bytes == 24 && tally[1].count == 1 && tally[1].bytes == 104);
    EXPECT(tallies_match(a, tally, 3));
    // Retagging moves a block between tallies.
    EXPECT(lp_alloc_set_tag(a, p, 2) == LP_OK && tally[0].count == 0 && tally[1].count == 2);
    EXPECT(tallies_match(a, tally, 3));
    // Shrink in place, grow in place, grow backwards, move: the tag stays, the tallies follow.
    EXPECT(lp_realloc(a, q, 30) == q && lp_alloc_tag(a, q) == 2 && tallies_match(a, tally, 3));
    EXPECT(lp_realloc(a, q, 90) == q && lp_alloc_tag(a, q) == 2 && tallies_match(a, tally, 3));
    EXPECT(lp_free(a, p) == LP_OK && tallies_match(a, tally, 3)); // free space before q
    uint8_t *q2 = lp_realloc(a, q, 120);
    EXPECT(q2 == p && lp_alloc_tag(a, q2) == 2 && tallies_match(a, tally, 3));
    // A move in halves: between them both blocks count, afterwards only the new one.
    lp_realloc_plan_t plan;
    uint8_t *q3 = lp_realloc_begin(a, q2, 2000, &plan);
    EXPECT(q3 && plan.old == q2 && tally[1].count == 2 && tallies_match(a, tally, 3));
    memmove(q3, q2, plan.move);
    lp_realloc_end(a, q3, 2000, &plan);
    EXPECT(lp_alloc_tag(a, q3) == 2 && tally[1].count == 1 && tally[1].bytes == 2008);
    EXPECT(tallies_match(a, tally, 3));
    EXPECT(lp_free(a, q3) == LP_OK && lp_free(a, r) == LP_OK);
    EXPECT(tally[0].count == 0 && tally[0].bytes == 0 && tally[1].count == 0 && tally[1].bytes == 0);
    // Random work over four tags: the tallies stay exact at every step.
    uint8_t *live[16] = {0};
    uint32_t seed = 12345;
    lp_alloc_tally_t four[4] = {{0, 0}, {0, 0}, {0, 0}, {0, 0}};
    lp_alloc_set_tallies(a, four, 4);
    bool ok = true;
    for (int step = 0; step < 4000 && ok; step++) {
        seed = seed * 1103515245u + 12345u;
        uint32_t i = (seed >> 16) % 16, op = (seed >> 8) % 4, size = (seed >> 20) % 300;
        if (!live[i]) {
            live[i] = lp_alloc(a, size);
            if (live[i]) {
                lp_alloc_set_tag(a, live[i], 1 + op);
            }
        } else if (op == 0) {
            lp_free(a, live[i]);
            live[i] = NULL;
        } else if (op == 1) {
            lp_alloc_set_tag(a, live[i], (seed >> 4) % 6);
        } else {
            uint8_t *n = lp_realloc(a, live[i], size);
            live[i] = n ? n : live[i];
        }
        ok = tallies_match(a, four, 4) && lp_alloc_check(a) == NULL;
    }
    EXPECT(ok);
}
#endif

static void test_status_str(void) {
    lp_status_t all[] = {LP_OK, LP_ERR_ARG, LP_ERR_TOO_SMALL, LP_ERR_TOO_LARGE, LP_ERR_NOT_BLOCK,
                         LP_ERR_NOT_LIVE};
    for (size_t i = 0; i < sizeof(all) / sizeof(all[0]); i++) {
        const char *s = lp_status_str(all[i]);
        EXPECT(s && *s && strcmp(s, "unknown status") != 0);
        for (size_t j = 0; j < i; j++) {
            EXPECT(strcmp(s, lp_status_str(all[j])) != 0);
        }
    }
    EXPECT(strcmp(lp_status_str((lp_status_t)42), "unknown status") == 0);
}

int main(void) {
    RUN(test_init_errors);
    RUN(test_init_layout);
    RUN(test_alloc_sizes);
    RUN(test_zero_size);
    RUN(test_overflow);
    RUN(test_null_allocator);
    RUN(test_free_errors);
    RUN(test_exact_free);
    RUN(test_free_paths);
    RUN(test_coalescing);
    RUN(test_aligned);
    RUN(test_realloc);
    RUN(test_realloc_backwards);
    RUN(test_owns_and_usable);
    RUN(test_stats);
    RUN(test_exhaustion);
    RUN(test_walk);
    RUN(test_check_detects);
    RUN(test_check_near);
    RUN(test_check_steps);
    RUN(test_realloc_split);
    RUN(test_changes);
    #if LP_ALLOC_TAG
    RUN(test_tags);
    RUN(test_tallies);
    #endif
    RUN(test_status_str);
    printf("%u passed, %u failed\n", tests_passed, tests_failed);
    return tests_failed ? 1 : 0;
}
