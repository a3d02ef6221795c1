// Layer 2 (docs/internals.md): the critical section and the per-thread state it guards. Calls only
// MicroPython and, in test builds, the board's clock; everything above takes lp_lock() from here.
//
// Invariants:
//  1. A thread's slot is claimed by that thread alone (lp_slot_locked with its own id), and read or
//     written by other threads only with lp_lock() held; so a thread may look for its own slot
//     without the lock (lp_slot_unlocked), e.g. before the lock was first made ready.
//  2. Slots live in static memory and never hold the only reference to a pool: a pool in a slot is
//     also on the stack of the run() call or the `with` statement that put it there (lp_run.c).
//  3. The span recorder (LP_POOL_LOCK_SPANS) reads the clock only inside the section it measures,
//     so what it records is the time interrupts were off, the recorder's own reads included.

#include "py/gc.h"
#include "py/mphal.h"
#include "py/mpstate.h"
#include "py/mpthread.h"
#include "py/runtime.h"

#include "lp_lock.h"
#if LP_POOL_LOCK_SPANS
#include "lp_clock.h"
#endif

lp_slot_t lp_slots[LP_POOL_MAX_THREADS];

#if LP_POOL_TEST_HOOKS
MP_REGISTER_ROOT_POINTER(mp_obj_t lp_gap_hook);
#endif

#if LP_POOL_LOCK_MUTEX
static mp_thread_mutex_t lp_mutex;
static bool lp_mutex_ready;
static void lp_lock_ready(void) {
    if (!lp_mutex_ready) {
        mp_thread_mutex_init(&lp_mutex);
        lp_mutex_ready = true;
    }
}
void lp_lock(void) {
    mp_thread_mutex_lock(&lp_mutex, 1);
}
void lp_unlock(void) {
    mp_thread_mutex_unlock(&lp_mutex);
}
#else
// The state the section returned (saved interrupt mask): only the holder writes and reads it,
// and nobody else can hold the section meanwhile, so one variable serves every caller.
static mp_uint_t lp_atomic_state;

#if LP_POOL_LOCK_SPANS
// The test build's recorder (invariant 3): while on, the longest section in clock ticks and the
// number of sections, read by the clock right after entering and right before leaving.
static bool lp_spans_on;
static uint32_t lp_span_max, lp_span_count;
static uint32_t lp_span_start;
#endif

static void lp_lock_ready(void) {
}
void lp_lock(void) {
    mp_uint_t state = MICROPY_BEGIN_ATOMIC_SECTION();
    lp_atomic_state = state;
    #if LP_POOL_LOCK_SPANS
    if (lp_spans_on) {
        lp_span_start = lp_clock();
    }
    #endif
}
void lp_unlock(void) {
    #if LP_POOL_LOCK_SPANS
    if (lp_spans_on) {
        uint32_t span = lp_clock() - lp_span_start;
        if (span > lp_span_max) {
            lp_span_max = span;
        }
        lp_span_count++;
    }
    #endif
    MICROPY_END_ATOMIC_SECTION(lp_atomic_state);
}
#endif

void lp_lock_init(void) {
    lp_lock_ready();
    for (size_t i = 0; i < LP_POOL_MAX_THREADS; i++) {
        lp_slots[i].thread = NULL;
    }
    #if LP_POOL_TEST_HOOKS
    MP_STATE_VM(lp_gap_hook) = MP_OBJ_NULL; // a root pointer from the last session
    #endif
}

// ---- the per-thread slots ----

lp_slot_t *lp_slot(void) {
    lp_lock();
    lp_slot_t *found = lp_slot_unlocked();
    lp_unlock();
    return found;
}

lp_slot_t *lp_slot_unlocked(void) {
    void *me = lp_thread_id();
    for (size_t i = 0; i < LP_POOL_MAX_THREADS; i++) {
        if (lp_slots[i].thread == me) {
            return &lp_slots[i];
        }
    }
    return NULL;
}

lp_pool_obj_t *lp_current_pool(void) {
    lp_slot_t *slot = lp_slot();
    return slot != NULL && slot->n_pools > 0 ? slot->pools[slot->n_pools - 1] : NULL;
}

size_t lp_run_own_levels(void) {
    lp_slot_t *slot = lp_slot();
    return slot == NULL ? 0 : slot->locked;
}

bool lp_pool_is_current_anywhere(lp_pool_obj_t *pool) {
    bool found = false;
    lp_lock();
    for (size_t i = 0; i < LP_POOL_MAX_THREADS && !found; i++) {
        for (size_t j = 0; lp_slots[i].thread != NULL && j < lp_slots[i].n_pools; j++) {
            found |= lp_slots[i].pools[j] == pool;
        }
    }
    lp_unlock();
    return found;
}

// ---- test hooks ----

#if LP_POOL_TEST_HOOKS
void lp_test_gap(qstr where) {
    mp_obj_t fn = MP_STATE_VM(lp_gap_hook);
    if (fn == MP_OBJ_NULL) {
        return;
    }
    // Unset while it runs: a check() or resize inside fn has gaps of its own.
    MP_STATE_VM(lp_gap_hook) = MP_OBJ_NULL;
    nlr_buf_t nlr;
    if (nlr_push(&nlr) == 0) {
        mp_call_function_1(fn, MP_OBJ_NEW_QSTR(where));
        nlr_pop();
    } else {
        // One line, no traceback: the test sees which exception it was.
        mp_printf(&mp_plat_print, "_gap_hook: ");
        mp_obj_print_helper(&mp_plat_print, MP_OBJ_FROM_PTR(nlr.ret_val), PRINT_EXC);
        mp_printf(&mp_plat_print, "\n");
    }
    if (MP_STATE_VM(lp_gap_hook) == MP_OBJ_NULL) {
        MP_STATE_VM(lp_gap_hook) = fn;
    }
}

// _gap_hook(fn): set (None: unset) the function lp_test_gap calls.
static mp_obj_t lp_gap_hook(mp_obj_t fn) {
    MP_STATE_VM(lp_gap_hook) = fn == mp_const_none ? MP_OBJ_NULL : fn;
    return mp_const_none;
}
MP_DEFINE_CONST_FUN_OBJ_1(lp_gap_hook_obj, lp_gap_hook);
#endif

#if LP_POOL_LOCK_SPANS
// _lock_spans(on): ends the recording of critical sections under way, if any, and starts a fresh one
// when `on`; returns (longest section in clock ticks, sections) of the one that ended. The clock
// is lp_clock.h's: tools/bench_mp.py knows its ticks per instruction. The heap must be free (a tuple).
static mp_obj_t lp_lock_spans(mp_obj_t on_in) {
    lp_spans_on = false;
    mp_obj_t items[2] = { mp_obj_new_int_from_uint(lp_span_max), mp_obj_new_int_from_uint(lp_span_count) };
    lp_span_max = 0;
    lp_span_count = 0;
    lp_clock_start();
    lp_spans_on = mp_obj_is_true(on_in);
    return mp_obj_new_tuple(2, items);
}
MP_DEFINE_CONST_FUN_OBJ_1(lp_lock_spans_obj, lp_lock_spans);

// _lock_empty(): one empty critical section, so the recorder's own cost can be taken off.
static mp_obj_t lp_lock_empty(void) {
    lp_lock();
    lp_unlock();
    return mp_const_none;
}
MP_DEFINE_CONST_FUN_OBJ_0(lp_lock_empty_obj, lp_lock_empty);
#endif
