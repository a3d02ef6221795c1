// What lp_btreemap.c gives its views (lp_btreemap_view.c): walking the map in key order.
// Users see none of this; the map's layout and invariants are described in lp_btreemap.c.
#ifndef LP_BTREEMAP_H
#define LP_BTREEMAP_H

#include "lp_pool.h"

// Bits an iterator keeps for a cursor's idx (at most the node capacity, which lp_btreemap.c checks
// against this): the fewer, the more bits of the map's version fit beside it in one word.
#define LP_BT_IDX_BITS (4)

// A position in the map: an entry of a node. Valid only while the map's version is unchanged.
typedef struct {
    void *node;
    uint8_t idx;
    bool leaf;
} lp_bt_cursor_t;

// The map's change counter (raises ValueError once the map is freed).
uint32_t lp_btreemap_version(lp_obj_t *map);
// The first entry whose key is >= lo (the smallest entry for lo == MP_OBJ_NULL); false if none.
bool lp_btreemap_first(lp_obj_t *map, mp_obj_t lo, lp_bt_cursor_t *cur);
// Moves to the next entry in key order; false at the end.
bool lp_btreemap_next(lp_obj_t *map, lp_bt_cursor_t *cur);
// The entry's key is < hi (always true for hi == MP_OBJ_NULL).
bool lp_btreemap_before(lp_obj_t *map, const lp_bt_cursor_t *cur, mp_obj_t hi);
mp_obj_t lp_btreemap_key(lp_obj_t *map, const lp_bt_cursor_t *cur);
mp_obj_t lp_btreemap_value(lp_obj_t *map, const lp_bt_cursor_t *cur);
// TypeError unless `key` is a key this map could hold (None passes: an open bound).
void lp_btreemap_check_bound(lp_obj_t *map, mp_obj_t key);

// A view of the map (keys, values, items or a key range), kept with the map and reused.
enum { LP_BT_VIEW_KEYS, LP_BT_VIEW_VALUES, LP_BT_VIEW_ITEMS, LP_BT_VIEW_RANGE };
mp_obj_t lp_btreemap_view(lp_obj_t *map, int mode, mp_obj_t lo, mp_obj_t hi);
// `for k in m`: a key iterator in iter_buf, without a view.
mp_obj_t lp_btreemap_iter_keys(lp_obj_t *map, mp_obj_iter_buf_t *iter_buf);

#endif // LP_BTREEMAP_H
