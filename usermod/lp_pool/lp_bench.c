// _lp_bench: what the MicroPython-level benchmarks (tests/bench/) need and MicroPython does not give:
// a count of GC collections, a map of a pool's blocks, and on the qemu boards a tick source.
// Its one type (the sentinel below) is not exported: the module is functions only.
//
// Invariants:
//  1. The collection counter never allocates while counting: the sentinels are allocated (with a
//     finaliser) only by gc_collections() with the heap unlocked, and kept reachable in the root
//     pointer array lp_gc_stock until armed.
//  2. At most one sentinel is armed (unreachable) at a time. A sentinel dies exactly at the first
//     collection after it was armed, since nothing reaches it any more; its finaliser counts one
//     collection and arms the next stocked sentinel, which was marked in this collection and so dies
//     in the next one. So every collection is counted while the stock lasts.
//  3. When the stock runs out inside a finaliser, counting stops until the next gc_collections()
//     call refills it; lp_gc_blind records that this happened, so a result is never silently low.
//  4. ticks_cpu() (qemu boards only) reads a free-running 32-bit timer (lp_clock.h), never an
//     interrupt, so it changes nothing in the program it measures beyond its own few instructions.
//
// Layer 7 with the module (docs/internals.md): for the benchmarks only; reads a pool through
// lp_mempool.c and the allocator.

#include <string.h>

#include "py/gc.h"
#include "py/smallint.h"
#include "py/runtime.h"

#include "lp_pool.h"
#include "lp_clock.h"

// ---- the GC collection counter ----------------------------------------------------------------
// MicroPython 1.25 has no collection counter and never calls __del__ of Python classes (instances
// are allocated without a finaliser), so the sentinel is a tiny native object.

#ifndef LP_BENCH_GC_STOCK
#define LP_BENCH_GC_STOCK (32)
#endif

MP_REGISTER_ROOT_POINTER(void *lp_gc_stock[LP_BENCH_GC_STOCK]);

static size_t lp_gc_count;   // collections seen since the first gc_collections() call
static size_t lp_gc_blind;   // times the stock ran out inside a finaliser (invariant 3)
// The armed sentinel, or NULL. Static data is not a GC root, so this does not keep it alive; it is
// only compared, to notice a soft reset (which frees every sentinel without counting).
static void *lp_gc_armed;

typedef struct {
    mp_obj_base_t base;
} lp_gc_sentinel_t;

// Defined below with its finaliser; extern only so the helpers above can name it.
extern const mp_obj_type_t lp_type_gc_sentinel;

// A live sentinel of this session: after a soft reset the old pointers lead to freed or reused blocks.
static bool lp_gc_is_sentinel(void *p) {
    return p != NULL && gc_nbytes(p) != 0 && ((mp_obj_base_t *)p)->type == &lp_type_gc_sentinel;
}

// Take the next stocked sentinel out of the root array: from now on nothing reaches it. The stock
// holds only live sentinels (gc_collections() checks it), and during a collection gc_nbytes() can't
// tell (marked blocks read as 0), so no check here.
static void *lp_gc_arm(void) {
    for (size_t i = 0; i < LP_BENCH_GC_STOCK; i++) {
        void *p = MP_STATE_VM(lp_gc_stock)[i];
        if (p != NULL) {
            MP_STATE_VM(lp_gc_stock)[i] = NULL;
            return p;
        }
    }
    return NULL;
}

// The GC scans the C stack conservatively: a stale copy of the armed sentinel's address left in a
// dead frame that a later collection's scan covers would keep it alive, and that collection would go
// uncounted. So arming happens in its own frame, and a larger frame of zeros is written over it after.
static MP_NOINLINE void lp_gc_scrub(void) {
    volatile uint8_t pad[1024];
    for (size_t i = 0; i < sizeof(pad); i++) {
        pad[i] = 0;
    }
}

// Runs inside gc_collect's sweep (heap locked): count, then arm the next one (invariant 2).
static mp_obj_t lp_gc_sentinel_del(mp_obj_t self_in) {
    if (MP_OBJ_TO_PTR(self_in) != lp_gc_armed) {
        return mp_const_none; // a stocked one swept at soft reset, not a collection
    }
    lp_gc_count++;
    lp_gc_armed = lp_gc_arm();
    if (lp_gc_armed == NULL) {
        lp_gc_blind++;
    }
    lp_gc_scrub();
    return mp_const_none;
}
static MP_DEFINE_CONST_FUN_OBJ_1(lp_gc_sentinel_del_obj, lp_gc_sentinel_del);

static const mp_rom_map_elem_t lp_gc_sentinel_locals_table[] = {
    { MP_ROM_QSTR(MP_QSTR___del__), MP_ROM_PTR(&lp_gc_sentinel_del_obj) },
};
static MP_DEFINE_CONST_DICT(lp_gc_sentinel_locals, lp_gc_sentinel_locals_table);

MP_DEFINE_CONST_OBJ_TYPE(lp_type_gc_sentinel, MP_QSTR_GcSentinel, MP_TYPE_FLAG_NONE,
    locals_dict, &lp_gc_sentinel_locals);

// True when it allocated or armed anything (then the caller scrubs the stack).
static MP_NOINLINE bool lp_gc_refill(void) {
    bool changed = false;
    // Root pointers survive a soft reset and then point into the new heap: drop every slot that is
    // not a live sentinel first, and only then allocate, so a stale slot can never turn out to name a
    // sentinel just allocated for another slot (which would stock it twice).
    for (size_t i = 0; i < LP_BENCH_GC_STOCK; i++) {
        if (!lp_gc_is_sentinel(MP_STATE_VM(lp_gc_stock)[i])) {
            MP_STATE_VM(lp_gc_stock)[i] = NULL;
        }
    }
    for (size_t i = 0; i < LP_BENCH_GC_STOCK; i++) {
        if (MP_STATE_VM(lp_gc_stock)[i] == NULL) {
            MP_STATE_VM(lp_gc_stock)[i] = mp_obj_malloc_with_finaliser(lp_gc_sentinel_t, &lp_type_gc_sentinel);
            changed = true;
        }
    }
    // After a soft reset the old armed pointer may name a freed block or a new stocked one.
    bool armed = lp_gc_is_sentinel(lp_gc_armed);
    for (size_t i = 0; armed && i < LP_BENCH_GC_STOCK; i++) {
        armed = MP_STATE_VM(lp_gc_stock)[i] != lp_gc_armed;
    }
    if (!armed) {
        lp_gc_armed = lp_gc_arm();
        changed = true;
    }
    return changed;
}

// gc_collections(): collections since the first call. Refills the stock and arms a sentinel when
// the heap is unlocked; under the lock (no collection can start there) it only reads the count.
static mp_obj_t lp_bench_gc_collections(void) {
    if (!gc_is_locked()) {
        if (lp_gc_refill()) {
            lp_gc_scrub();
        }
    }
    return MP_OBJ_NEW_SMALL_INT(lp_gc_count & MP_SMALL_INT_POSITIVE_MASK);
}
static MP_DEFINE_CONST_FUN_OBJ_0(lp_bench_gc_collections_obj, lp_bench_gc_collections);

// gc_blind(): how often counting stopped because the stock ran out (invariant 3); 0 means exact.
static mp_obj_t lp_bench_gc_blind(void) {
    return MP_OBJ_NEW_SMALL_INT(lp_gc_blind & MP_SMALL_INT_POSITIVE_MASK);
}
static MP_DEFINE_CONST_FUN_OBJ_0(lp_bench_gc_blind_obj, lp_bench_gc_blind);

// ---- a pool's block map -----------------------------------------------------------------------

typedef struct {
    uint8_t *base;
    uint8_t *map;
    size_t n;
} lp_map_ctx_t;

// Block header (4 bytes) + payload, marked granule by granule: 1 free, 2 used.
static void lp_map_block(void *ptr, size_t usable, bool used, void *ctx_in) {
    lp_map_ctx_t *ctx = ctx_in;
    size_t start = ((uint8_t *)ptr - 4 - ctx->base) / LP_ALLOC_ALIGN;
    size_t end = ((uint8_t *)ptr + usable - ctx->base) / LP_ALLOC_ALIGN;
    for (size_t g = start; g < end && g < ctx->n; g++) {
        ctx->map[g] = used ? 2 : 1;
    }
}

// block_map(pool, buf): one byte per 8-byte granule of the pool's region in address order, 0 for
// the allocator's index and alignment, 1 free, 2 used. Returns the granules written.
static mp_obj_t lp_bench_block_map(mp_obj_t pool_in, mp_obj_t buf_in) {
    if (!mp_obj_is_type(pool_in, &lp_type_MemoryPool)) {
        mp_raise_TypeError(MP_ERROR_TEXT("block_map needs an LpMemoryPool"));
    }
    lp_pool_obj_t *pool = MP_OBJ_TO_PTR(pool_in);
    lp_pool_check_open(pool);
    mp_buffer_info_t bi;
    mp_get_buffer_raise(buf_in, &bi, MP_BUFFER_WRITE);
    uint8_t *base = (uint8_t *)((uintptr_t)pool->mem & ~(uintptr_t)(LP_ALLOC_ALIGN - 1));
    size_t n = (pool->mem + pool->size - base) / LP_ALLOC_ALIGN;
    if (bi.len < n) {
        mp_raise_msg_varg(&mp_type_ValueError, MP_ERROR_TEXT("block_map needs a buffer of %u bytes"), (unsigned)n);
    }
    memset(bi.buf, 0, n);
    lp_map_ctx_t ctx = { base, bi.buf, n };
    lp_lock();
    lp_alloc_walk(pool->heap, lp_map_block, &ctx);
    lp_unlock();
    return MP_OBJ_NEW_SMALL_INT(n);
}
static MP_DEFINE_CONST_FUN_OBJ_2(lp_bench_block_map_obj, lp_bench_block_map);

// ---- ticks on the qemu boards (lp_clock.h) ------------------------------------------------------
#if LP_CLOCK

#if defined(QEMU_SOC_NRF51)
bool lp_clock_started;
#endif

// ticks_cpu(): clock ticks counted up, modulo 2^30 so the result is always a small int (no heap).
static mp_obj_t lp_bench_ticks_cpu(void) {
    lp_clock_start();
    return MP_OBJ_NEW_SMALL_INT(lp_clock() & 0x3fffffffu);
}
static MP_DEFINE_CONST_FUN_OBJ_0(lp_bench_ticks_cpu_obj, lp_bench_ticks_cpu);

// ticks_diff(end, start): ticks from start to end, modulo 2^30 like the counter (durations only).
static mp_obj_t lp_bench_ticks_diff(mp_obj_t end_in, mp_obj_t start_in) {
    mp_uint_t d = (mp_uint_t)mp_obj_get_int(end_in) - (mp_uint_t)mp_obj_get_int(start_in);
    return MP_OBJ_NEW_SMALL_INT(d & 0x3fffffffu);
}
static MP_DEFINE_CONST_FUN_OBJ_2(lp_bench_ticks_diff_obj, lp_bench_ticks_diff);

// spin_ticks(n): the ticks a loop of exactly 2n instructions (subs, bne) took, clock reads
// included: two runs of different n give the instructions per tick, which tools/bench_mp.py checks
// against the -icount shift it ran the board with.
static mp_obj_t lp_bench_spin_ticks(mp_obj_t n_in) {
    mp_uint_t n = mp_obj_get_int(n_in);
    if (n == 0) {
        n = 1;
    }
    lp_clock_start();
    uint32_t t0 = lp_clock();
    __asm volatile (".syntax unified\n1: subs %0, %0, #1\n bne 1b" : "+l" (n) : : "cc");
    uint32_t t1 = lp_clock();
    return MP_OBJ_NEW_SMALL_INT((t1 - t0) & 0x3fffffffu);
}
static MP_DEFINE_CONST_FUN_OBJ_1(lp_bench_spin_ticks_obj, lp_bench_spin_ticks);

#endif

static const mp_rom_map_elem_t lp_bench_globals_table[] = {
    { MP_ROM_QSTR(MP_QSTR___name__), MP_ROM_QSTR(MP_QSTR__lp_bench) },
    { MP_ROM_QSTR(MP_QSTR_gc_collections), MP_ROM_PTR(&lp_bench_gc_collections_obj) },
    { MP_ROM_QSTR(MP_QSTR_gc_blind), MP_ROM_PTR(&lp_bench_gc_blind_obj) },
    { MP_ROM_QSTR(MP_QSTR_block_map), MP_ROM_PTR(&lp_bench_block_map_obj) },
    #if LP_CLOCK
    { MP_ROM_QSTR(MP_QSTR_ticks_cpu), MP_ROM_PTR(&lp_bench_ticks_cpu_obj) },
    { MP_ROM_QSTR(MP_QSTR_TICKS_CPU_HZ), MP_ROM_INT(LP_CLOCK_HZ) },
    { MP_ROM_QSTR(MP_QSTR_ticks_diff), MP_ROM_PTR(&lp_bench_ticks_diff_obj) },
    { MP_ROM_QSTR(MP_QSTR_spin_ticks), MP_ROM_PTR(&lp_bench_spin_ticks_obj) },
    #endif
};
static MP_DEFINE_CONST_DICT(lp_bench_globals, lp_bench_globals_table);

const mp_obj_module_t lp_bench_module = {
    .base = { &mp_type_module },
    .globals = (mp_obj_dict_t *)&lp_bench_globals,
};

MP_REGISTER_MODULE(MP_QSTR__lp_bench, lp_bench_module);
