// lp_alloc: an O(1) block allocator over one caller-given memory region.
//
// Plain C99, no dependencies beyond <stddef.h>/<stdint.h>/<stdbool.h>/<string.h>; not thread-aware
// (the caller serialises every call on one lp_alloc_t).
//
// Block layout (see lp_alloc.c for the details and the numbered invariants)
//   Memory is counted in 8-byte granules. Every block starts with a 4-byte header holding its size
//   in granules and two flags (this block free, previous block free), and with LP_ALLOC_TAG an
//   8-bit tag between them (size << 10 | tag << 2 | flags; without it size << 2 | flags); the payload follows the header
//   and is 8-byte aligned. A used block is header + payload, nothing else. A free block additionally
//   keeps two 4-byte free-list links at the start of its payload and a copy of its size in its last
//   4 bytes (the boundary tag read by the next block when it coalesces backwards). Hence:
//     * the smallest block is 2 granules (16 bytes, 12 usable);
//     * a request of s bytes takes max(2, ceil((s + 4) / 8)) granules: exact fit, no power-of-two
//       rounding; usable size is 8 * granules - 4 >= s;
//     * a 16-byte object costs 24 bytes of arena (the minimum for any inline-header design that
//       keeps 8-byte alignment: the stride must be a multiple of 8 and larger than 16).
//
// The index (a TLSF-style two-level segregated fit)
//   Free blocks are kept in doubly linked lists, one per size class. The first level splits sizes
//   by powers of two, the second level splits each power-of-two range into LP_ALLOC_SL_COUNT equal
//   parts (sizes below LP_ALLOC_SL_COUNT granules get one exact class each). A flat bitmap over the
//   classes (7 words with the default LP_ALLOC_SL_BITS) tells which lists are non-empty; classes grow
//   with size, so finding a fitting list is one find-first-set after at most 6 word tests. The number
//   of classes is computed from the region size at init: the index, alignment and sentinel take about
//   310 bytes of a 4 KiB region, 440 of 64 KiB (the largest block is 99.3% of the region) and 570
//   of 1 MiB.
//
// Worst-case bounds (N = granules in the region, SLB = LP_ALLOC_SL_BITS)
//   * lp_alloc, lp_free, lp_alloc_aligned, lp_usable_size, lp_alloc_stats: O(1). No loop in them
//     depends on the number of blocks or the region size; the search is one bitmap test for the
//     request's own class (head block only), then at most 6 more bitmap words (a constant bound,
//     whatever the region; 24 with LP_ALLOC_SL_BITS = 5) and one find-first-set. Forward
//     in-place lp_realloc is O(1); backward growth and a moving lp_realloc add one memmove of the old
//     payload, which lp_realloc_begin leaves to the caller (the allocator part stays O(1)).
//   * Fit: alloc(s) fails only if no free block of at least s bytes exists in the request's own
//     class at the head of its list and no free list of a higher class is non-empty. So any request
//     up to the size of the head block of the highest non-empty class succeeds (that is exactly what
//     lp_alloc_stats reports as largest_free). A request can fail although a big enough block sits
//     behind the head of its own class's list, at most (1 / LP_ALLOC_SL_COUNT) of the class size
//     larger than the request.
//   * Aligned requests search for size + align + 8 bytes, then give the leading gap back to the free
//     lists and split off the tail: the block kept is exactly as large as for an unaligned request.
//   * Memory: index = ~40 bytes + 4 bytes per class (about SL_COUNT * (log2(N) - SLB + 1) classes),
//     plus up to 7 bytes of start alignment, 4 bytes of end sentinel, and 4 bytes per live block.
//   * lp_alloc_check and lp_alloc_walk are O(number of blocks): the check looks at every block once
//     on the walk and every free block once more on its list (lp_alloc.c says why that suffices).
//     Both also come in steps of a bounded amount of work (lp_alloc_check_step, lp_alloc_walk_step),
//     so a caller that locks around the allocator can release the lock between steps.
//   * The region may hold at most 2^29 granules (4 GiB), with LP_ALLOC_TAG 2^22 (32 MiB); larger
//     regions give LP_ERR_TOO_LARGE.
//
// Zero-size requests
//   lp_alloc(a, 0) returns a unique minimal block (12 usable bytes), like a malloc(0) that returns a
//   pointer. lp_realloc(p, 0) shrinks p in place to a minimal block and returns p; it never frees.
//
// What lp_free (and lp_usable_size / lp_realloc) detect
//   Exact: NULL (a no-op for free), a pointer outside the managed region, a pointer not 8-byte aligned
//   relative to the blocks, the first header position, a block that is free (double free) as long as
//   its memory has not been handed out again by a later allocation (the header of a free block, and
//   the stale header of a block merged into its free neighbour, keep the free flag).
//   With LP_ALLOC_EXACT_FREE (below), also exact: a pointer into the middle of a live block or into
//   reused memory, whatever the bytes before it hold.
//   Heuristic (without LP_ALLOC_EXACT_FREE): a pointer into the middle of a live block (or into
//   memory reused since it was freed).
//   The 4 bytes before it must decode as a used header whose size keeps the block inside the region,
//   whose next block says "previous is used", and, when it claims a free predecessor, that predecessor
//   must be a free block whose boundary tag and header agree and end exactly here. Data that forges
//   such a header is accepted and the heap is corrupted; arbitrary data rarely passes all of these.
//   lp_alloc_check() detects any resulting damage afterwards.
#ifndef LP_ALLOC_H
#define LP_ALLOC_H

#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>

#ifdef __cplusplus
extern "C" {
#endif

// Second-level index bits: each power-of-two size range is split into 2^LP_ALLOC_SL_BITS classes.
// 3 keeps the index small for small regions; 4 or 5 give a slightly closer fit. Range 1..5.
#ifndef LP_ALLOC_SL_BITS
#define LP_ALLOC_SL_BITS 3
#endif

// Exact pointer check for lp_free, lp_realloc and lp_usable_size: 1 to keep one bit per 8-byte
// granule (1/64 of the region, about 1.6%, in the index) marking where live blocks start, so a
// pointer into the middle of a live block, or into memory reused since it was freed, is always
// rejected (LP_ERR_NOT_BLOCK), even when the bytes before it forge a header. 0 (the default, used by
// the MicroPython module) relies on the heuristic checks described above. The core tests, stress
// test and fuzzer build with 1. Cost: see tests/core/README.md.
#ifndef LP_ALLOC_EXACT_FREE
#define LP_ALLOC_EXACT_FREE 0
#endif

// Block tags: 1 to give every live block an 8-bit tag in its header (lp_alloc_tag,
// lp_alloc_set_tag) at no extra bytes per block. The size field moves from bits 2..30 to bits
// 10..31 (reading a size is still one shift), so a region may hold at most 2^22 granules (32 MiB)
// instead of 4 GiB. New blocks have tag 0; a block keeps its tag when lp_realloc (or its two halves)
// resizes it, also when it moves. With tallies (lp_alloc_set_tallies) the allocator counts, for
// every tag, the live blocks that carry it and their bytes. 0 (the default) leaves the header format and the code exactly as without it. The
// MicroPython module sets it with LP_POOL_ALLOC_META (allocation tracking). Cost: tests/core/README.md.
#ifndef LP_ALLOC_TAG
#define LP_ALLOC_TAG 0
#endif

// Payload alignment and granule size.
#define LP_ALLOC_ALIGN 8

// Largest alignment lp_alloc_aligned accepts (a power of two).
#define LP_ALLOC_MAX_ALIGN 4096

// The index; it lives at the (aligned) start of the region.
typedef struct lp_alloc lp_alloc_t;

typedef enum {
    LP_OK = 0,
    LP_ERR_ARG = -1,        // NULL pointer or bad argument (e.g. alignment not a power of two)
    LP_ERR_TOO_SMALL = -2,  // region cannot hold the index plus one minimal block
    LP_ERR_TOO_LARGE = -3,  // region larger than the header format can describe
    LP_ERR_NOT_BLOCK = -4,  // pointer outside the region or not the start of a block
    LP_ERR_NOT_LIVE = -5,   // the block is already free (double free)
} lp_status_t;

typedef struct {
    size_t capacity;        // bytes available to blocks (region minus alignment, index and sentinel)
    size_t used;            // bytes in live blocks including headers
    size_t used_payload;    // usable bytes of live blocks (what callers can use)
    size_t free;            // bytes in free blocks (capacity - used)
    size_t largest_free;    // largest single allocation that would succeed right now (payload bytes);
                            // 0 when no block is free (then even lp_alloc(a, 0) fails)
    size_t used_blocks, free_blocks;
    size_t peak_used;       // high-water mark of `used`
    size_t alloc_count;     // successful allocations (alloc, aligned, realloc that needed a new
                            // block or was fresh; growth in place, forwards or backwards, is not one)
    size_t failed_count;    // failed allocation requests
} lp_alloc_stats_t;

// Set up an allocator over [mem, mem + size). On success *out points into the region (at its first
// 8-byte aligned address) and the whole rest of the region is one free block.
lp_status_t lp_alloc_init(lp_alloc_t **out, void *mem, size_t size);

// Smallest region size for which lp_alloc_init succeeds whatever the alignment of mem.
size_t lp_alloc_min_region(void);

// NULL on failure (also for a NULL allocator). Size 0 returns a unique minimal block.
void *lp_alloc(lp_alloc_t *a, size_t size);

// Power-of-two align from 1 to LP_ALLOC_MAX_ALIGN; anything else returns NULL (counted as failed).
void *lp_alloc_aligned(lp_alloc_t *a, size_t size, size_t align);

// NULL -> LP_OK. Otherwise LP_OK, LP_ERR_ARG (a NULL), LP_ERR_NOT_BLOCK or LP_ERR_NOT_LIVE.
lp_status_t lp_free(lp_alloc_t *a, void *ptr);

// NULL ptr -> lp_alloc(size). Shrinks in place; grows in place into a following free block
// (returns ptr); else grows backwards into the free block before it (and the one after it, if
// free) when they are large enough together, moving the payload down with memmove (returns a
// lower address, no second block needed, no hole left); otherwise moves to a new block (copying
// the old usable bytes) and frees the old one. On failure, or if ptr is not a live block, returns
// NULL and leaves the old block untouched. Size 0 shrinks to a minimal block and returns ptr.
// The old usable bytes are preserved in every successful case (up to the new size when shrinking).
void *lp_realloc(lp_alloc_t *a, void *ptr, size_t size);

// lp_realloc in two O(1) halves around the copy, for a caller that serialises allocator calls with
// a lock it would rather not hold while a payload is copied. lp_realloc_begin does all of
// lp_realloc but the copy and returns the block to use (NULL, and nothing changed, on failure). If
// plan->move is not 0, the caller then moves plan->move bytes from ptr to the returned block with
// memmove (they may overlap), and afterwards calls lp_realloc_end with the same size and plan: it
// frees the old block (a move) or gives back the tail of the block (backward growth, which first
// takes the whole free space around ptr so the tail can't cover the bytes still to move). Between
// the halves the allocator is consistent and may be used (lp_alloc_check passes): ptr's payload
// is intact, and both blocks, or the one larger block, count as live. With plan->move 0 there is
// nothing to do afterwards (in place, or ptr was NULL).
typedef struct {
    size_t move;        // bytes to move from ptr to the new block, 0 if none
    void *old;          // the block lp_realloc_end frees (a move), or NULL
    bool trim;          // lp_realloc_end trims the new block to the size (backward growth)
} lp_realloc_plan_t;
void *lp_realloc_begin(lp_alloc_t *a, void *ptr, size_t size, lp_realloc_plan_t *plan);
void lp_realloc_end(lp_alloc_t *a, void *q, size_t size, const lp_realloc_plan_t *plan);

// A number that changes whenever a block or a free list changes (every successful alloc, free,
// realloc that changes a block, and lp_alloc_set_tag): equal values before and after a stretch of
// time mean nothing in the allocator changed meanwhile (unless 2^32 changes happened in between).
uint32_t lp_alloc_changes(const lp_alloc_t *a);

#if LP_ALLOC_TAG
// The tag of a live block (0 if ptr is not one), and setting it (tag 0..255; LP_ERR_ARG beyond,
// LP_ERR_NOT_BLOCK / LP_ERR_NOT_LIVE as lp_free). O(1).
uint32_t lp_alloc_tag(const lp_alloc_t *a, const void *ptr);
lp_status_t lp_alloc_set_tag(lp_alloc_t *a, void *ptr, uint32_t tag);
// Tallies by tag: tally[t - 1] counts the live blocks with tag t (1 <= t <= tags) and the bytes they
// occupy, header included (8 per granule: lp_usable_size + 4). The caller gives the array, zeroed,
// before any block has one of those tags, and keeps it alive; every call that frees, resizes or
// tags a block keeps it exact in O(1). NULL or 0 tags: no tallies.
typedef struct {
    uint32_t count;
    uint32_t bytes;
} lp_alloc_tally_t;
void lp_alloc_set_tallies(lp_alloc_t *a, lp_alloc_tally_t *tally, uint32_t tags);
#endif

// Usable bytes of a live block (>= the size asked for); 0 if ptr is not a live block.
size_t lp_usable_size(const lp_alloc_t *a, const void *ptr);

// True if ptr lies inside the part of the region the allocator manages (index to end sentinel).
bool lp_alloc_owns(const lp_alloc_t *a, const void *ptr);

// O(1): counters plus one index look-up for largest_free.
void lp_alloc_stats(const lp_alloc_t *a, lp_alloc_stats_t *out);

// Cheap O(1) sanity check of the index and counters (a subset of lp_alloc_check).
bool lp_alloc_invariants_hold(const lp_alloc_t *a);

// Full check, walks every block and free list. NULL if consistent, otherwise a static string naming
// the first violation, starting with the invariant number ("invariant 4: two adjacent free blocks").
const char *lp_alloc_check(const lp_alloc_t *a);

// The same check in steps: lp_alloc_check_begin, then lp_alloc_check_step until it returns true;
// c->error is then NULL or the violation. Each step does at most `budget` units of O(1) work (the
// index, one block of the walk, one class or free-list entry, the class bitmap, one word of the
// start bitmap, the counters). The allocator may be used between steps: a step that finds it
// changed since the check began (lp_alloc_changes) starts the check over and counts c->restarts,
// so a finished check describes one state of the allocator, as if no one had used it meanwhile.
typedef struct {
    const char *error;      // once finished: NULL (consistent) or the first violation
    uint32_t restarts;      // times the check started over because the allocator changed
    uint32_t changes;       // lp_alloc_changes when it (re)started
    uint32_t phase, pos, end, cls, back, lo, hi;
    uint32_t prev_free, used_granules, used_blocks, free_blocks, listed, bits;
} lp_alloc_check_t;
void lp_alloc_check_begin(const lp_alloc_t *a, lp_alloc_check_t *c);
bool lp_alloc_check_step(const lp_alloc_t *a, lp_alloc_check_t *c, uint32_t budget);

// O(1) local check around one block, for tests that cannot afford lp_alloc_check after every
// operation: ptr must be the payload of a block, live or free. Checks that block, the block after
// it and, when it is free, the block before it: sizes in range, prev-free flags, no two adjacent
// free blocks, boundary tags, and for each free one its list neighbours, list head and class bit.
// NULL if all of that holds, otherwise a message like lp_alloc_check's.
const char *lp_alloc_check_near(const lp_alloc_t *a, const void *ptr);

// Calls fn for every block in address order (payload pointer, usable bytes, live or free).
// fn must not call into the allocator.
typedef void (*lp_alloc_walk_fn)(void *ptr, size_t usable, bool used, void *ctx);
void lp_alloc_walk(const lp_alloc_t *a, lp_alloc_walk_fn fn, void *ctx);
// The same walk, at most `budget` blocks at a time: *cursor is 0 to start and says where to go on;
// true once the walk has passed the last block (or met a damaged header, as lp_alloc_walk stops).
// The caller restarts it when the allocator changed between steps (lp_alloc_changes).
bool lp_alloc_walk_step(const lp_alloc_t *a, uint32_t *cursor, uint32_t budget, lp_alloc_walk_fn fn, void *ctx);

// Short human text for each status code.
const char *lp_status_str(lp_status_t s);

#ifdef __cplusplus
}
#endif

#endif // LP_ALLOC_H
