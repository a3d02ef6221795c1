// Layer 5 (docs/internals.md): pools. A pool over the static arena (LpMemoryPool()) or over caller
// memory (LpMemoryPool(bytearray(4096))), as C: its memory, creation and close(), allocation with one
// collection before AllocError, the handle reserve, check(). Below it: tracking, errors, the lock
// and the allocator; the Python type is lp_memorypool.c's, above run() (layer 6). Every change to a
// block is made here, with the allocator's own calls: tracking names a new block's tag
// (lp_meta_tag) and the allocator keeps the tags' tallies, so a resize, a move or a free goes
// straight from the pool to the allocator.
//
// Lifetime rule (invariant 5 in lp_pool.h): a caller-memory pool is registered in a root pointer
// from creation until close(), so the GC can never sweep it, or the buffer under it, while objects
// live in it; close() raises while objects are live. Soft reset drops every pool, and the static
// arena is initialised afresh on the first LpMemoryPool() after it. The registry also keeps pools
// apart (invariant 10): a new caller pool must not overlap the static arena or a registered region.

#include <string.h>

#include "py/gc.h"
#include "py/objstr.h"
#include "py/runtime.h"

#include "lp_pool.h"

LP_DEFINE_STATIC_EXC(lp_err_create_locked, mp_type_RuntimeError, "create pools before locking the heap");
LP_DEFINE_STATIC_EXC(lp_err_closed, mp_type_ValueError, "pool is closed");
LP_DEFINE_STATIC_EXC(lp_err_moved, mp_type_RuntimeError, "the buffer under this pool was moved or resized");

// The static arena: one array, so it lands in .bss and its size is fixed per board at build time
// (LP_POOL_ARENA_SIZE from boards/). The GC never scans it. Placed with the alignment the allocator
// wants, so no bytes are lost to aligning it.
static uint8_t lp_arena[LP_POOL_ARENA_SIZE] __attribute__((aligned(8)));

MP_REGISTER_ROOT_POINTER(struct _lp_pool_obj_t *lp_static_pool);
MP_REGISTER_ROOT_POINTER(struct _lp_pool_obj_t *lp_pool_registry);

#if LP_POOL_ALLOC_META
#define LP_META_ROWS_PARAM , size_t meta_rows
#define LP_META_ROWS_INT_PARAM , mp_int_t meta_rows
#else
#define LP_META_ROWS_PARAM
#define LP_META_ROWS_INT_PARAM
#endif

static lp_pool_obj_t *lp_pool_new(mp_obj_t buf, uint8_t *mem, size_t size, size_t reserve, bool collect LP_META_ROWS_PARAM) {
    if (gc_is_locked()) {
        lp_raise_static(&lp_err_create_locked);
    }
    lp_alloc_t *heap;
    #if LP_POOL_ALLOC_META
    // The tracking table comes first in the region (lp_meta.c invariant 2), 8-byte aligned.
    size_t skip = (size_t)(-(uintptr_t)mem & 7) + lp_meta_table_bytes(meta_rows);
    uint8_t *table = mem + (size_t)(-(uintptr_t)mem & 7);
    lp_status_t st = size < lp_alloc_min_region() + skip ? LP_ERR_TOO_SMALL : lp_alloc_init(&heap, mem + skip, size - skip);
    #define LP_MIN_REGION (lp_alloc_min_region() + skip)
    #else
    lp_status_t st = size < lp_alloc_min_region() ? LP_ERR_TOO_SMALL : lp_alloc_init(&heap, mem, size);
    #define LP_MIN_REGION (lp_alloc_min_region())
    #endif
    if (st == LP_ERR_TOO_SMALL) {
        mp_raise_msg_varg(&mp_type_ValueError, MP_ERROR_TEXT("buffer of %u bytes is too small for a pool (needs at least %u)"),
            (unsigned)size, (unsigned)LP_MIN_REGION);
    }
    if (st != LP_OK) {
        mp_raise_msg_varg(&mp_type_ValueError, MP_ERROR_TEXT("cannot make a pool over this buffer: %s"), lp_status_str(st));
    }
    lp_pool_obj_t *pool = mp_obj_malloc(lp_pool_obj_t, &lp_type_MemoryPool);
    pool->heap = heap;
    pool->buf = buf;
    pool->mem = mem;
    pool->size = size;
    pool->live = 0;
    pool->pinned = 0;
    pool->extra = 0;
    pool->pinned_bytes = 0;
    pool->reserve_len = 0;
    pool->reserve_target = reserve;
    pool->reserve_used = 0;
    pool->reserve_cap = 0;
    pool->reserve_gen = 0;
    pool->slots = NULL;
    pool->next_pool = NULL;
    pool->prev_pool = NULL;
    pool->collect = collect;
    #if LP_POOL_ALLOC_META
    lp_meta_init(&pool->meta, table, meta_rows, heap);
    #endif
    lp_pool_refill(pool);
    return pool;
}

lp_pool_obj_t *lp_static_pool(void) {
    lp_pool_obj_t *pool = MP_STATE_VM(lp_static_pool);
    if (pool == NULL) {
        pool = lp_pool_new(MP_OBJ_NULL, lp_arena, LP_POOL_ARENA_SIZE, LP_POOL_DEFAULT_RESERVE, true
            LP_META_KIND(LP_POOL_META_ROWS));
        MP_STATE_VM(lp_static_pool) = pool;
    }
    return pool;
}

void lp_pools_reset(void) {
    // Called on the first import after a soft reset: the old root pointers point into a heap that
    // no longer exists.
    MP_STATE_VM(lp_static_pool) = NULL;
    MP_STATE_VM(lp_pool_registry) = NULL;
}

bool lp_pool_region_valid(lp_pool_obj_t *pool) {
    if (pool->heap == NULL) {
        return false;
    }
    if (pool->buf == MP_OBJ_NULL) {
        return true;
    }
    // A bytearray that grew may have been moved by the GC, and its old memory reused: never
    // touch the region again then.
    mp_buffer_info_t bi;
    return mp_get_buffer(pool->buf, &bi, MP_BUFFER_RW) && bi.buf == pool->mem && bi.len >= pool->size;
}

// A caller-memory pool (open, or closed with pinned blocks: invariant 7) still owns its region: the
// buffer it keeps is where the pool was made over. A buffer that moved gave its old memory back to
// the GC, so that memory is free for a new pool.
static bool lp_pool_holds_region(lp_pool_obj_t *pool) {
    mp_buffer_info_t bi;
    return pool->buf != MP_OBJ_NULL && pool->mem != NULL && mp_get_buffer(pool->buf, &bi, MP_BUFFER_READ)
           && bi.buf == pool->mem && bi.len >= pool->size;
}

static bool lp_ranges_overlap(const uint8_t *a, size_t an, const uint8_t *b, size_t bn) {
    return an != 0 && bn != 0 && a < b + bn && b < a + an;
}

// Invariant 10: no two pools share a byte. ValueError naming the pool whose region [p, p + n)
// overlaps: the static arena, or a registered caller-memory pool.
static void lp_pool_check_overlap(const uint8_t *p, size_t n) {
    if (lp_ranges_overlap(p, n, lp_arena, LP_POOL_ARENA_SIZE)) {
        mp_raise_ValueError(MP_ERROR_TEXT("this memory is in the static arena, the memory of the static pool (LpMemoryPool()): a pool needs memory no other pool uses"));
    }
    for (lp_pool_obj_t *pool = MP_STATE_VM(lp_pool_registry); pool != NULL; pool = pool->next_pool) {
        if (lp_pool_holds_region(pool) && lp_ranges_overlap(p, n, pool->mem, pool->size)) {
            vstr_t msg;
            mp_print_t print;
            vstr_init_print(&msg, 120, &print);
            mp_printf(&print, "this memory overlaps the memory of %s", pool->heap != NULL ? "an open pool, " : "a closed pool, ");
            mp_obj_print_helper(&print, MP_OBJ_FROM_PTR(pool), PRINT_REPR);
            mp_print_str(&print, pool->heap != NULL
                ? ": a pool needs memory no other pool uses (close() that pool first)"
                : ", which keeps it for memoryviews of its objects until soft reset");
            mp_obj_t arg = mp_obj_new_str_from_vstr(&msg);
            nlr_raise(mp_obj_new_exception_arg1(&mp_type_ValueError, arg));
        }
    }
}

void lp_pool_check_open(lp_pool_obj_t *pool) {
    if (pool->heap == NULL) {
        lp_raise_static(&lp_err_closed);
    }
    if (!lp_pool_region_valid(pool)) {
        lp_raise_static(&lp_err_moved);
    }
}

// A pool over a caller's buffer (LpMemoryPool(buf)), registered until close() (lp_pool.h invariants
// 5 and 10).
lp_pool_obj_t *lp_pool_new_caller(mp_obj_t buf, size_t reserve, bool collect LP_META_ROWS_INT_PARAM) {
    if (gc_is_locked()) {
        lp_raise_static(&lp_err_create_locked);
    }
    mp_buffer_info_t bi;
    // Memory another pool uses is refused first, whatever else is wrong with the object (a
    // memoryview, a read-only buffer): that is the error that matters.
    if (mp_get_buffer(buf, &bi, MP_BUFFER_READ)) {
        lp_pool_check_overlap(bi.buf, bi.len);
    }
    #if MICROPY_PY_BUILTINS_MEMORYVIEW
    if (mp_obj_is_type(buf, &mp_type_memoryview)) {
        // A memoryview keeps the address it was made with: when the bytearray under it grows and
        // moves, the pool could not notice, and would go on using freed GC heap memory.
        mp_raise_TypeError(MP_ERROR_TEXT("LpMemoryPool needs the bytearray or array itself, not a memoryview of it (a memoryview can't tell when its memory moves)"));
    }
    #endif
    if (!mp_get_buffer(buf, &bi, MP_BUFFER_READ)) {
        mp_raise_msg_varg(&mp_type_TypeError, MP_ERROR_TEXT("LpMemoryPool needs a writable buffer (bytearray, array), not %s"),
            mp_obj_get_type_str(buf));
    }
    if (!mp_get_buffer(buf, &bi, MP_BUFFER_WRITE)) {
        mp_raise_msg_varg(&mp_type_TypeError, MP_ERROR_TEXT("LpMemoryPool needs a writable buffer; %s is read-only"),
            mp_obj_get_type_str(buf));
    }
    if (bi.len >= 0x80000000u) {
        mp_raise_ValueError(MP_ERROR_TEXT("buffer too large for a pool"));
    }
    #if LP_POOL_ALLOC_META
    // Tags are 8 bits and 0 means none: at most 255 rows; row 0 is the pinned blocks'.
    if (meta_rows < 2 || meta_rows > 255) {
        mp_raise_ValueError(MP_ERROR_TEXT("meta_rows must be between 2 and 255"));
    }
    #endif
    lp_pool_obj_t *pool = lp_pool_new(buf, bi.buf, bi.len, reserve, collect LP_META_KIND((size_t)meta_rows));
    lp_lock();
    pool->next_pool = MP_STATE_VM(lp_pool_registry);
    if (pool->next_pool != NULL) {
        pool->next_pool->prev_pool = pool;
    }
    MP_STATE_VM(lp_pool_registry) = pool;
    lp_unlock();
    return pool;
}

void *lp_pool_try_alloc(lp_pool_obj_t *pool, size_t size LP_META_KIND_PARAM) {
    lp_pool_check_open(pool);
    lp_lock();
    lp_alloc_t *heap = pool->heap;
    #if LP_POOL_ALLOC_META
    // The row is found or made first (lp_meta.c invariant 3); no row, no block.
    uint32_t tag = lp_meta_tag(&pool->meta, kind);
    void *p = tag != 0 ? lp_alloc(heap, size) : NULL;
    if (p != NULL) {
        lp_alloc_set_tag(heap, p, tag);
    }
    #else
    void *p = lp_alloc(heap, size);
    #endif
    // Counted in this section (invariant 6): until lp_handle_attach the block is nobody's object.
    pool->extra += p != NULL;
    lp_unlock();
    return p;
}

// ---- the blocks of the pool's objects: what lp_handle.c asks for ----------------------------

void lp_pool_attach(lp_obj_t *h, void *data) {
    lp_lock();
    h->cap = lp_usable_size(h->pool->heap, data);
    // One section: the block moves from extra to live (invariant 6).
    h->pool->extra--;
    h->pool->live++;
    lp_unlock();
}

void lp_pool_release(lp_obj_t *h) {
    lp_pool_obj_t *pool = h->pool;
    // Checked before taking the lock: it may call into the buffer's type.
    bool valid = pool != NULL && lp_pool_region_valid(pool);
    lp_lock();
    void *data = h->data;
    h->data = NULL;
    if (data != NULL && pool != NULL) {
        // lp_free cannot fail for a block this handle owns; a failure would mean a corrupted pool,
        // which pool.check() reports (finalisers can't raise). A pool whose memory moved is never
        // written again: its block is abandoned, but it stops counting as live so close() works.
        if (!valid) {
            pool->pinned += (h->flags & LP_OBJ_PINNED) != 0;
        } else if (h->flags & LP_OBJ_PINNED) {
            // The block stays with the pool for its memoryview (invariant 7), in the pinned row.
            #if LP_POOL_ALLOC_META
            lp_alloc_set_tag(pool->heap, data, LP_META_PINNED_TAG);
            #endif
            pool->pinned++;
            pool->pinned_bytes += lp_usable_size(pool->heap, data);
        } else {
            lp_free(pool->heap, data);
        }
        pool->live--;
    }
    lp_unlock();
}

// A resize goes down the layers once: the pool checked, then (after a collection, on a second
// attempt) the allocator, with no call back up. A realloc that moves the payload copies it with the
// lock released (lp_alloc.h, lp_realloc_begin): the copy is the one part of a resize that grows
// with the block, and interrupts must not wait for it. Between the two sections the allocator is
// consistent and usable by a handler, which can't touch the blocks involved: they are live, and
// belong to an object the handler is not using (two contexts using one object at once is
// unsupported anyway: docs/irq.md on threads). The old block of a move (or the fresh block of a
// pinned one) counts as extra meanwhile (invariant 6), and with tracking both blocks already carry
// the object's tag, so check() in between finds everything in order.
bool lp_pool_move(lp_obj_t *h, size_t size, size_t copy, bool collect) {
    lp_pool_obj_t *pool = h->pool;
    bool collected = false;
    lp_pool_check_open(pool);
    for (bool retry = false;; retry = true) {
        if (retry) {
            if (!collect) {
                return false;
            }
            // Raises when it collected before or can't; checks the pool again after collecting.
            lp_pool_collect_or_raise(pool, &collected, size);
            if (h->data == NULL) {
                return false; // a finaliser (a __del__ method) freed this very object
            }
        }
        lp_alloc_t *heap = pool->heap;
        void *old = h->data;
        void *p;
        // A section for each step, as short as each can be (the longest is an interrupt's latency).
        if (h->flags & LP_OBJ_PINNED) {
            // Invariant 8: a fresh block, the old one left where it is for its memoryview.
            lp_lock();
            #if LP_POOL_ALLOC_META
            pool->meta.full = false; // a resize keeps its row (lp_meta.c invariant 4): never short of one
            #endif
            p = lp_alloc(heap, size);
            if (p != NULL) {
                #if LP_POOL_ALLOC_META
                lp_alloc_set_tag(heap, p, lp_alloc_tag(heap, old)); // its row (lp_meta.c invariant 4)
                #endif
                pool->extra++; // the fresh block until the old one is stranded (invariant 6)
            }
            lp_unlock();
            if (p == NULL) {
                continue;
            }
            LP_TEST_GAP(MP_QSTR_realloc);
            memcpy(p, old, copy);
            lp_lock();
            #if LP_POOL_ALLOC_META
            lp_alloc_set_tag(heap, old, LP_META_PINNED_TAG);
            #endif
            pool->pinned++;
            pool->pinned_bytes += lp_usable_size(heap, old);
            pool->extra--;
            h->flags &= ~LP_OBJ_PINNED;
            lp_unlock();
        } else {
            lp_realloc_plan_t plan;
            lp_lock();
            #if LP_POOL_ALLOC_META
            pool->meta.full = false;
            #endif
            p = lp_realloc_begin(heap, old, size, &plan);
            if (p != NULL) {
                pool->extra += plan.old != NULL; // the old block of a move, until it is freed
            }
            lp_unlock();
            if (p == NULL) {
                continue;
            }
            if (plan.move != 0) {
                LP_TEST_GAP(MP_QSTR_realloc);
                memmove(p, old, plan.move);
                // The old block freed (a move) or the tail trimmed (backward growth), in a section
                // apart from the one below: together they would make the longest window longer.
                lp_lock();
                lp_realloc_end(heap, p, size, &plan);
                pool->extra -= plan.old != NULL;
                lp_unlock();
            }
        }
        // The handle's new block published.
        lp_lock();
        h->data = p;
        h->cap = lp_usable_size(heap, p);
        lp_unlock();
        return true;
    }
}

// Garbage must never make a pool fail: an unreachable object gives its block back only in its
// finaliser, so a failing allocation collects once and retries. It collects only where that can
// help and is safe:
// - the pool allows it (LpMemoryPool(collect=False) or pool.collect = False turn it off, for code
//   that would rather take AllocError at once than a collection's pause);
// - some object of the pool is live (only they can be garbage; pinned blocks never come back);
// - not from inside a collection (a finaliser that creates an object): MicroPython's collector
//   does not nest;
// - not in a hard IRQ handler: it interrupted the program, maybe half-way through a change of the
//   GC heap. MicroPython runs those with the scheduler locked and the heap locked one level more
//   (shared/runtime/mpirq.c), so a locked scheduler plus a heap lock level that is not lp_pool's
//   means "maybe a hard IRQ": no collection. Scheduled callbacks (scheduler locked, no foreign
//   level) still collect.
// With the heap locked (inside run()) this is the same as calling gc.collect() there: finalisers
// run under the lock, and lp_pool's own finaliser allocates nothing.
bool lp_pool_collect(lp_pool_obj_t *pool) {
    if (!pool->collect || pool->live == 0 || (MP_STATE_THREAD(gc_lock_depth) & GC_COLLECT_FLAG)) {
        return false;
    }
    #if MICROPY_ENABLE_SCHEDULER
    if (MP_STATE_VM(sched_state) < 0 && LP_HEAP_LOCK_DEPTH() != lp_run_own_levels()) {
        return false;
    }
    #endif
    // The handles lent since the last refill (objects made inside this run(), say) would survive
    // the collection in their slots: let go of them first. Safe: no collection is under way here.
    lp_pool_drop_lent(pool);
    gc_collect();
    return true;
}

MP_NORETURN void lp_raise_alloc_error(lp_pool_obj_t *pool, size_t requested) {
    size_t available = 0;
    if (pool->heap != NULL) {
        lp_alloc_stats_t st;
        lp_lock();
        lp_alloc_stats(pool->heap, &st);
        lp_unlock();
        available = st.largest_free;
    }
    lp_raise_alloc_error_text(NULL, requested, available);
}

void lp_pool_collect_or_raise(lp_pool_obj_t *pool, bool *collected, size_t requested) {
    #if LP_POOL_ALLOC_META
    // A full tracking table is helped by a collection too: garbage gives its rows back.
    bool table_full = pool->meta.full;
    pool->meta.full = false;
    #endif
    if (!*collected && lp_pool_collect(pool)) {
        *collected = true;
        lp_pool_check_open(pool); // the finalisers may have closed it
        return;
    }
    #if LP_POOL_ALLOC_META
    if (table_full) {
        lp_meta_raise_full();
    }
    #endif
    lp_raise_alloc_error(pool, requested);
}

void *lp_pool_alloc(lp_pool_obj_t *pool, size_t size LP_META_KIND_PARAM) {
    for (bool collected = false;;) {
        // Checks the pool on each attempt: a finaliser may have closed it.
        void *p = lp_pool_try_alloc(pool, size LP_META_KIND(kind));
        if (p != NULL) {
            return p;
        }
        lp_pool_collect_or_raise(pool, &collected, size);
    }
}

void *lp_pool_extra_alloc(lp_pool_obj_t *pool, size_t size LP_META_KIND_PARAM) {
    return lp_pool_try_alloc(pool, size LP_META_KIND(kind));
}

void lp_pool_extra_free(lp_pool_obj_t *pool, void *ptr) {
    if (ptr == NULL) {
        return;
    }
    lp_lock();
    // Its owner checked the region before; lp_free can't fail for a block it owns.
    lp_free(pool->heap, ptr);
    pool->extra--;
    lp_unlock();
}

// ---- the handle reserve (invariant 2 in lp_pool.h) ----
// slots[0, reserve_len) are ready, slots[reserve_len, reserve_used) lent: a creation with the heap
// locked (inside run(), or in a hard IRQ handler) takes slots[--reserve_len], and while a
// collection may be under way (lp_gc_may_run) the handle stays there. Why: MicroPython's collector marks what it reaches while the program it collects for is
// stopped, but a hard IRQ handler can run in the middle of it. A handle the handler took from the
// pool, then stored in an object the collector had already marked, would be reachable from nothing
// the collector still scans, and the sweep would free a handle in use. Kept in its slot, the handle
// is marked through the pool whether the collector reaches the pool before or after the interrupt.
// Lent slots are cleared only by the main program, with no collection under way: at a refill and
// before lp_pool_collect's own collection. The cost: a lent handle (and, if the program dropped
// it, its pool block) stays alive until then; a program that makes objects only in IRQ handlers
// tops the reserve up with pool.reserve(n), which clears them. Without threads only the handles
// taken inside a collection are lent, so only they pay it; with threads every locked creation is.
//
// Slots are written only in the sections below; each is O(1). With threads
// running in parallel (no GIL) another thread may be collecting meanwhile: these sections then also
// hold the collector's own mutex, so none of them runs inside someone else's collection.
#if MICROPY_PY_THREAD && !MICROPY_PY_THREAD_GIL
#define LP_GC_HOLD() mp_thread_recursive_mutex_lock(&MP_STATE_MEM(gc_mutex), 1)
#define LP_GC_RELEASE() mp_thread_recursive_mutex_unlock(&MP_STATE_MEM(gc_mutex))
#else
#define LP_GC_HOLD()
#define LP_GC_RELEASE()
#endif

void lp_pool_drop_lent(lp_pool_obj_t *pool) {
    for (bool more = true; more;) {
        LP_GC_HOLD();
        lp_lock();
        more = pool->reserve_used > pool->reserve_len;
        if (more) {
            pool->slots[--pool->reserve_used] = NULL;
            pool->reserve_gen++;
        }
        lp_unlock();
        LP_GC_RELEASE();
    }
}

// Whether a collection may be marking or sweeping now (lp_pool.h, invariant 2). Without threads
// only this program collects, and a hard IRQ handler that interrupted gc_collect sees its
// GC_COLLECT_FLAG; so does a finaliser. With threads another thread's collection (or, on the
// RP2040, the other core's) is not visible here: always.
static inline bool lp_gc_may_run(void) {
    #if MICROPY_PY_THREAD
    return true;
    #else
    return (MP_STATE_THREAD(gc_lock_depth) & GC_COLLECT_FLAG) != 0;
    #endif
}

lp_obj_t *lp_pool_lend_handle(lp_pool_obj_t *pool) {
    // While a collection may be under way, lent, not removed: the handle stays in its slot until
    // the next refill, so a collection this interrupts still finds it through the pool. Otherwise
    // it leaves the pool at once, so it is garbage as soon as the program drops it.
    lp_obj_t *h = NULL;
    lp_lock();
    if (pool->reserve_len > 0) {
        h = pool->slots[--pool->reserve_len];
        #if LP_POOL_TEST_OLD_RESERVE
        // The reserve as it was before lent slots: the handle leaves the pool when taken. Only
        // for the preemption test's second negative control (make qemu-arm-oldreserve).
        pool->slots[pool->reserve_len] = NULL;
        #else
        if (!lp_gc_may_run()) {
            // The last lent handle, if any, moves into the freed slot: lent ones stay at
            // slots[reserve_len, reserve_used).
            pool->reserve_used--;
            pool->slots[pool->reserve_len] = pool->slots[pool->reserve_used];
            pool->slots[pool->reserve_used] = NULL;
            pool->reserve_gen++;
        }
        #endif
    }
    lp_unlock();
    return h;
}

// A slots array of at least `cap`; the old one's slots are copied with the lock released and the
// new array taken only if no slot was written meanwhile (another thread's refill).
static void lp_reserve_grow(lp_pool_obj_t *pool, size_t cap) {
    lp_obj_t **bigger = m_new0(lp_obj_t *, cap);
    for (bool done = false; !done;) {
        lp_lock();
        lp_obj_t **old = pool->slots;
        size_t used = pool->reserve_used;
        uint32_t gen = pool->reserve_gen;
        lp_unlock();
        if (pool->reserve_cap >= cap) {
            return; // another thread grew it
        }
        for (size_t i = 0; i < used; i++) {
            bigger[i] = old[i];
        }
        LP_GC_HOLD();
        lp_lock();
        done = pool->reserve_gen == gen;
        if (done) {
            pool->slots = bigger;
            pool->reserve_cap = cap;
            pool->reserve_gen++;
        }
        lp_unlock();
        LP_GC_RELEASE();
    }
}

void lp_pool_refill(lp_pool_obj_t *pool) {
    if (gc_is_locked()) {
        // Inside run(), a hard IRQ handler or a collection: the lent handles must stay (a collection
        // may be under way) and no handle can be made; the heap's own error, as before.
        if (pool->reserve_len < pool->reserve_target && pool->heap != NULL) {
            m_malloc_fail(sizeof(lp_obj_t));
        }
        return;
    }
    lp_pool_drop_lent(pool);
    lp_obj_t *h = NULL;
    while (pool->reserve_len < pool->reserve_target && pool->heap != NULL) {
        if (pool->reserve_used >= pool->reserve_cap) {
            size_t cap = pool->reserve_target > 2 * pool->reserve_cap ? pool->reserve_target : 2 * pool->reserve_cap;
            lp_reserve_grow(pool, cap);
            continue;
        }
        if (h == NULL) {
            // Typed as a buffer only so the finaliser slot is valid; the real type is set when used.
            h = mp_obj_malloc_with_finaliser(lp_obj_t, &lp_type_Buffer);
            h->pool = NULL;
            h->data = NULL;
            h->len = 0;
        }
        LP_GC_HOLD();
        lp_lock();
        // Only onto the ready slots: if a handler lent one since, that slot is dropped first.
        bool placed = pool->reserve_used == pool->reserve_len && pool->reserve_used < pool->reserve_cap;
        if (placed) {
            pool->slots[pool->reserve_used++] = h;
            pool->reserve_len++;
            pool->reserve_gen++;
        }
        lp_unlock();
        LP_GC_RELEASE();
        if (placed) {
            h = NULL;
        } else {
            lp_pool_drop_lent(pool);
        }
    }
}

lp_pool_obj_t *lp_pool_for_new(mp_obj_t pool_in) {
    lp_pool_obj_t *pool;
    if (pool_in != MP_OBJ_NULL && pool_in != mp_const_none) {
        if (!mp_obj_is_type(pool_in, &lp_type_MemoryPool)) {
            mp_raise_msg_varg(&mp_type_TypeError, MP_ERROR_TEXT("pool must be an LpMemoryPool, not %s"), mp_obj_get_type_str(pool_in));
        }
        pool = MP_OBJ_TO_PTR(pool_in);
    } else {
        pool = lp_current_pool();
        if (pool == NULL) {
            pool = lp_static_pool();
        }
    }
    lp_pool_check_open(pool);
    return pool;
}

// check() holds the lock for LP_POOL_CHECK_CHUNK units of work at a time (a block of the walk, a
// free-list entry, a block of a tracking tally), so its interrupts-off time is bounded whatever
// the pool's size. Why that is still one consistent check: every change to the allocator bumps
// its change count in the same critical section (lp_alloc_changes), and the tracking table
// changes only in sections that also change the allocator (a block's row is added, moved or
// removed with the block, and a retag is lp_alloc_set_tag). A section that finds the count moved
// since the check began starts the check over. So when it finishes, every section it ran saw the
// same allocator and table, exactly as if it had held the lock throughout. The object counters
// (live, pinned, extra) are compared with the blocks in the last section, which reads both.
LP_DEFINE_STATIC_EXC(lp_err_check_busy, mp_type_RuntimeError,
    "pool.check() gave up: the pool changed between its steps too often (interrupt handlers or threads using it all the time); nothing wrong was found");

void lp_pool_check(lp_pool_obj_t *self) {
    lp_alloc_check_t ac;
    #if LP_POOL_ALLOC_META
    lp_meta_check_t mc;
    #endif
    const char *err = NULL;
    bool began = false, done = false, alloc_done = false;
    #if LP_POOL_ALLOC_META
    bool meta_done = false;
    #endif
    uint32_t restarts = 0;
    size_t used = 0, live = 0, pinned = 0, extra = 0;
    while (!done) {
        // Between sections the pool may have been closed, or its buffer moved, by someone else.
        lp_pool_check_open(self);
        lp_lock();
        if (self->heap == NULL) {
            lp_unlock();
            continue;
        }
        if (!began || lp_alloc_changes(self->heap) != ac.changes) {
            if (began && ++restarts > LP_POOL_CHECK_RESTARTS) {
                lp_unlock();
                lp_raise_static(&lp_err_check_busy);
            }
            lp_alloc_check_begin(self->heap, &ac);
            alloc_done = false;
            #if LP_POOL_ALLOC_META
            lp_meta_check_begin(&self->meta, self->heap, &mc);
            meta_done = false;
            #endif
            began = true;
        }
        if (!alloc_done) {
            alloc_done = lp_alloc_check_step(self->heap, &ac, LP_POOL_CHECK_CHUNK);
            err = ac.error;
        #if LP_POOL_ALLOC_META
        } else if (!meta_done) {
            meta_done = lp_meta_check_step(&self->meta, &mc, LP_POOL_CHECK_CHUNK, &err);
        #endif
        } else {
            lp_alloc_stats_t st;
            lp_alloc_stats(self->heap, &st); // it trusts the links the check has just tested
            used = st.used_blocks;
            live = self->live;
            pinned = self->pinned;
            extra = self->extra;
            done = true;
        }
        done |= err != NULL;
        lp_unlock();
        if (!done) {
            LP_TEST_GAP(MP_QSTR_check);
        }
    }
    if (err != NULL) {
        mp_raise_msg_varg(&mp_type_RuntimeError, MP_ERROR_TEXT("pool is corrupted: %s"), err);
    }
    if (used != live + pinned + extra) {
        mp_raise_msg_varg(&mp_type_RuntimeError, MP_ERROR_TEXT("pool is corrupted: %u blocks in use but %u live objects, %u pinned and %u extra blocks"),
            (unsigned)used, (unsigned)live, (unsigned)pinned, (unsigned)extra);
    }
}

void lp_pool_close(lp_pool_obj_t *self) {
    if (self->heap == NULL) {
        return; // closing twice is harmless
    }
    if (self->buf == MP_OBJ_NULL) {
        mp_raise_msg(&mp_type_RuntimeError, MP_ERROR_TEXT("the static pool cannot be closed"));
    }
    if (self->live != 0) {
        mp_raise_msg_varg(&mp_type_RuntimeError, MP_ERROR_TEXT("pool has %u live objects: free them before close()"),
            (unsigned)self->live);
    }
    if (lp_pool_is_current_anywhere(self)) {
        mp_raise_msg(&mp_type_RuntimeError, MP_ERROR_TEXT("pool is in use by run()"));
    }
    lp_lock();
    if (self->pinned == 0) {
        // Doubly linked, so the critical section stays O(1) however many pools are open.
        if (self->prev_pool != NULL) {
            self->prev_pool->next_pool = self->next_pool;
        } else {
            MP_STATE_VM(lp_pool_registry) = self->next_pool;
        }
        if (self->next_pool != NULL) {
            self->next_pool->prev_pool = self->prev_pool;
        }
        self->buf = MP_OBJ_NULL;
        self->mem = NULL;
        self->next_pool = NULL;
        self->prev_pool = NULL;
    }
    // With pinned blocks (invariant 7) the pool stays registered and keeps its buffer until soft
    // reset: a memoryview may still point into it.
    self->heap = NULL;
    self->slots = NULL;
    self->reserve_len = 0;
    self->reserve_used = 0;
    self->reserve_cap = 0;
    self->reserve_gen++;
    lp_unlock();
}

