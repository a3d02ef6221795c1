// The current pool of each thread and the heap guard: pool.run(fn), `with pool:`, and
// with_global_alloc() (whose context-manager form is the one type of this file).
//
// Invariants:
//  1. A thread has a slot while it is inside run()/with pool/with_global_alloc; the slot's pool
//     stack holds the pools made current, innermost last. No slot: no current pool.
//  2. slot->locked is the number of heap lock levels lp_pool holds in that thread right now. run()
//     adds exactly one level and removes exactly one on every way out (if it is still there).
//  3. with_global_alloc only removes lp_pool's own levels, and only when they are all the levels
//     there are; anything else locking the heap (an IRQ handler, micropython.heap_lock()) makes it
//     raise RuntimeError instead. On leaving, it puts back exactly the levels it removed.
//  4. Slots live in static memory and never hold the only reference to a pool: a pool in a slot is
//     also on the stack of the run() call or the `with` statement that put it there.

#include "py/gc.h"
#include "py/mphal.h"
#include "py/mpstate.h"
#include "py/runtime.h"

#include "lp_pool.h"

LP_DEFINE_STATIC_EXC(lp_err_threads, mp_type_RuntimeError, "too many threads inside run() (raise LP_POOL_MAX_THREADS)");
LP_DEFINE_STATIC_EXC(lp_err_nested, mp_type_RuntimeError, "run() or with_global_alloc nested too deeply");
LP_DEFINE_STATIC_EXC(lp_err_unmatched, mp_type_RuntimeError, "pool exit without a matching enter");
LP_DEFINE_STATIC_EXC(lp_err_foreign_lock, mp_type_RuntimeError,
    "heap is locked by something other than lp_pool (heap_lock() or an IRQ handler)");

#define LP_MAX_NEST (16)

typedef struct {
    void *thread;                         // the owning thread's state, NULL if the slot is free
    uint16_t locked;                      // invariant 2
    uint8_t n_pools;
    uint8_t n_saved;
    lp_pool_obj_t *pools[LP_MAX_NEST];
    uint16_t lock_after[LP_MAX_NEST];     // heap lock depth right after that run level locked
    uint16_t saved[LP_MAX_NEST];          // `locked` before each with_global_alloc section
} lp_slot_t;

static lp_slot_t lp_slots[LP_POOL_MAX_THREADS];

#if LP_POOL_LOCK_MUTEX
static mp_thread_mutex_t lp_mutex;
static bool lp_mutex_ready;
void lp_lock_init(void) {
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
void lp_lock_init(void) {
}
void lp_lock(void) {
    mp_uint_t state = MICROPY_BEGIN_ATOMIC_SECTION();
    lp_atomic_state = state;
}
void lp_unlock(void) {
    MICROPY_END_ATOMIC_SECTION(lp_atomic_state);
}
#endif

static void *lp_thread_id(void) {
    #if MICROPY_PY_THREAD
    return mp_thread_get_state();
    #else
    return &lp_slots; // one thread: any constant will do
    #endif
}

// The calling thread's slot; claims a free one if `claim`, else NULL when it has none.
static lp_slot_t *lp_slot(bool claim) {
    void *me = lp_thread_id();
    lp_slot_t *free_slot = NULL;
    lp_slot_t *found = NULL;
    lp_lock();
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
    lp_unlock();
    if (found == NULL && claim) {
        lp_raise_static(&lp_err_threads);
    }
    return found;
}

static void lp_slot_release_if_idle(lp_slot_t *slot) {
    if (slot->n_pools == 0 && slot->n_saved == 0) {
        lp_lock();
        slot->thread = NULL;
        lp_unlock();
    }
}

void lp_run_reset(void) {
    for (size_t i = 0; i < LP_POOL_MAX_THREADS; i++) {
        lp_slots[i].thread = NULL;
    }
}

lp_pool_obj_t *lp_current_pool(void) {
    lp_slot_t *slot = lp_slot(false);
    return slot != NULL && slot->n_pools > 0 ? slot->pools[slot->n_pools - 1] : NULL;
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

void lp_run_enter(lp_pool_obj_t *pool) {
    lp_pool_check_open(pool);
    lp_slot_t *slot = lp_slot(true);
    if (slot->n_pools == LP_MAX_NEST) {
        lp_slot_release_if_idle(slot);
        lp_raise_static(&lp_err_nested);
    }
    gc_lock();
    slot->pools[slot->n_pools] = pool;
    slot->lock_after[slot->n_pools] = LP_HEAP_LOCK_DEPTH();
    slot->n_pools++;
    slot->locked++;
}

void lp_run_exit_pool(lp_pool_obj_t *pool) {
    lp_slot_t *slot = lp_slot(false);
    if (slot == NULL || slot->n_pools == 0 || slot->pools[slot->n_pools - 1] != pool) {
        lp_raise_static(&lp_err_unmatched);
    }
    slot->n_pools--;
    // Remove our own level only if it is still there (fn may have called heap_unlock() itself).
    if (slot->locked > 0 && LP_HEAP_LOCK_DEPTH() >= slot->lock_after[slot->n_pools]) {
        gc_unlock();
        slot->locked--;
    }
    lp_slot_release_if_idle(slot);
    if (!gc_is_locked()) {
        // Leaving the outermost run: top the reserve up for the next one. Failing to is not an
        // error of this run (the next creation under the lock will say so).
        nlr_buf_t nlr;
        if (nlr_push(&nlr) == 0) {
            lp_pool_refill(pool);
            nlr_pop();
        }
    }
}

// Positional args then key/value pairs, as mp_call_function_n_kw wants them. Small calls use the
// C stack, so run() nested inside run() allocates nothing.
#define LP_CALL_STACK_ARGS (12)

static mp_obj_t lp_call(size_t n_args, const mp_obj_t *args, mp_map_t *kw_args, mp_obj_t *stack_buf) {
    size_t n_kw = kw_args == NULL ? 0 : kw_args->used;
    if (n_kw == 0) {
        return mp_call_function_n_kw(args[0], n_args - 1, 0, args + 1);
    }
    size_t total = n_args - 1 + 2 * n_kw;
    mp_obj_t *call = total <= LP_CALL_STACK_ARGS ? stack_buf : m_new(mp_obj_t, total);
    for (size_t i = 1; i < n_args; i++) {
        call[i - 1] = args[i];
    }
    size_t k = n_args - 1;
    for (size_t i = 0; i < kw_args->alloc; i++) {
        if (mp_map_slot_is_filled(kw_args, i)) {
            call[k++] = kw_args->table[i].key;
            call[k++] = kw_args->table[i].value;
        }
    }
    return mp_call_function_n_kw(args[0], n_args - 1, n_kw, call);
}

mp_obj_t lp_run_call(lp_pool_obj_t *pool, size_t n_args, const mp_obj_t *args, mp_map_t *kw_args) {
    mp_obj_t stack_buf[LP_CALL_STACK_ARGS];
    lp_run_enter(pool);
    nlr_buf_t nlr;
    if (nlr_push(&nlr) == 0) {
        mp_obj_t ret = lp_call(n_args, args, kw_args, stack_buf);
        nlr_pop();
        lp_run_exit_pool(pool);
        return ret;
    }
    lp_run_exit_pool(pool);
    nlr_jump(nlr.ret_val);
}

static void lp_global_enter(void) {
    lp_slot_t *slot = lp_slot(false);
    // Invariant 3: every lock level must be ours (none at all outside run()).
    if (LP_HEAP_LOCK_DEPTH() != (slot == NULL ? 0 : slot->locked)) {
        lp_raise_static(&lp_err_foreign_lock);
    }
    if (slot == NULL) {
        return; // outside run() with the heap free: nothing to lift
    }
    if (slot->n_saved == LP_MAX_NEST) {
        lp_raise_static(&lp_err_nested);
    }
    slot->saved[slot->n_saved++] = slot->locked;
    for (; slot->locked > 0; slot->locked--) {
        gc_unlock();
    }
}

static void lp_global_exit(void) {
    lp_slot_t *slot = lp_slot(false);
    if (slot == NULL || slot->n_saved == 0) {
        return; // entered outside run(): nothing was lifted
    }
    uint16_t levels = slot->saved[--slot->n_saved];
    for (; slot->locked < levels; slot->locked++) {
        gc_lock();
    }
    lp_slot_release_if_idle(slot);
}

static mp_obj_t lp_with_global_alloc_call(size_t n_args, const mp_obj_t *args, mp_map_t *kw_args) {
    mp_obj_t stack_buf[LP_CALL_STACK_ARGS];
    lp_global_enter();
    nlr_buf_t nlr;
    if (nlr_push(&nlr) == 0) {
        mp_obj_t ret = lp_call(n_args, args, kw_args, stack_buf);
        nlr_pop();
        lp_global_exit();
        return ret;
    }
    lp_global_exit();
    nlr_jump(nlr.ret_val);
}

// ---- with_global_alloc() as a context manager: one constant object, so `with` allocates nothing.

static mp_obj_t lp_global_cm_enter(mp_obj_t self_in) {
    lp_global_enter();
    return self_in;
}
static MP_DEFINE_CONST_FUN_OBJ_1(lp_global_cm_enter_obj, lp_global_cm_enter);

static mp_obj_t lp_global_cm_exit(size_t n_args, const mp_obj_t *args) {
    (void)n_args;
    (void)args;
    lp_global_exit();
    return mp_const_false;
}
static MP_DEFINE_CONST_FUN_OBJ_VAR_BETWEEN(lp_global_cm_exit_obj, 4, 4, lp_global_cm_exit);

static const mp_rom_map_elem_t lp_global_cm_locals_dict_table[] = {
    { MP_ROM_QSTR(MP_QSTR___enter__), MP_ROM_PTR(&lp_global_cm_enter_obj) },
    { MP_ROM_QSTR(MP_QSTR___exit__), MP_ROM_PTR(&lp_global_cm_exit_obj) },
};
static MP_DEFINE_CONST_DICT(lp_global_cm_locals_dict, lp_global_cm_locals_dict_table);

MP_DEFINE_CONST_OBJ_TYPE(
    lp_type_GlobalAlloc,
    MP_QSTR_GlobalAlloc,
    MP_TYPE_FLAG_NONE,
    locals_dict, &lp_global_cm_locals_dict
    );

const mp_obj_base_t lp_global_alloc_cm_obj = { &lp_type_GlobalAlloc };

// with_global_alloc(fn, *args, **kwargs) calls fn with the heap usable; with_global_alloc() returns
// the context manager.
static mp_obj_t lp_with_global_alloc(size_t n_args, const mp_obj_t *args, mp_map_t *kw_args) {
    if (n_args == 0) {
        if (kw_args != NULL && kw_args->used != 0) {
            mp_raise_TypeError(MP_ERROR_TEXT("with_global_alloc() takes a function"));
        }
        return MP_OBJ_FROM_PTR(&lp_global_alloc_cm_obj);
    }
    return lp_with_global_alloc_call(n_args, args, kw_args);
}
MP_DEFINE_CONST_FUN_OBJ_KW(lp_with_global_alloc_obj, 0, lp_with_global_alloc);
