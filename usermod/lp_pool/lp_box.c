// LpBox: one value in the pool, the place where a float (or a big int, text, bytes) can live without
// the GC heap. `box.value` reads and writes it.
//
// Invariants:
//  1. The handle's block holds the value: a kind, a length and the number or the bytes inline. The
//     handle's len is the size the block was asked for.
//  2. A new value that needs a larger block reallocates it (in place when the next block is free);
//     AllocError leaves the old value. A much smaller one gives the tail back.
//  3. Reading `.value` makes the Python object: that allocates for text, bytes, floats on ports that
//     box them and ints beyond the small-int range. print() and json.dump format from the pool.
//
// A collection (docs/internals.md: on the pools, beside run()), over values (lp_value.c) and handles.

#include <stddef.h>
#include <string.h>

#include "py/runtime.h"

#include "lp_pool.h"

typedef struct {
    uint32_t kind;              // lp_val_kind_t
    uint32_t len;               // bytes of text
    union {
        lp_word_t w;
        byte data[sizeof(lp_word_t)];
    } u;
} lp_box_data_t;

#define LP_BOX_HEAD (offsetof(lp_box_data_t, u))

LP_DEFINE_STATIC_EXC(lp_err_box_text, mp_type_OverflowError, "text too long for an LpBox");

static size_t lp_box_size_for(const lp_value_t *v) {
    bool text = v->kind == LP_VAL_STR || v->kind == LP_VAL_BYTES;
    if (text && v->len > 0xffffffffu - LP_BOX_HEAD) {
        lp_raise_static(&lp_err_box_text);
    }
    return LP_BOX_HEAD + (text ? v->len : sizeof(lp_word_t));
}

static void lp_box_fill(lp_box_data_t *b, const lp_value_t *v) {
    b->kind = v->kind;
    if (v->kind == LP_VAL_STR || v->kind == LP_VAL_BYTES) {
        b->len = v->len;
        memmove(b->u.data, v->data, v->len);
    } else {
        b->len = 0;
        b->u.w = v->w;
    }
}

static void lp_box_split(const lp_box_data_t *b, lp_value_t *v) {
    v->kind = b->kind;
    v->w = b->u.w;
    v->data = b->u.data;
    v->len = b->len;
}

static mp_obj_t lp_box_make_new(const mp_obj_type_t *type, size_t n_args, size_t n_kw, const mp_obj_t *all_args) {
    enum { ARG_value, ARG_pool };
    static const mp_arg_t allowed_args[] = {
        { MP_QSTR_value, MP_ARG_REQUIRED | MP_ARG_OBJ, {.u_obj = MP_OBJ_NULL} },
        { MP_QSTR_pool, MP_ARG_KW_ONLY | MP_ARG_OBJ, {.u_obj = mp_const_none} },
    };
    mp_arg_val_t args[MP_ARRAY_SIZE(allowed_args)];
    mp_arg_parse_all_kw_array(n_args, n_kw, all_args, MP_ARRAY_SIZE(allowed_args), allowed_args, args);
    lp_value_t v;
    lp_value_from_obj(args[ARG_value].u_obj, &v);
    size_t size = lp_box_size_for(&v);
    lp_pool_obj_t *pool = lp_pool_for_new(args[ARG_pool].u_obj);
    lp_obj_t *h = lp_handle_new(pool, type);
    lp_box_data_t *b = lp_pool_alloc(pool, size LP_META_KIND(LP_KIND_BOX));
    lp_box_fill(b, &v);
    lp_handle_attach(h, b, size);
    return MP_OBJ_FROM_PTR(h);
}

static void lp_box_set(lp_obj_t *self, mp_obj_t value) {
    lp_handle_data(self);
    lp_value_t v;
    lp_value_from_obj(value, &v);
    size_t size = lp_box_size_for(&v);
    size_t usable = self->cap;
    // Grow when it doesn't fit; shrink when at least a minimal block (16 bytes) would come back.
    if (size > usable || size + 16 <= usable) {
        lp_handle_resize(self, size); // AllocError leaves the old value (invariant 2)
        self->len = size;
    }
    lp_box_fill(self->data, &v);
}

static void lp_box_print_body(lp_obj_t *self, void *ctx) {
    const lp_print_ctx_t *p = ctx;
    lp_value_t v;
    lp_box_split(self->data, &v);
    if (p->kind == PRINT_JSON) {
        lp_value_print(p->print, &v, p->kind);
        return;
    }
    mp_print_str(p->print, "LpBox(");
    lp_value_print(p->print, &v, PRINT_REPR);
    mp_print_str(p->print, ")");
}

static void lp_box_print(const mp_print_t *print, mp_obj_t self_in, mp_print_kind_t kind) {
    lp_obj_t *self = MP_OBJ_TO_PTR(self_in);
    if (self->data == NULL) {
        mp_print_str(print, "<LpBox freed>");
        return;
    }
    lp_handle_data(self);
    lp_print_ctx_t p = { print, kind };
    lp_handle_busy_call(self, lp_print_stream(print), lp_box_print_body, &p);
}

static mp_obj_t lp_box_value_get(mp_obj_t self_in) {
    lp_value_t v;
    lp_box_split(lp_handle_data(MP_OBJ_TO_PTR(lp_prop_self(self_in))), &v);
    return lp_value_to_obj(&v);
}

static mp_obj_t lp_box_value_set(mp_obj_t self_in, mp_obj_t value) {
    lp_box_set(MP_OBJ_TO_PTR(lp_prop_self(self_in)), value);
    return mp_const_none;
}
// No read-only error: `del box.value` is the runtime's AttributeError.
LP_DEFINE_PROP_RW(lp_box_value_prop, lp_box_value_get, lp_box_value_set, NULL);

static const mp_rom_map_elem_t lp_box_locals_dict_table[] = {
    { MP_ROM_QSTR(MP_QSTR_free), MP_ROM_PTR(&lp_handle_free_obj) },
    { MP_ROM_QSTR(MP_QSTR___del__), MP_ROM_PTR(&lp_handle_free_obj) },
    { MP_ROM_QSTR(MP_QSTR___enter__), MP_ROM_PTR(&lp_handle_enter_obj) },
    { MP_ROM_QSTR(MP_QSTR___exit__), MP_ROM_PTR(&lp_handle_exit_obj) },
    { MP_ROM_QSTR(MP_QSTR_value), MP_ROM_PTR(&lp_box_value_prop) },
    LP_HANDLE_PROPS,
};
static MP_DEFINE_CONST_DICT(lp_box_locals_dict, lp_box_locals_dict_table);

MP_DEFINE_CONST_OBJ_TYPE(
    lp_type_Box,
    MP_QSTR_LpBox,
    MP_TYPE_FLAG_NONE,
    make_new, lp_box_make_new,
    print, lp_box_print,
    attr, lp_attr,
    locals_dict, &lp_box_locals_dict
    );
