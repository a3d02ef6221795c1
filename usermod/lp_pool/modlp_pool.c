// Layer 7, the top (docs/internals.md): _lp_pool, the native half of lp-pool. Users import the
// `lp_pool` package, which re-exports this. The module's table, and what happens at import.
//
// Soft reset: root pointers survive it but point into a heap that is gone. The module notices the
// first import of a new session (it is not yet in sys.modules: MicroPython calls a built-in module's
// __init__ on every import until it is, and the session marker below is gone) and forgets every
// pool; the static arena is initialised afresh when the static pool is next asked for.

#include "py/gc.h"
#include "py/objstr.h"
#include "py/runtime.h"

#include "lp_pool.h"
#include "lp_pool_repl.h"

#if !MICROPY_MODULE_BUILTIN_INIT
#error "lp_pool needs MICROPY_MODULE_BUILTIN_INIT to notice soft resets"
#endif

extern const mp_obj_module_t lp_pool_module;

LP_DEFINE_STATIC_EXC(lp_err_import_locked, mp_type_RuntimeError, "import lp_pool before locking the heap");

// A session marker: a small GC block holding a token that only this session knows. A soft reset
// re-initialises the GC heap, which frees the block; `del sys.modules["_lp_pool"]` does not, and must
// not make the module forget pools whose objects are still alive.
MP_REGISTER_ROOT_POINTER(uint32_t *lp_session);
static uint32_t lp_session_token;

// pyexec's hook between two programs calls this when set (lp_pool_repl.h, micropython.mk).
MP_REGISTER_ROOT_POINTER(void *lp_repl_hook);

static bool lp_same_session(void) {
    uint32_t *marker = MP_STATE_VM(lp_session);
    return lp_session_token != 0 && marker != NULL && gc_nbytes(marker) != 0 && *marker == lp_session_token;
}

static mp_obj_t lp_mod_init(void) {
    mp_obj_t name = MP_OBJ_NEW_QSTR(MP_QSTR__lp_pool);
    if (mp_map_lookup(&MP_STATE_VM(mp_loaded_modules_dict).map, name, MP_MAP_LOOKUP) != NULL) {
        return mp_const_none;
    }
    if (gc_is_locked()) {
        lp_raise_static(&lp_err_import_locked);
    }
    MP_STATE_VM(lp_repl_hook) = (void *)lp_pool_repl_reset;
    if (!lp_same_session()) {
        lp_lock_init();
        #if MICROPY_ENABLE_EMERGENCY_EXCEPTION_BUF && MICROPY_EMERGENCY_EXCEPTION_BUF_SIZE == 0
        // Code under run() raises with the heap locked: without this buffer MicroPython drops the
        // message and args of any exception created then. The user's own buffer, if set, is kept.
        if (MP_STATE_VM(mp_emergency_exception_buf) == NULL) {
            mp_alloc_emergency_exception_buf(MP_OBJ_NEW_SMALL_INT(LP_POOL_EMERGENCY_EXC_BUF));
        }
        #endif
        lp_pools_reset();
        lp_errors_reset();
        #if LP_POOL_PREEMPT
        lp_preempt_stop(); // its handler belonged to the last session's heap
        #endif
        lp_session_token = 0x4c500000u | ((lp_session_token + 1) & 0xfffffu);
        uint32_t *marker = m_new(uint32_t, 1);
        *marker = lp_session_token;
        MP_STATE_VM(lp_session) = marker;
    }
    mp_obj_dict_store(MP_OBJ_FROM_PTR(&MP_STATE_VM(mp_loaded_modules_dict)), name, MP_OBJ_FROM_PTR(&lp_pool_module));
    return mp_const_none;
}
static MP_DEFINE_CONST_FUN_OBJ_0(lp_mod_init_obj, lp_mod_init);

static mp_obj_t lp_mod_arena_size(void) {
    return mp_obj_new_int_from_uint(LP_POOL_ARENA_SIZE);
}
static MP_DEFINE_CONST_FUN_OBJ_0(lp_mod_arena_size_obj, lp_mod_arena_size);

static mp_obj_t lp_mod_current_pool(void) {
    lp_pool_obj_t *pool = lp_current_pool();
    return pool == NULL ? mp_const_none : MP_OBJ_FROM_PTR(pool);
}
static MP_DEFINE_CONST_FUN_OBJ_0(lp_mod_current_pool_obj, lp_mod_current_pool);

LP_DEFINE_STATIC_EXC(lp_err_reset_irq, mp_type_RuntimeError,
    "reset() can't run in an interrupt handler or a scheduled callback: it would end the blocks of the code it interrupted");

// reset(): no current pool in the calling thread and lp_pool's heap lock levels in it released
// (lp_run.c invariant 6); the number of pool levels it dropped.
static mp_obj_t lp_mod_reset(void) {
    #if MICROPY_ENABLE_SCHEDULER
    if (MP_STATE_VM(sched_state) < 0) {
        lp_raise_static(&lp_err_reset_irq);
    }
    #endif
    return MP_OBJ_NEW_SMALL_INT(lp_run_reset_thread());
}
static MP_DEFINE_CONST_FUN_OBJ_0(lp_mod_reset_obj, lp_mod_reset);

#if LP_POOL_TEST_HOOKS
// _irq_call(fn, arg): fn(arg) run the way shared/runtime/mpirq.c runs a hard IRQ handler, so tests
// can prove that what a hard IRQ handler may call works there. Unlike mpirq.c it re-raises an
// exception (after unlocking) instead of printing it, so a test sees its type.
static mp_obj_t lp_mod_irq_call(mp_obj_t fn, mp_obj_t arg) {
    mp_sched_lock();
    gc_lock();
    nlr_buf_t nlr;
    if (nlr_push(&nlr) == 0) {
        mp_obj_t ret = mp_call_function_1(fn, arg);
        nlr_pop();
        gc_unlock();
        mp_sched_unlock();
        return ret;
    }
    gc_unlock();
    mp_sched_unlock();
    nlr_jump(nlr.ret_val);
}
static MP_DEFINE_CONST_FUN_OBJ_2(lp_mod_irq_call_obj, lp_mod_irq_call);

#if MICROPY_PY_BUILTINS_MEMORYVIEW
// _view(buf, offset, typecode): a read-only memoryview of `typecode` over buf from byte `offset` on
// (the whole items that fit), at whatever alignment that gives. Python code can't make one
// (memoryview has no cast, and its slices move by whole items over GC blocks aligned to 16), but a
// C module can (mp_obj_new_memoryview): the alignment tests feed lp-pool typed buffers at every
// offset through it. The caller keeps buf alive (the view points inside its block), and never
// indexes the view from Python: MicroPython's own item access assumes aligned items.
static mp_obj_t lp_mod_view(mp_obj_t buf_in, mp_obj_t offset_in, mp_obj_t tc_in) {
    mp_buffer_info_t bi;
    mp_get_buffer_raise(buf_in, &bi, MP_BUFFER_READ);
    mp_int_t offset = mp_obj_get_int(offset_in);
    char tc = lp_typecode_arg(tc_in);
    if (offset < 0 || (size_t)offset > bi.len) {
        mp_raise_ValueError(MP_ERROR_TEXT("offset out of the buffer"));
    }
    size_t n = (bi.len - (size_t)offset) / lp_typecode_size(tc);
    return mp_obj_new_memoryview((byte)tc, n, (byte *)bi.buf + offset);
}
static MP_DEFINE_CONST_FUN_OBJ_3(lp_mod_view_obj, lp_mod_view);
#endif

#if defined(__thumb__)
// _load32(buf, offset): one LDR of 32 bits from buf + offset, in assembly so the compiler cannot
// split or fix up an unaligned address. It shows whether a board traps an unaligned word access as
// an armv6m core (Cortex-M0/M0+) does; a Cortex-M3 performs it.
static mp_obj_t lp_mod_load32(mp_obj_t buf_in, mp_obj_t offset_in) {
    mp_buffer_info_t bi;
    mp_get_buffer_raise(buf_in, &bi, MP_BUFFER_READ);
    mp_int_t offset = mp_obj_get_int(offset_in);
    if (offset < 0 || bi.len < 4 || (size_t)offset > bi.len - 4) {
        mp_raise_ValueError(MP_ERROR_TEXT("offset out of the buffer"));
    }
    const uint8_t *p = (const uint8_t *)bi.buf + offset;
    uint32_t v;
    __asm volatile ("ldr %0, [%1]" : "=l" (v) : "l" (p) : "memory");
    return mp_obj_new_int_from_uint(v);
}
static MP_DEFINE_CONST_FUN_OBJ_2(lp_mod_load32_obj, lp_mod_load32);
#endif
#endif

static MP_DEFINE_STR_OBJ(lp_version_obj, LP_POOL_VERSION);

static const mp_rom_map_elem_t lp_module_globals_table[] = {
    { MP_ROM_QSTR(MP_QSTR___name__), MP_ROM_QSTR(MP_QSTR__lp_pool) },
    { MP_ROM_QSTR(MP_QSTR___init__), MP_ROM_PTR(&lp_mod_init_obj) },
    { MP_ROM_QSTR(MP_QSTR_version), MP_ROM_PTR(&lp_version_obj) },
    { MP_ROM_QSTR(MP_QSTR_arena_size), MP_ROM_PTR(&lp_mod_arena_size_obj) },
    { MP_ROM_QSTR(MP_QSTR_current_pool), MP_ROM_PTR(&lp_mod_current_pool_obj) },
    { MP_ROM_QSTR(MP_QSTR_reset), MP_ROM_PTR(&lp_mod_reset_obj) },
    { MP_ROM_QSTR(MP_QSTR_with_global_alloc), MP_ROM_PTR(&lp_with_global_alloc_obj) },
    { MP_ROM_QSTR(MP_QSTR_guarded_step), MP_ROM_PTR(&lp_guarded_step_obj) },
    { MP_ROM_QSTR(MP_QSTR_LpMemoryPool), MP_ROM_PTR(&lp_type_MemoryPool) },
    { MP_ROM_QSTR(MP_QSTR_LpBuffer), MP_ROM_PTR(&lp_type_Buffer) },
    #if MICROPY_PY_BUILTINS_STR_UNICODE
    { MP_ROM_QSTR(MP_QSTR_LpString), MP_ROM_PTR(&lp_type_String) },
    #endif
    { MP_ROM_QSTR(MP_QSTR_LpVec), MP_ROM_PTR(&lp_type_Vec) },
    { MP_ROM_QSTR(MP_QSTR_AllocError), MP_ROM_PTR(&lp_type_AllocError) },
    { MP_ROM_QSTR(MP_QSTR_LpBTreeMap), MP_ROM_PTR(&lp_type_BTreeMap) },
    { MP_ROM_QSTR(MP_QSTR_LpBox), MP_ROM_PTR(&lp_type_Box) },
    { MP_ROM_QSTR(MP_QSTR__meta_print), MP_ROM_PTR(&lp_meta_print_obj) },
    #if LP_POOL_ALLOC_META
    { MP_ROM_QSTR(MP_QSTR_alloc_meta), MP_ROM_TRUE },
    { MP_ROM_QSTR(MP_QSTR_LpScope), MP_ROM_PTR(&lp_type_Scope) },
    #else
    { MP_ROM_QSTR(MP_QSTR_alloc_meta), MP_ROM_FALSE },
    #endif
    #if LP_POOL_TEST_HOOKS
    { MP_ROM_QSTR(MP_QSTR__irq_call), MP_ROM_PTR(&lp_mod_irq_call_obj) },
    { MP_ROM_QSTR(MP_QSTR__gap_hook), MP_ROM_PTR(&lp_gap_hook_obj) },
    #if LP_POOL_PREEMPT
    { MP_ROM_QSTR(MP_QSTR__preempt), MP_ROM_PTR(&lp_preempt_obj) },
    #endif
    #if MICROPY_PY_BUILTINS_MEMORYVIEW
    { MP_ROM_QSTR(MP_QSTR__view), MP_ROM_PTR(&lp_mod_view_obj) },
    #endif
    #if LP_POOL_LOCK_SPANS
    { MP_ROM_QSTR(MP_QSTR__lock_spans), MP_ROM_PTR(&lp_lock_spans_obj) },
    { MP_ROM_QSTR(MP_QSTR__lock_empty), MP_ROM_PTR(&lp_lock_empty_obj) },
    #endif
    #if defined(__thumb__)
    { MP_ROM_QSTR(MP_QSTR__load32), MP_ROM_PTR(&lp_mod_load32_obj) },
    #endif
    #endif
};
static MP_DEFINE_CONST_DICT(lp_module_globals, lp_module_globals_table);

const mp_obj_module_t lp_pool_module = {
    .base = { &mp_type_module },
    .globals = (mp_obj_dict_t *)&lp_module_globals,
};

MP_REGISTER_MODULE(MP_QSTR__lp_pool, lp_pool_module);
