// lp_vecstore: the vector storage engine below LpVec (lp_vec.c), as lp_alloc sits below the pools.
//
// It works on ranges of items of one typecode in a block: `items` (the block's start), `len` (the
// items in use) and `size` (bytes per item) or `tc` (the typecode, where the kind of number
// matters). It knows nothing of Python objects, handles or pools and never raises: a range that
// would overflow is a false return, which the face turns into OverflowError. Growth itself (the
// pool, pinning, a collection) is the face's: it makes room, then calls the engine. The invariants
// are at the top of lp_vecstore.c.
//
// The small range calls (a gap, a splice, strided copies, searching) are static inline here, so
// crossing from the face to the engine costs no call on its hot paths (pop and remove use
// lp_vecstore_close_gap); the loops written once per C type (opening a gap, reversing, sorting)
// are in lp_vecstore.c.

#ifndef LP_VECSTORE_H
#define LP_VECSTORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "lp_pool.h"

// ---- growth arithmetic ------------------------------------------------------------------------

// n items of `size` bytes (1, 2, 4 or 8) in bytes into *bytes; false (nothing written) if that
// overflows size_t. Without a division (a library call on the M0): with k the top 3 bits of n,
// n * size reaches 2^bits exactly when k * size reaches 8, since 2^bits / size is a multiple of
// 2^(bits - 3).
static inline bool lp_vecstore_bytes(size_t n, size_t size, size_t *bytes) {
    if ((n >> (sizeof(size_t) * 8 - 3)) * size >= 8) {
        return false;
    }
    *bytes = n * size;
    return true;
}

// The bytes a block needs for `more` items past the first `len`; false if that overflows.
static inline bool lp_vecstore_need(size_t len, size_t more, size_t size, size_t *bytes) {
    return more <= SIZE_MAX - len && lp_vecstore_bytes(len + more, size, bytes);
}

// ---- moving ranges ----------------------------------------------------------------------------

// Items [from, len) move to [to, to + len - from), either way (memmove): what splicing a range in or
// out leaves to do with the tail. The room up to to + len - from is the caller's.
static inline void lp_vecstore_move_tail(uint8_t *items, size_t len, size_t from, size_t to, size_t size) {
    memmove(items + to * size, items + from * size, (len - from) * size);
}

// Remove the n items at `at` (at + n <= len): the tail closes the gap. The length is the caller's.
static inline void lp_vecstore_close_gap(uint8_t *items, size_t len, size_t at, size_t n, size_t size) {
    lp_vecstore_move_tail(items, len, at + n, at, size);
}

// Items [at, len) move up by one place to [at + 1, len + 1), opening a gap of one item at `at`
// (at <= len; room for len + 1 items is the caller's).
void lp_vecstore_open_gap1(uint8_t *items, size_t len, size_t at, size_t size);

// Replace items [start, stop) of the len items with the m items at src, which must not lie in the
// block (s[a:b] = s is the face's to copy first); the tail moves once. Room for
// len - (stop - start) + m items is the caller's.
static inline void lp_vecstore_splice(uint8_t *items, size_t len, size_t start, size_t stop, const uint8_t *src, size_t m, size_t size) {
    lp_vecstore_move_tail(items, len, stop, start + m, size);
    memcpy(items + start * size, src, m * size);
}

// `count` items from src[start], src[start + step], ... into dst[0, count) (step may be negative;
// the ranges don't overlap).
static inline void lp_vecstore_gather(uint8_t *dst, const uint8_t *src, ptrdiff_t start, ptrdiff_t step, size_t count, size_t size) {
    for (size_t k = 0; k < count; k++) {
        memcpy(dst + k * size, src + (start + (ptrdiff_t)k * step) * size, size);
    }
}

// The other way: src[0, count) into dst[start], dst[start + step], ... (no overlap).
static inline void lp_vecstore_scatter(uint8_t *dst, ptrdiff_t start, ptrdiff_t step, const uint8_t *src, size_t count, size_t size) {
    for (size_t k = 0; k < count; k++) {
        memcpy(dst + (start + (ptrdiff_t)k * step) * size, src + k * size, size);
    }
}

// Delete `count` (>= 1) items at start, start + step, ... (step >= 1, all below len), keeping the
// others in order; returns the new length (len - count).
static inline size_t lp_vecstore_delete_every(uint8_t *items, size_t len, size_t start, size_t step, size_t count, size_t size) {
    size_t last = start + (count - 1) * step;
    size_t w = start;
    for (size_t r = start; r < len; r++) {
        if (r <= last && (r - start) % step == 0) {
            continue;
        }
        memmove(items + w * size, items + r * size, size);
        w++;
    }
    return len - count;
}

// ---- reordering -------------------------------------------------------------------------------

// Reverse n items in place.
void lp_vecstore_reverse(uint8_t *items, size_t n, size_t size);

// Sort n items of tc in place on their raw values, ascending or with reverse descending; NaN sorts
// after every number, as one value (so first with reverse); 0.0 and -0.0 are equal. No comparison
// of objects, nothing allocated. Without `scratch` (NULL) an introsort per C type, in place; with
// it (lp_vecstore_sort_scratch(tc, n, size) bytes the caller owns and frees) 32-bit ints take an LSD
// radix sort, several times faster from a few hundred items. Neither is stable: only 0.0 and
// -0.0, equal but printed differently, can show it.
void lp_vecstore_sort(char tc, uint8_t *items, size_t n, bool reverse, void *scratch);

// The scratch bytes lp_vecstore_sort can use for n items of tc (of `size` bytes); 0 when it would
// not use any.
size_t lp_vecstore_sort_scratch(char tc, size_t n, size_t size);

// ---- searching and comparing by number (lp_container.c's item reads: 1 == 1.0, NaN equals nothing)

// The first index in [start, stop) whose item equals n, or stop.
static inline size_t lp_vecstore_find(char tc, const uint8_t *items, size_t start, size_t stop, const lp_num_t *n) {
    for (size_t i = start; i < stop; i++) {
        if (lp_item_equals(tc, items, i, n)) {
            return i;
        }
    }
    return stop;
}

// How many of the len items equal n.
static inline size_t lp_vecstore_count(char tc, const uint8_t *items, size_t len, const lp_num_t *n) {
    size_t count = 0;
    for (size_t i = 0; i < len; i++) {
        count += lp_item_equals(tc, items, i, n);
    }
    return count;
}

// Whether n items of tc equal, one by one, n items of src_tc at src (which may lie at any address:
// a foreign buffer).
static inline bool lp_vecstore_equal(char tc, const uint8_t *items, char src_tc, const void *src, size_t n) {
    for (size_t i = 0; i < n; i++) {
        lp_num_t x;
        lp_item_num(src_tc, src, i, &x);
        if (!lp_item_equals(tc, items, i, &x)) {
            return false;
        }
    }
    return true;
}

#endif // LP_VECSTORE_H
