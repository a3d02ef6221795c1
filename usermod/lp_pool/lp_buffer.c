// LpBuffer: n bytes in a pool that every buffer-taking MicroPython API accepts (memoryview,
// struct.pack_into, stream.readinto/write, bytes(), slicing) with no GC heap in the hot path.
//
// Invariants: h.len is the length Python sees (the block may be larger); h.data is NULL once freed
// and every method checks that first. New bytes (creation, growth) read as zero, like bytearray.
// A memoryview taken of an LpBuffer points into the pool: it must not be used after free() or a
// resize() that moved the buffer (as with any memoryview of memory its owner releases).
//
// A collection (docs/internals.md: on the pools, beside run()), over handles (lp_handle.c).

#include <string.h>

#include "py/binary.h"
#include "py/objint.h"
#include "py/objstr.h"
#include "py/runtime.h"

#include "lp_pool.h"

LP_DEFINE_STATIC_EXC(lp_err_slice_len, mp_type_ValueError, "slice assignment cannot change the length of an LpBuffer: use resize()");
LP_DEFINE_STATIC_EXC(lp_err_byte, mp_type_ValueError, "byte must be in range(0, 256)");

static mp_obj_t lp_buffer_make_new(const mp_obj_type_t *type, size_t n_args, size_t n_kw, const mp_obj_t *all_args) {
    enum { ARG_size, ARG_pool };
    static const mp_arg_t allowed_args[] = {
        { MP_QSTR_size, MP_ARG_REQUIRED | MP_ARG_OBJ, {.u_obj = MP_OBJ_NULL} },
        { MP_QSTR_pool, MP_ARG_KW_ONLY | MP_ARG_OBJ, {.u_obj = mp_const_none} },
    };
    mp_arg_val_t args[MP_ARRAY_SIZE(allowed_args)];
    mp_arg_parse_all_kw_array(n_args, n_kw, all_args, MP_ARRAY_SIZE(allowed_args), allowed_args, args);
    size_t n = lp_size_arg(args[ARG_size].u_obj);
    lp_pool_obj_t *pool = lp_pool_for_new(args[ARG_pool].u_obj);
    // Handle first: if the block then fails, the pool is unchanged and the handle is garbage.
    lp_obj_t *h = lp_handle_new(pool, type);
    void *data = lp_pool_alloc(pool, n LP_META_KIND(LP_KIND_BUFFER));
    memset(data, 0, n);
    lp_handle_attach(h, data, n);
    return MP_OBJ_FROM_PTR(h);
}

static void lp_buffer_print(const mp_print_t *print, mp_obj_t self_in, mp_print_kind_t kind) {
    lp_obj_t *self = MP_OBJ_TO_PTR(self_in);
    if (self->data == NULL) {
        mp_printf(print, "<LpBuffer freed>");
    } else {
        mp_printf(print, "<LpBuffer %u bytes>", (unsigned)self->len);
    }
}

static mp_int_t lp_buffer_get_buffer(mp_obj_t self_in, mp_buffer_info_t *bufinfo, mp_uint_t flags) {
    lp_obj_t *self = MP_OBJ_TO_PTR(self_in);
    // Consumers that keep the address (memoryview, io.RingIO, ...) pin the block: invariant 7.
    bufinfo->buf = lp_handle_buffer(self, flags);
    bufinfo->len = self->len;
    bufinfo->typecode = BYTEARRAY_TYPECODE;
    return 0;
}

static mp_obj_t lp_buffer_binary_op(mp_binary_op_t op, mp_obj_t lhs_in, mp_obj_t rhs_in) {
    lp_obj_t *self = MP_OBJ_TO_PTR(lhs_in);
    if (op != MP_BINARY_OP_EQUAL) {
        return MP_OBJ_NULL;
    }
    const byte *data = lp_handle_data(self);
    mp_buffer_info_t other;
    if (!mp_get_buffer(rhs_in, &other, MP_BUFFER_READ)) {
        return mp_const_false;
    }
    return mp_obj_new_bool(other.len == self->len && memcmp(data, other.buf, self->len) == 0);
}

// `index` may be a slice on the VM's stack (LP_TYPE_FLAG_STACK_SLICE): read here, never kept.
static mp_obj_t lp_buffer_subscr(mp_obj_t self_in, mp_obj_t index, mp_obj_t value) {
    lp_obj_t *self = MP_OBJ_TO_PTR(self_in);
    byte *data = lp_handle_data(self);
    if (value == MP_OBJ_NULL) {
        mp_raise_TypeError(MP_ERROR_TEXT("LpBuffer items cannot be deleted"));
    }
    if (mp_obj_is_type(index, &mp_type_slice)) {
        lp_slice_check(index);
        mp_bound_slice_t slice;
        if (!mp_seq_get_fast_slice_indexes(self->len, index, &slice)) {
            mp_raise_NotImplementedError(MP_ERROR_TEXT("only slices with step 1"));
        }
        size_t start = slice.start, len = slice.stop > slice.start ? slice.stop - slice.start : 0;
        if (value == MP_OBJ_SENTINEL) {
            return mp_obj_new_bytes(data + start, len);
        }
        mp_buffer_info_t src;
        mp_get_buffer_raise(value, &src, MP_BUFFER_READ);
        if (src.len != len) {
            lp_raise_static(&lp_err_slice_len);
        }
        memmove(data + start, src.buf, len);
        return mp_const_none;
    }
    lp_int_arg_check(index);
    size_t i = mp_get_index(self->base.type, self->len, index, false);
    if (value == MP_OBJ_SENTINEL) {
        return MP_OBJ_NEW_SMALL_INT(data[i]);
    }
    lp_int_arg_check(value);
    mp_int_t v = mp_obj_get_int(value);
    if (v < 0 || v > 255) {
        lp_raise_static(&lp_err_byte);
    }
    data[i] = (byte)v;
    return mp_const_none;
}

// Iteration lives in the caller's iter_buf, so `for b in buf` allocates nothing.
static mp_obj_t lp_buffer_it_iternext(mp_obj_t self_in) {
    lp_iter_t *it = MP_OBJ_TO_PTR(self_in);
    const byte *data = lp_handle_data(it->h);
    if (it->cur >= it->h->len) {
        return MP_OBJ_STOP_ITERATION;
    }
    return MP_OBJ_NEW_SMALL_INT(data[it->cur++]);
}

static mp_obj_t lp_buffer_getiter(mp_obj_t self_in, mp_obj_iter_buf_t *iter_buf) {
    lp_obj_t *self = MP_OBJ_TO_PTR(self_in);
    lp_handle_data(self);
    return lp_iter_init(iter_buf, self, lp_buffer_it_iternext);
}

static mp_obj_t lp_buffer_resize(mp_obj_t self_in, mp_obj_t n_in) {
    lp_obj_t *self = MP_OBJ_TO_PTR(self_in);
    lp_handle_data(self); // use after free raises before the size is looked at
    size_t n = lp_size_arg(n_in);
    // On failure this raises AllocError and the old block is untouched.
    lp_handle_resize(self, n);
    if (n > self->len) {
        memset((byte *)self->data + self->len, 0, n - self->len);
    }
    self->len = n;
    return mp_const_none;
}
static MP_DEFINE_CONST_FUN_OBJ_2(lp_buffer_resize_obj, lp_buffer_resize);

static const mp_rom_map_elem_t lp_buffer_locals_dict_table[] = {
    { MP_ROM_QSTR(MP_QSTR_free), MP_ROM_PTR(&lp_handle_free_obj) },
    { MP_ROM_QSTR(MP_QSTR___del__), MP_ROM_PTR(&lp_handle_free_obj) },
    { MP_ROM_QSTR(MP_QSTR___enter__), MP_ROM_PTR(&lp_handle_enter_obj) },
    { MP_ROM_QSTR(MP_QSTR___exit__), MP_ROM_PTR(&lp_handle_exit_obj) },
    { MP_ROM_QSTR(MP_QSTR_resize), MP_ROM_PTR(&lp_buffer_resize_obj) },
    LP_HANDLE_PROPS,
};
static MP_DEFINE_CONST_DICT(lp_buffer_locals_dict, lp_buffer_locals_dict_table);

MP_DEFINE_CONST_OBJ_TYPE(
    lp_type_Buffer,
    MP_QSTR_LpBuffer,
    MP_TYPE_FLAG_ITER_IS_GETITER | MP_TYPE_FLAG_EQ_CHECKS_OTHER_TYPE | LP_TYPE_FLAG_STACK_SLICE,
    make_new, lp_buffer_make_new,
    print, lp_buffer_print,
    unary_op, lp_handle_unary_op,
    binary_op, lp_buffer_binary_op,
    subscr, lp_buffer_subscr,
    iter, lp_buffer_getiter,
    buffer, lp_buffer_get_buffer,
    attr, lp_attr,
    locals_dict, &lp_buffer_locals_dict
    );
