// Layer 3 of the module (docs/internals.md): errors. AllocError, and raising any of lp_pool's errors,
// also with the GC heap locked. Needs nothing of lp_pool below it: every layer above raises
// through it.
#ifndef LP_ERROR_H
#define LP_ERROR_H

#include <stddef.h>

#include "py/obj.h"
#include "py/objexcept.h"
#include "py/objstr.h"

#include "lp_compat.h"

extern const mp_obj_type_t lp_type_AllocError;

// An error lp_pool may raise with the heap locked: its type and message, preallocated (const), so
// they survive on ports without an emergency exception buffer. Under the lock it is raised as one of
// lp_error.c's exception objects in root pointers; with the heap free as a fresh instance.
typedef struct {
    mp_obj_exception_t exc;
    struct {
        mp_obj_base_t base;
        size_t len;
        mp_obj_t items[1];
    } args;
} lp_static_exc_t;

#define LP_DEFINE_STATIC_EXC(name, type, text) \
    static MP_DEFINE_STR_OBJ(name##_msg, text); \
    static const lp_static_exc_t name = { \
        { { &(type) }, 0, 0, NULL, (mp_obj_tuple_t *)&name.args }, \
        { { &mp_type_tuple }, 1, { MP_OBJ_FROM_PTR(&name##_msg) } }, \
    }

MP_NORETURN void lp_raise_static(const lp_static_exc_t *exc);
// At the first import after a soft reset: the raised objects in root pointers forget the old heap.
void lp_errors_reset(void);
// AllocError with its message from `text` (an AllocError description; NULL for the usual "pool
// cannot allocate" one) and the given byte counts.
MP_NORETURN void lp_raise_alloc_error_text(const lp_static_exc_t *text, size_t requested, size_t available);
// NotImplementedError for pool.meta(), pool.scope(), run(scope=) and print_memory_stats in a build
// without allocation tracking, so a program written for a tracking build fails clearly.
MP_NORETURN void lp_raise_no_meta(void);

#endif // LP_ERROR_H
