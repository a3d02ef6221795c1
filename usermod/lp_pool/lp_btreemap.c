// LpBTreeMap: an ordered map whose nodes are pool blocks: a B-tree, not a binary search tree, so
// sorted input can't make it degenerate.
//
// Layout
//   The handle's block is a small header (root, height, key kind); the handle's `len` is the number
//   of entries and its `mods` the change counter iterators compare. A node is one pool block: a count byte, one value-kind byte per
//   entry, then LP_BT_CAP key words, LP_BT_CAP value words and, in internal nodes only, LP_BT_CAP + 1
//   child pointers. Leaves are allocated without the child array (most nodes are leaves).
//   A key word is an int (machine word) or, for str and bytes keys, a pointer to a text block; a value
//   word is an int, a float or a pointer to a text block; None, True and False are the kind byte
//   alone. A text block is [size_t len][bytes]: one allocation per str/bytes key or value, only
//   for those; int and float entries allocate nothing beyond their node.
//
// Node size: LP_BT_CAP = 11
//   The allocator gives a block of 8 * ceil((payload + 4) / 8) bytes (4-byte header, 8-byte
//   granules). On a 32-bit port a leaf is 1 + 11 + 11 * 4 + 11 * 4 = 100 payload bytes: a 104-byte
//   block with no rounding loss; an internal node adds 12 * 4 bytes: 152, again exact. Only
//   capacities of 8k + 3 (3, 11, 19, 27) fill granules exactly with word-sized keys and values.
//   3 wastes 8 of 40 bytes per node on counts and headers; 19 and 27 halve the per-node cost again
//   (5 bytes per node either way) but make the smallest non-empty map 176 or 248 bytes and every
//   insert and delete move up to twice as many words, and need larger contiguous blocks in a small
//   arena. 11 keeps the fixed cost at 0.45 bytes per entry of a full leaf, an almost empty map at
//   104 bytes, and a 64 KiB arena's largest tree 4 levels deep. A full leaf holds an int->int entry
//   in 9.45 bytes (32-bit) or 18.2 bytes (64-bit, 200-byte leaves).
//   Fill: a full leaf first passes an entry to a neighbour with room (through the parent) and
//   splits only when both neighbours are full; a split at the right end of the rightmost node (or
//   the left end of the leftmost) keeps CAP - 1 entries in the old node instead of half. Measured
//   (tools/bench_btreemap.py), int->int: 10.1 bytes per entry ascending or descending and 12-13
//   scattered on qemu-arm, against 8.7-10.5 for a dict of the same data on the GC heap.
//
// Invariants (m._check() tests each of them, by number):
//  1. Every leaf is at depth head->height (the root is at depth 0); an internal node with n entries
//     has n + 1 children.
//  2. Keys strictly increase in key order: within a node, and every key of child i of a node lies
//     between that node's keys i - 1 and i.
//  3. Every node holds at most LP_BT_CAP entries; the root and the nodes on the leftmost and
//     rightmost paths at least 1; every other node at least LP_BT_MIN.
//  4. The handle's len is the number of entries; root is NULL and the key kind is unset exactly when
//     the map is empty.
//  5. Every key is of the map's key kind (int, str or bytes); every value kind byte is a valid kind.
//  6. Every node and text block is a live block of the map's pool, large enough for what it holds,
//     and counted in pool->extra; nothing else is.
//  7. The arena holds numbers, bytes and pointers to the map's own blocks, never a GC object.
//  8. An insert takes every block it needs (text blocks, and every node its splits need) before it
//     changes anything, so AllocError leaves the map exactly as it was. Deletes never allocate.
//  9. The handle's `mods` (the version) changes with every change to the set of keys; iterators
//     raise RuntimeError when it changed under them. Replacing the value of an existing key moves
//     no entry and keeps the version, as for dict.
//
// Views (m.keys(), m.values(), m.items(), m.range(lo, hi)) and their iterators live here with the
// map, as dict's do in MicroPython's objdict.c:
// V1. A map keeps at most one view of each kind, made on first use (from the pool's handle reserve
//     under the heap lock) and linked from the map's handle (`aux`), so calling keys() or items()
//     inside run() allocates nothing after the first call. keys(), values() and items() views are
//     live, like dict's; the range view holds the bounds of the latest range() call.
// V2. An iterator lives entirely in the VM's iter_buf: the view (or the map, for `for k in m`), a
//     position (node, index) and the map's change counter (handle `mods`) when it last moved. (The
//     shared lp_iter_t has one word of position; a B-tree position needs a node and an index.) A position is used only
//     while the version is unchanged: a changed map raises RuntimeError, a freed map ValueError.
// V3. items() yields a fresh tuple per pair while the heap is free. Under the heap lock it yields
//     the view's one preallocated pair, refilled at each step: unpack it, don't keep it.
//
// A collection (docs/internals.md: on the pools, beside run()), over values (lp_value.c) and
// handles.

#include <stddef.h>
#include <string.h>

#include "py/gc.h"
#include "py/objstr.h"
#include "py/objtuple.h"
#include "py/runtime.h"
#include "py/smallint.h"
#include "py/stream.h"

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

// What a view shows: keys, values, items or a key range.
enum { LP_BT_VIEW_KEYS, LP_BT_VIEW_VALUES, LP_BT_VIEW_ITEMS, LP_BT_VIEW_RANGE };

// The nodes' arrays are moved by loops of word copies, not memmove/memcpy: the boards' newlib
// (built for size) copies byte by byte, and a node moves at most LP_BT_CAP words. GCC would turn
// those loops back into library calls (-ftree-loop-distribute-patterns), so that is off here.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC optimize("no-tree-loop-distribute-patterns")
#endif

#define LP_BT_CAP (11)
_Static_assert(LP_BT_CAP < (1 << LP_BT_IDX_BITS), "an iterator's idx field holds 0..LP_BT_CAP");
#define LP_BT_MIN ((LP_BT_CAP - 1) / 2)
// Nodes off the two outer paths hold >= LP_BT_MIN entries, so 24 levels is far beyond any arena.
#define LP_BT_MAX_HEIGHT (24)

typedef struct _lp_bt_node_t {
    uint8_t n;
    uint8_t tags[LP_BT_CAP];    // value kinds (lp_val_kind_t)
    lp_word_t keys[LP_BT_CAP];
    lp_word_t vals[LP_BT_CAP];
    struct _lp_bt_node_t *child[LP_BT_CAP + 1]; // internal nodes only
} lp_bt_node_t;

#define LP_BT_LEAF_SIZE (offsetof(lp_bt_node_t, child))
#define LP_BT_INNER_SIZE (sizeof(lp_bt_node_t))

typedef struct {
    lp_bt_node_t *root;
    uint8_t height;
    uint8_t kind;               // LP_VAL_INT, LP_VAL_STR, LP_VAL_BYTES; LP_VAL_NONE while empty
} lp_bt_head_t;

typedef struct {
    size_t len;
    byte data[];
} lp_bt_text_t;

typedef struct {
    lp_word_t key, val;
    uint8_t tag;
} lp_bt_entry_t;

typedef struct {
    lp_bt_node_t *node[LP_BT_MAX_HEIGHT];
    uint8_t idx[LP_BT_MAX_HEIGHT];
    int depth;
} lp_bt_path_t;

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

// ---- keys ---------------------------------------------------------------------------------------

// The one place that decides what a key is: int (machine word), text (str or LpString) or bytes.
static void lp_bt_key_from_obj(mp_obj_t o, lp_value_t *k) {
    bool too_big;
    lp_value_classify(o, k, &too_big);
    if (too_big) {
        lp_raise_static(&lp_err_key_range);
    }
    if (k->kind != LP_VAL_INT && k->kind != LP_VAL_STR && k->kind != LP_VAL_BYTES) {
        lp_raise_static(&lp_err_key_type);
    }
}

static void lp_bt_key_check_kind(const lp_bt_head_t *head, const lp_value_t *k) {
    if (head->kind != LP_VAL_NONE && head->kind != k->kind) {
        lp_raise_static(&lp_err_key_kind);
    }
}

static void lp_bt_text_split(uint8_t kind, lp_word_t w, lp_value_t *out) {
    out->kind = kind;
    out->w = w;
    if (kind == LP_VAL_STR || kind == LP_VAL_BYTES) {
        const lp_bt_text_t *t = w.p;
        out->data = t->data;
        out->len = t->len;
    } else {
        out->data = NULL;
        out->len = 0;
    }
}

// Python's order: ints by value, str and bytes by their bytes (UTF-8 keeps code point order).
static int lp_bt_cmp(uint8_t kind, const lp_value_t *k, lp_word_t w) {
    if (kind == LP_VAL_INT) {
        return (k->w.i > w.i) - (k->w.i < w.i);
    }
    const lp_bt_text_t *t = w.p;
    int c = memcmp(k->data, t->data, k->len < t->len ? k->len : t->len);
    if (c != 0) {
        return c;
    }
    return (k->len > t->len) - (k->len < t->len);
}

// First index whose key is >= k; *found when it is equal.
static size_t lp_bt_search(const lp_bt_node_t *nd, uint8_t kind, const lp_value_t *k, bool *found) {
    size_t lo = 0, hi = nd->n;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        int c = lp_bt_cmp(kind, k, nd->keys[mid]);
        if (c == 0) {
            *found = true;
            return mid;
        }
        if (c > 0) {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    *found = false;
    return lo;
}

// ---- blocks -------------------------------------------------------------------------------------

static lp_bt_head_t *lp_bt_head(lp_obj_t *self) {
    return lp_handle_data(self);
}

static lp_bt_text_t *lp_bt_text_new(lp_pool_obj_t *pool, const byte *data, size_t len) {
    lp_bt_text_t *t = lp_pool_extra_alloc(pool, sizeof(lp_bt_text_t) + len LP_META_KIND(LP_KIND_BT_TEXT));
    if (t != NULL) {
        t->len = len;
        memcpy(t->data, data, len);
    }
    return t;
}

static bool lp_bt_is_text(uint8_t kind) {
    return kind == LP_VAL_STR || kind == LP_VAL_BYTES;
}

static void lp_bt_free_entry(lp_pool_obj_t *pool, uint8_t key_kind, const lp_bt_node_t *nd, size_t i) {
    if (lp_bt_is_text(key_kind)) {
        lp_pool_extra_free(pool, nd->keys[i].p);
    }
    if (lp_bt_is_text(nd->tags[i])) {
        lp_pool_extra_free(pool, nd->vals[i].p);
    }
}

static void lp_bt_free_subtree(lp_pool_obj_t *pool, uint8_t kind, lp_bt_node_t *nd, size_t levels_below) {
    for (size_t i = 0; i < nd->n; i++) {
        lp_bt_free_entry(pool, kind, nd, i);
    }
    if (levels_below > 0) {
        for (size_t i = 0; i <= nd->n; i++) {
            lp_bt_free_subtree(pool, kind, nd->child[i], levels_below - 1);
        }
    }
    lp_pool_extra_free(pool, nd);
}

// Every node and text block goes back to the pool; the header stays.
static void lp_bt_free_all(lp_obj_t *self, lp_bt_head_t *head) {
    if (head->root != NULL) {
        lp_bt_free_subtree(self->pool, head->kind, head->root, head->height);
    }
    head->root = NULL;
    head->height = 0;
    head->kind = LP_VAL_NONE;
    self->mods++;
    self->len = 0;
}

// ---- node edits ---------------------------------------------------------------------------------

static void lp_bt_get(const lp_bt_node_t *nd, size_t i, lp_bt_entry_t *e) {
    e->key = nd->keys[i];
    e->val = nd->vals[i];
    e->tag = nd->tags[i];
}

static void lp_bt_put(lp_bt_node_t *nd, size_t i, const lp_bt_entry_t *e) {
    nd->keys[i] = e->key;
    nd->vals[i] = e->val;
    nd->tags[i] = e->tag;
}

// The shifts move at most LP_BT_CAP entries with one loop of word copies (see the top: the boards'
// memmove copied byte by byte, a fifth of an insert's instructions on the M3).
//
// Opens a gap of one entry at i (and one child at i + 1 for `inner`).
static void lp_bt_shift_right(lp_bt_node_t *nd, size_t i, bool inner) {
    size_t n = nd->n;
    for (size_t j = n; j > i; j--) {
        nd->keys[j] = nd->keys[j - 1];
        nd->vals[j] = nd->vals[j - 1];
        nd->tags[j] = nd->tags[j - 1];
    }
    if (inner) {
        for (size_t j = n + 1; j > i + 1; j--) {
            nd->child[j] = nd->child[j - 1];
        }
    }
    nd->n = n + 1;
}

// Closes the entry at i (and the child at i + 1 for `inner`).
static void lp_bt_shift_left(lp_bt_node_t *nd, size_t i, bool inner) {
    size_t n = nd->n;
    for (size_t j = i; j + 1 < n; j++) {
        nd->keys[j] = nd->keys[j + 1];
        nd->vals[j] = nd->vals[j + 1];
        nd->tags[j] = nd->tags[j + 1];
    }
    if (inner) {
        for (size_t j = i + 1; j < n; j++) {
            nd->child[j] = nd->child[j + 1];
        }
    }
    nd->n = n - 1;
}

// A full node takes entry *e at pos (with *right as its right-hand child): the first s of the
// CAP + 1 entries stay, entry s moves up (returned in *e, with sib in *right), the rest go to sib.
static void lp_bt_split(lp_bt_node_t *nd, lp_bt_node_t *sib, size_t pos, lp_bt_entry_t *e,
    lp_bt_node_t **right, size_t s, bool inner) {
    lp_bt_entry_t all[LP_BT_CAP + 1];
    lp_bt_node_t *ch[LP_BT_CAP + 2];
    for (size_t i = 0, j = 0; i <= LP_BT_CAP; i++) {
        if (i == pos) {
            all[i] = *e;
        } else {
            lp_bt_get(nd, j++, &all[i]);
        }
    }
    if (inner) {
        for (size_t i = 0, j = 0; i <= LP_BT_CAP + 1; i++) {
            ch[i] = i == pos + 1 ? *right : nd->child[j++];
        }
    }
    nd->n = s;
    for (size_t i = 0; i < s; i++) {
        lp_bt_put(nd, i, &all[i]);
    }
    sib->n = LP_BT_CAP - s;
    for (size_t i = 0; i < sib->n; i++) {
        lp_bt_put(sib, i, &all[s + 1 + i]);
    }
    if (inner) {
        memcpy(nd->child, ch, (s + 1) * sizeof(lp_bt_node_t *));
        memcpy(sib->child, &ch[s + 1], (sib->n + 1) * sizeof(lp_bt_node_t *));
    }
    *e = all[s];
    *right = sib;
}

// ---- search -------------------------------------------------------------------------------------

// lp_bt_find for an int key in a map of int keys (not empty): word compares, no lp_bt_cmp call.
static int lp_bt_find_int(const lp_bt_head_t *head, mp_int_t k, lp_bt_path_t *path) {
    lp_bt_node_t *nd = head->root;
    for (int level = 0;; level++) {
        // A linear scan: on the boards it beats a binary search over at most LP_BT_CAP words.
        size_t lo = 0, n = nd->n;
        while (lo < n && nd->keys[lo].i < k) {
            lo++;
        }
        path->node[level] = nd;
        path->idx[level] = lo;
        path->depth = level + 1;
        if (lo < n && nd->keys[lo].i == k) {
            return level;
        }
        if (level == head->height) {
            return -1;
        }
        nd = nd->child[lo];
    }
}

// Descends towards k, recording the path; returns the level where k is, or -1 (the path then ends
// at the leaf, with the index where k would go).
static int lp_bt_find(const lp_bt_head_t *head, const lp_value_t *k, lp_bt_path_t *path) {
    if (k->kind == LP_VAL_INT && head->kind == LP_VAL_INT) {
        return lp_bt_find_int(head, k->w.i, path);
    }
    path->depth = 0;
    lp_bt_node_t *nd = head->root;
    for (int level = 0; nd != NULL; level++) {
        bool found;
        size_t i = lp_bt_search(nd, head->kind, k, &found);
        path->node[level] = nd;
        path->idx[level] = i;
        path->depth = level + 1;
        if (found) {
            return level;
        }
        if (level == head->height) {
            break;
        }
        nd = nd->child[i];
    }
    return -1;
}

// lp_bt_lookup for a small int in a map of int keys (so not empty, invariant 4): a descent that
// compares machine words directly and keeps no path. The lookup that `m[k]` and `k in m` do most.
static lp_bt_node_t *lp_bt_lookup_int(const lp_bt_head_t *head, mp_int_t k, size_t *idx) {
    lp_bt_node_t *nd = head->root;
    for (size_t level = 0;; level++) {
        // A linear scan: on the boards it beats a binary search over at most LP_BT_CAP words.
        size_t lo = 0, n = nd->n;
        while (lo < n && nd->keys[lo].i < k) {
            lo++;
        }
        if (lo < n && nd->keys[lo].i == k) {
            *idx = lo;
            return nd;
        }
        if (level == head->height) {
            return NULL;
        }
        nd = nd->child[lo];
    }
}

// The node and index holding key `key_in`, or NULL (TypeError for a key of another kind).
static lp_bt_node_t *lp_bt_lookup(lp_obj_t *self, mp_obj_t key_in, size_t *idx) {
    lp_bt_head_t *head = lp_bt_head(self);
    if (mp_obj_is_small_int(key_in) && head->kind == LP_VAL_INT) {
        return lp_bt_lookup_int(head, MP_OBJ_SMALL_INT_VALUE(key_in), idx);
    }
    lp_value_t k;
    lp_bt_key_from_obj(key_in, &k);
    lp_bt_key_check_kind(head, &k);
    lp_bt_path_t path;
    int at = lp_bt_find(head, &k, &path);
    if (at < 0) {
        return NULL;
    }
    *idx = path.idx[at];
    return path.node[at];
}

static mp_obj_t lp_bt_value_obj(const lp_bt_node_t *nd, size_t i) {
    if (nd->tags[i] == LP_VAL_INT && MP_SMALL_INT_FITS(nd->vals[i].i)) {
        return MP_OBJ_NEW_SMALL_INT(nd->vals[i].i); // the common case, without the general boxing
    }
    lp_value_t v;
    lp_bt_text_split(nd->tags[i], nd->vals[i], &v);
    return lp_value_to_obj(&v);
}

static mp_obj_t lp_bt_key_obj(const lp_bt_head_t *head, const lp_bt_node_t *nd, size_t i) {
    lp_value_t k;
    lp_bt_text_split(head->kind, nd->keys[i], &k);
    return lp_value_to_obj(&k);
}

static MP_NORETURN void lp_bt_raise_missing(mp_obj_t key) {
    if (gc_is_locked()) {
        lp_raise_static(&lp_err_key_missing);
    }
    mp_raise_type_arg(&mp_type_KeyError, key);
}

// Is the node at `level` of the path on the leftmost / rightmost path of the tree?
static bool lp_bt_on_edge(const lp_bt_path_t *path, int level, bool rightmost) {
    for (int j = 0; j < level; j++) {
        if (path->idx[j] != (rightmost ? path->node[j]->n : 0)) {
            return false;
        }
    }
    return true;
}

// ---- insert -------------------------------------------------------------------------------------

// A full leaf whose neighbour (under the same parent) has room passes one entry to it through the
// parent instead of splitting: no new node, and leaves fill to ~80% on scattered input instead of
// ~70%, to 100% on ascending or descending input (the B*-tree idea, for leaves only). False if
// neither neighbour has room.
static bool lp_bt_rotate(lp_bt_path_t *path, int leaf, const lp_bt_entry_t *e) {
    lp_bt_node_t *lf = path->node[leaf], *parent = path->node[leaf - 1];
    size_t ci = path->idx[leaf - 1], pos = path->idx[leaf];
    lp_bt_entry_t moved;
    if (ci > 0 && parent->child[ci - 1]->n < LP_BT_CAP) {
        // The separator goes down to the left neighbour; the smallest entry goes up in its place.
        lp_bt_node_t *left = parent->child[ci - 1];
        lp_bt_get(parent, ci - 1, &moved);
        lp_bt_put(left, left->n++, &moved);
        if (pos == 0) {
            lp_bt_put(parent, ci - 1, e);
        } else {
            lp_bt_get(lf, 0, &moved);
            lp_bt_put(parent, ci - 1, &moved);
            lp_bt_shift_left(lf, 0, false);
            lp_bt_shift_right(lf, pos - 1, false);
            lp_bt_put(lf, pos - 1, e);
        }
        return true;
    }
    if (ci < parent->n && parent->child[ci + 1]->n < LP_BT_CAP) {
        // The separator goes down to the right neighbour; the largest entry goes up in its place.
        lp_bt_node_t *right = parent->child[ci + 1];
        lp_bt_get(parent, ci, &moved);
        lp_bt_shift_right(right, 0, false);
        lp_bt_put(right, 0, &moved);
        if (pos == LP_BT_CAP) {
            lp_bt_put(parent, ci, e);
        } else {
            lp_bt_get(lf, LP_BT_CAP - 1, &moved);
            lp_bt_put(parent, ci, &moved);
            lf->n--;
            lp_bt_shift_right(lf, pos, false);
            lp_bt_put(lf, pos, e);
        }
        return true;
    }
    return false;
}

// Gives back the blocks taken so far and reports the request that failed.
static bool lp_bt_give_back(lp_pool_obj_t *pool, void **blocks, size_t n, size_t requested, size_t *failed) {
    for (size_t i = 0; i < n; i++) {
        lp_pool_extra_free(pool, blocks[i]);
    }
    *failed = requested;
    return false;
}

// Stores key -> value; false, with the map unchanged and *failed the bytes it could not get, when
// the pool can't (invariant 8).
static bool lp_bt_try_store(lp_obj_t *self, const lp_value_t *key, const lp_value_t *value, size_t *failed) {
    lp_bt_head_t *head = lp_bt_head(self);
    lp_pool_obj_t *pool = self->pool;
    const lp_value_t k = *key, v = *value;
    lp_bt_path_t path;
    int at = lp_bt_find(head, &k, &path);

    // Every block the change needs, before anything changes.
    void *taken[LP_BT_MAX_HEIGHT + 3];
    size_t n_taken = 0;
    lp_bt_entry_t e = { .key = k.w, .val = v.w, .tag = v.kind };
    if (lp_bt_is_text(v.kind)) {
        e.val.p = lp_bt_text_new(pool, v.data, v.len);
        if (e.val.p == NULL) {
            return lp_bt_give_back(pool, taken, n_taken, sizeof(lp_bt_text_t) + v.len, failed);
        }
        taken[n_taken++] = e.val.p;
    }
    if (at >= 0) {
        // Only the value changes: no node moves, no version change (invariant 9).
        lp_bt_node_t *nd = path.node[at];
        size_t i = path.idx[at];
        if (lp_bt_is_text(nd->tags[i])) {
            lp_pool_extra_free(pool, nd->vals[i].p);
        }
        nd->vals[i] = e.val;
        nd->tags[i] = e.tag;
        return true;
    }
    if (lp_bt_is_text(k.kind)) {
        e.key.p = lp_bt_text_new(pool, k.data, k.len);
        if (e.key.p == NULL) {
            return lp_bt_give_back(pool, taken, n_taken, sizeof(lp_bt_text_t) + k.len, failed);
        }
        taken[n_taken++] = e.key.p;
    }
    int leaf = path.depth - 1;
    if (leaf > 0 && path.node[leaf]->n == LP_BT_CAP && lp_bt_rotate(&path, leaf, &e)) {
        goto stored;
    }
    int level = leaf;
    while (level >= 0 && path.node[level]->n == LP_BT_CAP) {
        level--;
    }
    // Splits at the levels below `level`; a new root too if every node on the path is full.
    size_t n_split = leaf - level;
    size_t n_nodes = path.depth == 0 ? 1 : n_split + (level < 0);
    if (level < 0 && head->height + 2 > LP_BT_MAX_HEIGHT) {
        for (size_t i = 0; i < n_taken; i++) {
            lp_pool_extra_free(pool, taken[i]);
        }
        lp_raise_static(&lp_err_too_deep);
    }
    lp_bt_node_t **fresh = (lp_bt_node_t **)&taken[n_taken];
    for (size_t j = 0; j < n_nodes; j++) {
        // The first split is of the leaf; the later ones and a new root are internal nodes.
        size_t size = j == 0 && (path.depth == 0 || n_split > 0) ? LP_BT_LEAF_SIZE : LP_BT_INNER_SIZE;
        void *nd = lp_pool_extra_alloc(pool, size LP_META_KIND(LP_KIND_BT_NODE));
        if (nd == NULL) {
            return lp_bt_give_back(pool, taken, n_taken, size, failed);
        }
        taken[n_taken++] = nd;
    }

    // From here on nothing can fail.
    if (path.depth == 0) {
        lp_bt_node_t *root = fresh[0];
        root->n = 1;
        lp_bt_put(root, 0, &e);
        head->root = root;
        head->height = 0;
    } else {
        lp_bt_node_t *right = NULL;
        size_t f = 0;
        for (level = leaf; level >= 0; level--) {
            lp_bt_node_t *nd = path.node[level];
            size_t pos = path.idx[level];
            bool inner = level < leaf;
            if (nd->n < LP_BT_CAP) {
                lp_bt_shift_right(nd, pos, inner);
                lp_bt_put(nd, pos, &e);
                if (inner) {
                    nd->child[pos + 1] = right;
                }
                break;
            }
            // Appending at the right end (or prepending at the left end) of the tree keeps the
            // old node nearly full: ascending and descending input then fill nodes (invariant 3
            // lets the outer paths run thin).
            size_t s = LP_BT_CAP / 2;
            if (pos == LP_BT_CAP && lp_bt_on_edge(&path, level, true)) {
                s = LP_BT_CAP - 1;
            } else if (pos == 0 && lp_bt_on_edge(&path, level, false)) {
                s = 1;
            }
            lp_bt_split(nd, fresh[f++], pos, &e, &right, s, inner);
        }
        if (level < 0) {
            lp_bt_node_t *root = fresh[f++];
            root->n = 1;
            lp_bt_put(root, 0, &e);
            root->child[0] = head->root;
            root->child[1] = right;
            head->root = root;
            head->height++;
        }
    }
stored:
    head->kind = k.kind;
    self->mods++;
    self->len++;
    return true;
}

// Stores key -> value: AllocError, with the map unchanged, when the pool can't even after a
// collection has given back the blocks of unreachable objects.
static void lp_bt_store(lp_obj_t *self, mp_obj_t key_in, mp_obj_t value_in) {
    lp_value_t k, v;
    lp_bt_key_from_obj(key_in, &k);
    lp_bt_key_check_kind(lp_bt_head(self), &k); // the key's errors first, as a dict would report
    lp_value_from_obj(value_in, &v);
    for (bool collected = false;;) {
        size_t failed;
        if (lp_bt_try_store(self, &k, &v, &failed)) {
            return;
        }
        lp_pool_collect_or_raise(self->pool, &collected, failed);
    }
}

// ---- delete -------------------------------------------------------------------------------------

// Removes the entry found at `at` on the path and frees its blocks; rebalances bottom-up.
static void lp_bt_remove(lp_obj_t *self, lp_bt_head_t *head, lp_bt_path_t *path, int at) {
    lp_pool_obj_t *pool = self->pool;
    int leaf = head->height;
    lp_bt_node_t *nd = path->node[at];
    size_t i = path->idx[at];
    lp_bt_free_entry(pool, head->kind, nd, i);
    if (at < leaf) {
        // Its predecessor (the last entry of the left subtree) takes its place.
        lp_bt_node_t *c = nd->child[i];
        for (int level = at + 1; level <= leaf; level++) {
            path->node[level] = c;
            path->idx[level] = c->n;
            if (level < leaf) {
                c = c->child[c->n];
            }
        }
        lp_bt_entry_t e;
        lp_bt_get(c, c->n - 1, &e);
        lp_bt_put(nd, i, &e);
        c->n--;
    } else {
        lp_bt_shift_left(nd, i, false);
    }
    for (int level = leaf; level > 0; level--) {
        nd = path->node[level];
        // Full enough: at least LP_BT_MIN, or 1 on the leftmost or rightmost path (invariant 3);
        // the common case is decided without walking the path.
        if (nd->n >= LP_BT_MIN
            || (nd->n >= 1 && (lp_bt_on_edge(path, level, false) || lp_bt_on_edge(path, level, true)))) {
            break;
        }
        lp_bt_node_t *parent = path->node[level - 1];
        size_t ci = path->idx[level - 1];
        bool inner = level < leaf;
        size_t sep = ci > 0 ? ci - 1 : 0;
        lp_bt_node_t *left = parent->child[sep], *right = parent->child[sep + 1];
        lp_bt_entry_t e;
        if (left->n + right->n + 1 <= LP_BT_CAP) {
            // Merge: left takes the separator and everything of right.
            lp_bt_get(parent, sep, &e);
            lp_bt_put(left, left->n, &e);
            for (size_t j = 0; j < right->n; j++) {
                lp_bt_get(right, j, &e);
                lp_bt_put(left, left->n + 1 + j, &e);
            }
            if (inner) {
                memcpy(&left->child[left->n + 1], right->child, (right->n + 1) * sizeof(lp_bt_node_t *));
            }
            left->n += 1 + right->n;
            lp_bt_shift_left(parent, sep, true);
            lp_pool_extra_free(pool, right);
        } else if (ci > 0) {
            // Borrow the last entry of the left sibling, through the parent.
            lp_bt_shift_right(nd, 0, false);
            if (inner) {
                memmove(&nd->child[1], &nd->child[0], nd->n * sizeof(lp_bt_node_t *));
                nd->child[0] = left->child[left->n];
            }
            lp_bt_get(parent, sep, &e);
            lp_bt_put(nd, 0, &e);
            lp_bt_get(left, left->n - 1, &e);
            lp_bt_put(parent, sep, &e);
            left->n--;
            break;
        } else {
            // Borrow the first entry of the right sibling, through the parent.
            lp_bt_get(parent, sep, &e);
            lp_bt_put(nd, nd->n, &e);
            nd->n++;
            if (inner) {
                nd->child[nd->n] = right->child[0];
                memmove(&right->child[0], &right->child[1], right->n * sizeof(lp_bt_node_t *));
            }
            lp_bt_get(right, 0, &e);
            lp_bt_put(parent, sep, &e);
            lp_bt_shift_left(right, 0, false);
            break;
        }
    }
    lp_bt_node_t *root = head->root;
    if (root->n == 0) {
        if (head->height > 0) {
            head->root = root->child[0];
            head->height--;
        } else {
            head->root = NULL;
            head->kind = LP_VAL_NONE;
        }
        lp_pool_extra_free(pool, root);
    }
    self->mods++;
    self->len--;
}

// Removes `key_in` and returns its value (as an object, made before anything changes); MP_OBJ_NULL
// if absent.
static mp_obj_t lp_bt_take(lp_obj_t *self, mp_obj_t key_in) {
    lp_bt_head_t *head = lp_bt_head(self);
    lp_value_t k;
    lp_bt_key_from_obj(key_in, &k);
    lp_bt_key_check_kind(head, &k);
    lp_bt_path_t path;
    int at = lp_bt_find(head, &k, &path);
    if (at < 0) {
        return MP_OBJ_NULL;
    }
    mp_obj_t value = lp_bt_value_obj(path.node[at], path.idx[at]);
    lp_bt_remove(self, head, &path, at);
    return value;
}

// `del m[k]`: removes `key_in` without making its value an object; false if absent.
static bool lp_bt_delete(lp_obj_t *self, mp_obj_t key_in) {
    lp_bt_head_t *head = lp_bt_head(self);
    lp_bt_path_t path;
    int at;
    if (mp_obj_is_small_int(key_in) && head->kind == LP_VAL_INT) {
        at = lp_bt_find_int(head, MP_OBJ_SMALL_INT_VALUE(key_in), &path);
    } else {
        lp_value_t k;
        lp_bt_key_from_obj(key_in, &k);
        lp_bt_key_check_kind(head, &k);
        at = lp_bt_find(head, &k, &path);
    }
    if (at < 0) {
        return false;
    }
    lp_bt_remove(self, head, &path, at);
    return true;
}

// ---- ordered access -----------------------------------------------------------------------------

// The smallest (or largest) entry: its node and index, NULL when empty.
static lp_bt_node_t *lp_bt_end(const lp_bt_head_t *head, bool last, size_t *idx) {
    lp_bt_node_t *nd = head->root;
    if (nd == NULL) {
        return NULL;
    }
    for (size_t level = 0; level < head->height; level++) {
        nd = nd->child[last ? nd->n : 0];
    }
    *idx = last ? nd->n - 1 : 0;
    return nd;
}

// The nearest entry to k: above (or below) it, or k itself when `inclusive`. Returns the node and
// sets *idx and *leaf, NULL if there is none.
static lp_bt_node_t *lp_bt_seek(const lp_bt_head_t *head, const lp_value_t *k, bool above, bool inclusive,
    size_t *idx, bool *leaf) {
    lp_bt_node_t *best = NULL;
    lp_bt_node_t *nd = head->root;
    for (size_t level = 0; nd != NULL; level++) {
        bool found;
        size_t i = lp_bt_search(nd, head->kind, k, &found);
        if (found && inclusive) {
            *idx = i;
            *leaf = level == head->height;
            return nd;
        }
        // Keys [0, i) are < k; key i (if any) is > k unless found (then equal).
        size_t cand_above = found ? i + 1 : i;
        if (above && cand_above < nd->n) {
            best = nd;
            *idx = cand_above;
            *leaf = level == head->height;
        } else if (!above && i > 0) {
            best = nd;
            *idx = i - 1;
            *leaf = level == head->height;
        }
        if (level == head->height) {
            break;
        }
        nd = nd->child[found ? (above ? i + 1 : i) : i];
    }
    return best;
}

// ---- what the views use: walking the map in key order ---------------------------------------------------------

static uint32_t lp_btreemap_version(lp_obj_t *map) {
    lp_bt_head(map);
    return map->mods;
}

static void lp_btreemap_check_bound(lp_obj_t *map, mp_obj_t key) {
    if (key != mp_const_none) {
        lp_value_t k;
        lp_bt_key_from_obj(key, &k);
        lp_bt_key_check_kind(lp_bt_head(map), &k);
    }
}

static bool lp_btreemap_first(lp_obj_t *map, mp_obj_t lo, lp_bt_cursor_t *cur) {
    lp_bt_head_t *head = lp_bt_head(map);
    size_t idx = 0; // lp_bt_end leaves it unset for an empty map
    lp_bt_node_t *nd;
    if (lo == MP_OBJ_NULL || lo == mp_const_none) {
        nd = lp_bt_end(head, false, &idx);
        cur->leaf = true;
    } else {
        lp_value_t k;
        lp_bt_key_from_obj(lo, &k);
        lp_bt_key_check_kind(head, &k);
        nd = lp_bt_seek(head, &k, true, true, &idx, &cur->leaf);
    }
    cur->node = nd;
    cur->idx = idx;
    return nd != NULL;
}

static bool lp_btreemap_next(lp_obj_t *map, lp_bt_cursor_t *cur) {
    lp_bt_node_t *nd = cur->node;
    if (cur->leaf && cur->idx + 1 < nd->n) {
        cur->idx++;
        return true;
    }
    // Past the end of a leaf, or after an internal entry: search for the next key from the root.
    lp_bt_head_t *head = lp_bt_head(map);
    lp_value_t k;
    lp_bt_text_split(head->kind, nd->keys[cur->idx], &k);
    size_t idx;
    nd = lp_bt_seek(head, &k, true, false, &idx, &cur->leaf);
    cur->node = nd;
    cur->idx = idx;
    return nd != NULL;
}

static bool lp_btreemap_before(lp_obj_t *map, const lp_bt_cursor_t *cur, mp_obj_t hi) {
    if (hi == MP_OBJ_NULL || hi == mp_const_none) {
        return true;
    }
    lp_bt_head_t *head = lp_bt_head(map);
    lp_value_t k;
    lp_bt_key_from_obj(hi, &k);
    const lp_bt_node_t *nd = cur->node;
    return lp_bt_cmp(head->kind, &k, nd->keys[cur->idx]) > 0;
}

static mp_obj_t lp_btreemap_key(lp_obj_t *map, const lp_bt_cursor_t *cur) {
    return lp_bt_key_obj(lp_bt_head(map), cur->node, cur->idx);
}

static mp_obj_t lp_btreemap_value(lp_obj_t *map, const lp_bt_cursor_t *cur) {
    return lp_bt_value_obj(cur->node, cur->idx);
}

// ---- printing -----------------------------------------------------------------------------------

typedef struct {
    const mp_print_t *print;
    mp_print_kind_t kind;
    const char *item_sep, *key_sep;
    bool first;
} lp_bt_printer_t;

static void lp_bt_print_entry(lp_bt_printer_t *p, uint8_t key_kind, const lp_bt_node_t *nd, size_t i) {
    if (!p->first) {
        mp_print_str(p->print, p->item_sep);
    }
    p->first = false;
    lp_value_t v;
    lp_bt_text_split(key_kind, nd->keys[i], &v);
    // JSON object keys are strings: ints are quoted, as dict does.
    bool quote = p->kind == PRINT_JSON && key_kind == LP_VAL_INT;
    if (quote) {
        mp_print_str(p->print, "\"");
    }
    lp_value_print(p->print, &v, p->kind);
    if (quote) {
        mp_print_str(p->print, "\"");
    }
    mp_print_str(p->print, p->key_sep);
    lp_bt_text_split(nd->tags[i], nd->vals[i], &v);
    lp_value_print(p->print, &v, p->kind);
}

static void lp_bt_print_node(lp_bt_printer_t *p, uint8_t key_kind, const lp_bt_node_t *nd, size_t levels_below) {
    for (size_t i = 0; i <= nd->n; i++) {
        if (levels_below > 0) {
            lp_bt_print_node(p, key_kind, nd->child[i], levels_below - 1);
        }
        if (i < nd->n) {
            lp_bt_print_entry(p, key_kind, nd, i);
        }
    }
}

// print()/str() give the dict form, repr() adds the type name, json.dump writes a JSON object;
// all in key order and straight from the pool.
static void lp_btreemap_print_body(lp_obj_t *self, void *ctx) {
    const mp_print_t *print = ((const lp_print_ctx_t *)ctx)->print;
    mp_print_kind_t kind = ((const lp_print_ctx_t *)ctx)->kind;
    lp_bt_head_t *head = self->data;
    lp_bt_printer_t p = { print, kind == PRINT_JSON ? PRINT_JSON : PRINT_REPR, ", ", ": ", true };
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
    if (head->root != NULL) {
        lp_bt_print_node(&p, head->kind, head->root, head->height);
    }
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
    lp_bt_head(self);
    lp_print_ctx_t p = { print, kind };
    lp_handle_busy_call(self, lp_print_stream(print), lp_btreemap_print_body, &p);
}

// ---- the structural check -----------------------------------------------------------------------

typedef struct {
    lp_pool_obj_t *pool;
    uint8_t kind;
    size_t height;
    size_t count;
    const char *err;
} lp_bt_checker_t;

static bool lp_bt_check_block(lp_bt_checker_t *c, const void *p, size_t need) {
    if (lp_usable_size(c->pool->heap, p) < need) {
        c->err = "invariant 6: a node or text block is not a live pool block of its size";
        return false;
    }
    return true;
}

// lo / hi: the keys bounding this subtree (NULL for none).
static void lp_bt_check_node(lp_bt_checker_t *c, const lp_bt_node_t *nd, size_t level, bool left_edge,
    bool right_edge, const lp_word_t *lo, const lp_word_t *hi) {
    bool inner = level < c->height;
    if (c->err != NULL || !lp_bt_check_block(c, nd, inner ? LP_BT_INNER_SIZE : LP_BT_LEAF_SIZE)) {
        return;
    }
    size_t min = (level == 0 || left_edge || right_edge) ? 1 : LP_BT_MIN;
    if (nd->n > LP_BT_CAP || nd->n < min) {
        c->err = "invariant 3: node fill out of bounds";
        return;
    }
    c->count += nd->n;
    for (size_t i = 0; i < nd->n; i++) {
        if (nd->tags[i] > LP_VAL_BYTES) {
            c->err = "invariant 5: bad value kind";
            return;
        }
        if (lp_bt_is_text(c->kind) && !lp_bt_check_block(c, nd->keys[i].p, sizeof(lp_bt_text_t) + ((lp_bt_text_t *)nd->keys[i].p)->len)) {
            return;
        }
        if (lp_bt_is_text(nd->tags[i]) && !lp_bt_check_block(c, nd->vals[i].p, sizeof(lp_bt_text_t) + ((lp_bt_text_t *)nd->vals[i].p)->len)) {
            return;
        }
        lp_value_t k;
        lp_bt_text_split(c->kind, nd->keys[i], &k);
        const lp_word_t *before = i > 0 ? &nd->keys[i - 1] : lo;
        if ((before != NULL && lp_bt_cmp(c->kind, &k, *before) <= 0) || (hi != NULL && lp_bt_cmp(c->kind, &k, *hi) >= 0)) {
            c->err = "invariant 2: keys out of order";
            return;
        }
    }
    if (inner) {
        for (size_t i = 0; i <= nd->n; i++) {
            lp_bt_check_node(c, nd->child[i], level + 1, left_edge && i == 0, right_edge && i == nd->n,
                i > 0 ? &nd->keys[i - 1] : lo, i < nd->n ? &nd->keys[i] : hi);
        }
    }
    // Invariant 1: leaves are exactly at level `height`, since only level < height descends and
    // an internal node's n + 1 children are all visited; a NULL child fails the block check.
}

static mp_obj_t lp_btreemap_check(mp_obj_t self_in) {
    lp_obj_t *self = MP_OBJ_TO_PTR(self_in);
    lp_bt_head_t *head = lp_bt_head(self);
    lp_pool_check_open(self->pool);
    lp_bt_checker_t c = { self->pool, head->kind, head->height, 0, NULL };
    if ((head->root == NULL) != (self->len == 0) || (head->kind == LP_VAL_NONE) != (self->len == 0)) {
        c.err = "invariant 4: empty map with a root or a key kind, or the reverse";
    } else if (head->kind != LP_VAL_NONE && head->kind != LP_VAL_INT && !lp_bt_is_text(head->kind)) {
        c.err = "invariant 5: bad key kind";
    } else if (head->root != NULL) {
        lp_bt_check_node(&c, head->root, 0, true, true, NULL, NULL);
        if (c.err == NULL && c.count != self->len) {
            c.err = "invariant 4: entry count differs from len";
        }
    }
    if (c.err != NULL) {
        mp_raise_msg_varg(&mp_type_RuntimeError, MP_ERROR_TEXT("LpBTreeMap is corrupted: %s"), c.err);
    }
    return mp_const_true;
}
static MP_DEFINE_CONST_FUN_OBJ_1(lp_btreemap_check_obj, lp_btreemap_check);

// ---- views: keys(), values(), items(), range(lo, hi), and their iterators ----------------------

LP_DEFINE_STATIC_EXC(lp_err_view_changed, mp_type_RuntimeError, "LpBTreeMap changed during iteration");

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

// The map's view of `mode`, kept with the map and reused (invariant V1).
static mp_obj_t lp_btreemap_view(lp_obj_t *map, int mode, mp_obj_t lo, mp_obj_t hi) {
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
            lp_raise_static(&lp_err_view_changed);
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
// `for k in m`: a key iterator in iter_buf, without a view.
static mp_obj_t lp_btreemap_iter_keys(lp_obj_t *map, mp_obj_iter_buf_t *iter_buf) {
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

// ---- the Python type ----------------------------------------------------------------------------

static void lp_bt_update_from(lp_obj_t *self, mp_obj_t other, const lp_static_exc_t *not_pair);

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
    lp_bt_head_t *head = lp_pool_alloc(pool, sizeof(lp_bt_head_t) LP_META_KIND(LP_KIND_BTREEMAP));
    head->root = NULL;
    head->height = 0;
    head->kind = LP_VAL_NONE;
    lp_handle_attach(h, head, 0);
    if (args[ARG_init].u_obj != mp_const_none) {
        lp_bt_update_from(h, args[ARG_init].u_obj, &lp_err_init_item);
    }
    return MP_OBJ_FROM_PTR(h);
}

static mp_obj_t lp_btreemap_free(mp_obj_t self_in) {
    lp_obj_t *self = MP_OBJ_TO_PTR(self_in);
    lp_handle_check_idle(self);
    // Also the finaliser: a pool whose memory moved is never written again (lp_handle_release).
    if (self->data != NULL && self->pool != NULL && lp_pool_region_valid(self->pool)) {
        lp_bt_free_all(self, self->data);
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

// Does `other` (a dict or an LpBTreeMap) hold exactly self's entries?
static bool lp_btreemap_equal(lp_obj_t *self, mp_obj_t other_in) {
    lp_bt_head_t *head = lp_bt_head(self);
    lp_value_t a, b;
    bool too_big;
    if (mp_obj_is_type(other_in, &lp_type_BTreeMap)) {
        lp_obj_t *other = MP_OBJ_TO_PTR(other_in);
        lp_bt_head(other);
        if (other->len != self->len) {
            return false;
        }
        // Walk self in order and look each key up in other.
        lp_bt_cursor_t cur;
        for (bool more = lp_btreemap_first(self, MP_OBJ_NULL, &cur); more; more = lp_btreemap_next(self, &cur)) {
            lp_bt_node_t *nd = cur.node;
            lp_bt_head_t *oh = lp_bt_head(other);
            lp_bt_text_split(head->kind, nd->keys[cur.idx], &a);
            if (oh->kind != head->kind) {
                return false;
            }
            lp_bt_path_t path;
            int at = lp_bt_find(oh, &a, &path);
            if (at < 0) {
                return false;
            }
            lp_bt_text_split(nd->tags[cur.idx], nd->vals[cur.idx], &a);
            lp_bt_text_split(path.node[at]->tags[path.idx[at]], path.node[at]->vals[path.idx[at]], &b);
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
        if (a.kind != head->kind) {
            return false;
        }
        lp_bt_path_t path;
        int at = lp_bt_find(head, &a, &path);
        if (at < 0) {
            return false;
        }
        lp_bt_text_split(path.node[at]->tags[path.idx[at]], path.node[at]->vals[path.idx[at]], &a);
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
            return mp_obj_new_bool(lp_bt_lookup(self, rhs_in, &i) != NULL);
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
        if (!lp_bt_delete(self, index)) {
            lp_bt_raise_missing(index);
        }
        return mp_const_none;
    }
    if (value == MP_OBJ_SENTINEL) {
        size_t i;
        lp_bt_node_t *nd = lp_bt_lookup(self, index, &i);
        if (nd == NULL) {
            lp_bt_raise_missing(index);
        }
        return lp_bt_value_obj(nd, i);
    }
    lp_bt_store(self, index, value);
    return mp_const_none;
}

static mp_obj_t lp_btreemap_getiter(mp_obj_t self_in, mp_obj_iter_buf_t *iter_buf) {
    return lp_btreemap_iter_keys(MP_OBJ_TO_PTR(self_in), iter_buf);
}

static mp_obj_t lp_btreemap_get(size_t n_args, const mp_obj_t *args) {
    size_t i;
    lp_bt_node_t *nd = lp_bt_lookup(MP_OBJ_TO_PTR(args[0]), args[1], &i);
    if (nd == NULL) {
        return n_args > 2 ? args[2] : mp_const_none;
    }
    return lp_bt_value_obj(nd, i);
}
static MP_DEFINE_CONST_FUN_OBJ_VAR_BETWEEN(lp_btreemap_get_obj, 2, 3, lp_btreemap_get);

static mp_obj_t lp_btreemap_pop(size_t n_args, const mp_obj_t *args) {
    mp_obj_t value = lp_bt_take(MP_OBJ_TO_PTR(args[0]), args[1]);
    if (value == MP_OBJ_NULL) {
        if (n_args > 2) {
            return args[2];
        }
        lp_bt_raise_missing(args[1]);
    }
    return value;
}
static MP_DEFINE_CONST_FUN_OBJ_VAR_BETWEEN(lp_btreemap_pop_obj, 2, 3, lp_btreemap_pop);

static mp_obj_t lp_btreemap_setdefault(size_t n_args, const mp_obj_t *args) {
    lp_obj_t *self = MP_OBJ_TO_PTR(args[0]);
    size_t i;
    lp_bt_node_t *nd = lp_bt_lookup(self, args[1], &i);
    if (nd != NULL) {
        return lp_bt_value_obj(nd, i);
    }
    mp_obj_t value = n_args > 2 ? args[2] : mp_const_none;
    lp_bt_store(self, args[1], value);
    return value;
}
static MP_DEFINE_CONST_FUN_OBJ_VAR_BETWEEN(lp_btreemap_setdefault_obj, 2, 3, lp_btreemap_setdefault);

// The entries of a dict, an LpBTreeMap or an iterable of pairs; `not_pair` names the caller.
static void lp_bt_update_from(lp_obj_t *self, mp_obj_t other, const lp_static_exc_t *not_pair) {
    if (mp_obj_is_dict_or_ordereddict(other)) {
        mp_map_t *map = mp_obj_dict_get_map(other);
        for (size_t i = 0; i < map->alloc; i++) {
            if (mp_map_slot_is_filled(map, i)) {
                lp_bt_store(self, map->table[i].key, map->table[i].value);
            }
        }
    } else if (mp_obj_is_type(other, &lp_type_BTreeMap)) {
        lp_obj_t *src = MP_OBJ_TO_PTR(other);
        lp_bt_cursor_t cur;
        // Keys and values go through objects: text keys and values of another map allocate.
        for (bool more = lp_btreemap_first(src, MP_OBJ_NULL, &cur); more; more = lp_btreemap_next(src, &cur)) {
            lp_bt_store(self, lp_btreemap_key(src, &cur), lp_btreemap_value(src, &cur));
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
            lp_bt_store(self, pair[0], pair[1]);
        }
    }
}

static mp_obj_t lp_btreemap_update(size_t n_args, const mp_obj_t *args, mp_map_t *kw_args) {
    lp_obj_t *self = MP_OBJ_TO_PTR(args[0]);
    lp_bt_head(self);
    if (n_args > 1) {
        lp_bt_update_from(self, args[1], &lp_err_update_item);
    }
    if (kw_args != NULL) {
        for (size_t i = 0; i < kw_args->alloc; i++) {
            if (mp_map_slot_is_filled(kw_args, i)) {
                lp_bt_store(self, kw_args->table[i].key, kw_args->table[i].value);
            }
        }
    }
    return mp_const_none;
}
static MP_DEFINE_CONST_FUN_OBJ_KW(lp_btreemap_update_obj, 1, lp_btreemap_update);

static mp_obj_t lp_btreemap_clear(mp_obj_t self_in) {
    lp_obj_t *self = MP_OBJ_TO_PTR(self_in);
    lp_bt_free_all(self, lp_bt_head(self));
    return mp_const_none;
}
static MP_DEFINE_CONST_FUN_OBJ_1(lp_btreemap_clear_obj, lp_btreemap_clear);

typedef struct {
    const lp_bt_node_t *nd;
    size_t i;
    lp_writer_t *w;
    size_t written;
} lp_bt_get_into_t;

static void lp_bt_get_into_body(lp_obj_t *self, void *ctx) {
    (void)self;
    lp_bt_get_into_t *g = ctx;
    lp_value_t v;
    lp_bt_text_split(g->nd->tags[g->i], g->nd->vals[g->i], &v);
    g->written = lp_value_write(g->w, &v);
}

static mp_obj_t lp_btreemap_get_into(mp_obj_t self_in, mp_obj_t key_in, mp_obj_t out) {
    lp_writer_t w;
    lp_writer_file(&w, out); // TypeError for what is not a file, before the key is looked up
    size_t i;
    lp_bt_node_t *nd = lp_bt_lookup(MP_OBJ_TO_PTR(self_in), key_in, &i);
    if (nd == NULL) {
        lp_bt_raise_missing(key_in);
    }
    lp_bt_get_into_t g = { nd, i, &w, 0 };
    lp_handle_busy_call(MP_OBJ_TO_PTR(self_in), out, lp_bt_get_into_body, &g);
    return MP_OBJ_NEW_SMALL_INT(g.written);
}
static MP_DEFINE_CONST_FUN_OBJ_3(lp_btreemap_get_into_obj, lp_btreemap_get_into);

static mp_obj_t lp_btreemap_end_key(mp_obj_t self_in, bool last) {
    lp_bt_head_t *head = lp_bt_head(MP_OBJ_TO_PTR(self_in));
    size_t i;
    lp_bt_node_t *nd = lp_bt_end(head, last, &i);
    if (nd == NULL) {
        lp_raise_static(last ? &lp_err_max_empty : &lp_err_min_empty);
    }
    return lp_bt_key_obj(head, nd, i);
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
    lp_bt_head_t *head = lp_bt_head(self);
    size_t i;
    lp_bt_node_t *nd = lp_bt_end(head, last, &i);
    if (nd == NULL) {
        lp_raise_static(&lp_err_empty);
    }
    // The pair is made before the map changes: a MemoryError leaves the entry in place.
    mp_obj_t pair[2] = { lp_bt_key_obj(head, nd, i), lp_bt_value_obj(nd, i) };
    mp_obj_t result = mp_obj_new_tuple(2, pair);
    lp_value_t k;
    lp_bt_text_split(head->kind, nd->keys[i], &k);
    lp_bt_path_t path;
    lp_bt_remove(self, head, &path, lp_bt_find(head, &k, &path));
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
    lp_bt_head_t *head = lp_bt_head(MP_OBJ_TO_PTR(self_in));
    lp_value_t k;
    lp_bt_key_from_obj(key_in, &k);
    lp_bt_key_check_kind(head, &k);
    size_t i;
    bool leaf;
    lp_bt_node_t *nd = lp_bt_seek(head, &k, above, true, &i, &leaf);
    return nd == NULL ? mp_const_none : lp_bt_key_obj(head, nd, i);
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
