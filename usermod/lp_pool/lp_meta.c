// Layer 4 (docs/internals.md): allocation tracking (LP_POOL_ALLOC_META=1). Which kind of object owns
// each live block of a pool, and in which scope it was allocated, counted in a (kind, scope) table
// in the arena. Below it the allocator, the lock and errors. A row's tag (its index + 1) goes into
// the header of each block allocated in it (lp_alloc's LP_ALLOC_TAG), and the allocator counts
// the blocks and bytes of every tag in the table's tallies (lp_alloc_set_tallies): a resize, a
// move or a free changes them with no call here, so the pools ask tracking only for a new block's
// tag (lp_meta_tag). Its Python face (LpScope, pool.meta() and the statistics table) is
// lp_scope.c's. Without tracking nothing of this file is compiled.
//
// Invariants (pool.check() tests 1 and 2):
//  1. Every live block of a tracking pool has a tag t >= 1 in its header naming row t - 1 of the
//     pool's table, and each row's tally is exactly the number of live blocks with its tag and
//     what they occupy in the arena (8 bytes per granule, header included): the allocator's
//     invariant 12. So the rows add up to stats()["used"].
//  2. The table sits at the start of the pool's region, before the allocator's own area, and is
//     sized at pool creation: it is plain bytes (kinds, cut scope names, counters), never a GC
//     reference, and is read and written only under lp_lock(), so allocation inside run() and in
//     hard IRQ handlers keeps it exact and reading it never needs the GC heap.
//  3. A row is found or made before its allocation happens; when every row is taken by another
//     live (kind, scope) pair, the allocation raises RuntimeError (preallocated) and nothing
//     changes. Rows whose count fell to 0 are reused. Row 0 is the pinned blocks' row (invariant 7
//     of lp_pool.h): a stranded block moves there, so stranding never needs a new row.
//  4. A block keeps the row it was allocated in when it grows, shrinks or moves (its scope is where
//     it was born: the allocator keeps its tag); a pinned block's data moved to a fresh block keeps
//     its row too (the pools give the fresh block the old one's tag).
//  5. The current scope is per pool: `with pool.scope(name)` and run(fn, scope=name) set it and put
//     the outer one back on the way out, also after an exception. The pool holds the name (a str)
//     while it is current; rows keep a copy cut to LP_META_NAME bytes (at a
//     character boundary), so two names that agree in those bytes share rows.
#include <string.h>

#include "py/gc.h"
#include "py/runtime.h"
#include "py/stream.h"

#include "lp_error.h"
#include "lp_lock.h"
#include "lp_meta.h"

#if LP_POOL_ALLOC_META

// A row's name: which (kind, scope) pair its tag stands for.
typedef struct {
    uint16_t kind;          // LP_KIND_* | typecode << 8
    uint8_t name_len;
    uint8_t has_scope;      // 0: no scope
    char name[LP_META_NAME];
} lp_meta_name_t;

// The tallies first (the allocator's, indexed by tag - 1), then the names of the same rows.
typedef struct {
    uint32_t rows;
    uint32_t reserved;
    lp_alloc_tally_t tally[];
} lp_meta_table_t;

static inline lp_meta_name_t *lp_meta_names(lp_meta_table_t *t) {
    return (lp_meta_name_t *)(void *)&t->tally[t->rows];
}

LP_DEFINE_STATIC_EXC(lp_err_meta_full, mp_type_RuntimeError,
    "lp_pool tracking table is full: more (type, scope) pairs than meta_rows");

size_t lp_meta_table_bytes(size_t rows) {
    return (sizeof(lp_meta_table_t) + rows * (sizeof(lp_alloc_tally_t) + sizeof(lp_meta_name_t)) + 7) & ~(size_t)7;
}

void lp_meta_init(lp_meta_t *meta, void *table, size_t rows, lp_alloc_t *heap) {
    lp_meta_table_t *t = table;
    memset(t, 0, lp_meta_table_bytes(rows));
    t->rows = (uint32_t)rows;
    lp_meta_names(t)[LP_META_PINNED_TAG - 1].kind = LP_KIND_PINNED;
    lp_alloc_set_tallies(heap, t->tally, (uint32_t)rows);
    meta->table = t;
    meta->scope = MP_OBJ_NULL;
    meta->full = false;
}

bool lp_meta_row_copy(lp_meta_t *meta, uint32_t i, lp_meta_row_t *out) {
    lp_lock();
    lp_meta_table_t *t = meta->table;
    bool more = i < t->rows;
    if (more) {
        const lp_meta_name_t *n = &lp_meta_names(t)[i];
        out->count = t->tally[i].count;
        out->bytes = t->tally[i].bytes;
        out->kind = n->kind;
        out->name_len = n->name_len;
        out->has_scope = n->has_scope;
        memcpy(out->name, n->name, LP_META_NAME);
    }
    lp_unlock();
    return more;
}

// The longest prefix of at most LP_META_NAME bytes that ends at a character boundary.
static size_t lp_meta_cut(const byte *s, size_t len) {
    if (len <= LP_META_NAME) {
        return len;
    }
    len = LP_META_NAME;
    while (len > 0 && (s[len] & 0xc0) == 0x80) {
        len--;
    }
    return len;
}

uint32_t lp_meta_tag(lp_meta_t *meta, uint32_t kind) {
    meta->full = false;
    if (kind == LP_KIND_PINNED) {
        return LP_META_PINNED_TAG;
    }
    lp_meta_table_t *t = meta->table;
    lp_meta_name_t *names = lp_meta_names(t);
    // A str's bytes, read without allocating (the reference in `meta` keeps the str alive).
    size_t len = 0;
    const byte *name = NULL;
    if (meta->scope != MP_OBJ_NULL) {
        name = (const byte *)mp_obj_str_get_data(meta->scope, &len);
        len = lp_meta_cut(name, len);
    }
    uint8_t has = name != NULL;
    uint32_t spare = 0;
    for (uint32_t i = 1; i < t->rows; i++) {
        lp_meta_name_t *r = &names[i];
        if (t->tally[i].count == 0) {
            if (spare == 0) {
                spare = i + 1;
            }
            continue;
        }
        // (no memcmp with no name: NULL is not a pointer it may be given, even for 0 bytes)
        if (r->kind == kind && r->has_scope == has && r->name_len == len && (len == 0 || memcmp(r->name, name, len) == 0)) {
            return i + 1;
        }
    }
    if (spare != 0) {
        // Invariant 3: an empty row is taken over (also one of the same pair left empty before).
        lp_meta_name_t *r = &names[spare - 1];
        r->kind = (uint16_t)kind;
        r->has_scope = has;
        r->name_len = (uint8_t)len;
        if (len != 0) {
            memcpy(r->name, name, len);
        }
    }
    // A full table is a failed attempt like a full pool, never a raise here: the pool collects
    // (garbage gives its rows back) and tries again before lp_pool_collect_or_raise says which.
    meta->full = spare == 0;
    return spare;
}

MP_NORETURN void lp_meta_raise_full(void) {
    lp_raise_static(&lp_err_meta_full);
}

// ---- reading the table -------------------------------------------------------------------

// One block of the walk: tallied under its row when the row is in the group being checked.
static void lp_meta_tally(void *ptr, size_t usable, bool used, void *ctx) {
    lp_meta_check_t *m = ctx;
    if (!used) {
        return;
    }
    uint32_t tag = lp_alloc_tag(m->heap, ptr);
    m->bad |= tag == 0 || tag > m->rows;
    uint32_t i = tag - 1 - m->row; // wraps for rows below the group
    if (i < LP_META_GROUP) {
        m->count[i]++;
        m->bytes[i] += (uint32_t)usable + 4;
    }
}

void lp_meta_check_begin(lp_meta_t *meta, lp_alloc_t *heap, lp_meta_check_t *m) {
    memset(m, 0, sizeof(*m));
    m->heap = heap;
    m->rows = ((lp_meta_table_t *)meta->table)->rows;
}

// One walk over the blocks per LP_META_GROUP rows (one walk for the default 16), a row's counts on
// the C stack: no memory needed, linear in the blocks, and in steps of `budget` blocks so that
// check() holds the lock for a bounded time (lp_mempool.c).
bool lp_meta_check_step(lp_meta_t *meta, lp_meta_check_t *m, uint32_t budget, const char **err) {
    lp_meta_table_t *t = meta->table;
    *err = NULL;
    if (m->row >= m->rows) {
        return true;
    }
    if (!lp_alloc_walk_step(m->heap, &m->cursor, budget, lp_meta_tally, m)) {
        return false;
    }
    if (m->bad) {
        *err = "tracking: a live block has no valid tag";
        return true;
    }
    for (uint32_t i = 0; i < LP_META_GROUP && m->row + i < m->rows; i++) {
        if (m->count[i] != t->tally[m->row + i].count || m->bytes[i] != t->tally[m->row + i].bytes) {
            *err = "tracking: a row's count or bytes disagree with its blocks";
            return true;
        }
    }
    // The next group, from the first block again.
    m->row += LP_META_GROUP;
    m->cursor = 0;
    memset(m->count, 0, sizeof(m->count));
    memset(m->bytes, 0, sizeof(m->bytes));
    return m->row >= m->rows;
}

// ---- scopes ------------------------------------------------------------------------------

// The name of a scope: a non-empty str.
void lp_meta_scope_arg(mp_obj_t name) {
    if (!mp_obj_is_str(name)) {
        mp_raise_TypeError(MP_ERROR_TEXT("scope name must be a str"));
    }
    size_t n;
    mp_obj_str_get_data(name, &n);
    if (n == 0) {
        mp_raise_ValueError(MP_ERROR_TEXT("scope name must not be empty"));
    }
}

void lp_meta_scope_set(lp_meta_t *meta, mp_obj_t name) {
    lp_lock();
    meta->scope = name;
    lp_unlock();
}

#endif // LP_POOL_ALLOC_META
