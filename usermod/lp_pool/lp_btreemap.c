// LpBTreeMap: an ordered map whose storage is a B-tree over pool blocks. This file is its Python
// face: the type, its methods, its views and their iterators, the conversion of Python keys and
// values to split values (lp_value.c), KeyError and TypeError, printing. The tree itself (node
// layout, search, insert, delete, the cursor, the structural check and invariants 1-8) is the
// engine's, lp_btree.c, which knows no Python object.
//
// Invariants of the type (m._check() tests the engine's 1-6 through lp_bt_check):
//  9. The handle's block is the tree (lp_bt_t); the handle's `len` is its number of entries and
//     its `mods` (the version) changes with every change to the set of keys; iterators raise
//     RuntimeError when it changed under them. Replacing the value of an existing key moves no
//     entry and keeps the version, as for dict.
// 10. Every key of a map is of one kind, int, str (LpString counts) or bytes: TypeError for other
//     types and for a mix, OverflowError for an int beyond a machine word, checked before the
//     engine is called. An insert the pool can't hold raises AllocError after one collection, with
//     the map unchanged (the engine's invariant 8).
//
// Views (m.keys(), m.values(), m.items(), m.range(lo, hi)) and their iterators live here with the
// map, as dict's do in MicroPython's objdict.c:
// V1. A map keeps at most one view of each kind, made on first use (from the pool's handle reserve
//     under the heap lock) and linked from the map's handle (`aux`), so calling keys() or items()
//     inside run() allocates nothing after the first call. keys(), values() and items() views are
//     live, like dict's; the range view holds the bounds of the latest range() call.
// V2. An iterator lives entirely in the VM's iter_buf: the view (or the map, for `for k in m`), a
//     cursor (node, index) and the map's change counter (handle `mods`) when it last moved. (The
//     shared lp_iter_t has one word of position; a B-tree cursor needs a node and an index.) A
//     cursor is used only while the version is unchanged: a changed map raises RuntimeError, a
//     freed map ValueError.
// V3. items() yields a fresh tuple per pair while the heap is free. Under the heap lock it yields
//     the view's one preallocated pair, refilled at each step: unpack it, don't keep it.
//
// A collection's face (docs/internals.md: on the pools, beside run()), over its engine
// (lp_btree.c), values (lp_value.c) and handles.

#include <stddef.h>
#include <string.h>

#include "py/gc.h"
#include "py/objstr.h"
#include "py/objtuple.h"
#include "py/runtime.h"
#include "py/smallint.h"
#include "py/stream.h"

#include "lp_pool.h"
#include "lp_btree.h"

// What a view shows: keys, values, items or a key range.
enum { LP_BT_VIEW_KEYS, LP_BT_VIEW_VALUES, LP_BT_VIEW_ITEMS, LP_BT_VIEW_RANGE };

LP_DEFINE_STATIC_EXC(lp_err_key_type, mp_type_TypeError, "LpBTreeMap keys must be int, str or bytes");
LP_DEFINE_STATIC_EXC(lp_err_key_kind, mp_type_TypeError, "LpBTreeMap keys are all of one kind: int, str or bytes, not mixed");
LP_DEFINE_STATIC_EXC(lp_err_key_range, mp_type_OverflowError, "int key does not fit a machine word");
LP_DEFINE_STATIC_EXC(lp_err_key_missing, mp_type_KeyError, "key not found");
LP_DEFINE_STATIC_EXC(lp_err_empty, mp_type_KeyError, "LpBTreeMap is empty");
// min() and max() raise what the builtins raise for an empty sequence; pop_min()/pop_max() raise
// KeyError, as dict.popitem() does.
LP_DEFINE_STATIC_EXC(lp_err_min_empty, mp_type_ValueError, "min() of an empty LpBTreeMap");
LP_DEFINE_STATIC_EXC(lp_err_max_empty, mp_type_ValueError, "max() of an empty LpBTreeMap");
LP_DEFINE_STATIC_EXC(lp_err_too_deep, mp_type_RuntimeError, "LpBTreeMap too deep");
LP_DEFINE_STATIC_EXC(lp_err_update_item, mp_type_TypeError,
    "update() takes a mapping or an iterable of (key, value) pairs; an item is not a pair");
LP_DEFINE_STATIC_EXC(lp_err_init_item, mp_type_TypeError,
    "LpBTreeMap() takes a mapping or an iterable of (key, value) pairs; an item is not a pair");

// ---- keys and values ----------------------------------------------------------------------------

static lp_bt_t *lp_btreemap_tree(lp_obj_t *self) {
    return lp_handle_data(self);
}

// The one place that decides what a key is: int (machine word), text (str or LpString) or bytes.
static void lp_btreemap_key_arg(mp_obj_t o, lp_value_t *k) {
    bool too_big;
    lp_value_classify(o, k, &too_big);
    if (too_big) {
        lp_raise_static(&lp_err_key_range);
    }
    if (k->kind != LP_VAL_INT && k->kind != LP_VAL_STR && k->kind != LP_VAL_BYTES) {
        lp_raise_static(&lp_err_key_type);
    }
}

static void lp_btreemap_check_kind(const lp_bt_t *t, const lp_value_t *k) {
    if (t->kind != LP_VAL_NONE && t->kind != k->kind) {
        lp_raise_static(&lp_err_key_kind);
    }
}

// A key of this map's kind, split: TypeError or OverflowError for anything else (invariant 10).
static void lp_btreemap_key_of(const lp_bt_t *t, mp_obj_t o, lp_value_t *k) {
    lp_btreemap_key_arg(o, k);
    lp_btreemap_check_kind(t, k);
}

// The node and index of key `key_in`, NULL if absent (TypeError for a key of another kind).
static lp_bt_node_t *lp_btreemap_lookup(lp_obj_t *self, mp_obj_t key_in, size_t *idx) {
    lp_bt_t *t = lp_btreemap_tree(self);
    if (mp_obj_is_small_int(key_in) && t->kind == LP_VAL_INT) {
        return lp_bt_lookup_int(t, MP_OBJ_SMALL_INT_VALUE(key_in), idx);
    }
    lp_value_t k;
    lp_btreemap_key_of(t, key_in, &k);
    lp_bt_cursor_t cur;
    if (lp_bt_lookup(t, &k, &cur) == NULL) {
        return NULL;
    }
    *idx = cur.idx;
    return cur.node;
}

static mp_obj_t lp_btreemap_value_obj(const lp_bt_node_t *nd, size_t i) {
    lp_word_t w = lp_bt_value_word(nd, i);
    if (lp_bt_value_kind(nd, i) == LP_VAL_INT && MP_SMALL_INT_FITS(w.i)) {
        return MP_OBJ_NEW_SMALL_INT(w.i); // the common case, without the general boxing
    }
    lp_value_t v;
    lp_bt_value_at(nd, i, &v);
    return lp_value_to_obj(&v);
}

static mp_obj_t lp_btreemap_key_obj(const lp_bt_t *t, const lp_bt_cursor_t *cur) {
    lp_value_t k;
    lp_bt_cursor_key(t, cur, &k);
    return lp_value_to_obj(&k);
}

static MP_NORETURN void lp_btreemap_raise_missing(mp_obj_t key) {
    if (gc_is_locked()) {
        lp_raise_static(&lp_err_key_missing);
    }
    mp_raise_type_arg(&mp_type_KeyError, key);
}

// The set of keys changed by one entry (invariant 9).
static void lp_btreemap_counted(lp_obj_t *self, int added) {
    self->mods++;
    self->len += added;
}

// ---- insert and delete --------------------------------------------------------------------------

// Stores key -> value: AllocError, with the map unchanged, when the pool can't even after a
// collection has given back the blocks of unreachable objects.
static void lp_btreemap_store(lp_obj_t *self, mp_obj_t key_in, mp_obj_t value_in) {
    lp_value_t k, v;
    lp_bt_t *t = lp_btreemap_tree(self);
    lp_btreemap_key_of(t, key_in, &k); // the key's errors first, as a dict would report
    lp_value_from_obj(value_in, &v);
    for (bool collected = false;;) {
        size_t failed;
        switch (lp_bt_insert(t, self->pool, &k, &v, &failed)) {
            case LP_BT_ADDED:
                lp_btreemap_counted(self, 1);
                return;
            case LP_BT_REPLACED:
                return;
            case LP_BT_TOO_DEEP:
                lp_raise_static(&lp_err_too_deep);
            default:
                lp_pool_collect_or_raise(self->pool, &collected, failed);
        }
    }
}

// Removes `key_in` and returns its value (as an object, made before anything changes); MP_OBJ_NULL
// if absent.
static mp_obj_t lp_btreemap_take(lp_obj_t *self, mp_obj_t key_in) {
    lp_bt_t *t = lp_btreemap_tree(self);
    lp_value_t k;
    lp_btreemap_key_of(t, key_in, &k);
    lp_bt_path_t path;
    int at = lp_bt_find(t, &k, &path);
    if (at < 0) {
        return MP_OBJ_NULL;
    }
    lp_bt_cursor_t cur;
    lp_bt_path_cursor(t, &path, at, &cur);
    mp_obj_t value = lp_btreemap_value_obj(cur.node, cur.idx);
    lp_bt_remove_at(t, self->pool, &path, at);
    lp_btreemap_counted(self, -1);
    return value;
}

// `del m[k]`: removes `key_in` without making its value an object; false if absent.
static bool lp_btreemap_delete(lp_obj_t *self, mp_obj_t key_in) {
    lp_bt_t *t = lp_btreemap_tree(self);
    lp_bt_path_t path;
    int at;
    if (mp_obj_is_small_int(key_in) && t->kind == LP_VAL_INT) {
        at = lp_bt_find_int(t, MP_OBJ_SMALL_INT_VALUE(key_in), &path);
    } else {
        lp_value_t k;
        lp_btreemap_key_of(t, key_in, &k);
        at = lp_bt_find(t, &k, &path);
    }
    if (at < 0) {
        return false;
    }
    lp_bt_remove_at(t, self->pool, &path, at);
    lp_btreemap_counted(self, -1);
    return true;
}

// Every node and text block goes back to the pool; the handle's block (the tree) stays.
static void lp_btreemap_free_all(lp_obj_t *self, lp_bt_t *t) {
    lp_bt_clear(t, self->pool);
    self->mods++;
    self->len = 0;
}

// ---- what the views use: walking the map in key order -------------------------------------------

static void lp_btreemap_check_bound(lp_obj_t *map, mp_obj_t key) {
    if (key != mp_const_none) {
        lp_value_t k;
        lp_btreemap_key_of(lp_btreemap_tree(map), key, &k);
    }
}

static bool lp_btreemap_first(lp_obj_t *map, mp_obj_t lo, lp_bt_cursor_t *cur) {
    lp_bt_t *t = lp_btreemap_tree(map);
    if (lo == MP_OBJ_NULL || lo == mp_const_none) {
        return lp_bt_first(t, cur);
    }
    lp_value_t k;
    lp_btreemap_key_of(t, lo, &k);
    return lp_bt_seek(t, &k, true, true, cur);
}

static bool lp_btreemap_before(lp_obj_t *map, const lp_bt_cursor_t *cur, mp_obj_t hi) {
    if (hi == MP_OBJ_NULL || hi == mp_const_none) {
        return true;
    }
    lp_bt_t *t = lp_btreemap_tree(map);
    lp_value_t k;
    lp_btreemap_key_arg(hi, &k);
    return lp_bt_cursor_compare(t, &k, cur) < 0;
}

// ---- printing -----------------------------------------------------------------------------------

typedef struct {
    const mp_print_t *print;
    mp_print_kind_t kind;
    const char *item_sep, *key_sep;
    bool first;
} lp_btreemap_printer_t;

static void lp_btreemap_print_entry(void *ctx, const lp_value_t *key, const lp_value_t *value) {
    lp_btreemap_printer_t *p = ctx;
    if (!p->first) {
        mp_print_str(p->print, p->item_sep);
    }
    p->first = false;
    // JSON object keys are strings: ints are quoted, as dict does.
    bool quote = p->kind == PRINT_JSON && key->kind == LP_VAL_INT;
    if (quote) {
        mp_print_str(p->print, "\"");
    }
    lp_value_print(p->print, key, p->kind);
    if (quote) {
        mp_print_str(p->print, "\"");
    }
    mp_print_str(p->print, p->key_sep);
    lp_value_print(p->print, value, p->kind);
}

// print()/str() give the dict form, repr() adds the type name, json.dump writes a JSON object;
// all in key order and straight from the pool.
static void lp_btreemap_print_body(lp_obj_t *self, void *ctx) {
    const mp_print_t *print = ((const lp_print_ctx_t *)ctx)->print;
    mp_print_kind_t kind = ((const lp_print_ctx_t *)ctx)->kind;
    lp_btreemap_printer_t p = { print, kind == PRINT_JSON ? PRINT_JSON : PRINT_REPR, ", ", ": ", true };
    #if MICROPY_PY_JSON && MICROPY_PY_JSON_SEPARATORS
    if (kind == PRINT_JSON) {
        p.item_sep = MP_PRINT_GET_EXT(print)->item_separator;
        p.key_sep = MP_PRINT_GET_EXT(print)->key_separator;
    }
    #endif
    if (kind == PRINT_REPR) {
        mp_print_str(print, "LpBTreeMap(");
    }
    mp_print_str(print, "{");
    lp_bt_walk(self->data, lp_btreemap_print_entry, &p);
    mp_print_str(print, "}");
    if (kind == PRINT_REPR) {
        mp_print_str(print, ")");
    }
}

static void lp_btreemap_print(const mp_print_t *print, mp_obj_t self_in, mp_print_kind_t kind) {
    lp_obj_t *self = MP_OBJ_TO_PTR(self_in);
    if (self->data == NULL) {
        mp_print_str(print, "<LpBTreeMap freed>");
        return;
    }
    lp_btreemap_tree(self);
    lp_print_ctx_t p = { print, kind };
    lp_handle_busy_call(self, lp_print_stream(print), lp_btreemap_print_body, &p);
}

// ---- the structural check -----------------------------------------------------------------------

static mp_obj_t lp_btreemap_check(mp_obj_t self_in) {
    lp_obj_t *self = MP_OBJ_TO_PTR(self_in);
    lp_bt_t *t = lp_btreemap_tree(self);
    lp_pool_check_open(self->pool);
    const char *err = lp_bt_check(t, self->pool->heap, self->len);
    if (err != NULL) {
        mp_raise_msg_varg(&mp_type_RuntimeError, MP_ERROR_TEXT("LpBTreeMap is corrupted: %s"), err);
    }
    return mp_const_true;
}
static MP_DEFINE_CONST_FUN_OBJ_1(lp_btreemap_check_obj, lp_btreemap_check);

// ---- views: keys(), values(), items(), range(lo, hi), and their iterators ----------------------

LP_DEFINE_STATIC_EXC(lp_err_view_changed, mp_type_RuntimeError, "LpBTreeMap changed during iteration");

typedef struct _lp_btreemap_view_t {
    mp_obj_base_t base;
    lp_obj_t *map;
    mp_obj_t lo;                // RANGE: the lower bound; ITEMS: the pair reused under the heap lock
    mp_obj_t hi;                // RANGE: the upper bound (exclusive); None: open
    struct _lp_btreemap_view_t *next; // the map's next view
    size_t mode;
} lp_btreemap_view_t;

// Views are made as handles: the reserve makes them available under the heap lock.
_Static_assert(sizeof(lp_btreemap_view_t) <= sizeof(lp_obj_t), "a view must fit a handle");
_Static_assert(sizeof(mp_obj_tuple_t) + 2 * sizeof(mp_obj_t) <= sizeof(lp_obj_t), "a view must fit a handle");

// The map's view of `mode`, kept with the map and reused (invariant V1).
static mp_obj_t lp_btreemap_view(lp_obj_t *map, int mode, mp_obj_t lo, mp_obj_t hi) {
    lp_handle_data(map);
    lp_btreemap_view_t *v = (lp_btreemap_view_t *)map->aux;
    while (v != NULL && v->mode != (size_t)mode) {
        v = v->next;
    }
    if (v == NULL) {
        mp_obj_t pair = mp_const_none;
        if (mode == LP_BT_VIEW_ITEMS) {
            if (gc_is_locked()) {
                mp_obj_tuple_t *t = (mp_obj_tuple_t *)lp_handle_new(map->pool, &mp_type_tuple);
                t->len = 2;
                t->items[0] = t->items[1] = mp_const_none;
                pair = MP_OBJ_FROM_PTR(t);
            } else {
                pair = mp_obj_new_tuple(2, NULL);
            }
        }
        v = (lp_btreemap_view_t *)lp_handle_new(map->pool, &lp_type_BTreeMapView);
        v->map = map;
        v->mode = mode;
        v->lo = pair;
        v->hi = mp_const_none;
        v->next = (lp_btreemap_view_t *)map->aux;
        map->aux = (size_t)v;
    }
    if (mode == LP_BT_VIEW_RANGE) {
        v->lo = lo;
        v->hi = hi;
    }
    return MP_OBJ_FROM_PTR(v);
}

// ---- iterators ----------------------------------------------------------------------------------

#define LP_IT_IDX_MASK ((1u << LP_BT_IDX_BITS) - 1)
#define LP_IT_LEAF (1u << LP_BT_IDX_BITS)
#define LP_IT_STARTED (2u << LP_BT_IDX_BITS)
#define LP_IT_DONE (4u << LP_BT_IDX_BITS)
#define LP_IT_OF_MAP (8u << LP_BT_IDX_BITS) // `owner` is the map itself (plain `for k in m`)
// The rest: the low bits of the map's version, 24 of them on a 32-bit port. An iterator paused
// across exactly a multiple of 2^24 changes of its map would go unnoticed.
#define LP_IT_VERSION_SHIFT (LP_BT_IDX_BITS + 4)

typedef struct {
    mp_obj_base_t base;
    void *owner;                    // the view, or the map (LP_IT_OF_MAP)
    lp_bt_node_t *node;
    size_t state;                   // entry index in the low LP_BT_IDX_BITS, then the flags above
} lp_btreemap_iter_t;

static size_t lp_it_version_bits(uint32_t version) {
    return ((size_t)version << LP_IT_VERSION_SHIFT) >> LP_IT_VERSION_SHIFT;
}

static mp_obj_t lp_btreemap_iter_next(mp_obj_t self_in) {
    lp_btreemap_iter_t *it = MP_OBJ_TO_PTR(self_in);
    lp_btreemap_view_t *view = it->state & LP_IT_OF_MAP ? NULL : it->owner;
    lp_obj_t *map = view == NULL ? it->owner : view->map;
    size_t mode = view == NULL ? LP_BT_VIEW_KEYS : view->mode;
    lp_bt_t *t = lp_btreemap_tree(map); // ValueError once freed
    uint32_t version = map->mods;
    if (it->state & LP_IT_DONE) {
        return MP_OBJ_STOP_ITERATION;
    }
    lp_bt_cursor_t cur;
    bool more;
    if (!(it->state & LP_IT_STARTED)) {
        more = lp_btreemap_first(map, mode == LP_BT_VIEW_RANGE ? view->lo : MP_OBJ_NULL, &cur);
    } else {
        if ((it->state >> LP_IT_VERSION_SHIFT) != lp_it_version_bits(version)) {
            lp_raise_static(&lp_err_view_changed);
        }
        cur.node = it->node;
        cur.idx = it->state & LP_IT_IDX_MASK;
        cur.leaf = (it->state & LP_IT_LEAF) != 0;
        more = lp_bt_next(t, &cur);
    }
    if (more && mode == LP_BT_VIEW_RANGE) {
        more = lp_btreemap_before(map, &cur, view->hi);
    }
    if (!more) {
        it->state |= LP_IT_DONE;
        return MP_OBJ_STOP_ITERATION;
    }
    it->node = cur.node;
    it->state = cur.idx | (cur.leaf ? LP_IT_LEAF : 0) | LP_IT_STARTED | (it->state & LP_IT_OF_MAP)
        | (lp_it_version_bits(version) << LP_IT_VERSION_SHIFT);
    switch (mode) {
        case LP_BT_VIEW_VALUES:
            return lp_btreemap_value_obj(cur.node, cur.idx);
        case LP_BT_VIEW_ITEMS: {
            mp_obj_t kv[2] = { lp_btreemap_key_obj(t, &cur), lp_btreemap_value_obj(cur.node, cur.idx) };
            if (!gc_is_locked()) {
                return mp_obj_new_tuple(2, kv);
            }
            mp_obj_tuple_t *pair = MP_OBJ_TO_PTR(view->lo);
            pair->items[0] = kv[0];
            pair->items[1] = kv[1];
            return view->lo;
        }
        default:
            return lp_btreemap_key_obj(t, &cur);
    }
}

static MP_DEFINE_CONST_OBJ_TYPE(
    lp_type_bt_iter,
    MP_QSTR_iterator,
    MP_TYPE_FLAG_ITER_IS_ITERNEXT,
    iter, lp_btreemap_iter_next
    );

static mp_obj_t lp_btreemap_iter_start(void *owner, size_t flags, mp_obj_iter_buf_t *iter_buf) {
    MP_STATIC_ASSERT(sizeof(lp_btreemap_iter_t) <= sizeof(mp_obj_iter_buf_t));
    lp_btreemap_iter_t *it = (lp_btreemap_iter_t *)iter_buf;
    it->base.type = &lp_type_bt_iter;
    it->owner = owner;
    it->node = NULL;
    it->state = flags;
    return MP_OBJ_FROM_PTR(it);
}

// `for k in m`: a key iterator in iter_buf, without a view.
static mp_obj_t lp_btreemap_iter_keys(lp_obj_t *map, mp_obj_iter_buf_t *iter_buf) {
    lp_handle_data(map);
    return lp_btreemap_iter_start(map, LP_IT_OF_MAP, iter_buf);
}

static mp_obj_t lp_btreemap_view_getiter(mp_obj_t self_in, mp_obj_iter_buf_t *iter_buf) {
    lp_btreemap_view_t *v = MP_OBJ_TO_PTR(self_in);
    lp_handle_data(v->map);
    return lp_btreemap_iter_start(v, 0, iter_buf);
}

// ---- the view type ------------------------------------------------------------------------------

static mp_obj_t lp_btreemap_view_unary_op(mp_unary_op_t op, mp_obj_t self_in) {
    lp_btreemap_view_t *v = MP_OBJ_TO_PTR(self_in);
    if (op != MP_UNARY_OP_LEN && op != MP_UNARY_OP_BOOL) {
        return MP_OBJ_NULL;
    }
    size_t n = 0;
    if (v->mode != LP_BT_VIEW_RANGE) {
        lp_handle_data(v->map);
        n = v->map->len;
    } else {
        lp_bt_cursor_t cur;
        for (bool more = lp_btreemap_first(v->map, v->lo, &cur); more && lp_btreemap_before(v->map, &cur, v->hi);
             more = lp_bt_next(lp_btreemap_tree(v->map), &cur)) {
            n++;
        }
    }
    return op == MP_UNARY_OP_LEN ? MP_OBJ_NEW_SMALL_INT(n) : mp_obj_new_bool(n != 0);
}

static void lp_btreemap_view_print(const mp_print_t *print, mp_obj_t self_in, mp_print_kind_t kind) {
    (void)kind;
    lp_btreemap_view_t *v = MP_OBJ_TO_PTR(self_in);
    static const qstr names[] = { MP_QSTR_keys, MP_QSTR_values, MP_QSTR_items, MP_QSTR_range };
    if (v->map->data == NULL) {
        mp_printf(print, "<LpBTreeMap.%q of a freed map>", names[v->mode]);
        return;
    }
    mp_printf(print, "LpBTreeMap.%q([", names[v->mode]);
    mp_obj_iter_buf_t iter_buf;
    mp_obj_t iter = lp_btreemap_view_getiter(self_in, &iter_buf), item;
    for (bool first = true; (item = mp_iternext(iter)) != MP_OBJ_STOP_ITERATION; first = false) {
        if (!first) {
            mp_print_str(print, ", ");
        }
        mp_obj_print_helper(print, item, PRINT_REPR);
    }
    mp_print_str(print, "])");
}

MP_DEFINE_CONST_OBJ_TYPE(
    lp_type_BTreeMapView,
    MP_QSTR_LpBTreeMapView,
    MP_TYPE_FLAG_ITER_IS_GETITER,
    print, lp_btreemap_view_print,
    unary_op, lp_btreemap_view_unary_op,
    iter, lp_btreemap_view_getiter
    );

// ---- the Python type ----------------------------------------------------------------------------

static void lp_btreemap_update_from(lp_obj_t *self, mp_obj_t other, const lp_static_exc_t *not_pair);

static mp_obj_t lp_btreemap_make_new(const mp_obj_type_t *type, size_t n_args, size_t n_kw, const mp_obj_t *all_args) {
    enum { ARG_init, ARG_pool };
    static const mp_arg_t allowed_args[] = {
        { MP_QSTR_init, MP_ARG_OBJ, {.u_obj = mp_const_none} },
        { MP_QSTR_pool, MP_ARG_KW_ONLY | MP_ARG_OBJ, {.u_obj = mp_const_none} },
    };
    mp_arg_val_t args[MP_ARRAY_SIZE(allowed_args)];
    mp_arg_parse_all_kw_array(n_args, n_kw, all_args, MP_ARRAY_SIZE(allowed_args), allowed_args, args);
    lp_pool_obj_t *pool = lp_pool_for_new(args[ARG_pool].u_obj);
    lp_obj_t *h = lp_handle_new(pool, type);
    lp_bt_t *t = lp_pool_alloc(pool, sizeof(lp_bt_t) LP_META_KIND(LP_KIND_BTREEMAP));
    lp_bt_init(t);
    lp_handle_attach(h, t, 0);
    if (args[ARG_init].u_obj != mp_const_none) {
        lp_btreemap_update_from(h, args[ARG_init].u_obj, &lp_err_init_item);
    }
    return MP_OBJ_FROM_PTR(h);
}

static mp_obj_t lp_btreemap_free(mp_obj_t self_in) {
    lp_obj_t *self = MP_OBJ_TO_PTR(self_in);
    lp_handle_check_idle(self);
    // Also the finaliser: a pool whose memory moved is never written again (lp_handle_release).
    if (self->data != NULL && self->pool != NULL && lp_pool_region_valid(self->pool)) {
        lp_btreemap_free_all(self, self->data);
    }
    lp_handle_release(self);
    return mp_const_none;
}
static MP_DEFINE_CONST_FUN_OBJ_1(lp_btreemap_free_obj, lp_btreemap_free);

static mp_obj_t lp_btreemap_exit(size_t n_args, const mp_obj_t *args) {
    (void)n_args;
    lp_btreemap_free(args[0]);
    return mp_const_false;
}
static MP_DEFINE_CONST_FUN_OBJ_VAR_BETWEEN(lp_btreemap_exit_obj, 4, 4, lp_btreemap_exit);

// Does `other` (a dict or an LpBTreeMap) hold exactly self's entries? Not inlined: in binary_op its
// frame would cost every `k in m` three instructions.
MP_NOINLINE static bool lp_btreemap_equal(lp_obj_t *self, mp_obj_t other_in) {
    lp_bt_t *t = lp_btreemap_tree(self);
    lp_value_t a, b;
    lp_bt_cursor_t at;
    bool too_big;
    if (mp_obj_is_type(other_in, &lp_type_BTreeMap)) {
        lp_obj_t *other = MP_OBJ_TO_PTR(other_in);
        lp_bt_t *ot = lp_btreemap_tree(other);
        if (other->len != self->len) {
            return false;
        }
        // Walk self in order and look each key up in other.
        lp_bt_cursor_t cur;
        for (bool more = lp_bt_first(t, &cur); more; more = lp_bt_next(t, &cur)) {
            lp_bt_cursor_key(t, &cur, &a);
            if (ot->kind != t->kind || !lp_bt_lookup(ot, &a, &at)) {
                return false;
            }
            lp_bt_cursor_value(&cur, &a);
            lp_bt_cursor_value(&at, &b);
            if (!lp_value_equal(&a, &b)) {
                return false;
            }
        }
        return true;
    }
    if (!mp_obj_is_dict_or_ordereddict(other_in)) {
        return false;
    }
    mp_map_t *map = mp_obj_dict_get_map(other_in);
    if (map->used != self->len) {
        return false;
    }
    for (size_t i = 0; i < map->alloc; i++) {
        if (!mp_map_slot_is_filled(map, i)) {
            continue;
        }
        lp_value_classify(map->table[i].key, &a, &too_big);
        if (a.kind != t->kind || !lp_bt_lookup(t, &a, &at)) {
            return false;
        }
        lp_bt_cursor_value(&at, &a);
        lp_value_classify(map->table[i].value, &b, &too_big);
        if (!lp_value_equal(&a, &b)) {
            return false;
        }
    }
    return true;
}

static mp_obj_t lp_btreemap_binary_op(mp_binary_op_t op, mp_obj_t lhs_in, mp_obj_t rhs_in) {
    lp_obj_t *self = MP_OBJ_TO_PTR(lhs_in);
    switch (op) {
        case MP_BINARY_OP_CONTAINS: {
            size_t i;
            return mp_obj_new_bool(lp_btreemap_lookup(self, rhs_in, &i) != NULL);
        }
        case MP_BINARY_OP_EQUAL:
            return mp_obj_new_bool(lp_btreemap_equal(self, rhs_in));
        default:
            return MP_OBJ_NULL;
    }
}

static mp_obj_t lp_btreemap_subscr(mp_obj_t self_in, mp_obj_t index, mp_obj_t value) {
    lp_obj_t *self = MP_OBJ_TO_PTR(self_in);
    if (value == MP_OBJ_NULL) {
        if (!lp_btreemap_delete(self, index)) {
            lp_btreemap_raise_missing(index);
        }
        return mp_const_none;
    }
    if (value == MP_OBJ_SENTINEL) {
        size_t i;
        lp_bt_node_t *nd = lp_btreemap_lookup(self, index, &i);
        if (nd == NULL) {
            lp_btreemap_raise_missing(index);
        }
        return lp_btreemap_value_obj(nd, i);
    }
    lp_btreemap_store(self, index, value);
    return mp_const_none;
}

static mp_obj_t lp_btreemap_getiter(mp_obj_t self_in, mp_obj_iter_buf_t *iter_buf) {
    return lp_btreemap_iter_keys(MP_OBJ_TO_PTR(self_in), iter_buf);
}

static mp_obj_t lp_btreemap_get(size_t n_args, const mp_obj_t *args) {
    size_t i;
    lp_bt_node_t *nd = lp_btreemap_lookup(MP_OBJ_TO_PTR(args[0]), args[1], &i);
    if (nd == NULL) {
        return n_args > 2 ? args[2] : mp_const_none;
    }
    return lp_btreemap_value_obj(nd, i);
}
static MP_DEFINE_CONST_FUN_OBJ_VAR_BETWEEN(lp_btreemap_get_obj, 2, 3, lp_btreemap_get);

static mp_obj_t lp_btreemap_pop(size_t n_args, const mp_obj_t *args) {
    mp_obj_t value = lp_btreemap_take(MP_OBJ_TO_PTR(args[0]), args[1]);
    if (value == MP_OBJ_NULL) {
        if (n_args > 2) {
            return args[2];
        }
        lp_btreemap_raise_missing(args[1]);
    }
    return value;
}
static MP_DEFINE_CONST_FUN_OBJ_VAR_BETWEEN(lp_btreemap_pop_obj, 2, 3, lp_btreemap_pop);

static mp_obj_t lp_btreemap_setdefault(size_t n_args, const mp_obj_t *args) {
    lp_obj_t *self = MP_OBJ_TO_PTR(args[0]);
    size_t i;
    lp_bt_node_t *nd = lp_btreemap_lookup(self, args[1], &i);
    if (nd != NULL) {
        return lp_btreemap_value_obj(nd, i);
    }
    mp_obj_t value = n_args > 2 ? args[2] : mp_const_none;
    lp_btreemap_store(self, args[1], value);
    return value;
}
static MP_DEFINE_CONST_FUN_OBJ_VAR_BETWEEN(lp_btreemap_setdefault_obj, 2, 3, lp_btreemap_setdefault);

// The entries of a dict, an LpBTreeMap or an iterable of pairs; `not_pair` names the caller.
static void lp_btreemap_update_from(lp_obj_t *self, mp_obj_t other, const lp_static_exc_t *not_pair) {
    if (mp_obj_is_dict_or_ordereddict(other)) {
        mp_map_t *map = mp_obj_dict_get_map(other);
        for (size_t i = 0; i < map->alloc; i++) {
            if (mp_map_slot_is_filled(map, i)) {
                lp_btreemap_store(self, map->table[i].key, map->table[i].value);
            }
        }
    } else if (mp_obj_is_type(other, &lp_type_BTreeMap)) {
        lp_obj_t *src = MP_OBJ_TO_PTR(other);
        lp_bt_t *st = lp_btreemap_tree(src);
        lp_bt_cursor_t cur;
        // Keys and values go through objects: text keys and values of another map allocate.
        for (bool more = lp_bt_first(st, &cur); more; more = lp_bt_next(st, &cur)) {
            lp_btreemap_store(self, lp_btreemap_key_obj(st, &cur), lp_btreemap_value_obj(cur.node, cur.idx));
            if (src == self) {
                break; // updating a map with itself changes nothing
            }
        }
    } else {
        mp_obj_iter_buf_t iter_buf;
        mp_obj_t iter = mp_getiter(other, &iter_buf), item;
        while ((item = mp_iternext(iter)) != MP_OBJ_STOP_ITERATION) {
            size_t len;
            mp_obj_t *pair;
            if (!mp_obj_is_type(item, &mp_type_tuple) && !mp_obj_is_type(item, &mp_type_list)) {
                lp_raise_static(not_pair);
            }
            mp_obj_get_array(item, &len, &pair);
            if (len != 2) {
                lp_raise_static(not_pair);
            }
            lp_btreemap_store(self, pair[0], pair[1]);
        }
    }
}

static mp_obj_t lp_btreemap_update(size_t n_args, const mp_obj_t *args, mp_map_t *kw_args) {
    lp_obj_t *self = MP_OBJ_TO_PTR(args[0]);
    lp_btreemap_tree(self);
    if (n_args > 1) {
        lp_btreemap_update_from(self, args[1], &lp_err_update_item);
    }
    if (kw_args != NULL) {
        for (size_t i = 0; i < kw_args->alloc; i++) {
            if (mp_map_slot_is_filled(kw_args, i)) {
                lp_btreemap_store(self, kw_args->table[i].key, kw_args->table[i].value);
            }
        }
    }
    return mp_const_none;
}
static MP_DEFINE_CONST_FUN_OBJ_KW(lp_btreemap_update_obj, 1, lp_btreemap_update);

static mp_obj_t lp_btreemap_clear(mp_obj_t self_in) {
    lp_obj_t *self = MP_OBJ_TO_PTR(self_in);
    lp_btreemap_free_all(self, lp_btreemap_tree(self));
    return mp_const_none;
}
static MP_DEFINE_CONST_FUN_OBJ_1(lp_btreemap_clear_obj, lp_btreemap_clear);

typedef struct {
    const lp_bt_node_t *nd;
    size_t i;
    lp_writer_t *w;
    size_t written;
} lp_btreemap_get_into_t;

static void lp_btreemap_get_into_body(lp_obj_t *self, void *ctx) {
    (void)self;
    lp_btreemap_get_into_t *g = ctx;
    lp_value_t v;
    lp_bt_value_at(g->nd, g->i, &v);
    g->written = lp_value_write(g->w, &v);
}

static mp_obj_t lp_btreemap_get_into(mp_obj_t self_in, mp_obj_t key_in, mp_obj_t out) {
    lp_writer_t w;
    lp_writer_file(&w, out); // TypeError for what is not a file, before the key is looked up
    size_t i;
    lp_bt_node_t *nd = lp_btreemap_lookup(MP_OBJ_TO_PTR(self_in), key_in, &i);
    if (nd == NULL) {
        lp_btreemap_raise_missing(key_in);
    }
    lp_btreemap_get_into_t g = { nd, i, &w, 0 };
    lp_handle_busy_call(MP_OBJ_TO_PTR(self_in), out, lp_btreemap_get_into_body, &g);
    return MP_OBJ_NEW_SMALL_INT(g.written);
}
static MP_DEFINE_CONST_FUN_OBJ_3(lp_btreemap_get_into_obj, lp_btreemap_get_into);

static mp_obj_t lp_btreemap_end_key(mp_obj_t self_in, bool last) {
    lp_bt_t *t = lp_btreemap_tree(MP_OBJ_TO_PTR(self_in));
    lp_bt_cursor_t cur;
    if (!lp_bt_end(t, last, &cur)) {
        lp_raise_static(last ? &lp_err_max_empty : &lp_err_min_empty);
    }
    return lp_btreemap_key_obj(t, &cur);
}

static mp_obj_t lp_btreemap_min(mp_obj_t self_in) {
    return lp_btreemap_end_key(self_in, false);
}
static MP_DEFINE_CONST_FUN_OBJ_1(lp_btreemap_min_obj, lp_btreemap_min);

static mp_obj_t lp_btreemap_max(mp_obj_t self_in) {
    return lp_btreemap_end_key(self_in, true);
}
static MP_DEFINE_CONST_FUN_OBJ_1(lp_btreemap_max_obj, lp_btreemap_max);

static mp_obj_t lp_btreemap_pop_end(mp_obj_t self_in, bool last) {
    lp_obj_t *self = MP_OBJ_TO_PTR(self_in);
    lp_bt_t *t = lp_btreemap_tree(self);
    lp_bt_cursor_t cur;
    if (!lp_bt_end(t, last, &cur)) {
        lp_raise_static(&lp_err_empty);
    }
    // The pair is made before the map changes: a MemoryError leaves the entry in place.
    mp_obj_t pair[2] = { lp_btreemap_key_obj(t, &cur), lp_btreemap_value_obj(cur.node, cur.idx) };
    mp_obj_t result = mp_obj_new_tuple(2, pair);
    lp_value_t k;
    lp_bt_cursor_key(t, &cur, &k);
    lp_bt_path_t path;
    lp_bt_remove_at(t, self->pool, &path, lp_bt_find(t, &k, &path));
    lp_btreemap_counted(self, -1);
    return result;
}

static mp_obj_t lp_btreemap_pop_min(mp_obj_t self_in) {
    return lp_btreemap_pop_end(self_in, false);
}
static MP_DEFINE_CONST_FUN_OBJ_1(lp_btreemap_pop_min_obj, lp_btreemap_pop_min);

static mp_obj_t lp_btreemap_pop_max(mp_obj_t self_in) {
    return lp_btreemap_pop_end(self_in, true);
}
static MP_DEFINE_CONST_FUN_OBJ_1(lp_btreemap_pop_max_obj, lp_btreemap_pop_max);

// floor(k) / ceiling(k): the nearest key <= k / >= k, or None.
static mp_obj_t lp_btreemap_nearest(mp_obj_t self_in, mp_obj_t key_in, bool above) {
    lp_bt_t *t = lp_btreemap_tree(MP_OBJ_TO_PTR(self_in));
    lp_value_t k;
    lp_btreemap_key_of(t, key_in, &k);
    lp_bt_cursor_t cur;
    return lp_bt_seek(t, &k, above, true, &cur) ? lp_btreemap_key_obj(t, &cur) : mp_const_none;
}

static mp_obj_t lp_btreemap_floor(mp_obj_t self_in, mp_obj_t key_in) {
    return lp_btreemap_nearest(self_in, key_in, false);
}
static MP_DEFINE_CONST_FUN_OBJ_2(lp_btreemap_floor_obj, lp_btreemap_floor);

static mp_obj_t lp_btreemap_ceiling(mp_obj_t self_in, mp_obj_t key_in) {
    return lp_btreemap_nearest(self_in, key_in, true);
}
static MP_DEFINE_CONST_FUN_OBJ_2(lp_btreemap_ceiling_obj, lp_btreemap_ceiling);

static mp_obj_t lp_btreemap_keys(mp_obj_t self_in) {
    return lp_btreemap_view(MP_OBJ_TO_PTR(self_in), LP_BT_VIEW_KEYS, MP_OBJ_NULL, MP_OBJ_NULL);
}
static MP_DEFINE_CONST_FUN_OBJ_1(lp_btreemap_keys_obj, lp_btreemap_keys);

static mp_obj_t lp_btreemap_values(mp_obj_t self_in) {
    return lp_btreemap_view(MP_OBJ_TO_PTR(self_in), LP_BT_VIEW_VALUES, MP_OBJ_NULL, MP_OBJ_NULL);
}
static MP_DEFINE_CONST_FUN_OBJ_1(lp_btreemap_values_obj, lp_btreemap_values);

static mp_obj_t lp_btreemap_items(mp_obj_t self_in) {
    return lp_btreemap_view(MP_OBJ_TO_PTR(self_in), LP_BT_VIEW_ITEMS, MP_OBJ_NULL, MP_OBJ_NULL);
}
static MP_DEFINE_CONST_FUN_OBJ_1(lp_btreemap_items_obj, lp_btreemap_items);

static mp_obj_t lp_btreemap_range(size_t n_args, const mp_obj_t *args) {
    lp_obj_t *self = MP_OBJ_TO_PTR(args[0]);
    mp_obj_t lo = n_args > 1 ? args[1] : mp_const_none;
    mp_obj_t hi = n_args > 2 ? args[2] : mp_const_none;
    lp_btreemap_check_bound(self, lo);
    lp_btreemap_check_bound(self, hi);
    return lp_btreemap_view(self, LP_BT_VIEW_RANGE, lo, hi);
}
static MP_DEFINE_CONST_FUN_OBJ_VAR_BETWEEN(lp_btreemap_range_obj, 1, 3, lp_btreemap_range);

static const mp_rom_map_elem_t lp_btreemap_locals_dict_table[] = {
    { MP_ROM_QSTR(MP_QSTR_get), MP_ROM_PTR(&lp_btreemap_get_obj) },
    { MP_ROM_QSTR(MP_QSTR_pop), MP_ROM_PTR(&lp_btreemap_pop_obj) },
    { MP_ROM_QSTR(MP_QSTR_setdefault), MP_ROM_PTR(&lp_btreemap_setdefault_obj) },
    { MP_ROM_QSTR(MP_QSTR_update), MP_ROM_PTR(&lp_btreemap_update_obj) },
    { MP_ROM_QSTR(MP_QSTR_clear), MP_ROM_PTR(&lp_btreemap_clear_obj) },
    { MP_ROM_QSTR(MP_QSTR_keys), MP_ROM_PTR(&lp_btreemap_keys_obj) },
    { MP_ROM_QSTR(MP_QSTR_values), MP_ROM_PTR(&lp_btreemap_values_obj) },
    { MP_ROM_QSTR(MP_QSTR_items), MP_ROM_PTR(&lp_btreemap_items_obj) },
    { MP_ROM_QSTR(MP_QSTR_range), MP_ROM_PTR(&lp_btreemap_range_obj) },
    { MP_ROM_QSTR(MP_QSTR_min), MP_ROM_PTR(&lp_btreemap_min_obj) },
    { MP_ROM_QSTR(MP_QSTR_max), MP_ROM_PTR(&lp_btreemap_max_obj) },
    { MP_ROM_QSTR(MP_QSTR_pop_min), MP_ROM_PTR(&lp_btreemap_pop_min_obj) },
    { MP_ROM_QSTR(MP_QSTR_pop_max), MP_ROM_PTR(&lp_btreemap_pop_max_obj) },
    { MP_ROM_QSTR(MP_QSTR_floor), MP_ROM_PTR(&lp_btreemap_floor_obj) },
    { MP_ROM_QSTR(MP_QSTR_ceiling), MP_ROM_PTR(&lp_btreemap_ceiling_obj) },
    { MP_ROM_QSTR(MP_QSTR_get_into), MP_ROM_PTR(&lp_btreemap_get_into_obj) },
    { MP_ROM_QSTR(MP_QSTR__check), MP_ROM_PTR(&lp_btreemap_check_obj) },
    { MP_ROM_QSTR(MP_QSTR_free), MP_ROM_PTR(&lp_btreemap_free_obj) },
    { MP_ROM_QSTR(MP_QSTR___del__), MP_ROM_PTR(&lp_btreemap_free_obj) },
    { MP_ROM_QSTR(MP_QSTR___enter__), MP_ROM_PTR(&lp_handle_enter_obj) },
    { MP_ROM_QSTR(MP_QSTR___exit__), MP_ROM_PTR(&lp_btreemap_exit_obj) },
    LP_HANDLE_PROPS,
};
static MP_DEFINE_CONST_DICT(lp_btreemap_locals_dict, lp_btreemap_locals_dict_table);

MP_DEFINE_CONST_OBJ_TYPE(
    lp_type_BTreeMap,
    MP_QSTR_LpBTreeMap,
    MP_TYPE_FLAG_ITER_IS_GETITER | MP_TYPE_FLAG_EQ_CHECKS_OTHER_TYPE,
    make_new, lp_btreemap_make_new,
    print, lp_btreemap_print,
    unary_op, lp_handle_unary_op,
    binary_op, lp_btreemap_binary_op,
    subscr, lp_btreemap_subscr,
    iter, lp_btreemap_getiter,
    attr, lp_attr,
    locals_dict, &lp_btreemap_locals_dict
    );
