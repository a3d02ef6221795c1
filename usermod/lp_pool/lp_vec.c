// LpVec: a list-like vector of machine numbers (array's typecodes) whose items live in a pool.
//
// Invariants:
//  1. h->kind is the typecode, h->sub the item size in bytes, h->len the number of items, h->cap
//     the bytes the block holds; h->len * h->sub <= h->cap.
//  2. Strong guarantee: every change checks its values first (into a C stack slot or a scratch
//     block), then makes room (lp_handle_reserve), then writes, and sets h->len last. A failure
//     (TypeError, OverflowError, AllocError, use after free) leaves the items and the length as
//     they were; only the capacity may have grown.
//  3. h->mods is bumped by every change of length or of the block's size (shrink_to_fit), so a
//     change made by Python code that runs in the middle of an operation (an iterable's __next__)
//     is noticed and raises RuntimeError.
//  4. The GC heap is used only to box what a read returns (ints beyond the small-int range, floats
//     on ports that box them), by tolist(), and by errors raised with the heap free. Creation takes
//     a handle from the reserve under the lock; everything else uses the pool and the C stack.
//  5. A memoryview pins the block (lp_handle_buffer); growth then moves the items and strands the
//     pinned block, and the vector never shrinks again (invariant 8 in lp_pool.h).
//
// The Python face of a collection (docs/internals.md: on the pools, beside run()): the type, its
// methods, subscr, the iterator, conversions from Python objects and every error. What happens to
// the items once they are checked (moving, reversing, sorting, searching, comparing ranges, the
// growth arithmetic) is the storage engine's, lp_vecstore.c, below it; the face makes the room
// (lp_handle_reserve) and sets the length. Over handles (lp_handle.c) and the typecodes of
// lp_container.c.

#include <string.h>

#include "py/binary.h"
#include "py/objarray.h"
#include "py/objint.h"
#include "py/runtime.h"
#include "py/smallint.h"

#include "lp_pool.h"
#include "lp_vecstore.h"

LP_DEFINE_STATIC_EXC(lp_err_index, mp_type_IndexError, "LpVec index out of range");
LP_DEFINE_STATIC_EXC(lp_err_pop_empty, mp_type_IndexError, "pop from empty LpVec");
LP_DEFINE_STATIC_EXC(lp_err_pop_index, mp_type_IndexError, "pop index out of range");
LP_DEFINE_STATIC_EXC(lp_err_not_found, mp_type_ValueError, "value not in LpVec");
LP_DEFINE_STATIC_EXC(lp_err_index_type, mp_type_TypeError, "LpVec indices must be integers or slices");
LP_DEFINE_STATIC_EXC(lp_err_int_arg, mp_type_TypeError, "an int is required");
LP_DEFINE_STATIC_EXC(lp_err_capacity_negative, mp_type_ValueError, "capacity must not be negative");
LP_DEFINE_STATIC_EXC(lp_err_reserve_negative, mp_type_ValueError, "reserve(n): n must not be negative");
LP_DEFINE_STATIC_EXC(lp_err_ext_slice, mp_type_ValueError, "attempt to assign sequence of wrong size to extended slice");
LP_DEFINE_STATIC_EXC(lp_err_changed, mp_type_RuntimeError, "LpVec changed size during the operation");

#define LP_VEC_TC(h) ((char)(h)->kind)

// lp_handle_data's checks inline for the hot paths (append, index, iteration): a live, idle vector
// of the static arena is one load and two tests; anything else takes the full check.
static MP_ALWAYSINLINE inline byte *lp_vec_items(lp_obj_t *h) {
    byte *items = h->data;
    if (MP_UNLIKELY(items == NULL || (h->flags & LP_OBJ_BUSY) || h->pool->buf != MP_OBJ_NULL)) {
        items = lp_handle_data(h);
    }
    return items;
}

// ---- helpers ---------------------------------------------------------------------------------

// An int argument (bool included) without allocating; huge ints saturate, which is what index
// clamping needs (they are out of range either way).
static mp_int_t lp_vec_int_arg(mp_obj_t o) {
    if (mp_obj_is_small_int(o)) {
        return MP_OBJ_SMALL_INT_VALUE(o);
    }
    if (o == mp_const_false || o == mp_const_true) {
        return o == mp_const_true;
    }
    if (!mp_obj_is_int(o)) {
        lp_raise_static(&lp_err_int_arg);
    }
    return mp_obj_int_sign(o) < 0 ? MP_SMALL_INT_MIN : MP_SMALL_INT_MAX;
}

// An index into [0, len) from a Python index (negative counts from the end), or IndexError.
static size_t lp_vec_index(lp_obj_t *h, mp_obj_t index, const lp_static_exc_t *err) {
    mp_int_t i;
    if (mp_obj_is_small_int(index)) {
        i = MP_OBJ_SMALL_INT_VALUE(index); // the common case, checked first
    } else if (!lp_is_int_arg(index)) {
        lp_raise_static(&lp_err_index_type);
    } else {
        i = lp_vec_int_arg(index);
    }
    if (i < 0) {
        i += h->len;
    }
    if (i < 0 || (size_t)i >= h->len) {
        lp_raise_static(err);
    }
    return (size_t)i;
}

// A position clamped into [0, len] as list.insert and list.index take them.
static size_t lp_vec_clamp(lp_obj_t *h, mp_obj_t pos) {
    mp_int_t i = lp_vec_int_arg(pos);
    if (i < 0) {
        i += h->len;
        if (i < 0) {
            i = 0;
        }
    }
    return (size_t)i > h->len ? h->len : (size_t)i;
}

// The bytes for `more` items past `len` (the engine's arithmetic), or OverflowError.
static size_t lp_vec_need(size_t len, size_t more, size_t size) {
    size_t bytes;
    if (!lp_vecstore_need(len, more, size, &bytes)) {
        lp_raise_too_many();
    }
    return bytes;
}

// A vector of typecode tc in `pool` with room for n items and length 0.
static lp_obj_t *lp_vec_new(lp_pool_obj_t *pool, char tc, size_t n) {
    lp_obj_t *h = lp_handle_new(pool, &lp_type_Vec);
    h->kind = tc;
    h->sub = lp_typecode_size(tc);
    // Handle first: if the block then fails, the pool is unchanged and the handle is garbage.
    void *data = lp_pool_alloc(pool, lp_vec_need(0, n, h->sub) LP_META_KIND(LP_KIND_VEC | (uint32_t)(uint8_t)tc << 8));
    lp_handle_attach(h, data, 0);
    return h;
}

// Room for `more` items past the length (the handle's growth); returns the (maybe moved) items.
static byte *lp_vec_room(lp_obj_t *h, size_t more) {
    return lp_handle_reserve(h, lp_vec_need(h->len, more, h->sub));
}

// Items of a source the vector can copy without Python code running: another LpVec, a list or
// tuple, or a buffer with an array typecode (bytes and bytearray count as 'B'). str is excluded
// (its items are str, not numbers). False for anything else (iterate it).
typedef struct {
    char tc;                // 0: Python objects in `objs`
    const void *items;
    const mp_obj_t *objs;
    size_t len;
} lp_vec_src_t;

static bool lp_vec_src(mp_obj_t src, lp_vec_src_t *out) {
    out->tc = 0;
    out->items = NULL;
    out->objs = NULL;
    if (mp_obj_is_type(src, &lp_type_Vec)) {
        lp_obj_t *s = MP_OBJ_TO_PTR(src);
        out->items = lp_handle_data(s);
        out->tc = LP_VEC_TC(s);
        out->len = s->len;
        return true;
    }
    if (mp_obj_is_type(src, &mp_type_list) || mp_obj_is_type(src, &mp_type_tuple)) {
        mp_obj_t *objs;
        mp_obj_get_array(src, &out->len, &objs);
        out->objs = objs;
        return true;
    }
    mp_buffer_info_t bi;
    if (!mp_obj_is_str(src) && mp_get_buffer(src, &bi, MP_BUFFER_READ)) {
        char tc = bi.typecode == BYTEARRAY_TYPECODE ? 'B' : (char)bi.typecode;
        size_t size = lp_typecode_size(tc);
        if (size != 0) {
            out->tc = tc;
            out->items = bi.buf;
            out->len = bi.len / size;
            return true;
        }
    }
    return false;
}

// Store src's item i as item j of h (checked; raises with nothing written).
static void lp_vec_store_from(lp_obj_t *h, byte *items, size_t j, const lp_vec_src_t *src, size_t i) {
    if (src->tc == 0) {
        lp_item_store(LP_VEC_TC(h), items, j, src->objs[i]);
    } else if (src->tc == LP_VEC_TC(h)) {
        memcpy(items + j * h->sub, (const byte *)src->items + i * h->sub, h->sub);
    } else {
        lp_num_t n;
        lp_item_num(src->tc, src->items, i, &n);
        lp_item_store_num(LP_VEC_TC(h), items, j, &n);
    }
}

// Append every item of src (any iterable or buffer). Items are written past the length and the
// length set once at the end, so any failure leaves the vector unchanged (invariant 2).
static void lp_vec_extend_from(lp_obj_t *h, mp_obj_t src_in) {
    lp_handle_data(h);
    size_t len = h->len;
    lp_vec_src_t src;
    if (lp_vec_src(src_in, &src)) {
        byte *items = lp_vec_room(h, src.len);
        if (src_in == MP_OBJ_FROM_PTR(h)) {
            src.items = items; // v.extend(v): the items may have moved
        }
        for (size_t i = 0; i < src.len; i++) {
            lp_vec_store_from(h, items, len + i, &src, i);
        }
        h->len = len + src.len;
        h->mods++;
        return;
    }
    // A general iterable runs Python code between items: it could change or free this vector.
    mp_obj_iter_buf_t iter_buf;
    mp_obj_t iter = mp_getiter(src_in, &iter_buf);
    uint32_t mods = h->mods;
    size_t n = 0;
    mp_obj_t x;
    while ((x = mp_iternext(iter)) != MP_OBJ_STOP_ITERATION) {
        if (h->mods != mods) {
            lp_raise_static(&lp_err_changed);
        }
        uint64_t slot;
        lp_item_store(LP_VEC_TC(h), &slot, 0, x);
        byte *items = lp_vec_room(h, n + 1); // h->len is still len (h->mods)
        memcpy(items + (len + n) * h->sub, &slot, h->sub);
        n++;
    }
    if (h->mods != mods) {
        lp_raise_static(&lp_err_changed);
    }
    h->len = len + n;
    h->mods++;
}

// Cleanups on the way out of a raise run as nlr jump callbacks (py/nlr.h), not after an
// nlr_push: a raise never comes back into the frame, so no local of it has to survive the jump (a
// compiler that doesn't know nlr_push returns twice may reuse their registers and stack slots).
typedef struct {
    nlr_jump_callback_node_t node; // first: the callback gets the node's address
    lp_obj_t *h;
} lp_vec_release_cb_t;

static void lp_vec_release_cb(void *ctx) {
    lp_handle_release(((lp_vec_release_cb_t *)ctx)->h);
}

// Fill `h` from src; release `h` when that raises: for objects made by an operation.
static void lp_vec_fill_or_release(lp_obj_t *h, mp_obj_t src) {
    lp_vec_release_cb_t cb = { .h = h };
    nlr_push_jump_callback(&cb.node, lp_vec_release_cb);
    lp_vec_extend_from(h, src);
    nlr_pop_jump_callback(false);
}

// ---- construction and printing --------------------------------------------------------------

static mp_obj_t lp_vec_make_new(const mp_obj_type_t *type, size_t n_args, size_t n_kw, const mp_obj_t *all_args) {
    enum { ARG_typecode, ARG_initial, ARG_capacity, ARG_pool };
    static const mp_arg_t allowed_args[] = {
        { MP_QSTR_typecode, MP_ARG_OBJ, {.u_obj = MP_OBJ_NULL} },
        { MP_QSTR_initial, MP_ARG_OBJ, {.u_obj = mp_const_none} },
        { MP_QSTR_capacity, MP_ARG_KW_ONLY | MP_ARG_OBJ, {.u_obj = MP_OBJ_NEW_SMALL_INT(0)} },
        { MP_QSTR_pool, MP_ARG_KW_ONLY | MP_ARG_OBJ, {.u_obj = mp_const_none} },
    };
    mp_arg_val_t args[MP_ARRAY_SIZE(allowed_args)];
    mp_arg_parse_all_kw_array(n_args, n_kw, all_args, MP_ARRAY_SIZE(allowed_args), allowed_args, args);
    char tc = args[ARG_typecode].u_obj == MP_OBJ_NULL ? 'i' : lp_typecode_arg(args[ARG_typecode].u_obj);
    mp_int_t capacity = lp_vec_int_arg(args[ARG_capacity].u_obj);
    if (capacity < 0) {
        lp_raise_static(&lp_err_capacity_negative);
    }
    mp_obj_t initial = args[ARG_initial].u_obj;
    lp_vec_src_t src;
    if (initial != mp_const_none && lp_vec_src(initial, &src) && src.len > (size_t)capacity) {
        capacity = src.len; // one block of the right size
    }
    lp_pool_obj_t *pool = lp_pool_for_new(args[ARG_pool].u_obj);
    lp_obj_t *h = lp_vec_new(pool, tc, capacity);
    if (initial != mp_const_none) {
        lp_vec_fill_or_release(h, initial);
    }
    return MP_OBJ_FROM_PTR(h);
}

static void lp_vec_print_body(lp_obj_t *self, void *ctx) {
    const lp_print_ctx_t *p = ctx;
    if (p->kind == PRINT_JSON) {
        lp_print_items(p->print, LP_VEC_TC(self), self->data, self->len);
        return;
    }
    mp_printf(p->print, "LpVec('%c'", LP_VEC_TC(self));
    if (self->len > 0) {
        mp_print_str(p->print, ", ");
        lp_print_items(p->print, LP_VEC_TC(self), self->data, self->len);
    }
    mp_print_str(p->print, ")");
}

static void lp_vec_print(const mp_print_t *print, mp_obj_t self_in, mp_print_kind_t kind) {
    lp_obj_t *self = MP_OBJ_TO_PTR(self_in);
    if (kind != PRINT_JSON && self->data == NULL) {
        mp_print_str(print, "<LpVec freed>");
        return;
    }
    // A JSON array straight from storage (json.dump); a freed vector raises.
    lp_handle_data(self);
    lp_print_ctx_t p = { print, kind };
    lp_handle_busy_call(self, lp_print_stream(print), lp_vec_print_body, &p);
}

// ---- the list API ----------------------------------------------------------------------------

static mp_obj_t lp_vec_append(mp_obj_t self_in, mp_obj_t x) {
    lp_obj_t *self = MP_OBJ_TO_PTR(self_in);
    byte *items = lp_vec_items(self);
    size_t len = self->len;
    // len * sub <= cap, so this can't overflow; the growth path checks itself.
    if ((len + 1) * self->sub <= self->cap) {
        // The commonest case without a call: 'i' and a small int that fits 32 bits.
        if (LP_VEC_TC(self) == 'i' && mp_obj_is_small_int(x)) {
            mp_int_t v = MP_OBJ_SMALL_INT_VALUE(x);
            if ((int32_t)v == v) {
                ((int32_t *)items)[len] = (int32_t)v;
                self->len = len + 1;
                self->mods++;
                return mp_const_none;
            }
        }
        // The common case: room past the length. A failed check writes nothing (lp_item_store).
        lp_item_store(LP_VEC_TC(self), items, len, x);
    } else {
        uint64_t slot; // checked before the storage grows
        lp_item_store(LP_VEC_TC(self), &slot, 0, x);
        items = lp_vec_room(self, 1);
        memcpy(items + len * self->sub, &slot, self->sub);
    }
    self->len = len + 1;
    self->mods++;
    return mp_const_none;
}
static MP_DEFINE_CONST_FUN_OBJ_2(lp_vec_append_obj, lp_vec_append);

static mp_obj_t lp_vec_extend(mp_obj_t self_in, mp_obj_t src) {
    lp_vec_extend_from(MP_OBJ_TO_PTR(self_in), src);
    return mp_const_none;
}
static MP_DEFINE_CONST_FUN_OBJ_2(lp_vec_extend_obj, lp_vec_extend);

static mp_obj_t lp_vec_insert(mp_obj_t self_in, mp_obj_t pos, mp_obj_t x) {
    lp_obj_t *self = MP_OBJ_TO_PTR(self_in);
    lp_handle_data(self);
    size_t i = lp_vec_clamp(self, pos);
    uint64_t slot;
    lp_item_store(LP_VEC_TC(self), &slot, 0, x);
    byte *items = lp_vec_room(self, 1);
    size_t sz = self->sub;
    lp_vecstore_open_gap1(items, self->len, i, sz);
    memcpy(items + i * sz, &slot, sz);
    self->len++;
    self->mods++;
    return mp_const_none;
}
static MP_DEFINE_CONST_FUN_OBJ_3(lp_vec_insert_obj, lp_vec_insert);

// Remove item i (in range).
static void lp_vec_remove_at(lp_obj_t *h, size_t i) {
    lp_vecstore_close_gap(h->data, h->len, i, 1, h->sub);
    h->len--;
    h->mods++;
}

static mp_obj_t lp_vec_pop(size_t n_args, const mp_obj_t *args) {
    lp_obj_t *self = MP_OBJ_TO_PTR(args[0]);
    const byte *items = lp_handle_data(self);
    if (n_args > 1 && !lp_is_int_arg(args[1])) {
        lp_raise_static(&lp_err_int_arg); // the argument is checked first, as list.pop does
    }
    if (self->len == 0) {
        lp_raise_static(&lp_err_pop_empty);
    }
    size_t i = n_args > 1 ? lp_vec_index(self, args[1], &lp_err_pop_index) : self->len - 1;
    // Boxed before removal: a MemoryError from boxing under the heap lock removes nothing.
    mp_obj_t value = lp_item_load(LP_VEC_TC(self), items, i);
    lp_vec_remove_at(self, i);
    return value;
}
static MP_DEFINE_CONST_FUN_OBJ_VAR_BETWEEN(lp_vec_pop_obj, 1, 2, lp_vec_pop);

// First index in [start, stop) (stop <= len) whose item equals x, or stop.
static size_t lp_vec_find(lp_obj_t *h, mp_obj_t x, size_t start, size_t stop) {
    const byte *items = lp_handle_data(h);
    lp_num_t n;
    if (lp_num_from_obj(x, &n)) {
        return lp_vecstore_find(LP_VEC_TC(h), items, start, stop, &n);
    }
    return stop; // not a number: equal to no item
}

static mp_obj_t lp_vec_remove(mp_obj_t self_in, mp_obj_t x) {
    lp_obj_t *self = MP_OBJ_TO_PTR(self_in);
    size_t i = lp_vec_find(self, x, 0, self->len);
    if (i == self->len) {
        lp_raise_static(&lp_err_not_found);
    }
    lp_vec_remove_at(self, i);
    return mp_const_none;
}
static MP_DEFINE_CONST_FUN_OBJ_2(lp_vec_remove_obj, lp_vec_remove);

static mp_obj_t lp_vec_index_meth(size_t n_args, const mp_obj_t *args) {
    lp_obj_t *self = MP_OBJ_TO_PTR(args[0]);
    lp_handle_data(self);
    size_t start = n_args > 2 ? lp_vec_clamp(self, args[2]) : 0;
    size_t stop = n_args > 3 ? lp_vec_clamp(self, args[3]) : self->len;
    size_t i = lp_vec_find(self, args[1], start, stop);
    if (i >= stop) {
        lp_raise_static(&lp_err_not_found);
    }
    return MP_OBJ_NEW_SMALL_INT(i);
}
static MP_DEFINE_CONST_FUN_OBJ_VAR_BETWEEN(lp_vec_index_obj, 2, 4, lp_vec_index_meth);

static mp_obj_t lp_vec_count(mp_obj_t self_in, mp_obj_t x) {
    lp_obj_t *self = MP_OBJ_TO_PTR(self_in);
    const byte *items = lp_handle_data(self);
    size_t count = 0;
    lp_num_t n;
    if (lp_num_from_obj(x, &n)) {
        count = lp_vecstore_count(LP_VEC_TC(self), items, self->len, &n);
    }
    return MP_OBJ_NEW_SMALL_INT(count);
}
static MP_DEFINE_CONST_FUN_OBJ_2(lp_vec_count_obj, lp_vec_count);

static mp_obj_t lp_vec_clear(mp_obj_t self_in) {
    lp_obj_t *self = MP_OBJ_TO_PTR(self_in);
    lp_handle_data(self);
    self->len = 0; // the block stays: shrink_to_fit() gives it back
    self->mods++;
    return mp_const_none;
}
static MP_DEFINE_CONST_FUN_OBJ_1(lp_vec_clear_obj, lp_vec_clear);

static mp_obj_t lp_vec_reverse(mp_obj_t self_in) {
    lp_obj_t *self = MP_OBJ_TO_PTR(self_in);
    byte *items = lp_handle_data(self);
    lp_vecstore_reverse(items, self->len, self->sub);
    return mp_const_none;
}
static MP_DEFINE_CONST_FUN_OBJ_1(lp_vec_reverse_obj, lp_vec_reverse);

static mp_obj_t lp_vec_sort(size_t n_args, const mp_obj_t *pos_args, mp_map_t *kw_args) {
    enum { ARG_reverse };
    static const mp_arg_t allowed_args[] = {
        { MP_QSTR_reverse, MP_ARG_KW_ONLY | MP_ARG_BOOL, {.u_bool = false} },
    };
    mp_arg_val_t args[MP_ARRAY_SIZE(allowed_args)];
    mp_arg_parse_all(n_args - 1, pos_args + 1, kw_args, MP_ARRAY_SIZE(allowed_args), allowed_args, args);
    lp_obj_t *self = MP_OBJ_TO_PTR(pos_args[0]);
    byte *items = lp_handle_data(self);
    // A scratch block for the radix sort when the pool has room; the in-place sort when not (or
    // when the typecode takes none). Never the GC heap: sort() works inside run().
    size_t need = lp_vecstore_sort_scratch(LP_VEC_TC(self), self->len, self->sub);
    void *scratch = need != 0 ? lp_pool_extra_alloc(self->pool, need LP_META_KIND(LP_KIND_VEC | (uint32_t)self->kind << 8)) : NULL;
    lp_vecstore_sort(LP_VEC_TC(self), items, self->len, args[ARG_reverse].u_bool, scratch);
    lp_pool_extra_free(self->pool, scratch);
    return mp_const_none;
}
static MP_DEFINE_CONST_FUN_OBJ_KW(lp_vec_sort_obj, 1, lp_vec_sort);

static mp_obj_t lp_vec_copy(mp_obj_t self_in) {
    lp_obj_t *self = MP_OBJ_TO_PTR(self_in);
    lp_handle_data(self);
    lp_obj_t *h = lp_vec_new(self->pool, LP_VEC_TC(self), self->len);
    memcpy(h->data, self->data, self->len * self->sub);
    h->len = self->len;
    return MP_OBJ_FROM_PTR(h);
}
static MP_DEFINE_CONST_FUN_OBJ_1(lp_vec_copy_obj, lp_vec_copy);

static mp_obj_t lp_vec_tolist(mp_obj_t self_in) {
    lp_obj_t *self = MP_OBJ_TO_PTR(self_in);
    lp_handle_data(self);
    mp_obj_list_t *list = MP_OBJ_TO_PTR(mp_obj_new_list(self->len, NULL));
    for (size_t i = 0; i < list->len; i++) {
        // Boxing may collect; re-read the items each time (the block itself cannot move here).
        list->items[i] = lp_item_load(LP_VEC_TC(self), lp_handle_data(self), i);
    }
    return MP_OBJ_FROM_PTR(list);
}
static MP_DEFINE_CONST_FUN_OBJ_1(lp_vec_tolist_obj, lp_vec_tolist);

static mp_obj_t lp_vec_reserve(mp_obj_t self_in, mp_obj_t n_in) {
    lp_obj_t *self = MP_OBJ_TO_PTR(self_in);
    lp_handle_data(self);
    mp_int_t n = lp_vec_int_arg(n_in);
    if (n < 0) {
        lp_raise_static(&lp_err_reserve_negative);
    }
    lp_vec_room(self, (size_t)n);
    return mp_const_none;
}
static MP_DEFINE_CONST_FUN_OBJ_2(lp_vec_reserve_obj, lp_vec_reserve);

static mp_obj_t lp_vec_shrink_to_fit(mp_obj_t self_in) {
    lp_obj_t *self = MP_OBJ_TO_PTR(self_in);
    lp_handle_shrink(self, self->len * self->sub);
    self->mods++; // an extend() in progress has items beyond len: it must notice
    return mp_const_none;
}
static MP_DEFINE_CONST_FUN_OBJ_1(lp_vec_shrink_to_fit_obj, lp_vec_shrink_to_fit);

// ---- operators -------------------------------------------------------------------------------

// Item-by-item numeric equality with an LpVec, list, tuple or array; anything else is not equal.
static bool lp_vec_equal(lp_obj_t *self, mp_obj_t other) {
    const byte *items = lp_handle_data(self);
    if (!mp_obj_is_type(other, &lp_type_Vec) && !mp_obj_is_type(other, &mp_type_list)
        && !mp_obj_is_type(other, &mp_type_tuple)
        #if MICROPY_PY_ARRAY
        && !mp_obj_is_type(other, &mp_type_array)
        #endif
        ) {
        return false;
    }
    lp_vec_src_t src;
    if (!lp_vec_src(other, &src) || src.len != self->len) {
        return false;
    }
    if (src.tc != 0) {
        return lp_vecstore_equal(LP_VEC_TC(self), items, src.tc, src.items, src.len);
    }
    for (size_t i = 0; i < src.len; i++) {
        lp_num_t n;
        if (!lp_num_from_obj(src.objs[i], &n) || !lp_item_equals(LP_VEC_TC(self), items, i, &n)) {
            return false;
        }
    }
    return true;
}

static mp_obj_t lp_vec_binary_op(mp_binary_op_t op, mp_obj_t lhs_in, mp_obj_t rhs_in) {
    lp_obj_t *self = MP_OBJ_TO_PTR(lhs_in);
    switch (op) {
        case MP_BINARY_OP_EQUAL:
            return mp_obj_new_bool(lp_vec_equal(self, rhs_in));
        case MP_BINARY_OP_CONTAINS:
            return mp_obj_new_bool(lp_vec_find(self, rhs_in, 0, self->len) < self->len);
        case MP_BINARY_OP_INPLACE_ADD:
            // v += w extends v itself: no new object.
            lp_vec_extend_from(self, rhs_in);
            return lhs_in;
        case MP_BINARY_OP_ADD: {
            lp_handle_data(self);
            lp_obj_t *h = MP_OBJ_TO_PTR(lp_vec_copy(lhs_in));
            lp_vec_fill_or_release(h, rhs_in);
            return MP_OBJ_FROM_PTR(h);
        }
        default:
            return MP_OBJ_NULL;
    }
}

// ---- indexing and slices ---------------------------------------------------------------------

static mp_obj_t lp_vec_slice_get(lp_obj_t *self, const mp_bound_slice_t *s, size_t count) {
    lp_obj_t *h = lp_vec_new(self->pool, LP_VEC_TC(self), count);
    lp_vecstore_gather(h->data, self->data, s->start, s->step, count, self->sub);
    h->len = count;
    return MP_OBJ_FROM_PTR(h);
}

static void lp_vec_slice_delete(lp_obj_t *self, mp_bound_slice_t s, size_t count) {
    if (count == 0) {
        return;
    }
    if (s.step < 0) {
        // The same items, ascending. A single item's step may be any (the most negative too, whose
        // negation overflows); more than one bounds the step by the length.
        s.start += (mp_int_t)(count - 1) * s.step;
        s.step = count == 1 ? 1 : -s.step;
    }
    self->len = lp_vecstore_delete_every(self->data, self->len, s.start, s.step, count, self->sub);
    self->mods++;
}

// Slice assignment: the value is first converted into a scratch block of this typecode (all
// checks pass before anything changes, and v[a:b] = v needs a copy anyway), then spliced in.
static void lp_vec_slice_set(lp_obj_t *self, mp_bound_slice_t s, size_t count, mp_obj_t value) {
    // The scratch handle lives in the callback's context: released on every way out, a raise too.
    struct {
        lp_vec_release_cb_t cb;
        lp_obj_t scratch;
    } sc;
    memset(&sc, 0, sizeof(sc));
    lp_obj_t *scratch = &sc.scratch;
    sc.cb.h = scratch;
    scratch->base.type = &lp_type_Vec;
    scratch->pool = self->pool;
    scratch->kind = self->kind;
    scratch->sub = self->sub;
    lp_handle_attach(scratch, lp_pool_alloc(self->pool, 0 LP_META_KIND(LP_KIND_VEC | (uint32_t)self->kind << 8)), 0);
    uint32_t mods = self->mods;
    nlr_push_jump_callback(&sc.cb.node, lp_vec_release_cb);
    lp_vec_extend_from(scratch, value);
    // An iterable's Python code may have changed or freed this vector: the slice is stale then.
    lp_handle_data(self);
    if (self->mods != mods) {
        lp_raise_static(&lp_err_changed);
    }
    size_t m = scratch->len, sz = self->sub;
    const byte *src = scratch->data;
    if (s.step == 1) {
        size_t start = s.start, stop = s.stop < s.start ? s.start : s.stop;
        size_t len = self->len, new_len = len - (stop - start) + m;
        byte *items = new_len > len ? lp_vec_room(self, new_len - len) : self->data;
        lp_vecstore_splice(items, len, start, stop, src, m, sz);
        self->len = new_len;
        self->mods++;
    } else {
        if (m != count) {
            lp_raise_static(&lp_err_ext_slice);
        }
        lp_vecstore_scatter(self->data, s.start, s.step, src, m, sz);
    }
    nlr_pop_jump_callback(true);
}

// v.slice(start, stop[, step]): v[start:stop:step] without a slice object, which MicroPython 1.25
// puts on the GC heap; so it works inside run().
static mp_obj_t lp_vec_slice_meth(size_t n_args, const mp_obj_t *args) {
    lp_obj_t *self = MP_OBJ_TO_PTR(args[0]);
    lp_handle_data(self);
    mp_obj_slice_t slice = { { &mp_type_slice }, args[1], args[2], n_args > 3 ? args[3] : mp_const_none };
    lp_slice_check(MP_OBJ_FROM_PTR(&slice));
    mp_bound_slice_t s;
    mp_obj_slice_indices(MP_OBJ_FROM_PTR(&slice), self->len, &s);
    return lp_vec_slice_get(self, &s, lp_slice_count(&s));
}
static MP_DEFINE_CONST_FUN_OBJ_VAR_BETWEEN(lp_vec_slice_obj, 3, 4, lp_vec_slice_meth);

static mp_obj_t lp_vec_subscr(mp_obj_t self_in, mp_obj_t index, mp_obj_t value) {
    lp_obj_t *self = MP_OBJ_TO_PTR(self_in);
    byte *items = lp_vec_items(self);
    if (value == MP_OBJ_SENTINEL && mp_obj_is_small_int(index) && LP_VEC_TC(self) == 'i') {
        // v[i] of an 'i' vector without a call when the item is a small int.
        mp_int_t i = MP_OBJ_SMALL_INT_VALUE(index);
        if (i < 0) {
            i += self->len;
        }
        if ((size_t)i < self->len) {
            int32_t v = ((const int32_t *)items)[i];
            if (MP_SMALL_INT_FITS(v)) {
                return MP_OBJ_NEW_SMALL_INT(v);
            }
        }
    }
    if (mp_obj_is_type(index, &mp_type_slice)) {
        // The slice may be on the VM's stack (LP_TYPE_FLAG_STACK_SLICE): read it here and never
        // keep it.
        lp_slice_check(index);
        mp_bound_slice_t s;
        mp_obj_slice_indices(index, self->len, &s);
        size_t count = lp_slice_count(&s);
        if (value == MP_OBJ_SENTINEL) {
            return lp_vec_slice_get(self, &s, count);
        }
        if (value == MP_OBJ_NULL) {
            lp_vec_slice_delete(self, s, count);
        } else {
            lp_vec_slice_set(self, s, count, value);
        }
        return mp_const_none;
    }
    size_t i = lp_vec_index(self, index, &lp_err_index);
    if (value == MP_OBJ_SENTINEL) {
        return lp_item_load(LP_VEC_TC(self), items, i);
    }
    if (value == MP_OBJ_NULL) {
        lp_vec_remove_at(self, i);
    } else {
        lp_item_store(LP_VEC_TC(self), items, i, value);
    }
    return mp_const_none;
}

// ---- iteration and the buffer protocol -------------------------------------------------------

// Any typecode, every check (lp_vec_items).
static MP_NOINLINE mp_obj_t lp_vec_it_next_full(lp_iter_t *it) {
    lp_obj_t *h = it->h;
    const byte *items = lp_vec_items(h);
    size_t i = it->cur;
    if (i >= h->len) {
        return MP_OBJ_STOP_ITERATION;
    }
    it->cur = i + 1;
    return lp_item_load(LP_VEC_TC(h), items, i);
}

// The common step as a leaf function (no call, no stack frame): the next 'i' item as a small int
// of a live, idle vector in the static arena. Anything else, the end included, takes the full step.
static mp_obj_t lp_vec_it_iternext(mp_obj_t self_in) {
    lp_iter_t *it = MP_OBJ_TO_PTR(self_in);
    lp_obj_t *h = it->h;
    const int32_t *items = h->data;
    size_t i = it->cur;
    if (LP_VEC_TC(h) == 'i' && i < h->len && items != NULL && !(h->flags & LP_OBJ_BUSY)
        && h->pool->buf == MP_OBJ_NULL) {
        int32_t v = items[i];
        if (MP_SMALL_INT_FITS(v)) {
            it->cur = i + 1;
            return MP_OBJ_NEW_SMALL_INT(v);
        }
    }
    return lp_vec_it_next_full(it);
}

// The iterator's own type, as list's: the VM calls its iternext slot directly, where
// mp_type_polymorph_iter would add a second indirect call per step.
static MP_DEFINE_CONST_OBJ_TYPE(
    lp_type_vec_it,
    MP_QSTR_iterator,
    MP_TYPE_FLAG_ITER_IS_ITERNEXT,
    iter, lp_vec_it_iternext
    );

static mp_obj_t lp_vec_getiter(mp_obj_t self_in, mp_obj_iter_buf_t *iter_buf) {
    lp_obj_t *self = MP_OBJ_TO_PTR(self_in);
    lp_handle_data(self);
    mp_obj_t it = lp_iter_init(iter_buf, self, lp_vec_it_iternext);
    ((lp_iter_t *)MP_OBJ_TO_PTR(it))->base.type = &lp_type_vec_it;
    return it;
}

static mp_int_t lp_vec_get_buffer(mp_obj_t self_in, mp_buffer_info_t *bufinfo, mp_uint_t flags) {
    lp_obj_t *self = MP_OBJ_TO_PTR(self_in);
    // Consumers that keep the address (memoryview, ...) pin the block: invariant 5.
    bufinfo->buf = lp_handle_buffer(self, flags);
    bufinfo->len = self->len * self->sub;
    bufinfo->typecode = LP_VEC_TC(self);
    return 0;
}

// ---- attributes ------------------------------------------------------------------------------

// typecode as a constant str, so reading it allocates nothing: one array, searched in place.
#define LP_TC_STR(c) { { &mp_type_str }, 0, 1, (const byte *)c }
static mp_obj_str_t lp_tc_strs[] = {
    LP_TC_STR("b"), LP_TC_STR("B"), LP_TC_STR("h"), LP_TC_STR("H"), LP_TC_STR("i"), LP_TC_STR("I"),
    LP_TC_STR("l"), LP_TC_STR("L"), LP_TC_STR("q"), LP_TC_STR("Q"), LP_TC_STR("f"), LP_TC_STR("d"),
};

static mp_obj_t lp_vec_typecode_str(char tc) {
    for (size_t i = 0; i < MP_ARRAY_SIZE(lp_tc_strs); i++) {
        if ((char)lp_tc_strs[i].data[0] == tc) {
            return MP_OBJ_FROM_PTR(&lp_tc_strs[i]);
        }
    }
    return mp_const_none;
}

static mp_obj_t lp_vec_typecode_get(mp_obj_t self_in) {
    return lp_vec_typecode_str(LP_VEC_TC((lp_obj_t *)MP_OBJ_TO_PTR(lp_prop_self(self_in))));
}
LP_DEFINE_PROP(lp_vec_typecode_prop, lp_vec_typecode_get, &lp_err_handle_read_only);

static mp_obj_t lp_vec_itemsize_get(mp_obj_t self_in) {
    return MP_OBJ_NEW_SMALL_INT(((lp_obj_t *)MP_OBJ_TO_PTR(lp_prop_self(self_in)))->sub);
}
LP_DEFINE_PROP(lp_vec_itemsize_prop, lp_vec_itemsize_get, &lp_err_handle_read_only);

static mp_obj_t lp_vec_capacity_get(mp_obj_t self_in) {
    lp_obj_t *self = MP_OBJ_TO_PTR(lp_prop_self(self_in));
    lp_handle_data(self);
    return MP_OBJ_NEW_SMALL_INT(self->cap / self->sub);
}
LP_DEFINE_PROP(lp_vec_capacity_prop, lp_vec_capacity_get, &lp_err_handle_read_only);

// Methods first, the hot ones at the front: a const dict is searched in order (lp_attr.c).
static const mp_rom_map_elem_t lp_vec_locals_dict_table[] = {
    { MP_ROM_QSTR(MP_QSTR_append), MP_ROM_PTR(&lp_vec_append_obj) },
    { MP_ROM_QSTR(MP_QSTR_extend), MP_ROM_PTR(&lp_vec_extend_obj) },
    { MP_ROM_QSTR(MP_QSTR_insert), MP_ROM_PTR(&lp_vec_insert_obj) },
    { MP_ROM_QSTR(MP_QSTR_pop), MP_ROM_PTR(&lp_vec_pop_obj) },
    { MP_ROM_QSTR(MP_QSTR_remove), MP_ROM_PTR(&lp_vec_remove_obj) },
    { MP_ROM_QSTR(MP_QSTR_index), MP_ROM_PTR(&lp_vec_index_obj) },
    { MP_ROM_QSTR(MP_QSTR_count), MP_ROM_PTR(&lp_vec_count_obj) },
    { MP_ROM_QSTR(MP_QSTR_clear), MP_ROM_PTR(&lp_vec_clear_obj) },
    { MP_ROM_QSTR(MP_QSTR_reverse), MP_ROM_PTR(&lp_vec_reverse_obj) },
    { MP_ROM_QSTR(MP_QSTR_sort), MP_ROM_PTR(&lp_vec_sort_obj) },
    { MP_ROM_QSTR(MP_QSTR_copy), MP_ROM_PTR(&lp_vec_copy_obj) },
    { MP_ROM_QSTR(MP_QSTR_slice), MP_ROM_PTR(&lp_vec_slice_obj) },
    { MP_ROM_QSTR(MP_QSTR_tolist), MP_ROM_PTR(&lp_vec_tolist_obj) },
    { MP_ROM_QSTR(MP_QSTR_reserve), MP_ROM_PTR(&lp_vec_reserve_obj) },
    { MP_ROM_QSTR(MP_QSTR_shrink_to_fit), MP_ROM_PTR(&lp_vec_shrink_to_fit_obj) },
    { MP_ROM_QSTR(MP_QSTR_free), MP_ROM_PTR(&lp_handle_free_obj) },
    { MP_ROM_QSTR(MP_QSTR___del__), MP_ROM_PTR(&lp_handle_free_obj) },
    { MP_ROM_QSTR(MP_QSTR___enter__), MP_ROM_PTR(&lp_handle_enter_obj) },
    { MP_ROM_QSTR(MP_QSTR___exit__), MP_ROM_PTR(&lp_handle_exit_obj) },
    { MP_ROM_QSTR(MP_QSTR_typecode), MP_ROM_PTR(&lp_vec_typecode_prop) },
    { MP_ROM_QSTR(MP_QSTR_itemsize), MP_ROM_PTR(&lp_vec_itemsize_prop) },
    { MP_ROM_QSTR(MP_QSTR_capacity), MP_ROM_PTR(&lp_vec_capacity_prop) },
    LP_HANDLE_PROPS,
};
static MP_DEFINE_CONST_DICT(lp_vec_locals_dict, lp_vec_locals_dict_table);

MP_DEFINE_CONST_OBJ_TYPE(
    lp_type_Vec,
    MP_QSTR_LpVec,
    MP_TYPE_FLAG_ITER_IS_GETITER | MP_TYPE_FLAG_EQ_CHECKS_OTHER_TYPE | LP_TYPE_FLAG_STACK_SLICE,
    make_new, lp_vec_make_new,
    print, lp_vec_print,
    unary_op, lp_handle_unary_op,
    binary_op, lp_vec_binary_op,
    subscr, lp_vec_subscr,
    iter, lp_vec_getiter,
    buffer, lp_vec_get_buffer,
    attr, lp_attr,
    locals_dict, &lp_vec_locals_dict
    );
