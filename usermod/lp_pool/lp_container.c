// What the pool collections share and no single type owns: items stored as machine numbers by
// typecode, numbers printed straight from storage, and iterators built in the VM's iter_buf.
// No Python-visible type lives here.
//
// Invariants:
//  1. Nothing here allocates on the GC heap except lp_item_load (documented: big ints, boxed
//     floats) and the raising of errors with the heap free; so a collection's hot path that uses
//     only the rest works inside run() and in hard IRQ handlers.
//  2. Stores check before they write: an item is either fully written or untouched.
//  3. Printing uses only the print callback and C stack buffers; the text is what MicroPython's
//     own int and float printing gives, for every print kind (repr, str, JSON).
//  4. Sizes, boxed loads and raw integer reads go through py/binary.h; this file adds only what
//     binary.h does not do (CPython's range and type checks, stores from an unboxed number,
//     comparisons, printing without boxing).
//  5. Alignment: lp_item_num and lp_item_equals read items at any address (memcpy, or binary.h's
//     byte reads), since they also read buffers lp-pool did not allocate (a C module's memoryview
//     may start anywhere), and armv6m cores (RP2040) fault on an unaligned word or float load.
//     Every other item function takes a pool block's items (8-aligned, items at multiples of their
//     size) or a local uint64_t slot, and uses the C types.
//
// Under the collections (docs/internals.md): needs only errors (lp_error.c) and MicroPython.

#include <string.h>

#include "py/binary.h"
#include "py/formatfloat.h"
#include "py/objint.h"
#include "py/smallint.h"
#include "py/runtime.h"

#include "lp_pool.h"

LP_DEFINE_STATIC_EXC(lp_err_tc_type, mp_type_TypeError, "typecode must be a str of one character");
LP_DEFINE_STATIC_EXC(lp_err_tc_bad, mp_type_ValueError,
    "bad typecode (must be b, B, h, H, i, I, l, L, q, Q, f or d)");
LP_DEFINE_STATIC_EXC(lp_err_item_type, mp_type_TypeError, "item must be an int or, for f and d, a float");
LP_DEFINE_STATIC_EXC(lp_err_item_float, mp_type_TypeError, "integer item expected, got float");
LP_DEFINE_STATIC_EXC(lp_err_item_range, mp_type_OverflowError, "item out of range for the typecode");
LP_DEFINE_STATIC_EXC(lp_err_size_type, mp_type_TypeError, "size must be an int");
LP_DEFINE_STATIC_EXC(lp_err_size_negative, mp_type_ValueError, "size must not be negative");
LP_DEFINE_STATIC_EXC(lp_err_size_huge, mp_type_OverflowError, "size too large for a pool");
LP_DEFINE_STATIC_EXC(lp_err_slice_type, mp_type_TypeError, "slice indices must be integers or None");
LP_DEFINE_STATIC_EXC(lp_err_int_type, mp_type_TypeError, "an int is required");

// ---- size arguments --------------------------------------------------------------------------

size_t lp_size_arg(mp_obj_t n_in) {
    if (!mp_obj_is_int(n_in)) {
        lp_raise_static(&lp_err_size_type);
    }
    if (!mp_obj_is_small_int(n_in)) {
        // Beyond the small-int range (checked first: converting it would raise OverflowError
        // whatever its sign): no pool can hold it.
        if (mp_obj_int_sign(n_in) < 0) {
            lp_raise_static(&lp_err_size_negative);
        }
        lp_raise_static(&lp_err_size_huge);
    }
    mp_int_t n = MP_OBJ_SMALL_INT_VALUE(n_in);
    if (n < 0) {
        lp_raise_static(&lp_err_size_negative);
    }
    return (size_t)n;
}

// ---- index and slice arguments --------------------------------------------------------------

bool lp_is_int_arg(mp_obj_t o) {
    return mp_obj_is_int(o) || mp_obj_is_bool(o);
}

void lp_int_arg_check(mp_obj_t o) {
    if (!lp_is_int_arg(o)) {
        lp_raise_static(&lp_err_int_type);
    }
}

void lp_slice_check(mp_obj_t slice) {
    const mp_obj_slice_t *sl = MP_OBJ_TO_PTR(slice);
    const mp_obj_t parts[3] = { sl->start, sl->stop, sl->step };
    for (size_t i = 0; i < 3; i++) {
        if (parts[i] != mp_const_none && !lp_is_int_arg(parts[i])) {
            lp_raise_static(&lp_err_slice_type);
        }
    }
}

size_t lp_slice_count(const mp_bound_slice_t *s) {
    // Unsigned: a step near 2**63 must not overflow (start and stop are bound to the length, and
    // 0 - step is the magnitude of any negative step, the most negative one included).
    if (s->step > 0) {
        return s->start < s->stop ? ((size_t)s->stop - (size_t)s->start - 1) / (size_t)s->step + 1 : 0;
    }
    return s->start > s->stop ? ((size_t)s->start - (size_t)s->stop - 1) / ((size_t)0 - (size_t)s->step) + 1 : 0;
}

// ---- iterators --------------------------------------------------------------------------------

mp_obj_t lp_iter_init(mp_obj_iter_buf_t *iter_buf, lp_obj_t *h, mp_fun_1_t iternext) {
    MP_STATIC_ASSERT(sizeof(lp_iter_t) <= sizeof(mp_obj_iter_buf_t));
    lp_iter_t *it = (lp_iter_t *)iter_buf;
    it->base.type = &mp_type_polymorph_iter;
    it->iternext = iternext;
    it->h = h;
    it->cur = 0;
    return MP_OBJ_FROM_PTR(it);
}

// ---- typecodes --------------------------------------------------------------------------------

static const char lp_typecodes[] = "bBhHiIlL"
    #if MICROPY_LONGINT_IMPL != MICROPY_LONGINT_IMPL_NONE
    "qQ"
    #endif
    #if MICROPY_PY_BUILTINS_FLOAT
    "fd"
    #endif
;

size_t lp_typecode_size(char tc) {
    if (tc == 0 || strchr(lp_typecodes, tc) == NULL) {
        return 0;
    }
    return mp_binary_get_size('@', tc, NULL);
}

char lp_typecode_arg(mp_obj_t tc_in) {
    if (!mp_obj_is_str(tc_in)) {
        lp_raise_static(&lp_err_tc_type);
    }
    size_t len;
    const char *s = mp_obj_str_get_data(tc_in, &len);
    if (len != 1) {
        lp_raise_static(&lp_err_tc_type);
    }
    if (lp_typecode_size(s[0]) == 0) {
        lp_raise_static(&lp_err_tc_bad);
    }
    return s[0];
}

bool lp_typecode_is_float(char tc) {
    return tc == 'f' || tc == 'd';
}

static bool lp_typecode_is_signed(char tc) {
    return tc == 'b' || tc == 'h' || tc == 'i' || tc == 'l' || tc == 'q';
}

// ---- numbers taken from Python objects --------------------------------------------------------

static bool lp_num_from_int(mp_obj_t x, lp_num_t *out) {
    out->is_float = false;
    if (mp_obj_is_small_int(x)) {
        mp_int_t v = MP_OBJ_SMALL_INT_VALUE(x);
        out->neg = v < 0;
        out->u = (uint64_t)(int64_t)v;
        return true;
    }
    #if MICROPY_LONGINT_IMPL == MICROPY_LONGINT_IMPL_MPZ
    out->neg = mp_obj_int_sign(x) < 0;
    // Two's complement for negatives; false when the value needs more than 64 bits.
    if (!lp_compat_int_u64(x, &out->u)) {
        out->huge = true;
        return true;
    }
    #elif MICROPY_LONGINT_IMPL == MICROPY_LONGINT_IMPL_LONGLONG
    long long v = ((mp_obj_int_t *)MP_OBJ_TO_PTR(x))->val;
    out->neg = v < 0;
    out->u = (uint64_t)v;
    #endif
    return true;
}

bool lp_num_from_obj(mp_obj_t x, lp_num_t *out) {
    out->huge = false;
    if (x == mp_const_false || x == mp_const_true) {
        out->is_float = false;
        out->neg = false;
        out->u = x == mp_const_true;
        return true;
    }
    if (mp_obj_is_int(x)) {
        return lp_num_from_int(x, out);
    }
    #if MICROPY_PY_BUILTINS_FLOAT
    if (mp_obj_is_float(x)) {
        out->is_float = true;
        out->neg = false;
        out->u = 0;
        out->f = mp_obj_float_get(x);
        return true;
    }
    #endif
    return false;
}

// The int's fit in the typecode (tc an int typecode).
static bool lp_int_fits(char tc, const lp_num_t *n) {
    size_t bits = 8 * mp_binary_get_size('@', tc, NULL);
    if (lp_typecode_is_signed(tc)) {
        int64_t v = (int64_t)n->u;
        if (!n->neg && (n->u >> (bits - 1)) != 0) {
            return false;
        }
        return !n->neg || bits == 64 || v >= -((int64_t)1 << (bits - 1));
    }
    return !n->neg && (bits == 64 || (n->u >> bits) == 0);
}

void lp_item_store_num(char tc, void *items, size_t i, const lp_num_t *n) {
    if (n->huge) {
        lp_raise_static(&lp_err_item_range);
    }
    #if MICROPY_PY_BUILTINS_FLOAT
    if (lp_typecode_is_float(tc)) {
        double d = n->is_float ? n->f : n->neg ? (double)(int64_t)n->u : (double)n->u;
        if (tc == 'f') {
            ((float *)items)[i] = (float)d;
        } else {
            ((double *)items)[i] = d;
        }
        return;
    }
    #endif
    if (n->is_float) {
        lp_raise_static(&lp_err_item_float);
    }
    if (!lp_int_fits(tc, n)) {
        lp_raise_static(&lp_err_item_range);
    }
    // It fits: the low bytes of its two's complement are the item, whatever the byte order.
    byte *p = (byte *)items;
    switch (mp_binary_get_size('@', tc, NULL)) {
        case 1:
            p[i] = (uint8_t)n->u;
            break;
        case 2:
            ((uint16_t *)p)[i] = (uint16_t)n->u;
            break;
        case 4:
            ((uint32_t *)p)[i] = (uint32_t)n->u;
            break;
        default:
            ((uint64_t *)p)[i] = n->u;
            break;
    }
}

// The common case: a small int into an integer typecode, range-checked and stored as the C type
// directly. False (nothing written) for anything else, which the general path below takes and,
// if it must, raises for.
static bool lp_item_store_small(char tc, void *items, size_t i, mp_obj_t x) {
    if (!mp_obj_is_small_int(x)) {
        return false;
    }
    mp_int_t v = MP_OBJ_SMALL_INT_VALUE(x);
    switch (tc) {
        case 'b':
            if (v < INT8_MIN || v > INT8_MAX) {
                return false;
            }
            ((int8_t *)items)[i] = (int8_t)v;
            return true;
        case 'B':
            if (v < 0 || v > UINT8_MAX) {
                return false;
            }
            ((uint8_t *)items)[i] = (uint8_t)v;
            return true;
        case 'h':
            if (v < INT16_MIN || v > INT16_MAX) {
                return false;
            }
            ((int16_t *)items)[i] = (int16_t)v;
            return true;
        case 'H':
            if (v < 0 || v > UINT16_MAX) {
                return false;
            }
            ((uint16_t *)items)[i] = (uint16_t)v;
            return true;
        case 'i':
            if ((int32_t)v != v) {
                return false;
            }
            ((int32_t *)items)[i] = (int32_t)v;
            return true;
        case 'I':
            if (v < 0 || (uint32_t)v != (mp_uint_t)v) {
                return false;
            }
            ((uint32_t *)items)[i] = (uint32_t)v;
            return true;
        default:
            return false;
    }
}

void lp_item_store(char tc, void *items, size_t i, mp_obj_t x) {
    if (lp_item_store_small(tc, items, i, x)) {
        return;
    }
    lp_num_t n;
    if (!lp_num_from_obj(x, &n)) {
        lp_raise_static(&lp_err_item_type);
    }
    #if MICROPY_PY_BUILTINS_FLOAT
    if (n.huge && lp_typecode_is_float(tc)) {
        // Beyond 64 bits but maybe within a float's range, as CPython's array('d') takes it.
        n.huge = false;
        n.is_float = true;
        n.f = mp_obj_get_float(x);
        if (n.f - n.f != 0) { // inf
            lp_raise_static(&lp_err_item_range);
        }
    }
    #endif
    lp_item_store_num(tc, items, i, &n);
}

mp_obj_t lp_item_load(char tc, const void *items, size_t i) {
    // The common cases without a call: items that are always small ints, and 'i' when it is one.
    switch (tc) {
        case 'b':
            return MP_OBJ_NEW_SMALL_INT(((const int8_t *)items)[i]);
        case 'B':
            return MP_OBJ_NEW_SMALL_INT(((const uint8_t *)items)[i]);
        case 'h':
            return MP_OBJ_NEW_SMALL_INT(((const int16_t *)items)[i]);
        case 'H':
            return MP_OBJ_NEW_SMALL_INT(((const uint16_t *)items)[i]);
        case 'i': {
            int32_t v = ((const int32_t *)items)[i];
            if (MP_SMALL_INT_FITS(v)) {
                return MP_OBJ_NEW_SMALL_INT(v);
            }
            break;
        }
        default:
            break;
    }
    return mp_binary_get_val_array(tc, (void *)items, i);
}

void lp_item_num(char tc, const void *items, size_t i, lp_num_t *out) {
    out->huge = false;
    out->neg = false;
    #if MICROPY_PY_BUILTINS_FLOAT
    // Invariant 5: any alignment (foreign buffers), so floats are copied out, not loaded as C types.
    if (tc == 'f') {
        float f;
        memcpy(&f, (const byte *)items + i * sizeof(f), sizeof(f));
        out->is_float = true;
        out->f = f;
        return;
    }
    if (tc == 'd') {
        double d;
        memcpy(&d, (const byte *)items + i * sizeof(d), sizeof(d));
        out->is_float = true;
        out->f = d;
        return;
    }
    #endif
    // binary.h reads ints byte by byte: any alignment.
    size_t size = mp_binary_get_size('@', tc, NULL);
    bool is_signed = lp_typecode_is_signed(tc);
    long long v = mp_binary_get_int(size, is_signed, MP_ENDIANNESS_BIG, (const byte *)items + i * size);
    out->is_float = false;
    out->neg = is_signed && v < 0;
    out->u = (uint64_t)v;
}

bool lp_item_load_small(char tc, const void *items, size_t i, mp_int_t *out) {
    lp_num_t n;
    lp_item_num(tc, items, i, &n);
    if (n.is_float) {
        return false;
    }
    if (n.neg) {
        int64_t v = (int64_t)n.u;
        if (v < MP_SMALL_INT_MIN) {
            return false;
        }
        *out = (mp_int_t)v;
        return true;
    }
    if (n.u > (uint64_t)MP_SMALL_INT_MAX) {
        return false;
    }
    *out = (mp_int_t)n.u;
    return true;
}

// -1, 0, 1 for two ints.
static int lp_int_cmp(const lp_num_t *a, const lp_num_t *b) {
    if (a->neg != b->neg) {
        return a->neg ? -1 : 1;
    }
    if (a->neg) {
        int64_t x = (int64_t)a->u, y = (int64_t)b->u;
        return x < y ? -1 : x > y;
    }
    return a->u < b->u ? -1 : a->u > b->u;
}

// f as an exact 64-bit int, or false if it is not integral or out of range (NaN and inf too). Read
// from the bits, not by casting: a double-to-int64 cast pulls a libgcc routine into bare-metal links
// that some linker scripts can't place (its unwind table), and the bits are exact anyway.
static bool lp_double_to_int(double f, lp_num_t *out) {
    uint64_t bits;
    memcpy(&bits, &f, sizeof(bits));
    bool neg = bits >> 63;
    int exp = (int)((bits >> 52) & 0x7ff);
    uint64_t mant = bits & (((uint64_t)1 << 52) - 1);
    uint64_t mag;
    if (exp == 0) {
        if (mant != 0) {
            return false; // subnormal: not integral
        }
        mag = 0;
    } else if (exp == 0x7ff) {
        return false;
    } else {
        mant |= (uint64_t)1 << 52;
        int shift = exp - 1075; // value = mant * 2^shift
        if (shift >= 0) {
            if (shift > 11) {
                return false; // 2^64 or more
            }
            mag = mant << shift;
        } else {
            if (shift < -52 || (mant & (((uint64_t)1 << -shift) - 1)) != 0) {
                return false; // a fraction
            }
            mag = mant >> -shift;
        }
    }
    out->is_float = false;
    out->huge = false;
    out->neg = neg && mag != 0;
    if (out->neg && mag > ((uint64_t)1 << 63)) {
        return false; // below -2^63
    }
    out->u = out->neg ? (uint64_t)0 - mag : mag;
    return true;
}

// An int equal to a float, exactly.
static bool lp_int_equals_float(const lp_num_t *n, double f) {
    lp_num_t g;
    return lp_double_to_int(f, &g) && lp_int_cmp(n, &g) == 0;
}

bool lp_item_equals(char tc, const void *items, size_t i, const lp_num_t *n) {
    if (n->huge) {
        return false;
    }
    lp_num_t a;
    lp_item_num(tc, items, i, &a);
    if (a.is_float && n->is_float) {
        return a.f == n->f;
    }
    if (a.is_float) {
        return lp_int_equals_float(n, a.f);
    }
    if (n->is_float) {
        return lp_int_equals_float(&a, n->f);
    }
    return lp_int_cmp(&a, n) == 0;
}

// ---- printing --------------------------------------------------------------------------------

// v / 10 in 16-bit steps, returning v % 10: no 64-bit division routine (see lp_double_to_int).
static unsigned lp_div10(uint64_t *v) {
    uint64_t q = 0;
    uint32_t rem = 0;
    for (int shift = 48; shift >= 0; shift -= 16) {
        uint32_t cur = (rem << 16) | (uint32_t)((*v >> shift) & 0xffff);
        q |= (uint64_t)(cur / 10) << shift;
        rem = cur % 10;
    }
    *v = q;
    return rem;
}

void lp_print_uint64(const mp_print_t *print, uint64_t v) {
    char buf[21];
    char *p = buf + sizeof(buf);
    do {
        *--p = '0' + (char)lp_div10(&v);
    } while (v != 0);
    print->print_strn(print->data, p, buf + sizeof(buf) - p);
}

void lp_print_int64(const mp_print_t *print, int64_t v) {
    if (v < 0) {
        print->print_strn(print->data, "-", 1);
        lp_print_uint64(print, -(uint64_t)v);
    } else {
        lp_print_uint64(print, (uint64_t)v);
    }
}

#if MICROPY_PY_BUILTINS_FLOAT
void lp_print_float(const mp_print_t *print, mp_float_t v) {
    // The precision and the ".0" rule of MicroPython's float printing (py/objfloat.c).
    #if MICROPY_FLOAT_IMPL == MICROPY_FLOAT_IMPL_FLOAT
    char buf[16];
    #if MICROPY_OBJ_REPR == MICROPY_OBJ_REPR_C
    const int precision = 6;
    #else
    const int precision = 7;
    #endif
    #else
    char buf[32];
    const int precision = 16;
    #endif
    mp_format_float(v, buf, sizeof(buf), 'g', precision, '\0');
    mp_print_str(print, buf);
    if (strchr(buf, '.') == NULL && strchr(buf, 'e') == NULL && strchr(buf, 'n') == NULL) {
        mp_print_str(print, ".0");
    }
}
#endif

void lp_item_print(const mp_print_t *print, char tc, const void *items, size_t i) {
    lp_num_t n;
    lp_item_num(tc, items, i, &n);
    #if MICROPY_PY_BUILTINS_FLOAT
    if (n.is_float) {
        lp_print_float(print, (mp_float_t)n.f);
        return;
    }
    #endif
    if (n.neg) {
        lp_print_int64(print, (int64_t)n.u);
    } else {
        lp_print_uint64(print, n.u);
    }
}

void lp_print_items(const mp_print_t *print, char tc, const void *items, size_t n) {
    mp_print_str(print, "[");
    for (size_t i = 0; i < n; i++) {
        if (i > 0) {
            mp_print_str(print, ", ");
        }
        lp_item_print(print, tc, items, i);
    }
    mp_print_str(print, "]");
}
