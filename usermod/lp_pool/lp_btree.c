// lp_btree: a B-tree over pool blocks, the engine below LpBTreeMap (lp_btreemap.c). A B-tree, not
// a binary search tree, so sorted input can't make it degenerate. Plain C over split values
// (lp_value_t): no Python object, no exception; the face converts, counts and raises.
//
// Layout (lp_btree.h)
//   The tree (lp_bt_t) is root, height and key kind, in a block its owner keeps. A node is one pool
//   block: a count byte, one value-kind byte per entry, then LP_BT_CAP key words, LP_BT_CAP value
//   words and, in internal nodes only, LP_BT_CAP + 1 child pointers. Leaves are allocated without
//   the child array (most nodes are leaves).
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
// Invariants (lp_bt_check tests 1-6, by number; m._check() reports them):
//  1. Every leaf is at depth t->height (the root is at depth 0); an internal node with n entries
//     has n + 1 children.
//  2. Keys strictly increase in key order: within a node, and every key of child i of a node lies
//     between that node's keys i - 1 and i.
//  3. Every node holds at most LP_BT_CAP entries; the root and the nodes on the leftmost and
//     rightmost paths at least 1; every other node at least LP_BT_MIN.
//  4. The owner's count (the handle's len) is the number of entries; root is NULL and the key kind
//     is unset exactly when the tree is empty.
//  5. Every key is of the tree's key kind (int, str or bytes); every value kind byte is a valid kind.
//  6. Every node and text block is a live block of the tree's pool, large enough for what it holds,
//     and counted in pool->extra (lp_pool_extra_alloc); nothing else is.
//  7. The blocks hold numbers, bytes and pointers to the tree's own blocks, never a GC object.
//  8. An insert takes every block it needs (text blocks, and every node its splits need) before it
//     changes anything, so a full pool leaves the tree exactly as it was. Deletes never allocate.
//
// A collection's engine (docs/internals.md: the collections, on the pools): over values' kinds
// (lp_pool.h) and the pools' extra blocks (lp_pool_extra_alloc, lp_pool_extra_free); called only
// by lp_btreemap.c.

#include <stddef.h>
#include <string.h>

#include "lp_btree.h"

// The nodes' arrays are moved by loops of word copies, not memmove/memcpy: the boards' newlib
// (built for size) copies byte by byte, and a node moves at most LP_BT_CAP words. GCC would turn
// those loops back into library calls (-ftree-loop-distribute-patterns), so that is off here.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC optimize("no-tree-loop-distribute-patterns")
#endif

#define LP_BT_LEAF_SIZE (offsetof(lp_bt_node_t, child))
#define LP_BT_INNER_SIZE (sizeof(lp_bt_node_t))

typedef struct {
    lp_word_t key, val;
    uint8_t tag;
} lp_bt_entry_t;

// ---- keys ---------------------------------------------------------------------------------------

// Python's order: ints by value, str and bytes by their bytes (UTF-8 keeps code point order).
int lp_bt_compare(uint8_t kind, const lp_value_t *k, lp_word_t w) {
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
        int c = lp_bt_compare(kind, k, nd->keys[mid]);
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

void lp_bt_split_word(uint8_t kind, lp_word_t w, lp_value_t *out) {
    out->kind = kind;
    out->w = w;
    if (kind == LP_VAL_STR || kind == LP_VAL_BYTES) {
        const lp_bt_text_t *text = w.p;
        out->data = text->data;
        out->len = text->len;
    } else {
        out->data = NULL;
        out->len = 0;
    }
}

// ---- blocks -------------------------------------------------------------------------------------

void lp_bt_init(lp_bt_t *t) {
    t->root = NULL;
    t->height = 0;
    t->kind = LP_VAL_NONE;
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

void lp_bt_clear(lp_bt_t *t, lp_pool_obj_t *pool) {
    if (t->root != NULL) {
        lp_bt_free_subtree(pool, t->kind, t->root, t->height);
    }
    lp_bt_init(t);
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

int lp_bt_find_int(const lp_bt_t *t, mp_int_t k, lp_bt_path_t *path) {
    lp_bt_node_t *nd = t->root;
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
        if (level == t->height) {
            return -1;
        }
        nd = nd->child[lo];
    }
}

int lp_bt_find(const lp_bt_t *t, const lp_value_t *k, lp_bt_path_t *path) {
    if (k->kind == LP_VAL_INT && t->kind == LP_VAL_INT) {
        return lp_bt_find_int(t, k->w.i, path);
    }
    path->depth = 0;
    lp_bt_node_t *nd = t->root;
    for (int level = 0; nd != NULL; level++) {
        bool found;
        size_t i = lp_bt_search(nd, t->kind, k, &found);
        path->node[level] = nd;
        path->idx[level] = i;
        path->depth = level + 1;
        if (found) {
            return level;
        }
        if (level == t->height) {
            break;
        }
        nd = nd->child[i];
    }
    return -1;
}

lp_bt_node_t *lp_bt_lookup(const lp_bt_t *t, const lp_value_t *k, lp_bt_cursor_t *cur) {
    lp_bt_path_t path;
    int at = lp_bt_find(t, k, &path);
    if (at < 0) {
        return NULL;
    }
    lp_bt_path_cursor(t, &path, at, cur);
    return cur->node;
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

// Gives back the blocks taken so far.
static void lp_bt_give_back(lp_pool_obj_t *pool, void **blocks, size_t n) {
    for (size_t i = 0; i < n; i++) {
        lp_pool_extra_free(pool, blocks[i]);
    }
}

static lp_bt_store_t lp_bt_no_memory(lp_pool_obj_t *pool, void **blocks, size_t n, size_t requested, size_t *failed) {
    lp_bt_give_back(pool, blocks, n);
    *failed = requested;
    return LP_BT_NO_MEMORY;
}

lp_bt_store_t lp_bt_insert(lp_bt_t *t, lp_pool_obj_t *pool, const lp_value_t *key, const lp_value_t *value,
    size_t *failed) {
    const lp_value_t k = *key, v = *value;
    lp_bt_path_t path;
    int at = lp_bt_find(t, &k, &path);

    // Every block the change needs, before anything changes (invariant 8).
    void *taken[LP_BT_MAX_HEIGHT + 3];
    size_t n_taken = 0;
    lp_bt_entry_t e = { .key = k.w, .val = v.w, .tag = v.kind };
    if (lp_bt_is_text(v.kind)) {
        e.val.p = lp_bt_text_new(pool, v.data, v.len);
        if (e.val.p == NULL) {
            return lp_bt_no_memory(pool, taken, n_taken, sizeof(lp_bt_text_t) + v.len, failed);
        }
        taken[n_taken++] = e.val.p;
    }
    if (at >= 0) {
        // Only the value changes: no node moves.
        lp_bt_node_t *nd = path.node[at];
        size_t i = path.idx[at];
        if (lp_bt_is_text(nd->tags[i])) {
            lp_pool_extra_free(pool, nd->vals[i].p);
        }
        nd->vals[i] = e.val;
        nd->tags[i] = e.tag;
        return LP_BT_REPLACED;
    }
    if (lp_bt_is_text(k.kind)) {
        e.key.p = lp_bt_text_new(pool, k.data, k.len);
        if (e.key.p == NULL) {
            return lp_bt_no_memory(pool, taken, n_taken, sizeof(lp_bt_text_t) + k.len, failed);
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
    if (level < 0 && t->height + 2 > LP_BT_MAX_HEIGHT) {
        lp_bt_give_back(pool, taken, n_taken);
        return LP_BT_TOO_DEEP;
    }
    lp_bt_node_t **fresh = (lp_bt_node_t **)&taken[n_taken];
    for (size_t j = 0; j < n_nodes; j++) {
        // The first split is of the leaf; the later ones and a new root are internal nodes.
        size_t size = j == 0 && (path.depth == 0 || n_split > 0) ? LP_BT_LEAF_SIZE : LP_BT_INNER_SIZE;
        void *nd = lp_pool_extra_alloc(pool, size LP_META_KIND(LP_KIND_BT_NODE));
        if (nd == NULL) {
            return lp_bt_no_memory(pool, taken, n_taken, size, failed);
        }
        taken[n_taken++] = nd;
    }

    // From here on nothing can fail.
    if (path.depth == 0) {
        lp_bt_node_t *root = fresh[0];
        root->n = 1;
        lp_bt_put(root, 0, &e);
        t->root = root;
        t->height = 0;
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
            root->child[0] = t->root;
            root->child[1] = right;
            t->root = root;
            t->height++;
        }
    }
stored:
    t->kind = k.kind;
    return LP_BT_ADDED;
}

// ---- delete -------------------------------------------------------------------------------------

void lp_bt_remove_at(lp_bt_t *t, lp_pool_obj_t *pool, lp_bt_path_t *path, int at) {
    int leaf = t->height;
    lp_bt_node_t *nd = path->node[at];
    size_t i = path->idx[at];
    lp_bt_free_entry(pool, t->kind, nd, i);
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
    lp_bt_node_t *root = t->root;
    if (root->n == 0) {
        if (t->height > 0) {
            t->root = root->child[0];
            t->height--;
        } else {
            t->root = NULL;
            t->kind = LP_VAL_NONE;
        }
        lp_pool_extra_free(pool, root);
    }
}

// ---- ordered access -----------------------------------------------------------------------------

bool lp_bt_end(const lp_bt_t *t, bool last, lp_bt_cursor_t *cur) {
    lp_bt_node_t *nd = t->root;
    if (nd == NULL) {
        return false;
    }
    for (size_t level = 0; level < t->height; level++) {
        nd = nd->child[last ? nd->n : 0];
    }
    cur->node = nd;
    cur->idx = last ? nd->n - 1 : 0;
    cur->leaf = true;
    return true;
}

bool lp_bt_seek(const lp_bt_t *t, const lp_value_t *k, bool above, bool inclusive, lp_bt_cursor_t *cur) {
    bool any = false;
    lp_bt_node_t *nd = t->root;
    for (size_t level = 0; nd != NULL; level++) {
        bool found;
        size_t i = lp_bt_search(nd, t->kind, k, &found);
        bool leaf = level == t->height;
        if (found && inclusive) {
            cur->node = nd;
            cur->idx = i;
            cur->leaf = leaf;
            return true;
        }
        // Keys [0, i) are < k; key i (if any) is > k unless found (then equal).
        size_t cand_above = found ? i + 1 : i;
        if (above && cand_above < nd->n) {
            any = true;
            cur->node = nd;
            cur->idx = cand_above;
            cur->leaf = leaf;
        } else if (!above && i > 0) {
            any = true;
            cur->node = nd;
            cur->idx = i - 1;
            cur->leaf = leaf;
        }
        if (leaf) {
            break;
        }
        nd = nd->child[found ? (above ? i + 1 : i) : i];
    }
    return any;
}

// From the key under the cursor: a cursor holds no path, so it climbs by searching from the root.
bool lp_bt_next_slow(const lp_bt_t *t, lp_bt_cursor_t *cur) {
    lp_value_t k;
    lp_bt_cursor_key(t, cur, &k);
    return lp_bt_seek(t, &k, true, false, cur);
}

static void lp_bt_walk_node(const lp_bt_t *t, const lp_bt_node_t *nd, size_t levels_below, lp_bt_walk_fn_t fn,
    void *ctx) {
    for (size_t i = 0; i <= nd->n; i++) {
        if (levels_below > 0) {
            lp_bt_walk_node(t, nd->child[i], levels_below - 1, fn, ctx);
        }
        if (i < nd->n) {
            lp_value_t k, v;
            lp_bt_split_word(t->kind, nd->keys[i], &k);
            lp_bt_split_word(nd->tags[i], nd->vals[i], &v);
            fn(ctx, &k, &v);
        }
    }
}

void lp_bt_walk(const lp_bt_t *t, lp_bt_walk_fn_t fn, void *ctx) {
    if (t->root != NULL) {
        lp_bt_walk_node(t, t->root, t->height, fn, ctx);
    }
}

// ---- the structural check -----------------------------------------------------------------------

typedef struct {
    const lp_alloc_t *heap;
    uint8_t kind;
    size_t height;
    size_t count;
    const char *err;
} lp_bt_checker_t;

static bool lp_bt_check_block(lp_bt_checker_t *c, const void *p, size_t need) {
    if (lp_usable_size(c->heap, p) < need) {
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
        lp_bt_split_word(c->kind, nd->keys[i], &k);
        const lp_word_t *before = i > 0 ? &nd->keys[i - 1] : lo;
        if ((before != NULL && lp_bt_compare(c->kind, &k, *before) <= 0) || (hi != NULL && lp_bt_compare(c->kind, &k, *hi) >= 0)) {
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

const char *lp_bt_check(const lp_bt_t *t, const lp_alloc_t *heap, size_t len) {
    lp_bt_checker_t c = { heap, t->kind, t->height, 0, NULL };
    if ((t->root == NULL) != (len == 0) || (t->kind == LP_VAL_NONE) != (len == 0)) {
        c.err = "invariant 4: empty map with a root or a key kind, or the reverse";
    } else if (t->kind != LP_VAL_NONE && t->kind != LP_VAL_INT && !lp_bt_is_text(t->kind)) {
        c.err = "invariant 5: bad key kind";
    } else if (t->root != NULL) {
        lp_bt_check_node(&c, t->root, 0, true, true, NULL, NULL);
        if (c.err == NULL && c.count != len) {
            c.err = "invariant 4: entry count differs from len";
        }
    }
    return c.err;
}
