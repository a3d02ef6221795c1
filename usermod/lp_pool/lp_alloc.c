// lp_alloc: O(1) two-level segregated-fit allocator with 4-byte headers. See lp_alloc.h.
//
// Region layout
//
//   mem ... base                first block                              sentinel
//   |pad|  lp_alloc_t + heads[] |pad|hdr|payload ...|hdr|payload ...|...|hdr|
//                                    ^ first (8-aligned)                 ^ end - 4, end 8-aligned
//
// Blocks are addressed by their payload pointer p (8-byte aligned); the header is the uint32 at
// p - 4, so a block of n granules spans [p - 4, p + 8n - 4) and the next block's payload is p + 8n.
// Header word: size in granules << 2 | LP_PREV_FREE | LP_FREE. With LP_ALLOC_TAG (lp_alloc.h) the
// size moves up to bits 10..31 and bits 2..9 hold the block's 8-bit tag: size << 10 | tag << 2 |
// flags, so reading a size stays one shift, and regions are limited to 2^22 granules (32 MiB). A new
// block has tag 0; lp_alloc_set_tag sets one on a live block, and a resize keeps it (a move gives it
// to the new block). A free block also holds, at p, the
// link to the next block in its free list and, at p + 4, the back link: the link of the word that
// points at p (its list head in the index, or the forward link of the block before it in the list);
// its last word (p + 8n - 8) repeats its size. Links are byte offsets p - base as uint32; a forward
// link of 0 means none. The sentinel is a header of size 0 that is never free, so the last block
// never tries to merge past the region.
//
// Invariants (lp_alloc_check tests exactly these, by number)
//   1. The index is intact: magic number, geometry (first block, granule count, class count) agrees
//      with itself, and the sentinel header has size 0 and no free flag.
//   2. Blocks tile the region: walking from the first block by header sizes, every block has at least
//      LP_MIN_BLOCK granules and the walk ends exactly at the sentinel.
//   3. Every header's prev-free flag equals the free flag of the block before it (clear for the first
//      block; the sentinel is included).
//   4. No two adjacent blocks are free.
//   5. Every free block ends with a boundary tag equal to its size.
//   6. Every free list is a well-formed doubly linked list (the first block's back link names its
//      list head, every other back link the block before it, no cycle) of blocks that lie in the
//      region, are free, and belong to the list's class.
//   7. Every free block of the walk is on the list of its class, and the lists hold nothing else.
//   8. A class bitmap bit is set exactly when its list is non-empty; no bit beyond the last class.
//   9. The counters (used granules, all blocks, free blocks) equal those of the walk, and the
//      peak is at least the current use.
//  10. Only with LP_ALLOC_EXACT_FREE: the start bitmap (after heads[] in the index) has a bit set
//      exactly at the payload granule of every live block.
//  11. Only with LP_ALLOC_TAG: free blocks and the sentinel have tag 0 (a tag belongs to a live
//      block: freeing, splitting and merging write fresh headers).
//  12. Only with LP_ALLOC_TAG and tallies (lp_alloc_set_tallies): tally[t - 1] holds the number of
//      live blocks with tag t and their size in bytes, header included (8 per granule), for every
//      t up to the tally count. lp_alloc_check does not walk for it (it would need a counter per
//      tag); the owner of the tallies checks them with lp_alloc_walk_step (the module's pool.check()
//      does, lp_meta.c), and tests/core checks them after every step of its tagged runs.
// Beyond what lp_alloc_check can see: every call that changes a header, a link, a tag or a counter
// of the blocks bumps a->changes before it returns (lp_use, lp_free, realloc's shrink, set_tag),
// so equal counts at two moments mean an unchanged allocator; the stepped check relies on it.
//
// Layer 1, the bottom (docs/internals.md): plain C, no MicroPython. The pools (lp_mempool.c) are
// the one caller that changes blocks; tracking (lp_meta.c) names the tags and reads the tallies.
#include "lp_alloc.h"

#include <string.h>

// ---- Configuration and layout ----

#define LP_GRAN        8u                      // bytes per granule; also the payload alignment
#define LP_HDR         4u                      // header bytes
#define LP_MIN_BLOCK   2u                      // granules: header + two links + boundary tag
#define LP_FREE        1u                      // header flag: this block is free
#define LP_PREV_FREE   2u                      // header flag: the block before this one is free
#define LP_FLAGS       3u
#if LP_ALLOC_TAG
#define LP_TAG_SHIFT   2
#define LP_TAG_MASK    (0xffu << LP_TAG_SHIFT)
#define LP_SIZE_SHIFT  10
#define LP_MAX_GRANULES ((uint32_t)1 << 22)    // exclusive bound on region size / 8 (32 MiB)
#else
#define LP_SIZE_SHIFT  2
#define LP_MAX_GRANULES ((uint32_t)1 << 29)    // exclusive bound on region size / 8
#endif
#define LP_SL_BITS     LP_ALLOC_SL_BITS
#define LP_SL_COUNT    (1u << LP_SL_BITS)
#define LP_SL_MASK     (LP_SL_COUNT - 1u)
// Class of the largest possible block (< 2^29 granules) has first-level index <= 29 - SL_BITS.
#define LP_FL_COUNT    (30 - LP_SL_BITS)
#define LP_MAGIC       0x6C70616Cu             // "lpal"

#if LP_ALLOC_SL_BITS < 1 || LP_ALLOC_SL_BITS > 5
#error "LP_ALLOC_SL_BITS must be 1..5"
#endif

// The non-empty lists are one flat bitmap over the classes (bit c % 32 of word c / 32). Classes grow
// with size, so "the first non-empty class above c" is the first set bit after c: within c's word,
// else in the first non-zero word above it. Flat words make every update one shift by the class
// itself (x86 and ARM shifts take the count modulo 32 anyway). There is no summary word: free and
// alloc update the bitmap on about half of their calls (lists are short), while the words above c's
// are looked at only when c's word has nothing above c (a few % of allocations), and there are
// LP_MAP_WORDS of them (7 with LP_ALLOC_SL_BITS = 3; a 64 KiB region uses 3, 1 MiB 4, the rest stay
// zero).
#define LP_CLASS_MAX   (LP_FL_COUNT * LP_SL_COUNT)
#define LP_MAP_WORDS   ((LP_CLASS_MAX + 31) / 32)

struct lp_alloc {
    uint32_t magic;
    // Link 0 ends a list and marks an empty head; lp_at(a, 0) is `magic`, and the back link (word
    // 1) an insert into an empty list writes lands here instead of needing a branch.
    uint32_t spare;
    uint32_t granules;         // size of the block area in granules (first block to sentinel)
    uint32_t last_index;       // granules - LP_MIN_BLOCK: highest granule index a payload can have
    uint32_t class_count;      // number of entries in heads[]
    uint32_t used_granules;
    uint32_t blocks;           // all blocks, used and free (used blocks = blocks - free_blocks)
    uint32_t free_blocks;
    uint32_t peak_granules;
    uintptr_t first_addr;      // address of the first block's payload
    size_t max_request;        // largest payload a block can have: granules * 8 - 4
    size_t alloc_count;
    size_t failed_count;
    uint32_t class_map[LP_MAP_WORDS]; // bit c % 32 of word c / 32: heads[c] != 0
    uint32_t changes;          // bumped by every call that changes a block or a list (lp_alloc_changes)
    #if LP_ALLOC_TAG
    lp_alloc_tally_t *tally;   // invariant 12: tally[t - 1] for tags 1..tally_tags (NULL: none)
    uint32_t tally_tags;
    #endif
    #if LP_ALLOC_EXACT_FREE
    uint32_t *start_map;       // &heads[class_count]: the start bitmap, see LP_ALLOC_EXACT_FREE
    #endif
    uint32_t heads[];          // free-list heads (links), one per class
};

// Layout facts the code relies on.
typedef char lp_assert_header_word[(sizeof(uint32_t) == LP_HDR) ? 1 : -1];
typedef char lp_assert_min_block[(LP_MIN_BLOCK * LP_GRAN >= LP_HDR + 3 * sizeof(uint32_t)) ? 1 : -1];
typedef char lp_assert_words_fit_map[(LP_MAP_WORDS <= 32) ? 1 : -1];
typedef char lp_assert_align[(LP_ALLOC_ALIGN == LP_GRAN) ? 1 : -1];

// The hot helpers are forced inline when optimising for speed (one flat function per public call
// saves the register spills of nested calls on x86-32 and ARM); under -Os the compiler decides,
// which keeps the code small.
#if (defined(__GNUC__) || defined(__clang__)) && !defined(__OPTIMIZE_SIZE__)
#define LP_HOT static inline __attribute__((always_inline))
#else
#define LP_HOT static inline
#endif

// ---- Bit tricks ----

// Index of the highest set bit; x != 0.
static inline uint32_t lp_fls(uint32_t x) {
    #if defined(__GNUC__) || defined(__clang__)
    return (uint32_t)__builtin_clz(x) ^ 31u;   // the same for x != 0; compiles to one bsr on x86
    #else
    uint32_t r = 0;
    while (x >>= 1) {
        r++;
    }
    return r;
    #endif
}

// Index of the lowest set bit; x != 0.
static inline uint32_t lp_ffs(uint32_t x) {
    #if defined(__GNUC__) || defined(__clang__)
    return (uint32_t)__builtin_ctz(x);
    #else
    uint32_t r = 0;
    while (!(x & 1u)) {
        x >>= 1;
        r++;
    }
    return r;
    #endif
}

// Size class of a block of n granules (n >= 1). Below SL_COUNT every size is its own class; above,
// each power-of-two range [2^k, 2^(k+1)) is cut into SL_COUNT equal classes. The result is
// first-level index * SL_COUNT + second-level index, and it grows monotonically with n.
// Branchless: or-ing in SL_COUNT makes the shift 0 below it (no data-dependent branch to mispredict).
LP_HOT uint32_t lp_class_of(uint32_t n) {
    uint32_t shift = lp_fls(n | LP_SL_COUNT) - LP_SL_BITS;
    return (shift << LP_SL_BITS) + (n >> shift);
}

// ---- Block accessors ----

static inline uint8_t *lp_base(const lp_alloc_t *a) {
    return (uint8_t *)(uintptr_t)a;
}

static inline uint32_t *lp_word(uint8_t *p) {
    return (uint32_t *)(void *)p;
}

static inline uint32_t lp_header(uint8_t *p) {
    return *lp_word(p - LP_HDR);
}

static inline void lp_set_header(uint8_t *p, uint32_t n, uint32_t flags) {
    *lp_word(p - LP_HDR) = (n << LP_SIZE_SHIFT) | flags;
}

static inline uint32_t lp_hsize(uint32_t header) {
    return header >> LP_SIZE_SHIFT;
}

static inline uint8_t *lp_after(uint8_t *p, uint32_t n) {
    return p + (size_t)n * LP_GRAN;
}

// The boundary tag (last word) of a free block of n granules.
static inline void lp_set_tag(uint8_t *p, uint32_t n) {
    *lp_word(lp_after(p, n) - 2 * LP_HDR) = n;
}

// Size of the block before p, read from its boundary tag; only meaningful if it is free.
static inline uint32_t lp_prev_size(uint8_t *p) {
    return *lp_word(p - 2 * LP_HDR);
}

// Links are byte offsets from the index: one subtraction to make, one addition to follow (no
// scaling, which Thumb-1 addressing cannot do for free).
static inline uint8_t *lp_at(const lp_alloc_t *a, uint32_t link) {
    return lp_base(a) + link;
}

static inline uint32_t lp_link(const lp_alloc_t *a, const uint8_t *p) {
    return (uint32_t)(p - lp_base(a));
}

static inline uint8_t *lp_first(const lp_alloc_t *a) {
    return lp_base(a) + (a->first_addr - (uintptr_t)a);
}

// Link of the first block.
static inline uint32_t lp_first_link(const lp_alloc_t *a) {
    return (uint32_t)(a->first_addr - (uintptr_t)a);
}

// Payload address of the sentinel (one past the last block).
static inline uint8_t *lp_end(const lp_alloc_t *a) {
    return lp_after(lp_first(a), a->granules);
}

// ---- Exact pointer check (LP_ALLOC_EXACT_FREE) ----

// One bit per granule of the region (bit i of word i / 32 for granule i from the first block),
// set exactly at the payload of every live block. The words follow heads[] in the index.
#if LP_ALLOC_EXACT_FREE
// Words of the start bitmap for a region of total granules (index included: an upper bound that
// does not depend on where the first block ends up).
static inline size_t lp_start_words(size_t total) {
    return (total + 31) / 32;
}

static inline uint32_t *lp_starts(const lp_alloc_t *a) {
    return a->start_map;
}

static inline bool lp_is_start(const lp_alloc_t *a, uint32_t index) {
    return (lp_starts(a)[index / 32] >> (index % 32)) & 1u;
}

static inline void lp_flip_start(lp_alloc_t *a, const uint8_t *p) {
    uint32_t index = (uint32_t)(((uintptr_t)p - a->first_addr) / LP_GRAN);
    lp_starts(a)[index / 32] ^= 1u << (index % 32);
}
#else
static inline size_t lp_start_words(size_t total) {
    (void)total;
    return 0;
}
#endif

// ---- The index ----

static inline void lp_mark_nonempty(lp_alloc_t *a, uint32_t c) {
    a->class_map[c / 32] |= 1u << (c % 32);
}

static inline void lp_mark_empty(lp_alloc_t *a, uint32_t c) {
    a->class_map[c / 32] &= ~(1u << (c % 32));
}

// Link of the list head of class c: the word that points at the first block of that list.
static inline uint32_t lp_head_link(uint32_t c) {
    return (uint32_t)(offsetof(lp_alloc_t, heads) + c * sizeof(uint32_t));
}

// Push the free block p onto the list of class c, without a branch: the old head's back link
// is written even when there is none (link 0 names a->spare), and the class bit set every time
// (measured in docs/performance.md: fewer mispredictions per free than testing for the empty list).
LP_HOT void lp_insert_class(lp_alloc_t *a, uint8_t *p, uint32_t c) {
    uint32_t hl = lp_head_link(c);
    uint32_t *head_word = lp_word(lp_at(a, hl));
    uint32_t head = *head_word;
    uint32_t *links = lp_word(p);
    links[0] = head;
    links[1] = hl;
    uint32_t link = lp_link(a, p);
    *head_word = link;
    lp_word(lp_at(a, head))[1] = link;   // p's forward link is the word at p itself (head 0: spare)
    lp_mark_nonempty(a, c);
}

// Push the free block p of n granules onto its class list.
LP_HOT void lp_insert(lp_alloc_t *a, uint8_t *p, uint32_t n) {
    lp_insert_class(a, p, lp_class_of(n));
}

// Take the free block p off its list. The back link names the word that points at p (a list head
// or the forward link of the block before), so there is no head case and no class to compute,
// except to clear the bitmap when the list becomes empty.
LP_HOT void lp_unlink(lp_alloc_t *a, uint8_t *p) {
    uint32_t *links = lp_word(p);
    uint32_t next = links[0];
    uint32_t back = links[1];
    *lp_word(lp_at(a, back)) = next;
    if (next) {
        lp_word(lp_at(a, next))[1] = back;
    } else if (back < lp_head_link(a->class_count)) {   // p was alone in its list
        lp_mark_empty(a, (back - lp_head_link(0)) / sizeof(uint32_t));
    }
}

// Pop the head of the non-empty list of class c.
LP_HOT uint8_t *lp_pop(lp_alloc_t *a, uint32_t c) {
    uint8_t *p = lp_at(a, a->heads[c]);
    uint32_t next = lp_word(p)[0];
    a->heads[c] = next;
    if (next) {
        lp_word(lp_at(a, next))[1] = lp_head_link(c);
    } else {
        lp_mark_empty(a, c);
    }
    return p;
}

// Find and unlink a free block of at least n granules (n <= a->granules), or return NULL.
// First the head of n's own class (it may be large enough), then the first non-empty class above
// it, where every block is larger than n.
LP_HOT uint8_t *lp_take(lp_alloc_t *a, uint32_t n) {
    uint32_t c = lp_class_of(n);
    uint32_t head = a->heads[c];
    if (head && lp_hsize(lp_header(lp_at(a, head))) >= n) {
        return lp_pop(a, c);
    }
    uint32_t w = c / 32;
    uint32_t above = a->class_map[w] & (~1u << (c % 32));   // classes after c in c's word
    while (!above) {   // at most LP_MAP_WORDS - 1 words above c's
        if (++w >= LP_MAP_WORDS) {
            return NULL;
        }
        above = a->class_map[w];
    }
    return lp_pop(a, w * 32 + lp_ffs(above));
}

// ---- Blocks ----

// Granules for a request of size bytes; size <= a->max_request.
static inline uint32_t lp_granules_for(size_t size) {
    uint32_t n = (uint32_t)((size + LP_HDR + LP_GRAN - 1) / LP_GRAN);
    return n < LP_MIN_BLOCK ? LP_MIN_BLOCK : n;
}

#if LP_ALLOC_TAG
// What a resize keeps of a header besides the size: the flags and the tag.
#define LP_KEEP_BITS   (LP_FLAGS | LP_TAG_MASK)

// Invariant 12: `blocks` more blocks and `granules` more granules (both modulo 2^32, so a decrease
// is a negated count) for the tag of header h. Tag 0 and tags beyond the tallies count nowhere.
static inline void lp_tally(lp_alloc_t *a, uint32_t h, uint32_t blocks, uint32_t granules) {
    uint32_t i = ((h & LP_TAG_MASK) >> LP_TAG_SHIFT) - 1u; // tag 0 wraps past every tally
    if (i < a->tally_tags) {
        a->tally[i].count += blocks;
        a->tally[i].bytes += granules * LP_GRAN;
    }
}

// A block that a resize gave a fresh header keeps the tag of h, the header of the block it came
// from (n granules): a grown block counts its new granules, a moved one (`moved`: the old block is
// still live until lp_realloc_end frees it) counts as one more block of its tag. Returns p.
static void *lp_keep_tag(lp_alloc_t *a, uint8_t *p, uint32_t h, uint32_t n, bool moved) {
    *lp_word(p - LP_HDR) |= h & LP_TAG_MASK;
    uint32_t now = lp_hsize(lp_header(p));
    lp_tally(a, h, moved, moved ? now : now - n);
    return p;
}
#else
#define LP_KEEP_BITS   LP_FLAGS
// Without tags a resized block has nothing to keep.
#define lp_keep_tag(a, p, h, n, moved) (p)
#endif

// Make [p, p + n granules), not yet counted as a block, a free block and list it, merging with the
// block after it if that one is free. The block before p must be used (or p is the first block).
LP_HOT void lp_release(lp_alloc_t *a, uint8_t *p, uint32_t n) {
    uint8_t *next = lp_after(p, n);
    uint32_t nh = lp_header(next);
    if (nh & LP_FREE) {
        lp_unlink(a, next);
        n += lp_hsize(nh);
    } else {
        *lp_word(next - LP_HDR) = nh | LP_PREV_FREE;
        a->blocks++;
        a->free_blocks++;
    }
    lp_set_header(p, n, LP_FREE);
    lp_set_tag(p, n);
    lp_insert(a, p, n);
}

// Turn the unlinked free block p of have granules (still counted as a free block) into a used block
// of need granules, returning
// the tail to the free lists when it can form a block. flags: the prev-free flag for p's header.
LP_HOT void *lp_use(lp_alloc_t *a, uint8_t *p, uint32_t have, uint32_t need, uint32_t flags) {
    uint32_t rest = have - need;
    if (rest >= LP_MIN_BLOCK) {
        // The block after the tail already says "previous free"; the tail cannot merge with it.
        uint8_t *tail = lp_after(p, need);
        lp_set_header(tail, rest, LP_FREE);
        lp_set_tag(tail, rest);
        lp_insert(a, tail, rest);
        a->blocks++;
    } else {
        need = have;
        uint8_t *next = lp_after(p, have);
        *lp_word(next - LP_HDR) &= ~LP_PREV_FREE;
        a->free_blocks--;
    }
    lp_set_header(p, need, flags);
    #if LP_ALLOC_EXACT_FREE
    lp_flip_start(a, p);   // p was free, so its bit was clear
    #endif
    a->used_granules += need;
    if (a->used_granules > a->peak_granules) {
        a->peak_granules = a->used_granules;
    }
    a->alloc_count++;
    a->changes++;
    return p;
}

// What lp_validate read, so that its callers read no word twice.
typedef struct {
    uint32_t h;      // p's header
    uint32_t nh;     // the next block's header
    uint32_t m;      // size of the free block before p (only if h has LP_PREV_FREE)
    #if LP_ALLOC_EXACT_FREE
    uint32_t *start_word;   // the start bitmap word of p, and p's bit in it
    uint32_t start_bit;
    #endif
} lp_seen_t;

// LP_OK if ptr looks like the payload of a live block, see lp_alloc.h for what this can and cannot
// tell. Never reads outside the region (the word it reads before the first block lies in the index,
// which lp_alloc_init zeroes up to the first header).
LP_HOT lp_status_t lp_validate(const lp_alloc_t *a, const void *ptr, lp_seen_t *seen) {
    // Granule index of ptr from the first block. The rotation moves the low bits of a misaligned
    // offset to the top, so one comparison rejects misaligned, before-the-first and past-the-last
    // pointers alike (a payload must leave room for a minimal block before the sentinel).
    uintptr_t offset = (uintptr_t)ptr - a->first_addr;
    uintptr_t index = (offset >> 3) | (offset << (sizeof(uintptr_t) * 8 - 3));
    uint32_t last = a->last_index;
    if (index > last) {
        return LP_ERR_NOT_BLOCK;
    }
    uint8_t *p = lp_base(a) + ((uintptr_t)ptr - (uintptr_t)a);
    uint32_t h = lp_header(p);
    #if LP_ALLOC_EXACT_FREE
    // Exact: only the payload of a live block has its bit. A clear bit under a free header is a
    // double free; anything else is a pointer into a block (or stale memory).
    uint32_t *start_word = lp_starts(a) + index / 32;
    uint32_t start_bit = 1u << (index % 32);
    if (!(*start_word & start_bit)) {
        return (h & LP_FREE) ? LP_ERR_NOT_LIVE : LP_ERR_NOT_BLOCK;
    }
    seen->start_word = start_word;
    seen->start_bit = start_bit;
    #endif
    // n in [LP_MIN_BLOCK, granules left from p], as one unsigned comparison.
    uint32_t n = lp_hsize(h);
    if (n - LP_MIN_BLOCK > last - (uint32_t)index) {
        return (h & LP_FREE) ? LP_ERR_NOT_LIVE : LP_ERR_NOT_BLOCK;
    }
    uint32_t nh = lp_header(lp_after(p, n));
    seen->h = h;
    seen->nh = nh;
    seen->m = 0;
    // The common case, a used block between used blocks, with one test instead of four.
    if (((h | nh) & LP_FLAGS) == 0) {
        return LP_OK;
    }
    if (h & LP_FREE) {
        return LP_ERR_NOT_LIVE;
    }
    if (nh & LP_PREV_FREE) {
        return LP_ERR_NOT_BLOCK;
    }
    if (h & LP_PREV_FREE) {
        // For the first block (index 0) this word lies in the index, inside the region; the
        // first block never has the flag, so m > index rejects it.
        uint32_t m = lp_prev_size(p);
        if (m < LP_MIN_BLOCK || m > index
            || lp_header(p - (size_t)m * LP_GRAN) != ((m << LP_SIZE_SHIFT) | LP_FREE)) {
            return LP_ERR_NOT_BLOCK;
        }
        seen->m = m;
    }
    return LP_OK;
}

// ---- Public API ----

// Where the blocks of a region [start, start + size) go, without touching memory.
typedef struct {
    uintptr_t base;
    uint32_t first;        // granules from base to the first block
    uint32_t granules;
    uint32_t class_count;
} lp_geometry_t;

static lp_status_t lp_geometry(uintptr_t start, size_t size, lp_geometry_t *g) {
    if (size / LP_GRAN >= LP_MAX_GRANULES) {
        return LP_ERR_TOO_LARGE;
    }
    if (start > UINTPTR_MAX - size) {
        return LP_ERR_ARG;
    }
    uintptr_t base = (start + (LP_GRAN - 1)) & ~(uintptr_t)(LP_GRAN - 1);
    uintptr_t end = (start + size) & ~(uintptr_t)(LP_GRAN - 1);
    if (end <= base) {
        return LP_ERR_TOO_SMALL;
    }
    // Size the index for all of [base, end); the blocks get slightly less, so it is never short.
    uint32_t classes = lp_class_of((uint32_t)((end - base) / LP_GRAN)) + 1;
    size_t index = offsetof(lp_alloc_t, heads) + (size_t)classes * sizeof(uint32_t)
                   + lp_start_words((end - base) / LP_GRAN) * sizeof(uint32_t);
    uint32_t first = (uint32_t)((index + LP_HDR + LP_GRAN - 1) / LP_GRAN);
    if ((end - base) / LP_GRAN < (size_t)first + LP_MIN_BLOCK) {
        return LP_ERR_TOO_SMALL;
    }
    g->base = base;
    g->first = first;
    g->granules = (uint32_t)((end - base) / LP_GRAN) - first;
    g->class_count = classes;
    return LP_OK;
}

size_t lp_alloc_min_region(void) {
    size_t size = offsetof(lp_alloc_t, heads);
    for (;; size++) {
        bool fits = true;
        for (uintptr_t start = 8; start < 16; start++) {
            lp_geometry_t g;
            if (lp_geometry(start, size, &g) != LP_OK) {
                fits = false;
                break;
            }
        }
        if (fits) {
            return size;
        }
    }
}

lp_status_t lp_alloc_init(lp_alloc_t **out, void *mem, size_t size) {
    if (!out) {
        return LP_ERR_ARG;
    }
    *out = NULL;
    if (!mem) {
        return LP_ERR_ARG;
    }
    lp_geometry_t g;
    lp_status_t status = lp_geometry((uintptr_t)mem, size, &g);
    if (status != LP_OK) {
        return status;
    }
    lp_alloc_t *a = (lp_alloc_t *)(void *)((uint8_t *)mem + (g.base - (uintptr_t)mem));
    memset(a, 0, (size_t)g.first * LP_GRAN - LP_HDR);   // the index and the padding after it
    a->magic = LP_MAGIC;
    a->granules = g.granules;
    a->first_addr = (uintptr_t)lp_at(a, g.first * LP_GRAN);
    a->class_count = g.class_count;
    #if LP_ALLOC_EXACT_FREE
    a->start_map = &a->heads[g.class_count];
    #endif
    a->max_request = (size_t)g.granules * LP_GRAN - LP_HDR;
    a->last_index = g.granules - LP_MIN_BLOCK;
    uint8_t *p = lp_first(a);
    lp_set_header(lp_end(a), 0, 0);
    // The first block has no predecessor, so lp_release's "previous is used" holds.
    lp_release(a, p, g.granules);
    *out = a;
    return LP_OK;
}

void *lp_alloc(lp_alloc_t *a, size_t size) {
    if (!a) {
        return NULL;
    }
    if (size > a->max_request) {
        a->failed_count++;
        return NULL;
    }
    uint32_t n = lp_granules_for(size);
    uint8_t *p = lp_take(a, n);
    if (!p) {
        a->failed_count++;
        return NULL;
    }
    return lp_use(a, p, lp_hsize(lp_header(p)), n, 0);
}

void *lp_alloc_aligned(lp_alloc_t *a, size_t size, size_t align) {
    if (!a) {
        return NULL;
    }
    if (align == 0 || (align & (align - 1)) || align > LP_ALLOC_MAX_ALIGN) {
        a->failed_count++;
        return NULL;
    }
    if (align <= LP_GRAN) {
        return lp_alloc(a, size);
    }
    if (size > a->max_request) {
        a->failed_count++;
        return NULL;
    }
    // The gap in front must be 0 or a whole free block (>= 2 granules); a 1-granule gap is widened
    // by one alignment step. So at most align / 8 + 1 granules go in front.
    uint32_t step = (uint32_t)(align / LP_GRAN);
    uint32_t n = lp_granules_for(size);
    uint32_t search = n + step + 1;
    uint8_t *p = search <= a->granules ? lp_take(a, search) : NULL;
    if (!p) {
        a->failed_count++;
        return NULL;
    }
    uint32_t have = lp_hsize(lp_header(p));
    uint32_t gap = (uint32_t)(((align - ((uintptr_t)p & (align - 1))) & (align - 1)) / LP_GRAN);
    if (gap == 1) {
        gap += step;
    }
    uint32_t flags = 0;
    if (gap) {
        // The block before p is used, so the gap is a free block of its own.
        lp_set_header(p, gap, LP_FREE);
        lp_set_tag(p, gap);
        lp_insert(a, p, gap);
        a->blocks++;
        a->free_blocks++;
        p = lp_after(p, gap);
        have -= gap;
        flags = LP_PREV_FREE;
    }
    return lp_use(a, p, have, n, flags);
}

// A free neighbour is unlinked from its list and the merged block pushed onto the head of its
// class list, the same class or not: a merge touches up to three list places, never more.
lp_status_t lp_free(lp_alloc_t *a, void *ptr) {
    if (!a) {
        return ptr ? LP_ERR_ARG : LP_OK;
    }
    // NULL never lies in the block area, so lp_validate rejects it; only then is it told apart.
    lp_seen_t seen;
    lp_status_t status = lp_validate(a, ptr, &seen);
    if (status != LP_OK) {
        return ptr ? status : LP_OK;
    }
    uint8_t *p = ptr;
    uint32_t n = lp_hsize(seen.h);
    uint8_t *next = lp_after(p, n);
    uint32_t nh = seen.nh;
    a->used_granules -= n;
    a->changes++;
    #if LP_ALLOC_EXACT_FREE
    *seen.start_word &= ~seen.start_bit;
    #endif
    #if LP_ALLOC_TAG
    lp_tally(a, seen.h, (uint32_t)-1, (uint32_t)0 - n);
    #endif
    if (((seen.h | nh) & LP_FLAGS) == 0) {
        // Both neighbours used: the common case, written out on its own.
        *lp_word(next - LP_HDR) = nh | LP_PREV_FREE;
        #if LP_ALLOC_TAG
        *lp_word(p - LP_HDR) = (seen.h & ~LP_TAG_MASK) | LP_FREE; // invariant 11
        #else
        *lp_word(p - LP_HDR) = seen.h | LP_FREE;
        #endif
        lp_set_tag(p, n);
        a->free_blocks++;
        lp_insert(a, p, n);
        return LP_OK;
    }
    if (seen.h & LP_PREV_FREE) {
        uint32_t m = seen.m;
        // Keep the free flag in the stale header so a second free of ptr is seen as a double free.
        *lp_word(p - LP_HDR) = seen.h | LP_FREE;
        p -= (size_t)m * LP_GRAN;
        lp_unlink(a, p);
        n += m;
        a->blocks--;
    } else {
        a->free_blocks++;
    }
    if (nh & LP_FREE) {
        lp_unlink(a, next);
        n += lp_hsize(nh);
        a->blocks--;
        a->free_blocks--;
    } else {
        *lp_word(next - LP_HDR) = nh | LP_PREV_FREE;
    }
    lp_set_header(p, n, LP_FREE);
    lp_set_tag(p, n);
    lp_insert(a, p, n);
    return LP_OK;
}

void *lp_realloc_begin(lp_alloc_t *a, void *ptr, size_t size, lp_realloc_plan_t *plan) {
    plan->move = 0;
    plan->old = NULL;
    plan->trim = false;
    if (!ptr) {
        return lp_alloc(a, size);
    }
    if (!a) {
        return NULL;
    }
    lp_seen_t seen;
    if (size > a->max_request || lp_validate(a, ptr, &seen) != LP_OK) {
        a->failed_count++;
        return NULL;
    }
    uint8_t *p = ptr;
    uint32_t h = seen.h;
    uint32_t have = lp_hsize(h);
    uint32_t need = lp_granules_for(size);
    if (need <= have) {
        if (have - need >= LP_MIN_BLOCK) {
            lp_set_header(p, need, h & LP_KEEP_BITS);
            #if LP_ALLOC_TAG
            lp_tally(a, h, 0, need - have);
            #endif
            a->used_granules -= have - need;
            a->changes++;
            lp_release(a, lp_after(p, need), have - need);
        }
        return p;
    }
    uint8_t *next = lp_after(p, have);
    uint32_t nh = seen.nh;
    uint32_t k = (nh & LP_FREE) ? lp_hsize(nh) : 0;   // free granules after p
    uint32_t m = (h & LP_PREV_FREE) ? seen.m : 0;      // free granules before p
    if (have + k >= need) {
        // Grow into the free block after p; lp_use counts it as a fresh block, so undo that part.
        lp_unlink(a, next);
        a->used_granules -= have;
        a->blocks--;
        a->alloc_count--;
        #if LP_ALLOC_EXACT_FREE
        *seen.start_word &= ~seen.start_bit;   // lp_use marks p again
        #endif
        return lp_keep_tag(a, lp_use(a, p, have + k, need, h & LP_PREV_FREE), h, have, false);
    }
    if (m + have + k >= need) {
        // Grow backwards: the free block before p, p and the free block after p (if any) become
        // one used block that starts at q, nothing split off yet: the payload still lies in p's
        // old place inside it, and the caller moves it down before lp_realloc_end trims the tail
        // (a tail split off now could overlap the payload). Nothing can fail from here on, so the
        // old block is only changed once success is certain.
        uint8_t *q = p - (size_t)m * LP_GRAN;
        lp_unlink(a, q);
        a->blocks--;
        if (k) {
            lp_unlink(a, next);
            a->blocks--;
            a->free_blocks--;
        } else {
            // lp_use expects the block after a free block to say so.
            *lp_word(next - LP_HDR) = nh | LP_PREV_FREE;
        }
        a->used_granules -= have;
        a->alloc_count--;
        #if LP_ALLOC_EXACT_FREE
        *seen.start_word &= ~seen.start_bit;   // lp_use marks q
        #endif
        plan->move = (size_t)have * LP_GRAN - LP_HDR;
        plan->trim = true;
        // The block before q is used (invariant 4).
        return lp_keep_tag(a, lp_use(a, q, m + have + k, m + have + k, 0), h, have, false);
    }
    uint8_t *q = lp_alloc(a, size);
    if (q) {
        plan->move = (size_t)have * LP_GRAN - LP_HDR;
        plan->old = p;
        #if LP_ALLOC_TAG
        lp_keep_tag(a, q, h, have, true);
        #endif
    }
    return q;
}

void lp_realloc_end(lp_alloc_t *a, void *q, size_t size, const lp_realloc_plan_t *plan) {
    if (plan->old) {
        lp_free(a, plan->old);
    } else if (plan->trim) {
        lp_realloc(a, q, size);   // shrinks in place: O(1), no move
    }
}

void *lp_realloc(lp_alloc_t *a, void *ptr, size_t size) {
    lp_realloc_plan_t plan;
    uint8_t *q = lp_realloc_begin(a, ptr, size, &plan);
    if (q && plan.move) {
        memmove(q, ptr, plan.move);
        lp_realloc_end(a, q, size, &plan);
    }
    return q;
}

#if LP_ALLOC_TAG
uint32_t lp_alloc_tag(const lp_alloc_t *a, const void *ptr) {
    lp_seen_t seen;
    if (!a || !ptr || lp_validate(a, ptr, &seen) != LP_OK) {
        return 0;
    }
    return (seen.h & LP_TAG_MASK) >> LP_TAG_SHIFT;
}

lp_status_t lp_alloc_set_tag(lp_alloc_t *a, void *ptr, uint32_t tag) {
    lp_seen_t seen;
    if (!a || !ptr || tag > 0xffu) {
        return LP_ERR_ARG;
    }
    lp_status_t st = lp_validate(a, ptr, &seen);
    if (st == LP_OK) {
        uint32_t h = (seen.h & ~LP_TAG_MASK) | (tag << LP_TAG_SHIFT);
        uint32_t n = lp_hsize(h);
        *lp_word((uint8_t *)ptr - LP_HDR) = h;
        lp_tally(a, seen.h, (uint32_t)-1, (uint32_t)0 - n);
        lp_tally(a, h, 1, n);
        a->changes++;
    }
    return st;
}

void lp_alloc_set_tallies(lp_alloc_t *a, lp_alloc_tally_t *tally, uint32_t tags) {
    a->tally = tags != 0 ? tally : NULL;
    a->tally_tags = tally != NULL ? tags : 0;
}
#endif

size_t lp_usable_size(const lp_alloc_t *a, const void *ptr) {
    lp_seen_t seen;
    if (!a || !ptr || lp_validate(a, ptr, &seen) != LP_OK) {
        return 0;
    }
    return (size_t)lp_hsize(seen.h) * LP_GRAN - LP_HDR;
}

bool lp_alloc_owns(const lp_alloc_t *a, const void *ptr) {
    if (!a) {
        return false;
    }
    uintptr_t addr = (uintptr_t)ptr;
    return addr >= (uintptr_t)a && addr < (uintptr_t)lp_end(a);
}

void lp_alloc_stats(const lp_alloc_t *a, lp_alloc_stats_t *out) {
    if (!out) {
        return;
    }
    memset(out, 0, sizeof(*out));
    if (!a) {
        return;
    }
    out->capacity = (size_t)a->granules * LP_GRAN;
    out->used = (size_t)a->used_granules * LP_GRAN;
    out->used_blocks = a->blocks - a->free_blocks;
    out->used_payload = out->used - out->used_blocks * LP_HDR;
    out->free = out->capacity - out->used;
    for (uint32_t w = LP_MAP_WORDS; w-- > 0;) {
        if (a->class_map[w]) {
            // The head of the highest non-empty class is the largest request lp_take can serve.
            uint32_t c = w * 32 + lp_fls(a->class_map[w]);
            out->largest_free = (size_t)lp_hsize(lp_header(lp_at(a, a->heads[c]))) * LP_GRAN - LP_HDR;
            break;
        }
    }
    out->free_blocks = a->free_blocks;
    out->peak_used = (size_t)a->peak_granules * LP_GRAN;
    out->alloc_count = a->alloc_count;
    out->failed_count = a->failed_count;
}

void lp_alloc_walk(const lp_alloc_t *a, lp_alloc_walk_fn fn, void *ctx) {
    if (!a || !fn) {
        return;
    }
    uint8_t *end = lp_end(a);
    for (uint8_t *p = lp_first(a); p < end;) {
        uint32_t h = lp_header(p);
        uint32_t n = lp_hsize(h);
        if (n == 0 || n > (uint32_t)((size_t)(end - p) / LP_GRAN)) {
            return;   // corrupted; lp_alloc_check says where
        }
        fn(p, (size_t)n * LP_GRAN - LP_HDR, !(h & LP_FREE), ctx);
        p = lp_after(p, n);
    }
}

bool lp_alloc_walk_step(const lp_alloc_t *a, uint32_t *cursor, uint32_t budget, lp_alloc_walk_fn fn, void *ctx) {
    if (!a || !fn) {
        return true;
    }
    uint8_t *end = lp_end(a);
    uint8_t *p = *cursor ? lp_at(a, *cursor) : lp_first(a);
    for (; p < end && budget > 0; budget--) {
        uint32_t h = lp_header(p);
        uint32_t n = lp_hsize(h);
        if (n == 0 || n > (uint32_t)((size_t)(end - p) / LP_GRAN)) {
            return true;   // corrupted; lp_alloc_check says where
        }
        fn(p, (size_t)n * LP_GRAN - LP_HDR, !(h & LP_FREE), ctx);
        p = lp_after(p, n);
    }
    *cursor = lp_link(a, p);
    return p >= end;
}

// ---- Checkers ----

bool lp_alloc_invariants_hold(const lp_alloc_t *a) {
    if (!a || a->magic != LP_MAGIC || a->granules < LP_MIN_BLOCK || a->granules >= LP_MAX_GRANULES) {
        return false;
    }
    uint32_t any = 0;   // a non-empty list
    for (uint32_t w = 0; w < LP_MAP_WORDS; w++) {
        any |= a->class_map[w];
    }
    if (a->used_granules > a->granules || a->peak_granules < a->used_granules
        || a->blocks < a->free_blocks
        || a->blocks - a->free_blocks > a->used_granules / LP_MIN_BLOCK
        || a->free_blocks > (a->granules - a->used_granules) / LP_MIN_BLOCK
        || (a->free_blocks == 0) != (a->used_granules == a->granules)
        || (a->free_blocks == 0) != (any == 0)) {
        return false;
    }
    if (lp_header(lp_end(a)) & ~LP_PREV_FREE) {
        return false;
    }
    return true;
}

// Is link the start of a free block of class c, inside the block area?
static bool lp_is_listed_block(const lp_alloc_t *a, uint32_t link, uint32_t c) {
    uint32_t first = lp_first_link(a);
    uint32_t index = (link - first) / LP_GRAN;   // granules from the first block
    if (link < first || (link - first) % LP_GRAN || index >= a->granules) {
        return false;
    }
    uint8_t *p = lp_at(a, link);
    uint32_t h = lp_header(p);
    uint32_t n = lp_hsize(h);
    return (h & LP_FREE) && n >= LP_MIN_BLOCK && n <= a->granules - index && lp_class_of(n) == c;
}

// The free block p of n granules (header already known to be in range and free): invariant 5, and
// invariants 6 to 8 as far as they concern p: its neighbours in the list point back at it, they are
// free blocks of its class, and a list head it hangs from is its class's, with the bit set.
static const char *lp_check_free_block(const lp_alloc_t *a, uint8_t *p, uint32_t n) {
    if (*lp_word(lp_after(p, n) - 2 * LP_HDR) != n) {
        return "invariant 5: boundary tag differs from the header size";
    }
    uint32_t c = lp_class_of(n);
    uint32_t link = lp_link(a, p);
    uint32_t next = lp_word(p)[0];
    uint32_t back = lp_word(p)[1];
    if (back < lp_first_link(a)) {
        if (back != lp_head_link(c) || c >= a->class_count) {
            return "invariant 7: free block hangs from the wrong list head";
        }
        if (!((a->class_map[c / 32] >> (c % 32)) & 1u)) {
            return "invariant 8: class bit clear for a non-empty list";
        }
    } else if (!lp_is_listed_block(a, back, c)) {
        return "invariant 6: back link names no free block of the same class";
    }
    if (*lp_word(lp_at(a, back)) != link) {
        return "invariant 6: back link names a word that does not point here";
    }
    if (next && (!lp_is_listed_block(a, next, c) || lp_word(lp_at(a, next))[1] != link)) {
        return "invariant 6: forward link broken";
    }
    return NULL;
}

const char *lp_alloc_check_near(const lp_alloc_t *a, const void *ptr) {
    if (!a || a->magic != LP_MAGIC) {
        return "invariant 1: index magic number damaged";
    }
    uintptr_t offset = (uintptr_t)ptr - a->first_addr;
    if (offset % LP_GRAN || offset / LP_GRAN >= a->granules) {
        return "invariant 2: pointer is not in the block area";
    }
    uint8_t *p = lp_base(a) + ((uintptr_t)ptr - (uintptr_t)a);
    uint8_t *end = lp_end(a);
    uint32_t h = lp_header(p);
    uint32_t n = lp_hsize(h);
    if (n < LP_MIN_BLOCK || n > (uint32_t)((size_t)(end - p) / LP_GRAN)) {
        return "invariant 2: block size out of range";
    }
    uint8_t *next = lp_after(p, n);
    uint32_t nh = lp_header(next);
    if (((nh & LP_PREV_FREE) != 0) != ((h & LP_FREE) != 0)) {
        return "invariant 3: prev-free flag disagrees with the previous block";
    }
    #if LP_ALLOC_EXACT_FREE
    if (lp_is_start(a, (uint32_t)(offset / LP_GRAN)) == ((h & LP_FREE) != 0)) {
        return "invariant 10: start bit disagrees with the block's free flag";
    }
    #endif
    const char *e;
    if (h & LP_FREE) {
        if ((h & LP_PREV_FREE) || (nh & LP_FREE)) {
            return "invariant 4: two adjacent free blocks";
        }
        if ((e = lp_check_free_block(a, p, n)) != NULL) {
            return e;
        }
    }
    if (next != end) {
        uint32_t k = lp_hsize(nh);
        if (k < LP_MIN_BLOCK || k > (uint32_t)((size_t)(end - next) / LP_GRAN)) {
            return "invariant 2: block size out of range";
        }
        if (((lp_header(lp_after(next, k)) & LP_PREV_FREE) != 0) != ((nh & LP_FREE) != 0)) {
            return "invariant 3: prev-free flag disagrees with the previous block";
        }
        #if LP_ALLOC_EXACT_FREE
        if (lp_is_start(a, (uint32_t)((size_t)(next - lp_first(a)) / LP_GRAN)) == ((nh & LP_FREE) != 0)) {
            return "invariant 10: start bit disagrees with the block's free flag";
        }
        #endif
        if ((nh & LP_FREE) && (e = lp_check_free_block(a, next, k)) != NULL) {
            return e;
        }
    } else if (nh & ~LP_PREV_FREE) {
        return "invariant 1: sentinel header damaged";
    }
    if (h & LP_PREV_FREE) {
        if (offset == 0) {
            return "invariant 3: the first block claims a free predecessor";
        }
        uint32_t m = lp_prev_size(p);
        if (m < LP_MIN_BLOCK || m > (uint32_t)(offset / LP_GRAN)
            || lp_header(p - (size_t)m * LP_GRAN) != ((m << LP_SIZE_SHIFT) | LP_FREE)) {
            return "invariant 5: boundary tag of the free block before differs from its header";
        }
        return lp_check_free_block(a, p - (size_t)m * LP_GRAN, m);
    }
    return NULL;
}

// The full check, resumable (lp_alloc.h). Each unit of work is O(1): the index, one block of the
// walk, one class or one entry of the free lists, all the bitmap words, one word of the start
// bitmap, the counters. It is linear in the blocks: every free block is looked at twice (on the
// walk and on its list), never searched for.
//
// Why the lists cannot miss a free block (invariant 7) without a search: let W be the free blocks
// of the walk and L the entries reached from the list heads.
//   - Every entry of L is checked to start a free block of the list's class as the walk would see
//     it (lp_is_free_start: aligned and inside the block area, free header with a used predecessor,
//     size in range, boundary tag equal to the size, the next header saying "previous free"), and to
//     have the back link naming the word that led to it.
//   - Entries are distinct: within a list, a block met twice would have two back links (the words
//     before each of its occurrences), so by the back-link check the two predecessors are the same
//     block, and so on down to the head, whose successor's back link names the head: a contradiction.
//     Across lists, an entry's class is its list's.
//   - The lists hold exactly |W| entries (counted; the walk stops at |W| + 1, so a cycle ends too).
// So if every entry of L is a block of the walk, L is a subset of W of the same size: L = W.
// An entry that passes every test above but is not a block of the walk would be a free block forged,
// header, boundary tag and the next header's flag, inside the bytes of another block, and reached
// through a corrupted link. The allocator's own stale words never pass: a header left inside a
// merged block either says "previous free" (merged backwards) or ends at another block's tag
// (merged forwards, grown into), and a block grown into loses the next header's flag. Only user
// data written to look like a free block could, after a link already went wrong; the quadratic
// search this replaces would have noticed that, this check may not.
enum { LP_CK_INDEX, LP_CK_WALK, LP_CK_LISTS, LP_CK_BITS, LP_CK_STARTS, LP_CK_COUNTERS, LP_CK_DONE };

// The sizes of class c: [lo, hi) granules (the inverse of lp_class_of), so the list check tests an
// entry's class with two comparisons instead of a find-last-set per entry (a libgcc call on
// Thumb-1, which has no CLZ).
static void lp_class_bounds(uint32_t c, uint32_t *lo, uint32_t *hi) {
    uint32_t shift = c < 2 * LP_SL_COUNT ? 0 : (c >> LP_SL_BITS) - 1;
    uint32_t m = c - (shift << LP_SL_BITS);
    *lo = m << shift;
    *hi = (m + 1) << shift;
}

// Does link start a free block of the class [lo, hi) as the walk would see it? (See above.)
static bool lp_is_free_start(const lp_alloc_t *a, uint32_t link, uint32_t lo, uint32_t hi) {
    uint32_t first = lp_first_link(a);
    uint32_t index = (link - first) / LP_GRAN;   // granules from the first block
    if (link < first || (link - first) % LP_GRAN || index >= a->granules) {
        return false;
    }
    uint8_t *p = lp_at(a, link);
    uint32_t h = lp_header(p);
    uint32_t n = lp_hsize(h);
    return (h & LP_FLAGS) == LP_FREE && n >= LP_MIN_BLOCK && n >= lo && n < hi && n <= a->granules - index
           && *lp_word(lp_after(p, n) - 2 * LP_HDR) == n && (lp_header(lp_after(p, n)) & LP_PREV_FREE);
}

void lp_alloc_check_begin(const lp_alloc_t *a, lp_alloc_check_t *c) {
    memset(c, 0, sizeof(*c));
    c->changes = a ? a->changes : 0;
}

static bool lp_check_fail(lp_alloc_check_t *c, const char *error) {
    c->error = error;
    c->phase = LP_CK_DONE;
    return true;
}

// The index (invariant 1).
static const char *lp_check_index(const lp_alloc_t *a) {
    if (a->granules < LP_MIN_BLOCK || a->granules >= LP_MAX_GRANULES
        || a->class_count <= lp_class_of(a->granules)
        || a->class_count > LP_FL_COUNT * LP_SL_COUNT
        || a->first_addr - (uintptr_t)a
               != (offsetof(lp_alloc_t, heads) + a->class_count * sizeof(uint32_t)
                      + lp_start_words(lp_first_link(a) / LP_GRAN + a->granules) * sizeof(uint32_t)
                      + LP_HDR + LP_GRAN - 1) / LP_GRAN * LP_GRAN
        || a->max_request != (size_t)a->granules * LP_GRAN - LP_HDR
        || a->last_index != a->granules - LP_MIN_BLOCK) {
        return "invariant 1: index geometry inconsistent";
    }
    #if LP_ALLOC_EXACT_FREE
    if (a->start_map != &a->heads[a->class_count]) {
        return "invariant 1: index geometry inconsistent";
    }
    #endif
    if (lp_header(lp_end(a)) & ~LP_PREV_FREE) {
        return "invariant 1: sentinel header damaged";
    }
    return NULL;
}

// One block of the walk at c->pos: invariants 2 to 5, 10 and 11; counts for 7 and 9.
static const char *lp_check_block(const lp_alloc_t *a, lp_alloc_check_t *c) {
    uint8_t *end = lp_at(a, c->end);
    uint8_t *p = lp_at(a, c->pos);
    uint32_t h = lp_header(p);
    uint32_t n = lp_hsize(h);
    if (n < LP_MIN_BLOCK) {
        return "invariant 2: block smaller than the minimum";
    }
    if (n > (uint32_t)((size_t)(end - p) / LP_GRAN)) {
        return "invariant 2: block runs past the sentinel";
    }
    if (((h & LP_PREV_FREE) != 0) != (c->prev_free != 0)) {
        return "invariant 3: prev-free flag disagrees with the previous block";
    }
    uint32_t is_free = h & LP_FREE;
    #if LP_ALLOC_TAG
    if (is_free && (h & LP_TAG_MASK)) {
        return "invariant 11: a free block has a tag";
    }
    #endif
    #if LP_ALLOC_EXACT_FREE
    if (lp_is_start(a, (uint32_t)((size_t)(p - lp_first(a)) / LP_GRAN)) == (is_free != 0)) {
        return "invariant 10: start bit disagrees with the block's free flag";
    }
    #endif
    if (is_free) {
        if (c->prev_free) {
            return "invariant 4: two adjacent free blocks";
        }
        if (*lp_word(lp_after(p, n) - 2 * LP_HDR) != n) {
            return "invariant 5: boundary tag differs from the header size";
        }
        c->free_blocks++;
    } else {
        c->used_granules += n;
        c->used_blocks++;
    }
    c->prev_free = is_free;
    c->pos = lp_link(a, lp_after(p, n));
    return NULL;
}

// One step of the lists (invariants 6 to 8): start class c->cls, follow one entry, or end the list.
// c->back is 0 before a class starts (a head's link is never 0).
static const char *lp_check_list(const lp_alloc_t *a, lp_alloc_check_t *c) {
    uint32_t cls = c->cls;
    if (c->back == 0) {
        bool bit = (a->class_map[cls / 32] >> (cls % 32)) & 1u;
        if (bit != (a->heads[cls] != 0)) {
            return "invariant 8: class bit disagrees with its list";
        }
        c->back = lp_head_link(cls);
        c->pos = a->heads[cls];
        lp_class_bounds(cls, &c->lo, &c->hi);
        return NULL;
    }
    uint32_t link = c->pos;
    if (link == 0) {
        c->cls++;
        c->back = 0;
        return NULL;
    }
    if (!lp_is_free_start(a, link, c->lo, c->hi)) {
        return "invariant 6: free list holds a block that is not a free block of its class";
    }
    uint32_t *links = lp_word(lp_at(a, link));
    if (links[1] != c->back) {
        return "invariant 6: free list back link broken";
    }
    if (++c->listed > c->free_blocks) {
        return "invariant 7: free lists hold more blocks than the walk found free";
    }
    c->back = link;
    c->pos = links[0];
    return NULL;
}

bool lp_alloc_check_step(const lp_alloc_t *a, lp_alloc_check_t *c, uint32_t budget) {
    if (c->phase == LP_CK_DONE) {
        return true;
    }
    if (!a || a->magic != LP_MAGIC) {
        return lp_check_fail(c, "invariant 1: index magic number damaged");
    }
    if (a->changes != c->changes) {
        // The allocator changed since the check started (the caller let others use it between
        // steps): what was counted no longer describes it. Start again.
        uint32_t restarts = c->restarts + 1;
        lp_alloc_check_begin(a, c);
        c->restarts = restarts;
    }
    const char *e = NULL;
    while (budget > 0 && !e) {
        switch (c->phase) {
            case LP_CK_INDEX:
                e = lp_check_index(a);
                c->pos = lp_first_link(a);
                c->end = lp_link(a, lp_end(a));
                c->phase = LP_CK_WALK;
                budget--;
                break;
            case LP_CK_WALK:
                // The blocks, one unit each, in a loop of their own: a unit is then little more
                // than the block's own tests.
                while (budget > 0 && c->pos < c->end && !e) {
                    e = lp_check_block(a, c);
                    budget--;
                }
                if (e || c->pos < c->end) {
                    break;
                }
                if (c->pos != c->end) {
                    e = "invariant 2: blocks do not end at the sentinel";
                } else if (((lp_header(lp_end(a)) & LP_PREV_FREE) != 0) != (c->prev_free != 0)) {
                    e = "invariant 3: sentinel prev-free flag disagrees with the last block";
                }
                c->phase = LP_CK_LISTS;
                c->cls = 0;
                c->back = 0;
                break;
            case LP_CK_LISTS:
                while (budget > 0 && c->cls < a->class_count && !e) {
                    e = lp_check_list(a, c);
                    budget--;
                }
                if (e || c->cls < a->class_count) {
                    break;
                }
                if (c->listed != c->free_blocks) {
                    e = "invariant 7: free block missing from its free list";
                }
                c->phase = LP_CK_BITS;
                break;
            case LP_CK_BITS:
                for (uint32_t w = 0; w < LP_MAP_WORDS; w++) {
                    // Bits of word w that stand for classes past the last one.
                    uint32_t first = w * 32;
                    uint32_t beyond = a->class_count <= first ? ~0u
                        : a->class_count - first >= 32 ? 0u : ~0u << (a->class_count - first);
                    if (a->class_map[w] & beyond) {
                        e = "invariant 8: bitmap bit beyond the last class";
                    }
                }
                c->phase = LP_CK_STARTS;
                c->pos = 0;
                budget--;
                break;
            case LP_CK_STARTS:
                #if LP_ALLOC_EXACT_FREE
                // 10. No start bit anywhere else: as many bits as live blocks, all seen on the walk.
                if (c->pos < lp_start_words(lp_first_link(a) / LP_GRAN + a->granules)) {
                    for (uint32_t x = lp_starts(a)[c->pos++]; x; x &= x - 1) {
                        c->bits++;
                    }
                    budget--;
                    break;
                }
                if (c->bits != c->used_blocks) {
                    e = "invariant 10: start bit where no live block starts";
                }
                #endif
                c->phase = LP_CK_COUNTERS;
                break;
            default:
                // 9. Counters.
                if (c->used_granules != a->used_granules || c->used_blocks + c->free_blocks != a->blocks
                    || c->free_blocks != a->free_blocks) {
                    e = "invariant 9: counters disagree with the blocks";
                } else if (a->peak_granules < a->used_granules) {
                    e = "invariant 9: peak below current use";
                }
                c->phase = LP_CK_DONE;
                return e ? lp_check_fail(c, e) : true;
        }
    }
    return e ? lp_check_fail(c, e) : false;
}

const char *lp_alloc_check(const lp_alloc_t *a) {
    lp_alloc_check_t c;
    lp_alloc_check_begin(a, &c);
    while (!lp_alloc_check_step(a, &c, UINT32_MAX)) {
    }
    return c.error;
}

uint32_t lp_alloc_changes(const lp_alloc_t *a) {
    return a ? a->changes : 0;
}

const char *lp_status_str(lp_status_t s) {
    switch (s) {
        case LP_OK:
            return "ok";
        case LP_ERR_ARG:
            return "bad argument";
        case LP_ERR_TOO_SMALL:
            return "region too small";
        case LP_ERR_TOO_LARGE:
            return "region too large";
        case LP_ERR_NOT_BLOCK:
            return "not a block of this pool";
        case LP_ERR_NOT_LIVE:
            return "block already free";
    }
    return "unknown status";
}
