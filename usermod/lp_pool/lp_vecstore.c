// lp_vecstore: LpVec's storage engine, below its Python face (lp_vec.c) as lp_alloc is below the
// pools. Ranges of items of one typecode in a block: moving them (gaps, tails, strided slices),
// reversing and sorting, searching, counting and comparing by number, and the growth arithmetic.
// No Python object, handle or pool here, and nothing raises (lp_vecstore.h).
//
// Invariants:
//  1. Items are stored as their C type, item i at items + i * size, size the typecode's bytes
//     (1, 2, 4 or 8); a block's items are 8-aligned (a pool block or a uint64_t slot), so every
//     function here reads and writes them as their C type. Only lp_vecstore_equal's `src` may lie
//     at any address (a foreign buffer): it reads that through lp_item_num (lp_container.c
//     invariant 5).
//  2. A function touches only the items it is given ([0, len) and the room the caller says it
//     made) and never changes a length: the face sets its length after the engine has moved the
//     items, so what the face guarantees on failure (its invariant 2) holds across the engine.
//  3. Nothing allocates, locks or raises: every function runs inside run() and in a hard IRQ.
//     An overflowing size is a false return (lp_vecstore_bytes, lp_vecstore_need).
//  4. Equality is numeric, as Python's == on the numbers (1 == 1.0, -0.0 == 0.0, NaN equals
//     nothing): lp_container.c's lp_item_equals, never the stored bytes.
//  5. Sorting orders every item by its C type's `<` with NaNs kept apart (after every number), so
//     the order is total; equal items are interchangeable except 0.0 and -0.0.
//
// Under the collections (docs/internals.md): below lp_vec.c, on the typecodes of lp_container.c
// (lp_item_num, lp_item_equals); of MicroPython it uses only py/binary.h's item sizes. It calls
// nothing else of lp_pool.

#include <string.h>

#include "py/binary.h"

#include "lp_vecstore.h"

// Of array's int typecodes, the signed ones are lower-case (the float typecodes f and d, lower-case
// too, never come here: they sort apart).
static bool lp_vecstore_int_is_signed(char tc) {
    return tc >= 'a';
}

// ---- moving ranges ----------------------------------------------------------------------------

// Items move up one place, carried forward in a register. Not `*p = p[-1]` from the end: GCC turns
// that into memmove, which some ports' libc (MicroPython's shared/libc/string0.c, on the qemu
// boards) runs byte by byte when it copies backwards.
#define LP_SHIFT_UP(T, items, at, n) \
    for (T *p = (T *)(items) + (at), *end = (T *)(items) + (n), carry = *p; p < end; p++) { \
        T next = p[1]; \
        p[1] = carry; \
        carry = next; \
    }

void lp_vecstore_open_gap1(uint8_t *items, size_t len, size_t at, size_t size) {
    // At the end (at == len) the first read is of the room past the items, and nothing moves.
    switch (size) {
        case 1:
            LP_SHIFT_UP(uint8_t, items, at, len);
            break;
        case 2:
            LP_SHIFT_UP(uint16_t, items, at, len);
            break;
        case 4:
            LP_SHIFT_UP(uint32_t, items, at, len);
            break;
        default:
            LP_SHIFT_UP(uint64_t, items, at, len);
            break;
    }
}

// ---- sorting ---------------------------------------------------------------------------------

// One sort per C type, on the raw array with the type's own `<` (no conversion per comparison): an
// introsort. Quicksort on a median of three, recursing only into the smaller part (at most log2(n)
// frames), turns to heapsort past 2 log2(n) levels, so O(n log n) in the worst case; runs of up to
// LP_SORT_RUN items are left for one insertion-sort pass at the end. No buffer, nothing allocated:
// it runs inside run() and in an IRQ. `<` must order every item, so NaNs are kept out of it.
#define LP_SORT_RUN (16)

#define LP_SWAP(T, x, y) do { T t_ = (x); (x) = (y); (y) = t_; } while (0)

#define LP_DEFINE_SORT(NAME, T) \
    static void NAME##_sift(T *a, size_t root, size_t n) { \
        T x = a[root]; \
        for (size_t child; (child = 2 * root + 1) < n; root = child) { \
            if (child + 1 < n && a[child] < a[child + 1]) { \
                child++; \
            } \
            if (!(x < a[child])) { \
                break; \
            } \
            a[root] = a[child]; \
        } \
        a[root] = x; \
    } \
    static void NAME##_quick(T *a, size_t n, unsigned depth) { \
        while (n > LP_SORT_RUN) { \
            if (depth-- == 0) { \
                for (size_t i = n / 2; i-- > 0;) { \
                    NAME##_sift(a, i, n); \
                } \
                for (size_t end = n; end-- > 1;) { \
                    LP_SWAP(T, a[0], a[end]); \
                    NAME##_sift(a, 0, end); \
                } \
                return; \
            } \
            /* a[0] <= a[mid] <= a[n - 1]: the ends stop both scans, no bounds checks needed */ \
            size_t mid = n / 2, i = 0, j = n - 1; \
            if (a[mid] < a[0]) { \
                LP_SWAP(T, a[mid], a[0]); \
            } \
            if (a[n - 1] < a[mid]) { \
                LP_SWAP(T, a[mid], a[n - 1]); \
                if (a[mid] < a[0]) { \
                    LP_SWAP(T, a[mid], a[0]); \
                } \
            } \
            T pivot = a[mid]; \
            for (;;) { \
                while (a[++i] < pivot) { \
                } \
                while (pivot < a[--j]) { \
                } \
                if (i >= j) { \
                    break; \
                } \
                LP_SWAP(T, a[i], a[j]); \
            } \
            /* a[0, i) <= pivot <= a[i, n), neither part empty */ \
            if (i < n - i) { \
                NAME##_quick(a, i, depth); \
                a += i; \
                n -= i; \
            } else { \
                NAME##_quick(a + i, n - i, depth); \
                n = i; \
            } \
        } \
    } \
    static void NAME(void *items, size_t n) { \
        T *a = items; \
        unsigned depth = 0; \
        for (size_t m = n; m > 1; m >>= 1) { \
            depth += 2; \
        } \
        NAME##_quick(a, n, depth); \
        for (size_t i = 1; i < n; i++) { \
            T x = a[i]; \
            size_t j = i; \
            for (; j > 0 && x < a[j - 1]; j--) { \
                a[j] = a[j - 1]; \
            } \
            a[j] = x; \
        } \
    }

LP_DEFINE_SORT(lp_sort_i8, int8_t)
LP_DEFINE_SORT(lp_sort_u8, uint8_t)
LP_DEFINE_SORT(lp_sort_i16, int16_t)
LP_DEFINE_SORT(lp_sort_u16, uint16_t)
LP_DEFINE_SORT(lp_sort_i32, int32_t)
LP_DEFINE_SORT(lp_sort_u32, uint32_t)
LP_DEFINE_SORT(lp_sort_i64, int64_t)
LP_DEFINE_SORT(lp_sort_u64, uint64_t)

#if MICROPY_PY_BUILTINS_FLOAT
LP_DEFINE_SORT(lp_sort_f32, float)
LP_DEFINE_SORT(lp_sort_f64, double)

// Moves the NaNs to the end (their order among themselves is not kept); returns how many items
// are not NaN.
#define LP_DEFINE_NAN_TO_END(NAME, T) \
    static size_t NAME(T *a, size_t n) { \
        size_t m = 0; \
        for (size_t i = 0; i < n; i++) { \
            if (a[i] == a[i]) { \
                LP_SWAP(T, a[m], a[i]); \
                m++; \
            } \
        } \
        return m; \
    }
LP_DEFINE_NAN_TO_END(lp_nan_to_end_f32, float)
LP_DEFINE_NAN_TO_END(lp_nan_to_end_f64, double)
#endif

// LSD radix sort of 32-bit items, one byte per pass, through a scratch area of n items (tmp) and
// the four byte histograms (count, 4 * 256 entries): no comparisons, so no mispredicted branches,
// and O(n). A pass whose byte is the same in every item is skipped. For signed items the top
// byte's sign bit is flipped, so negatives come first.
#define LP_RADIX_BUCKETS (256)

static void lp_radix_sort32(uint32_t *a, size_t n, uint32_t *tmp, uint32_t *count, bool is_signed) {
    uint32_t flip = is_signed ? 0x80000000u : 0;
    memset(count, 0, 4 * LP_RADIX_BUCKETS * sizeof(uint32_t));
    for (size_t i = 0; i < n; i++) {
        uint32_t v = a[i] ^ flip;
        count[v & 0xff]++;
        count[LP_RADIX_BUCKETS + ((v >> 8) & 0xff)]++;
        count[2 * LP_RADIX_BUCKETS + ((v >> 16) & 0xff)]++;
        count[3 * LP_RADIX_BUCKETS + (v >> 24)]++;
    }
    uint32_t *src = a, *dst = tmp;
    for (unsigned pass = 0; pass < 4; pass++) {
        uint32_t *c = count + pass * LP_RADIX_BUCKETS;
        unsigned shift = 8 * pass;
        if (c[((src[0] ^ flip) >> shift) & 0xff] == n) {
            continue; // every item has this byte: the order stays
        }
        // Counts to starting positions.
        uint32_t pos = 0;
        for (size_t b = 0; b < LP_RADIX_BUCKETS; b++) {
            uint32_t k = c[b];
            c[b] = pos;
            pos += k;
        }
        for (size_t i = 0; i < n; i++) {
            uint32_t v = src[i];
            dst[c[((v ^ flip) >> shift) & 0xff]++] = v;
        }
        uint32_t *t = src;
        src = dst;
        dst = t;
    }
    if (src != a) {
        memcpy(a, src, n * sizeof(uint32_t));
    }
}

size_t lp_vecstore_sort_scratch(char tc, size_t n, size_t size) {
    // Below a few hundred items the introsort is as fast and needs nothing; the counts are 32-bit.
    if (n < 256 || size != 4 || tc == 'f' || n > UINT32_MAX / 2) {
        return 0;
    }
    return 4 * LP_RADIX_BUCKETS * sizeof(uint32_t) + n * sizeof(uint32_t);
}

#define LP_REVERSE(T, items, n) \
    for (T *lo = (T *)(items), *hi = lo + (n); hi-- > lo + 1; lo++) { \
        LP_SWAP(T, *lo, *hi); \
    }

void lp_vecstore_reverse(uint8_t *items, size_t n, size_t size) {
    if (n < 2) {
        return; // nothing to swap (and hi-- below must not step before the items)
    }
    switch (size) {
        case 1:
            LP_REVERSE(uint8_t, items, n);
            break;
        case 2:
            LP_REVERSE(uint16_t, items, n);
            break;
        case 4:
            LP_REVERSE(uint32_t, items, n);
            break;
        default:
            LP_REVERSE(uint64_t, items, n);
            break;
    }
}

void lp_vecstore_sort(char tc, uint8_t *items, size_t n, bool reverse, void *scratch) {
    size_t size = mp_binary_get_size('@', tc, NULL);
    if (scratch != NULL) {
        // lp_vecstore_sort_scratch gave a size, so these are 32-bit ints: the histograms, then room
        // for the items.
        uint32_t *count = scratch;
        lp_radix_sort32((uint32_t *)items, n, (uint32_t *)(count + 4 * LP_RADIX_BUCKETS), count,
            lp_vecstore_int_is_signed(tc));
    } else
    #if MICROPY_PY_BUILTINS_FLOAT
    if (tc == 'f' || tc == 'd') {
        // NaN sorts after every number, as one value; -0.0 and 0.0 are equal (either order).
        if (tc == 'f') {
            lp_sort_f32(items, lp_nan_to_end_f32((float *)items, n));
        } else {
            lp_sort_f64(items, lp_nan_to_end_f64((double *)items, n));
        }
    } else
    #endif
    {
        static void (*const sorts[4][2])(void *, size_t) = {
            { lp_sort_u8, lp_sort_i8 },
            { lp_sort_u16, lp_sort_i16 },
            { lp_sort_u32, lp_sort_i32 },
            { lp_sort_u64, lp_sort_i64 },
        };
        size_t k = size == 1 ? 0 : size == 2 ? 1 : size == 4 ? 2 : 3;
        sorts[k][lp_vecstore_int_is_signed(tc)](items, n);
    }
    if (reverse) {
        // Descending is ascending read backwards (NaNs then come first): equal items are
        // interchangeable except 0.0 and -0.0, which the sort does not keep in order anyway.
        lp_vecstore_reverse(items, n, size);
    }
}

