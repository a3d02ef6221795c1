// Layer 6 (docs/internals.md): the heap guard. pool.run(fn), `with pool:` and guarded() make a pool
// current in the calling thread and lock the GC heap; with_global_alloc() (whose context-manager
// form is the one type of this file) lifts the lock. Below it: pools, errors, tracking and the
// per-thread slots of lp_lock.c, which this file alone enters and leaves levels in.
//
// Invariants:
//  1. A thread has a slot (lp_lock.c) while it is inside run()/with pool/with_global_alloc; the
//     slot's pool stack holds the pools made current, innermost last. No slot: no current pool.
//  2. slot->locked is the number of heap lock levels lp_pool holds in that thread right now. run()
//     adds exactly one level and removes exactly one on every way out (if it is still there).
//  3. with_global_alloc only removes lp_pool's own levels, and only when they are all the levels
//     there are; anything else locking the heap (an IRQ handler, micropython.heap_lock()) makes it
//     raise RuntimeError instead. On leaving, it puts back exactly the levels it removed.
//  4. Slots never hold the only reference to a pool (lp_lock.c invariant 2): a pool in a slot is
//     also on the stack of the run() call or the `with` statement that put it there.
//  5. A pool level leaves as it entered: the pool is the innermost one of the thread and the heap
//     lock depth is what that level's enter left. Otherwise its exit raises RuntimeError after
//     putting the thread back where it was before that enter (the level and every level entered
//     after it dropped, the heap lock depth and with_global_alloc sections as they were then).
//     That is what a `with pool:` suspended at a yield/await and resumed later looks like when
//     anything else used the heap lock or a pool meanwhile; lp_pool can't see a suspension itself.
//  6. A level entered by `with pool:` can be abandoned (its block suspended at a yield/await and
//     never resumed, or left by an exit that skipped __exit__). Between two programs (the REPL
//     prompt, a raw REPL command, after main.py: lp_pool_repl_reset) no code of the thread can be
//     inside a block, so its slot is dropped and lp_pool's lock levels in it are released;
//     lp_pool.reset() does the same on request, refusing while a run() or guarded() level (a C
//     frame still on the stack) is there. Neither touches other threads or the pools themselves.

#include "py/gc.h"
#include "py/mphal.h"
#include "py/mpstate.h"
#include "py/runtime.h"

#include "lp_pool.h"
#include "lp_pool_repl.h"

LP_DEFINE_STATIC_EXC(lp_err_threads, mp_type_RuntimeError, "too many threads inside run() (raise LP_POOL_MAX_THREADS)");
LP_DEFINE_STATIC_EXC(lp_err_nested, mp_type_RuntimeError, "run() or with_global_alloc nested too deeply");
LP_DEFINE_STATIC_EXC(lp_err_unmatched, mp_type_RuntimeError, "pool exit without a matching enter");
LP_DEFINE_STATIC_EXC(lp_err_order, mp_type_RuntimeError,
    "pool exit out of order: another pool entered later is still current (with/run nested across tasks, or a with block suspended at yield/await); lock and current pool restored");
LP_DEFINE_STATIC_EXC(lp_err_level, mp_type_RuntimeError,
    "heap lock level changed inside a pool block (unbalanced heap_lock()/heap_unlock(), or a with block suspended at yield/await); lock and current pool restored");
LP_DEFINE_STATIC_EXC(lp_err_generator, mp_type_TypeError,
    "run() can't run a generator or coroutine (its body runs later, outside run()): use `await lp_pool.guarded(coro, pool)` with asyncio, or `with pool:` between its yields");
LP_DEFINE_STATIC_EXC(lp_err_step_nested, mp_type_RuntimeError,
    "guarded(): a pool is already current here (a with block or run() suspended at yield/await in another task holds the heap lock)");
LP_DEFINE_STATIC_EXC(lp_err_step_open, mp_type_RuntimeError,
    "a with block or run() of the guarded coroutine was left open at a yield/await: exit it before awaiting (lock and current pool restored)");
LP_DEFINE_STATIC_EXC(lp_err_step_coro, mp_type_TypeError,
    "guarded() needs a coroutine object: guarded(fn(...)), not guarded(fn)");
LP_DEFINE_STATIC_EXC(lp_err_foreign_lock, mp_type_RuntimeError,
    "heap is locked by something other than lp_pool (heap_lock() or an IRQ handler)");
LP_DEFINE_STATIC_EXC(lp_err_reset_in_run, mp_type_RuntimeError,
    "reset() inside run() or guarded(): they end their own level when they return; call reset() outside them");

// Invariant 6: the calling thread back to no current pool. Its pool levels and with_global_alloc
// sections are forgotten and the heap lock levels lp_pool holds in it are released (never more
// than the heap has: a program may have unlocked them by hand). Returns the pool levels dropped.
static size_t lp_run_drop(lp_slot_t *slot) {
    size_t dropped = slot->n_pools;
    for (size_t own = slot->locked; own > 0 && LP_HEAP_LOCK_DEPTH() > 0; own--) {
        gc_unlock();
    }
    lp_lock();
    slot->n_pools = 0;
    slot->n_saved = 0;
    slot->locked = 0;
    slot->thread = NULL;
    lp_unlock();
    return dropped;
}

void lp_pool_repl_reset(void) {
    // Called between two programs (lp_pool_repl.h), maybe before lp_pool was ever imported (its
    // lock not yet initialised): a thread's slot is claimed only by that thread, so looking for
    // ours needs no lock (lp_lock.c invariant 1), and the lock is only taken when there is one.
    #if LP_POOL_PREEMPT
    // The test hook's timer ends with the program that started it (lp_preempt.c).
    lp_preempt_stop();
    #endif
    lp_slot_t *slot = lp_slot_unlocked();
    if (slot != NULL) {
        lp_run_drop(slot);
    }
}

size_t lp_run_reset_thread(void) {
    lp_slot_t *slot = lp_slot();
    if (slot == NULL) {
        return 0;
    }
    // A level of run() or guarded() belongs to a C frame still running in this thread, which
    // leaves it on every way out: dropping it would unlock the heap under that code.
    for (size_t i = 0; i < slot->n_pools; i++) {
        if (!(slot->by_with & (1u << i))) {
            lp_raise_static(&lp_err_reset_in_run);
        }
    }
    return lp_run_drop(slot);
}

// Enter a pool level; `by_with` for `with pool:`, whose exit can only go by the pool.
// The slot is claimed and the level recorded in one critical section: a hard IRQ handler that runs
// a pool in between shares this thread's slot, and its exit would otherwise find the slot idle and
// release it (or overwrite the level being written).
static size_t lp_run_enter_level(lp_pool_obj_t *pool, bool by_with) {
    lp_pool_check_open(pool);
    void *me = lp_thread_id();
    lp_lock();
    lp_slot_t *slot = lp_slot_locked(me, true);
    if (slot == NULL || slot->n_pools == LP_MAX_NEST) {
        if (slot != NULL) {
            lp_slot_release_if_idle_locked(slot);
        }
        lp_unlock();
        lp_raise_static(slot == NULL ? &lp_err_threads : &lp_err_nested);
    }
    gc_lock();
    size_t i = slot->n_pools;
    slot->pools[i] = pool;
    slot->lock_after[i] = LP_HEAP_LOCK_DEPTH();
    slot->locked_before[i] = slot->locked;
    slot->saved_before[i] = slot->n_saved;
    slot->by_with = (slot->by_with & ~(1u << i)) | ((unsigned)by_with << i);
    slot->n_pools++;
    slot->locked++;
    lp_unlock();
    return i;
}

size_t lp_run_enter(lp_pool_obj_t *pool) {
    return lp_run_enter_level(pool, true);
}

// Leave level i of the calling thread (invariant 5); `order_err` is raised when it is not the
// innermost level.
static void lp_run_exit_level(lp_slot_t *slot, size_t i, const lp_static_exc_t *order_err);

void lp_run_exit_pool(lp_pool_obj_t *pool) {
    lp_slot_t *slot = lp_slot();
    // `with pool:` has only the pool to go by: its innermost level entered by a `with` (the level
    // of a run() or guarded() is left by them alone, so a stray __exit__ can't take it).
    size_t i = slot == NULL ? 0 : slot->n_pools;
    while (i > 0 && !(slot->pools[i - 1] == pool && (slot->by_with & (1u << (i - 1))))) {
        i--;
    }
    if (i == 0) {
        lp_raise_static(&lp_err_unmatched);
    }
    lp_run_exit_level(slot, i - 1, &lp_err_order);
}

// Top the pool's reserve up; failing to is not an error of the run being left (the next creation
// under the lock will say so). A function of its own, never inlined: no local of the caller lives
// across its nlr_push (the caller's `err` did, which -Wclobbered reports with setjmp-based NLR).
static MP_NOINLINE void lp_pool_refill_quietly(lp_pool_obj_t *pool) {
    nlr_buf_t nlr;
    if (nlr_push(&nlr) == 0) {
        lp_pool_refill(pool);
        nlr_pop();
    }
}

static void lp_run_exit_level(lp_slot_t *slot, size_t i, const lp_static_exc_t *order_err) {
    lp_pool_obj_t *pool = slot->pools[i];
    const lp_static_exc_t *err = NULL;
    if (i != (size_t)slot->n_pools - 1) {
        err = order_err;
    } else if (LP_HEAP_LOCK_DEPTH() != slot->lock_after[i]) {
        err = &lp_err_level;
    }
    // Back to how the thread was before level i entered: one level fewer in the normal case.
    size_t depth = slot->lock_after[i] - 1;
    while (LP_HEAP_LOCK_DEPTH() > depth) {
        gc_unlock();
    }
    while (LP_HEAP_LOCK_DEPTH() < depth) {
        gc_lock();
    }
    // One critical section, as in lp_run_enter_level.
    lp_lock();
    slot->n_pools = i;
    slot->locked = slot->locked_before[i];
    slot->n_saved = slot->saved_before[i];
    lp_slot_release_if_idle_locked(slot);
    lp_unlock();
    if (!gc_is_locked()) {
        // Leaving the outermost run: top the reserve up for the next one.
        lp_pool_refill_quietly(pool);
    }
    if (err != NULL) {
        lp_raise_static(err);
    }
}

// Leave the level run() or guarded_step() entered, known by its index: a `with` of the same pool
// left open inside must not be taken for it.
static void lp_run_exit(lp_pool_obj_t *pool, size_t level, const lp_static_exc_t *order_err) {
    lp_slot_t *slot = lp_slot();
    if (slot == NULL || level >= slot->n_pools || slot->pools[level] != pool) {
        // Something inside already unwound this level (a misplaced exit that raised).
        return;
    }
    lp_run_exit_level(slot, level, order_err);
}

// A call of fn(*args, **kwargs) laid out as mp_call_function_n_kw wants it: positional args, then
// key/value pairs. Small calls use the caller's stack buffer, so run() nested inside run()
// allocates nothing; larger ones are laid out on the GC heap, so this must run while the heap is
// usable (before run() locks it, after with_global_alloc unlocks it).
#define LP_CALL_STACK_ARGS (12)

#if LP_POOL_ALLOC_META
#define LP_META_KIND_PARAM_SKIP , mp_obj_t skip
#else
#define LP_META_KIND_PARAM_SKIP
#endif

typedef struct {
    mp_obj_t fn;
    size_t n_args;
    size_t n_kw;
    const mp_obj_t *args;
} lp_call_t;

// With tracking, run() takes its own scope= keyword: `skip` is that key (MP_OBJ_NULL for none), left
// out of what fn gets.
static void lp_call_prepare(lp_call_t *c, size_t n_args, const mp_obj_t *args, mp_map_t *kw_args, mp_obj_t *stack_buf
    LP_META_KIND_PARAM_SKIP) {
    c->fn = args[0];
    c->n_args = n_args - 1;
    c->n_kw = kw_args == NULL ? 0 : kw_args->used;
    #if LP_POOL_ALLOC_META
    c->n_kw -= skip != MP_OBJ_NULL;
    #endif
    c->args = args + 1;
    if (c->n_kw == 0) {
        return;
    }
    size_t total = c->n_args + 2 * c->n_kw;
    mp_obj_t *call = total <= LP_CALL_STACK_ARGS ? stack_buf : m_new(mp_obj_t, total);
    for (size_t i = 0; i < c->n_args; i++) {
        call[i] = args[i + 1];
    }
    size_t k = c->n_args;
    for (size_t i = 0; i < kw_args->alloc; i++) {
        if (mp_map_slot_is_filled(kw_args, i)) {
            #if LP_POOL_ALLOC_META
            if (kw_args->table[i].key == skip) {
                continue;
            }
            #endif
            call[k++] = kw_args->table[i].key;
            call[k++] = kw_args->table[i].value;
        }
    }
    c->args = call;
}

static mp_obj_t lp_call(const lp_call_t *c) {
    return mp_call_function_n_kw(c->fn, c->n_args, c->n_kw, c->args);
}

// MicroPython's bound method and closure keep the function they wrap right after the base
// (py/objboundmeth.c, py/objclosure.c); neither has a getter.
typedef struct {
    mp_obj_base_t base;
    mp_obj_t fun;
} lp_wrapper_t;

extern const mp_obj_type_t mp_type_closure; // py/objclosure.c, not in a header

static bool lp_is_generator(mp_obj_t fn) {
    while (mp_obj_is_type(fn, &mp_type_bound_meth) || mp_obj_is_type(fn, &mp_type_closure)) {
        fn = ((lp_wrapper_t *)MP_OBJ_TO_PTR(fn))->fun;
    }
    return mp_obj_is_type(fn, &mp_type_gen_wrap) || mp_obj_is_type(fn, &mp_type_gen_instance)
           #if MICROPY_EMIT_NATIVE
           || mp_obj_is_type(fn, &mp_type_native_gen_wrap)
           #endif
    ;
}

mp_obj_t lp_run_call(lp_pool_obj_t *pool, size_t n_args, const mp_obj_t *args, mp_map_t *kw_args) {
    // A generator function (async def included) would only make a generator here, on the locked
    // heap, and run its body later outside run(): refuse it before locking anything.
    if (lp_is_generator(args[0])) {
        lp_raise_static(&lp_err_generator);
    }
    // Zeroed: the GC scans the C stack conservatively, and stale words here would keep garbage
    // alive through a collection inside fn (lp_pool_collect).
    mp_obj_t stack_buf[LP_CALL_STACK_ARGS] = { MP_OBJ_NULL };
    lp_call_t call;
    #if LP_POOL_ALLOC_META
    // run(fn, scope="rx"): the pool's scope while fn runs, the outer one back after (lp_meta.c 5).
    mp_map_elem_t *scope = kw_args == NULL ? NULL : mp_map_lookup(kw_args, MP_OBJ_NEW_QSTR(MP_QSTR_scope), MP_MAP_LOOKUP);
    mp_obj_t outer = pool->meta.scope;
    if (scope != NULL) {
        lp_meta_scope_arg(scope->value);
    }
    lp_call_prepare(&call, n_args, args, kw_args, stack_buf, scope == NULL ? MP_OBJ_NULL : scope->key);
    #else
    // scope= is run()'s own in every build: never passed on to fn.
    if (kw_args != NULL && mp_map_lookup(kw_args, MP_OBJ_NEW_QSTR(MP_QSTR_scope), MP_MAP_LOOKUP) != NULL) {
        lp_raise_no_meta();
    }
    lp_call_prepare(&call, n_args, args, kw_args, stack_buf);
    #endif
    size_t level = lp_run_enter_level(pool, false);
    #if LP_POOL_ALLOC_META
    lp_meta_scope_set(&pool->meta, scope != NULL ? scope->value : outer);
    #endif
    // After a raise only pool, level (and outer) are read: set before the nlr_push, never changed
    // after it, and no local's address is used after the jump.
    nlr_buf_t nlr;
    if (nlr_push(&nlr) == 0) {
        mp_obj_t ret = lp_call(&call);
        nlr_pop();
        #if LP_POOL_ALLOC_META
        lp_meta_scope_set(&pool->meta, outer);
        #endif
        lp_run_exit(pool, level, &lp_err_order);
        if (mp_obj_is_type(ret, &mp_type_gen_instance)) {
            // A function that returned a generator or coroutine: its body hasn't run.
            lp_raise_static(&lp_err_generator);
        }
        return ret;
    }
    #if LP_POOL_ALLOC_META
    lp_meta_scope_set(&pool->meta, outer);
    #endif
    lp_run_exit(pool, level, &lp_err_order);
    nlr_jump(nlr.ret_val);
}

// guarded_step(pool, coro, value, exc[, pending]): resume the coroutine once inside the guard,
// sending value (or throwing exc when it is not None): the lp_pool package's guarded() drives a
// coroutine with it. Returns what the coroutine yielded; raises StopIteration(result) when it
// returned, created after the guard is left; passes its exception on. The guard's exit (invariant
// 5) catches a `with pool:` of the coroutine left open at its suspension point and puts the lock
// back at once. With `pending` (a list) the RuntimeError for that goes into pending[0] and the
// yielded value is still returned: what the coroutine awaited has already arranged its wake-up (a
// sleep queued the task), so the event loop must get the value, or the task would run on while
// still queued and be resumed a second time later.
// mp_resume() inside level `level` of the guard; leaves the level when the coroutine raises. On its
// own, never inlined: after a raise only its parameters (set before the nlr_push, never changed
// after it) are read.
static MP_NOINLINE mp_vm_return_kind_t lp_guarded_resume(lp_pool_obj_t *pool, size_t level, mp_obj_t coro,
    mp_obj_t send, mp_obj_t throw, mp_obj_t *ret) {
    nlr_buf_t nlr;
    if (nlr_push(&nlr) == 0) {
        mp_vm_return_kind_t kind = mp_resume(coro, send, throw, ret);
        nlr_pop();
        return kind;
    }
    lp_run_exit(pool, level, &lp_err_step_open);
    nlr_jump(nlr.ret_val);
}

// Leave the level and return what that raised (MP_OBJ_NULL when nothing): after a raise only the
// nlr buffer is read.
static MP_NOINLINE mp_obj_t lp_run_exit_catch(lp_pool_obj_t *pool, size_t level, const lp_static_exc_t *order_err) {
    nlr_buf_t nlr;
    if (nlr_push(&nlr) == 0) {
        lp_run_exit(pool, level, order_err);
        nlr_pop();
        return MP_OBJ_NULL;
    }
    return MP_OBJ_FROM_PTR(nlr.ret_val);
}

static mp_obj_t lp_guarded_step(size_t n_args, const mp_obj_t *args) {
    mp_obj_t pending = n_args > 4 ? args[4] : mp_const_none;
    if (pending != mp_const_none && (!mp_obj_is_type(pending, &mp_type_list) || mp_obj_len(pending) == MP_OBJ_NEW_SMALL_INT(0))) {
        mp_raise_TypeError(MP_ERROR_TEXT("pending must be a list of at least one item"));
    }
    if (!mp_obj_is_type(args[0], &lp_type_MemoryPool)) {
        mp_raise_TypeError(MP_ERROR_TEXT("pool must be an LpMemoryPool"));
    }
    lp_pool_obj_t *pool = MP_OBJ_TO_PTR(args[0]);
    mp_obj_t coro = args[1];
    if (!mp_obj_is_type(coro, &mp_type_gen_instance)) {
        lp_raise_static(&lp_err_step_coro);
    }
    if (lp_current_pool() != NULL) {
        lp_raise_static(&lp_err_step_nested);
    }
    mp_obj_t send = args[3] == mp_const_none ? args[2] : MP_OBJ_NULL;
    mp_obj_t throw = args[3] == mp_const_none ? MP_OBJ_NULL : args[3];
    mp_obj_t ret;
    size_t level = lp_run_enter_level(pool, false);
    mp_vm_return_kind_t kind = lp_guarded_resume(pool, level, coro, send, throw, &ret);
    if (kind == MP_VM_RETURN_YIELD && pending != mp_const_none) {
        mp_obj_t exc = lp_run_exit_catch(pool, level, &lp_err_step_open);
        if (exc != MP_OBJ_NULL) {
            mp_obj_subscr(pending, MP_OBJ_NEW_SMALL_INT(0), exc);
        }
        return ret;
    }
    lp_run_exit(pool, level, &lp_err_step_open);
    if (kind == MP_VM_RETURN_YIELD) {
        return ret;
    }
    if (kind == MP_VM_RETURN_NORMAL) {
        mp_raise_StopIteration(ret);
    }
    nlr_raise(ret);
}
MP_DEFINE_CONST_FUN_OBJ_VAR_BETWEEN(lp_guarded_step_obj, 4, 5, lp_guarded_step);

static void lp_global_enter(void) {
    lp_slot_t *slot = lp_slot();
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
    lp_slot_t *slot = lp_slot();
    if (slot == NULL || slot->n_saved == 0) {
        return; // entered outside run(): nothing was lifted
    }
    uint16_t levels = slot->saved[--slot->n_saved];
    for (; slot->locked < levels; slot->locked++) {
        gc_lock();
    }
    lp_lock();
    lp_slot_release_if_idle_locked(slot);
    lp_unlock();
}

static mp_obj_t lp_with_global_alloc_call(size_t n_args, const mp_obj_t *args, mp_map_t *kw_args) {
    mp_obj_t stack_buf[LP_CALL_STACK_ARGS];
    lp_global_enter();
    nlr_buf_t nlr;
    if (nlr_push(&nlr) == 0) {
        lp_call_t call;
        lp_call_prepare(&call, n_args, args, kw_args, stack_buf LP_META_KIND(MP_OBJ_NULL));
        mp_obj_t ret = lp_call(&call);
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
