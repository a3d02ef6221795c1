// Layer 2 of the module (docs/internals.md): the critical section around the allocator and the
// pools' counters, and the per-thread state it guards (each thread's stack of current pools). Below
// it only the allocator; errors, tracking, pools and run() build on it.
#ifndef LP_LOCK_H
#define LP_LOCK_H

#include <stdbool.h>
#include <stdint.h>

#include "py/mpstate.h"
#include "py/mpthread.h"
#include "py/obj.h"

typedef struct _lp_pool_obj_t lp_pool_obj_t;

// ---- the critical section (lp_lock.c) ----
// The port's atomic section (MICROPY_BEGIN_ATOMIC_SECTION: interrupts off, plus the cross-core or
// cross-thread lock where the port has one), so a hard IRQ handler can use a pool the main program
// was using: it cannot run while the section is held. Never a blocking lock in IRQ context. Only a
// board that sets LP_POOL_LOCK_MUTEX (threads in parallel, no atomic section that excludes them)
// gets the thread mutex instead, and must not use pools from hard IRQs. Not re-entrant.
//
// Every section is O(1) or bounded by a constant (docs/internals.md lists them with their bounds,
// docs/performance.md the measured worst case of each public operation):
//  - allocator calls are O(1); a realloc's copy of the payload runs outside the section
//    (lp_pool_move, lp_realloc_begin/end);
//  - pool.check() holds it for LP_POOL_CHECK_CHUNK units of work at a time (a block of the walk, a
//    free-list entry...) and starts over when the pool changed in a gap (lp_mempool.c);
//  - with allocation tracking, a new block's row lookup scans the pool's table: meta_rows (at most
//    255, 16 by default) rows;
//  - the per-thread slots below: LP_POOL_MAX_THREADS slots of LP_MAX_NEST levels.
#ifndef LP_POOL_LOCK_MUTEX
#define LP_POOL_LOCK_MUTEX (0)
#endif
void lp_lock(void);
void lp_unlock(void);
// At the first import of a session: the lock made ready, every thread's slot and the test hooks of
// the last session forgotten.
void lp_lock_init(void);

// ---- test hooks (the unix and qemu test builds) ----
// LP_POOL_TEST_HOOKS adds _lp_pool._irq_call(fn, arg): calls fn(arg) as shared/runtime/mpirq.c calls
// a hard IRQ handler (scheduler and GC heap locked); where mpirq.c prints an exception, this
// re-raises it after unlocking, so a test can check it. Also _view (a typed memoryview at any
// offset) and, on Thumb, _load32 (one LDR at any address), for the alignment tests.
#ifndef LP_POOL_TEST_HOOKS
#define LP_POOL_TEST_HOOKS (0)
#endif
// LP_POOL_LOCK_SPANS (a test build on a board with lp_clock.h's clock: the qemu-m0 board) records
// the longest lp_lock() to lp_unlock() span, in clock ticks, while switched on by
// _lp_pool._lock_spans(True); tools/bench_mp.py turns it into instructions. Off, lp_lock costs
// one test of a flag more.
#ifndef LP_POOL_LOCK_SPANS
#define LP_POOL_LOCK_SPANS (0)
#endif
#if LP_POOL_TEST_HOOKS
// _lp_pool._gap_hook(fn): fn(where) is called where one operation lets others in between two of
// its critical sections (where: 'check' between check()'s steps, 'realloc' while a resize copies
// the payload), so tests can do there what an interrupt handler could. An exception from fn is
// printed and dropped: the operation around it can't stop half-way.
void lp_test_gap(qstr where);
#define LP_TEST_GAP(where) lp_test_gap(where)
MP_DECLARE_CONST_FUN_OBJ_1(lp_gap_hook_obj);
#else
#define LP_TEST_GAP(where)
#endif
// LP_POOL_PREEMPT (a test build on a qemu board: lp_preempt.c) adds _lp_pool._preempt(fn, seed, lo,
// hi): a hardware timer calls fn as a hard IRQ handler at random instants, landing on any
// instruction. lp_preempt_stop() ends it (between two programs, at a new session).
#if LP_POOL_TEST_HOOKS && (defined(QEMU_SOC_MPS2) || defined(QEMU_SOC_NRF51) || defined(QEMU_SOC_VIRT))
#define LP_POOL_PREEMPT (1)
void lp_preempt_stop(void);
MP_DECLARE_CONST_FUN_OBJ_VAR_BETWEEN(lp_preempt_obj);
#else
#define LP_POOL_PREEMPT (0)
#endif
#if LP_POOL_LOCK_SPANS
// _lp_pool._lock_spans(on) and _lp_pool._lock_empty() (lp_lock.c).
MP_DECLARE_CONST_FUN_OBJ_1(lp_lock_spans_obj);
MP_DECLARE_CONST_FUN_OBJ_0(lp_lock_empty_obj);
#endif

// ---- the current pools of each thread (lp_lock.c) ----
// Threads that can be inside run() at the same time.
#ifndef LP_POOL_MAX_THREADS
#define LP_POOL_MAX_THREADS (8)
#endif
// Levels of run(), `with pool:` and with_global_alloc a thread can nest.
#define LP_MAX_NEST (16)

// A thread's slot: the pools it made current (run() levels, innermost last) and the heap lock
// levels lp_pool holds in it. What the fields mean for run() is lp_run.c's (its invariants 1-6);
// the slots themselves are only read and written with lp_lock() held, except by their own thread.
typedef struct {
    void *thread;                         // the owning thread's state, NULL if the slot is free
    uint16_t locked;                      // lp_run.c invariant 2
    uint8_t n_pools;
    uint8_t n_saved;
    lp_pool_obj_t *pools[LP_MAX_NEST];
    uint16_t lock_after[LP_MAX_NEST];     // heap lock depth right after that run level locked
    uint16_t locked_before[LP_MAX_NEST];  // `locked` before that level (lp_run.c invariant 5)
    uint8_t saved_before[LP_MAX_NEST];    // `n_saved` before that level (lp_run.c invariant 5)
    uint16_t by_with;                     // bit i: level i was entered by `with pool:`
    uint16_t saved[LP_MAX_NEST];          // `locked` before each with_global_alloc section
} lp_slot_t;

// Every thread's slot (invariants 1 and 2 of lp_lock.c); read through the functions below.
extern lp_slot_t lp_slots[LP_POOL_MAX_THREADS];

// Who is calling: the thread's state (any constant without threads).
static inline void *lp_thread_id(void) {
    #if MICROPY_PY_THREAD
    return mp_thread_get_state();
    #else
    return &lp_slots; // one thread: any constant will do
    #endif
}
// With lp_lock() held: the slot of thread `me`; claims a free one if `claim`, else NULL. Inline: run()
// calls it inside its critical section.
static inline lp_slot_t *lp_slot_locked(void *me, bool claim) {
    lp_slot_t *free_slot = NULL;
    lp_slot_t *found = NULL;
    for (size_t i = 0; i < LP_POOL_MAX_THREADS; i++) {
        if (lp_slots[i].thread == me) {
            found = &lp_slots[i];
            break;
        }
        if (lp_slots[i].thread == NULL && free_slot == NULL) {
            free_slot = &lp_slots[i];
        }
    }
    if (found == NULL && claim && free_slot != NULL) {
        free_slot->thread = me;
        free_slot->locked = 0;
        free_slot->n_pools = 0;
        free_slot->n_saved = 0;
        found = free_slot;
    }
    return found;
}
// The calling thread's slot, NULL when it has none.
lp_slot_t *lp_slot(void);
// The calling thread's slot without taking the lock (a thread's slot is claimed only by itself), for
// code that may run before the lock is ready; NULL when it has none.
lp_slot_t *lp_slot_unlocked(void);
// With lp_lock() held: frees the slot when it holds no level.
static inline void lp_slot_release_if_idle_locked(lp_slot_t *slot) {
    if (slot->n_pools == 0 && slot->n_saved == 0) {
        slot->thread = NULL;
    }
}
// The calling thread's current pool (innermost run()/with), NULL outside run().
lp_pool_obj_t *lp_current_pool(void);
bool lp_pool_is_current_anywhere(lp_pool_obj_t *pool);
// Heap lock levels lp_pool itself holds in the calling thread.
size_t lp_run_own_levels(void);

#define LP_HEAP_LOCK_DEPTH() (MP_STATE_THREAD(gc_lock_depth) >> GC_LOCK_DEPTH_SHIFT)

#endif // LP_LOCK_H
