// Values stored in the pool: what LpBTreeMap's values and LpBox hold (int, float, str, bytes, bool,
// None), split into plain numbers and bytes, compared, printed and written without the GC heap.
// No Python type lives here.
//
// Invariants:
//  1. A split value (lp_value_t) never refers to a GC object: numbers are copied, text is a pointer
//     and a length whose bytes the caller keeps alive for as long as it uses the split value.
//  2. Ints are machine words (mp_int_t): a larger int is not a storable value (OverflowError).
//  3. Printing and writing format numbers from storage (lp_print_int64, lp_print_float): nothing
//     is boxed; text prints through MicroPython's own str printer on a stack object.
//
// Under LpBTreeMap and LpBox (docs/internals.md: the collections), over the text of lp_string.c
// and the writer of lp_write.c.

#include <string.h>

#include "py/objint.h"
#include "py/objstr.h"
#include "py/mpz.h"
#include "py/runtime.h"
#include "py/stream.h"

#include "lp_pool.h"

LP_DEFINE_STATIC_EXC(lp_err_value_type, mp_type_TypeError, "value must be int, float, str, bytes, bool or None");
LP_DEFINE_STATIC_EXC(lp_err_int_range, mp_type_OverflowError, "int does not fit a machine word");

bool lp_int_get(mp_obj_t o, mp_int_t *out) {
    if (mp_obj_is_small_int(o)) {
        *out = MP_OBJ_SMALL_INT_VALUE(o);
        return true;
    }
    if (!mp_obj_is_exact_type(o, &mp_type_int)) {
        return false;
    }
    #if MICROPY_LONGINT_IMPL == MICROPY_LONGINT_IMPL_MPZ
    const mp_obj_int_t *big = MP_OBJ_TO_PTR(o);
    return mpz_as_int_checked(&big->mpz, out);
    #elif MICROPY_LONGINT_IMPL == MICROPY_LONGINT_IMPL_LONGLONG
    const mp_obj_int_t *big = MP_OBJ_TO_PTR(o);
    const mp_int_t max = (mp_int_t)(((mp_uint_t)-1) >> 1);
    if (big->val < (long long)(-max - 1) || big->val > (long long)max) {
        return false;
    }
    *out = (mp_int_t)big->val;
    return true;
    #else
    return false;
    #endif
}

void lp_value_classify(mp_obj_t o, lp_value_t *out, bool *too_big) {
    *too_big = false;
    out->data = NULL;
    out->len = 0;
    out->w.i = 0;
    if (o == mp_const_none) {
        out->kind = LP_VAL_NONE;
    } else if (o == mp_const_false) {
        out->kind = LP_VAL_FALSE;
    } else if (o == mp_const_true) {
        out->kind = LP_VAL_TRUE;
    } else if (mp_obj_is_int(o)) {
        out->kind = LP_VAL_INT;
        if (!lp_int_get(o, &out->w.i)) {
            out->kind = LP_VAL_UNSUPPORTED;
            *too_big = true;
        }
    #if MICROPY_PY_BUILTINS_FLOAT
    } else if (mp_obj_is_float(o)) {
        out->kind = LP_VAL_FLOAT;
        out->w.f = mp_obj_float_get(o);
    #endif
    } else if (lp_text_get(o, &out->data, &out->len)) {
        out->kind = LP_VAL_STR; // a str or an LpString: text, compared and stored as its UTF-8
    } else if (mp_obj_is_type(o, &mp_type_bytes)) {
        out->kind = LP_VAL_BYTES;
        GET_STR_DATA_LEN(o, data, len);
        out->data = data;
        out->len = len;
    } else {
        out->kind = LP_VAL_UNSUPPORTED;
    }
}

void lp_value_from_obj(mp_obj_t o, lp_value_t *out) {
    bool too_big;
    lp_value_classify(o, out, &too_big);
    if (too_big) {
        lp_raise_static(&lp_err_int_range);
    }
    if (out->kind == LP_VAL_UNSUPPORTED) {
        lp_raise_static(&lp_err_value_type);
    }
}

static bool lp_value_is_number(uint8_t kind) {
    return kind == LP_VAL_FALSE || kind == LP_VAL_TRUE || kind == LP_VAL_INT || kind == LP_VAL_FLOAT;
}

static mp_int_t lp_value_as_int(const lp_value_t *v) {
    return v->kind == LP_VAL_INT ? v->w.i : v->kind == LP_VAL_TRUE;
}

bool lp_value_equal(const lp_value_t *a, const lp_value_t *b) {
    if (lp_value_is_number(a->kind) && lp_value_is_number(b->kind)) {
        #if MICROPY_PY_BUILTINS_FLOAT
        if (a->kind == LP_VAL_FLOAT || b->kind == LP_VAL_FLOAT) {
            mp_float_t x = a->kind == LP_VAL_FLOAT ? a->w.f : (mp_float_t)lp_value_as_int(a);
            mp_float_t y = b->kind == LP_VAL_FLOAT ? b->w.f : (mp_float_t)lp_value_as_int(b);
            return x == y;
        }
        #endif
        return lp_value_as_int(a) == lp_value_as_int(b);
    }
    if (a->kind != b->kind) {
        return false;
    }
    if (a->kind == LP_VAL_STR || a->kind == LP_VAL_BYTES) {
        return a->len == b->len && memcmp(a->data, b->data, a->len) == 0;
    }
    return a->kind == LP_VAL_NONE;
}

mp_obj_t lp_value_to_obj(const lp_value_t *v) {
    switch (v->kind) {
        case LP_VAL_FALSE:
            return mp_const_false;
        case LP_VAL_TRUE:
            return mp_const_true;
        case LP_VAL_INT:
            return mp_obj_new_int(v->w.i);
        #if MICROPY_PY_BUILTINS_FLOAT
        case LP_VAL_FLOAT:
            return mp_obj_new_float(v->w.f);
        #endif
        case LP_VAL_STR:
            // An interned string comes back without allocating.
            return mp_obj_new_str((const char *)v->data, v->len);
        case LP_VAL_BYTES:
            return mp_obj_new_bytes(v->data, v->len);
        default:
            return mp_const_none;
    }
}

void lp_value_print(const mp_print_t *print, const lp_value_t *v, mp_print_kind_t kind) {
    bool json = MICROPY_PY_JSON && kind == PRINT_JSON;
    switch (v->kind) {
        case LP_VAL_NONE:
            mp_print_str(print, json ? "null" : "None");
            break;
        case LP_VAL_FALSE:
            mp_print_str(print, json ? "false" : "False");
            break;
        case LP_VAL_TRUE:
            mp_print_str(print, json ? "true" : "True");
            break;
        case LP_VAL_INT:
            lp_print_int64(print, v->w.i);
            break;
        #if MICROPY_PY_BUILTINS_FLOAT
        case LP_VAL_FLOAT:
            lp_print_float(print, v->w.f);
            break;
        #endif
        case LP_VAL_STR:
        case LP_VAL_BYTES: {
            // A str/bytes object on the C stack over the pool's bytes: MicroPython's own printer
            // (escapes, quotes, JSON) without a heap object. Printers don't keep the object.
            mp_obj_str_t tmp = { { v->kind == LP_VAL_STR ? &mp_type_str : &mp_type_bytes }, 0, v->len, v->data };
            mp_obj_print_helper(print, MP_OBJ_FROM_PTR(&tmp), json ? PRINT_JSON : PRINT_REPR);
            break;
        }
    }
}

size_t lp_value_write(lp_writer_t *out, const lp_value_t *v) {
    if (v->kind == LP_VAL_STR || v->kind == LP_VAL_BYTES) {
        return lp_writer_write(out, (const char *)v->data, v->len, v->kind == LP_VAL_STR);
    }
    // str() of the value, numbers from storage as print() shows them, formatted on the C stack and
    // written in one piece.
    char buf[48];
    vstr_t text;
    vstr_init_fixed_buf(&text, sizeof(buf), buf);
    mp_print_t print = { &text, (mp_print_strn_t)vstr_add_strn };
    lp_value_print(&print, v, PRINT_STR);
    return lp_writer_write(out, text.buf, text.len, true);
}
