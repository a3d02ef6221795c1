// LpBTreeMap's views: m.keys(), m.values(), m.items() and m.range(lo, hi), and their iterators.
//
// Invariants:
//  1. A map keeps at most one view of each kind, made on first use (from the pool's handle reserve
//     under the heap lock) and linked from the map's handle (`aux`), so calling keys() or items()
//     inside run() allocates nothing after the first call. keys(), values() and items() views are
//     live, like dict's; the range view holds the bounds of the latest range() call.
//  2. An iterator lives entirely in the VM's iter_buf: the view (or the map, for `for k in m`), a
//     position (node, index) and the map's change counter (handle `mods`) when it last moved. (The
//     shared lp_iter_t has one word of position; a B-tree position needs a node and an index.) A position is used only
//     while the version is unchanged: a changed map raises RuntimeError, a freed map ValueError.
//  3. items() yields a fresh tuple per pair while the heap is free. Under the heap lock it yields
//     the view's one preallocated pair, refilled at each step: unpack it, don't keep it.
//
// With LpBTreeMap, a collection (docs/internals.md: on the pools, beside run()).

#include "py/gc.h"
#include "py/objtuple.h"
#include "py/runtime.h"

#include "lp_btreemap.h"

LP_DEFINE_STATIC_EXC(lp_err_changed, mp_type_RuntimeError, "LpBTreeMap changed during iteration");

typedef struct _lp_bt_view_t {
    mp_obj_base_t base;
    lp_obj_t *map;
    mp_obj_t lo;                // RANGE: the lower bound; ITEMS: the pair reused under the heap lock
    mp_obj_t hi;                // RANGE: the upper bound (exclusive); None: open
    struct _lp_bt_view_t *next; // the map's next view
    size_t mode;
} lp_bt_view_t;

// Views are made as handles: the reserve makes them available under the heap lock.
_Static_assert(sizeof(lp_bt_view_t) <= sizeof(lp_obj_t), "a view must fit a handle");
_Static_assert(sizeof(mp_obj_tuple_t) + 2 * sizeof(mp_obj_t) <= sizeof(lp_obj_t), "a view must fit a handle");

mp_obj_t lp_btreemap_view(lp_obj_t *map, int mode, mp_obj_t lo, mp_obj_t hi) {
    lp_handle_data(map);
    lp_bt_view_t *v = (lp_bt_view_t *)map->aux;
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
        v = (lp_bt_view_t *)lp_handle_new(map->pool, &lp_type_BTreeMapView);
        v->map = map;
        v->mode = mode;
        v->lo = pair;
        v->hi = mp_const_none;
        v->next = (lp_bt_view_t *)map->aux;
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
    void *node;
    size_t state;                   // entry index in the low LP_BT_IDX_BITS, then the flags above
} lp_bt_iter_t;

static size_t lp_it_version_bits(uint32_t version) {
    return ((size_t)version << LP_IT_VERSION_SHIFT) >> LP_IT_VERSION_SHIFT;
}

static mp_obj_t lp_bt_iter_next(mp_obj_t self_in) {
    lp_bt_iter_t *it = MP_OBJ_TO_PTR(self_in);
    lp_bt_view_t *view = it->state & LP_IT_OF_MAP ? NULL : it->owner;
    lp_obj_t *map = view == NULL ? it->owner : view->map;
    size_t mode = view == NULL ? LP_BT_VIEW_KEYS : view->mode;
    uint32_t version = lp_btreemap_version(map); // ValueError once freed
    if (it->state & LP_IT_DONE) {
        return MP_OBJ_STOP_ITERATION;
    }
    lp_bt_cursor_t cur;
    bool more;
    if (!(it->state & LP_IT_STARTED)) {
        more = lp_btreemap_first(map, mode == LP_BT_VIEW_RANGE ? view->lo : MP_OBJ_NULL, &cur);
    } else {
        if ((it->state >> LP_IT_VERSION_SHIFT) != lp_it_version_bits(version)) {
            lp_raise_static(&lp_err_changed);
        }
        cur.node = it->node;
        cur.idx = it->state & LP_IT_IDX_MASK;
        cur.leaf = (it->state & LP_IT_LEAF) != 0;
        more = lp_btreemap_next(map, &cur);
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
            return lp_btreemap_value(map, &cur);
        case LP_BT_VIEW_ITEMS: {
            mp_obj_t kv[2] = { lp_btreemap_key(map, &cur), lp_btreemap_value(map, &cur) };
            if (!gc_is_locked()) {
                return mp_obj_new_tuple(2, kv);
            }
            mp_obj_tuple_t *pair = MP_OBJ_TO_PTR(view->lo);
            pair->items[0] = kv[0];
            pair->items[1] = kv[1];
            return view->lo;
        }
        default:
            return lp_btreemap_key(map, &cur);
    }
}

static MP_DEFINE_CONST_OBJ_TYPE(
    lp_type_bt_iter,
    MP_QSTR_iterator,
    MP_TYPE_FLAG_ITER_IS_ITERNEXT,
    iter, lp_bt_iter_next
    );

static mp_obj_t lp_bt_iter_start(void *owner, size_t flags, mp_obj_iter_buf_t *iter_buf) {
    MP_STATIC_ASSERT(sizeof(lp_bt_iter_t) <= sizeof(mp_obj_iter_buf_t));
    lp_bt_iter_t *it = (lp_bt_iter_t *)iter_buf;
    it->base.type = &lp_type_bt_iter;
    it->owner = owner;
    it->node = NULL;
    it->state = flags;
    return MP_OBJ_FROM_PTR(it);
}

// `for k in m`: an iterator over the keys without making a view.
mp_obj_t lp_btreemap_iter_keys(lp_obj_t *map, mp_obj_iter_buf_t *iter_buf) {
    lp_handle_data(map);
    return lp_bt_iter_start(map, LP_IT_OF_MAP, iter_buf);
}

static mp_obj_t lp_bt_view_getiter(mp_obj_t self_in, mp_obj_iter_buf_t *iter_buf) {
    lp_bt_view_t *v = MP_OBJ_TO_PTR(self_in);
    lp_handle_data(v->map);
    return lp_bt_iter_start(v, 0, iter_buf);
}

// ---- the view type ------------------------------------------------------------------------------

static mp_obj_t lp_bt_view_unary_op(mp_unary_op_t op, mp_obj_t self_in) {
    lp_bt_view_t *v = MP_OBJ_TO_PTR(self_in);
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
             more = lp_btreemap_next(v->map, &cur)) {
            n++;
        }
    }
    return op == MP_UNARY_OP_LEN ? MP_OBJ_NEW_SMALL_INT(n) : mp_obj_new_bool(n != 0);
}

static void lp_bt_view_print(const mp_print_t *print, mp_obj_t self_in, mp_print_kind_t kind) {
    (void)kind;
    lp_bt_view_t *v = MP_OBJ_TO_PTR(self_in);
    static const qstr names[] = { MP_QSTR_keys, MP_QSTR_values, MP_QSTR_items, MP_QSTR_range };
    if (v->map->data == NULL) {
        mp_printf(print, "<LpBTreeMap.%q of a freed map>", names[v->mode]);
        return;
    }
    mp_printf(print, "LpBTreeMap.%q([", names[v->mode]);
    mp_obj_iter_buf_t iter_buf;
    mp_obj_t iter = lp_bt_view_getiter(self_in, &iter_buf), item;
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
    print, lp_bt_view_print,
    unary_op, lp_bt_view_unary_op,
    iter, lp_bt_view_getiter
    );
