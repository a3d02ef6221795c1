// Layer 3 (docs/internals.md): errors. AllocError, and raising any of lp_pool's errors with the GC
// heap locked. Calls only MicroPython.
//
// AllocError is raised when a pool cannot satisfy a request. A MemoryError, so existing handlers
// still catch it, with the numbers a program needs to react: .requested and .available bytes.
//
// While the GC heap is locked no exception object can be allocated, so each error has a
// preallocated description (type and args, static) and is raised as one of a few exception objects
// kept in root pointers; with the heap free every raise gets a fresh instance so tracebacks don't
// pile up on a shared object.
//
// Why root pointers and not the static description itself: frames outside the lock (after run()
// returns) add their traceback entries to the object on the GC heap, and the GC scans only the
// heap, the stack and the root pointers. A traceback referenced from a plain static would be
// swept while the exception is still held, and the next traceback entry written into freed memory.

#include "py/objexcept.h"
#include "py/smallint.h"
#include "py/objstr.h"
#include "py/objtuple.h"
#include "py/runtime.h"
#include "py/gc.h"

#include "lp_error.h"

static void lp_alloc_error_attr(mp_obj_t self_in, qstr attr, mp_obj_t *dest) {
    mp_obj_exception_t *self = MP_OBJ_TO_PTR(self_in);
    if (dest[0] == MP_OBJ_NULL && (attr == MP_QSTR_requested || attr == MP_QSTR_available)) {
        size_t i = attr == MP_QSTR_requested ? 1 : 2;
        dest[0] = self->args->len > i ? self->args->items[i] : mp_const_none;
        return;
    }
    mp_obj_exception_attr(self_in, attr, dest);
}

// str(e) is the message alone (not the args tuple); repr keeps MicroPython's exception form.
static void lp_alloc_error_print(const mp_print_t *print, mp_obj_t self_in, mp_print_kind_t kind) {
    mp_obj_exception_t *self = MP_OBJ_TO_PTR(self_in);
    mp_print_kind_t k = kind & ~PRINT_EXC_SUBCLASS;
    if ((k == PRINT_STR || k == PRINT_EXC) && self->args != NULL && self->args->len > 1) {
        if (k == PRINT_EXC) {
            mp_printf(print, "%q: ", (qstr)self->base.type->name);
        }
        mp_obj_print_helper(print, self->args->items[0], PRINT_STR);
        return;
    }
    mp_obj_exception_print(print, self_in, kind);
}

MP_DEFINE_CONST_OBJ_TYPE(
    lp_type_AllocError,
    MP_QSTR_AllocError,
    MP_TYPE_FLAG_NONE,
    make_new, mp_obj_exception_make_new,
    print, lp_alloc_error_print,
    attr, lp_alloc_error_attr,
    parent, &mp_type_MemoryError
    );

static MP_DEFINE_STR_OBJ(lp_locked_msg, "pool cannot satisfy the request (see .requested and .available)");

// The instance raised under the heap lock: its args are rewritten before every raise.
static struct {
    mp_obj_base_t base;
    size_t len;
    mp_obj_t items[3];
} lp_locked_args = { { &mp_type_tuple }, 3, { MP_OBJ_FROM_PTR(&lp_locked_msg), MP_OBJ_NEW_SMALL_INT(0), MP_OBJ_NEW_SMALL_INT(0) } };

static mp_obj_exception_t lp_locked_error = {
    .base = { &lp_type_AllocError },
    .traceback_alloc = 0,
    .traceback_len = 0,
    .traceback_data = NULL,
    .args = (mp_obj_tuple_t *)&lp_locked_args,
};

// Raised objects are taken in turn: an exception still held (by an except clause, or while another
// is raised in its handler) keeps its type and message until LP_RAISE_SLOTS later raises under the
// lock.
#define LP_RAISE_SLOTS (8)
MP_REGISTER_ROOT_POINTER(mp_obj_exception_t lp_raise_slot[LP_RAISE_SLOTS]);
MP_REGISTER_ROOT_POINTER(size_t lp_raise_next);

static MP_NORETURN void lp_raise_preallocated(const mp_obj_exception_t *desc) {
    mp_obj_exception_t *exc = &MP_STATE_VM(lp_raise_slot)[MP_STATE_VM(lp_raise_next)++ % LP_RAISE_SLOTS];
    exc->base.type = desc->base.type;
    exc->args = desc->args;
    exc->traceback_alloc = 0;
    exc->traceback_len = 0;
    exc->traceback_data = NULL;
    nlr_raise(MP_OBJ_FROM_PTR(exc));
}

void lp_errors_reset(void) {
    // A soft reset keeps root pointers but not the heap: a slot's traceback (the emergency buffer,
    // or a block frames outside run() added) would name a block of the new heap and keep it alive.
    for (size_t i = 0; i < LP_RAISE_SLOTS; i++) {
        mp_obj_exception_t *exc = &MP_STATE_VM(lp_raise_slot)[i];
        exc->traceback_alloc = 0;
        exc->traceback_len = 0;
        exc->traceback_data = NULL;
    }
}

MP_NORETURN void lp_raise_alloc_error_text(const lp_static_exc_t *text, size_t requested, size_t available) {
    if (gc_is_locked()) {
        // Small ints only: mp_obj_new_int_from_uint could allocate for values past the small-int range.
        lp_locked_args.items[0] = text != NULL ? text->args.items[0] : MP_OBJ_FROM_PTR(&lp_locked_msg);
        lp_locked_args.items[1] = MP_OBJ_NEW_SMALL_INT(requested > MP_SMALL_INT_MAX ? MP_SMALL_INT_MAX : requested);
        lp_locked_args.items[2] = MP_OBJ_NEW_SMALL_INT(available);
        lp_raise_preallocated(&lp_locked_error);
    }
    mp_obj_t msg;
    if (text != NULL) {
        msg = text->args.items[0];
    } else {
        vstr_t v;
        vstr_init(&v, 80);
        vstr_printf(&v, "pool cannot allocate %lu bytes (largest free block %lu bytes)",
            (unsigned long)requested, (unsigned long)available);
        msg = mp_obj_new_str_from_vstr(&v);
    }
    mp_obj_t args[3] = { msg, mp_obj_new_int_from_uint(requested), mp_obj_new_int_from_uint(available) };
    nlr_raise(mp_obj_exception_make_new(&lp_type_AllocError, 3, 0, args));
}

MP_NORETURN void lp_raise_static(const lp_static_exc_t *exc) {
    if (!gc_is_locked()) {
        nlr_raise(mp_obj_new_exception_arg1(exc->exc.base.type, exc->args.items[0]));
    }
    lp_raise_preallocated(&exc->exc);
}

// Without tracking the API is there and says why it can't help.
LP_DEFINE_STATIC_EXC(lp_err_no_meta, mp_type_NotImplementedError,
    "allocation tracking is not compiled in: build the firmware with LP_POOL_ALLOC_META=1");

MP_NORETURN void lp_raise_no_meta(void) {
    lp_raise_static(&lp_err_no_meta);
}
