// lp_btree: the B-tree engine below LpBTreeMap (lp_btreemap.c), as lp_alloc sits below lp_mempool.
// An ordered map of split values (lp_value_t) over pool blocks, with a cursor API. It knows no
// Python object: keys and values come in and go out as kind bytes and words (text as a pointer and
// a length), blocks come from the pool's extra allocator, and failures are return values. The node
// layout is here so that the hot cursor steps below can be static inline in the face.
//
// Every operation that changes the tree takes each block it needs before it changes anything
// (invariant 8 in lp_btree.c): a full pool leaves the tree exactly as it was. The engine raises
// nothing itself; the pool's allocator returns NULL rather than raising.

#ifndef LP_BTREE_H
#define LP_BTREE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lp_pool.h"

// Bits a cursor's idx needs (at most the node capacity): the fewer, the more bits of a map's
// version fit beside it in one word of an iterator.
#define LP_BT_IDX_BITS (4)

// Entries per node; why 11 is in lp_btree.c.
#define LP_BT_CAP (11)
_Static_assert(LP_BT_CAP < (1 << LP_BT_IDX_BITS), "a cursor's idx fits LP_BT_IDX_BITS");
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

// A tree: the owner keeps it in a block of its own (LpBTreeMap: the handle's block).
typedef struct {
    lp_bt_node_t *root;
    uint8_t height;
    uint8_t kind;               // LP_VAL_INT, LP_VAL_STR, LP_VAL_BYTES; LP_VAL_NONE while empty
} lp_bt_t;

// A str or bytes key or value: one block.
typedef struct {
    size_t len;
    byte data[];
} lp_bt_text_t;

// A position: an entry of a node. Valid only until the tree's set of keys next changes.
typedef struct {
    lp_bt_node_t *node;
    uint8_t idx;
    bool leaf;
} lp_bt_cursor_t;

// The descent to a key, root first: what a delete needs to rebalance.
typedef struct {
    lp_bt_node_t *node[LP_BT_MAX_HEIGHT];
    uint8_t idx[LP_BT_MAX_HEIGHT];
    int depth;
} lp_bt_path_t;

typedef enum {
    LP_BT_ADDED,        // a new key: the set of keys changed
    LP_BT_REPLACED,     // an existing key's value: no entry moved, cursors stay valid
    LP_BT_NO_MEMORY,    // the pool could not give a block (*failed: its size); nothing changed
    LP_BT_TOO_DEEP,     // the tree would pass LP_BT_MAX_HEIGHT; nothing changed
} lp_bt_store_t;

// An empty tree.
void lp_bt_init(lp_bt_t *t);
// Every node and text block back to the pool; the tree is empty again.
void lp_bt_clear(lp_bt_t *t, lp_pool_obj_t *pool);
// Python's order of two keys of `kind`: <0, 0, >0 as k is below, equal to or above the key word w.
int lp_bt_compare(uint8_t kind, const lp_value_t *k, lp_word_t w);
// Stores k -> v (k of the tree's kind, or any kind when empty). Copies text into blocks of its own.
lp_bt_store_t lp_bt_insert(lp_bt_t *t, lp_pool_obj_t *pool, const lp_value_t *k, const lp_value_t *v,
    size_t *failed);
// Descends towards k (of the tree's kind), recording the path; the level where k is, or -1 (the
// path then ends at the leaf, with the index where k would go).
int lp_bt_find(const lp_bt_t *t, const lp_value_t *k, lp_bt_path_t *path);
// Removes the entry found at level `at` of the path and frees its blocks. Never allocates.
void lp_bt_remove_at(lp_bt_t *t, lp_pool_obj_t *pool, lp_bt_path_t *path, int at);
// lp_bt_find for an int key in a tree of int keys (so not empty): word compares. `del m[k]` calls
// it and lp_bt_remove_at, as it did when they were in one file.
int lp_bt_find_int(const lp_bt_t *t, mp_int_t k, lp_bt_path_t *path);
// The cursor at k. Returns its node, NULL if absent, as lp_bt_lookup_int does.
lp_bt_node_t *lp_bt_lookup(const lp_bt_t *t, const lp_value_t *k, lp_bt_cursor_t *cur);
// The smallest (or, with `last`, the largest) entry; false when empty. lp_bt_first and lp_bt_last
// below name the two.
bool lp_bt_end(const lp_bt_t *t, bool last, lp_bt_cursor_t *cur);
// The nearest entry to k above it (or below it), or k itself when `inclusive`: with above and
// inclusive, the lower bound. False if there is none.
bool lp_bt_seek(const lp_bt_t *t, const lp_value_t *k, bool above, bool inclusive, lp_bt_cursor_t *cur);
// next past a leaf's end: a seek from the root (backwards is lp_bt_seek below the key).
bool lp_bt_next_slow(const lp_bt_t *t, lp_bt_cursor_t *cur);
// Calls fn with every entry in key order (the split values point into the tree's blocks).
typedef void (*lp_bt_walk_fn_t)(void *ctx, const lp_value_t *key, const lp_value_t *value);
void lp_bt_walk(const lp_bt_t *t, lp_bt_walk_fn_t fn, void *ctx);
// Invariants 1-6 of lp_btree.c against the allocator's blocks and the owner's count of entries:
// NULL, or the one that failed.
const char *lp_bt_check(const lp_bt_t *t, const lp_alloc_t *heap, size_t len);

// A stored word as a split value of `kind`.
void lp_bt_split_word(uint8_t kind, lp_word_t w, lp_value_t *out);

// ---- hot steps, inline in the face --------------------------------------------------------------

static inline bool lp_bt_first(const lp_bt_t *t, lp_bt_cursor_t *cur) {
    return lp_bt_end(t, false, cur);
}

static inline bool lp_bt_last(const lp_bt_t *t, lp_bt_cursor_t *cur) {
    return lp_bt_end(t, true, cur);
}

static inline void lp_bt_cursor_key(const lp_bt_t *t, const lp_bt_cursor_t *cur, lp_value_t *out) {
    lp_bt_split_word(t->kind, cur->node->keys[cur->idx], out);
}

// The value of entry i of a node: a cursor's (node, idx) taken apart, for the hot lookups, which
// keep the two in registers.
static inline void lp_bt_value_at(const lp_bt_node_t *nd, size_t i, lp_value_t *out) {
    lp_bt_split_word(nd->tags[i], nd->vals[i], out);
}

static inline uint8_t lp_bt_value_kind(const lp_bt_node_t *nd, size_t i) {
    return nd->tags[i];
}

static inline lp_word_t lp_bt_value_word(const lp_bt_node_t *nd, size_t i) {
    return nd->vals[i];
}

static inline void lp_bt_cursor_value(const lp_bt_cursor_t *cur, lp_value_t *out) {
    lp_bt_value_at(cur->node, cur->idx, out);
}

// Python's order of the key under the cursor and k: <0, 0, >0 as it is below, equal to or above k.
static inline int lp_bt_cursor_compare(const lp_bt_t *t, const lp_value_t *k, const lp_bt_cursor_t *cur) {
    return -lp_bt_compare(t->kind, k, cur->node->keys[cur->idx]);
}

// The entry at level `at` of a path.
static inline void lp_bt_path_cursor(const lp_bt_t *t, const lp_bt_path_t *path, int at, lp_bt_cursor_t *cur) {
    cur->node = path->node[at];
    cur->idx = path->idx[at];
    cur->leaf = at == t->height;
}

// The step of an iteration: within a leaf without a call.
static inline bool lp_bt_next(const lp_bt_t *t, lp_bt_cursor_t *cur) {
    if (cur->leaf && cur->idx + 1 < cur->node->n) {
        cur->idx++;
        return true;
    }
    return lp_bt_next_slow(t, cur);
}

// lp_bt_lookup for an int key in a tree of int keys (so not empty): word compares, no path. The
// lookup that `m[k]` and `k in m` do most: the entry's node (NULL if absent) and *idx, no cursor
// (filling one in memory cost `m[k]` 1.5% on the M3).
static inline lp_bt_node_t *lp_bt_lookup_int(const lp_bt_t *t, mp_int_t k, size_t *idx) {
    lp_bt_node_t *nd = t->root;
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
        if (level == t->height) {
            return NULL;
        }
        nd = nd->child[lo];
    }
}

#endif // LP_BTREE_H
