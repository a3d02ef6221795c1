// Layer 4 (docs/internals.md): allocation tracking (LP_POOL_ALLOC_META=1). Which kind of object owns
// each live block of a pool, and in which scope it was allocated, counted in a (kind, scope) table
// in the arena. Below it the allocator (whose block tags name the rows), the lock and errors; the
// pools call it with every block they allocate, resize and free. Its Python face (LpScope, pool.meta()
// and the statistics table) is lp_scope.c's. Without tracking nothing of this file is compiled.
//
// Invariants (pool.check() tests 1 and 2):
//  1. Every live block of a tracking pool has a tag t >= 1 in its header (lp_alloc's LP_ALLOC_TAG)
//     naming row t - 1 of the pool's table, and each row's count and bytes are exactly the number
//     of live blocks with its tag and what they occupy in the arena (8 bytes per granule, header
//     included). So the rows add up to stats()["used"].
//  2. The table sits at the start of the pool's region, before the allocator's own area, and is
//     sized at pool creation: it is plain bytes (kinds, cut scope names, counters), never a GC
//     reference, and is read and written only under lp_lock(), so allocation inside run() and in
//     hard IRQ handlers keeps it exact and reading it never needs the GC heap.
//  3. A row is found or made before its allocation happens; when every row is taken by another
//     live (kind, scope) pair, the allocation raises RuntimeError (preallocated) and nothing
//     changes. Rows whose count fell to 0 are reused. Row 0 is the pinned blocks' row (invariant 7
//     of lp_pool.h): a stranded block moves there, so stranding never needs a new row.
//  4. A block keeps the row it was allocated in when it grows or shrinks (its scope is where it was
//     born); a pinned block's data moved to a fresh block keeps its row too.
//  5. The current scope is per pool: `with pool.scope(name)` and run(fn, scope=name) set it and put
//     the outer one back on the way out, also after an exception. The pool holds the name (a str)
//     while it is current; rows keep a copy cut to LP_META_NAME bytes (at a
//     character boundary), so two names that agree in those bytes share rows.
#include <string.h>

#include "py/gc.h"
#include "py/runtime.h"
#include "py/stream.h"

#include "lp_pool.h"

#if LP_POOL_ALLOC_META

typedef struct {
    uint32_t rows;
    uint32_t reserved;
    lp_meta_row_t row[];
} lp_meta_table_t;

LP_DEFINE_STATIC_EXC(lp_err_meta_full, mp_type_RuntimeError,
    "lp_pool tracking table is full: more (type, scope) pairs than meta_rows");

#define LP_META_PINNED_TAG (1u)

size_t lp_meta_table_bytes(size_t rows) {
    return (sizeof(lp_meta_table_t) + rows * sizeof(lp_meta_row_t) + 7) & ~(size_t)7;
}

void lp_meta_init(lp_pool_obj_t *pool, void *table, size_t rows) {
    lp_meta_table_t *t = table;
    memset(t, 0, lp_meta_table_bytes(rows));
    t->rows = (uint32_t)rows;
    t->row[0].kind = LP_KIND_PINNED;
    pool->meta = t;
    pool->meta_scope = MP_OBJ_NULL;
    pool->meta_full = false;
}

// Row i copied out under the lock (the table may change between rows, never inside one); false past
// the last row.
bool lp_meta_row_copy(lp_pool_obj_t *pool, uint32_t i, lp_meta_row_t *out) {
    lp_lock();
    lp_meta_table_t *t = pool->meta;
    bool more = i < t->rows;
    if (more) {
        *out = t->row[i];
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

// The tag (row + 1) for a new block of `kind` in the current scope, made if needed; 0 when full.
static uint32_t lp_meta_row(lp_pool_obj_t *pool, uint32_t kind) {
    if (kind == LP_KIND_PINNED) {
        return LP_META_PINNED_TAG;
    }
    lp_meta_table_t *t = pool->meta;
    // A str's bytes, read without allocating (the pool's reference keeps the str alive).
    size_t len = 0;
    const byte *name = NULL;
    if (pool->meta_scope != MP_OBJ_NULL) {
        name = (const byte *)mp_obj_str_get_data(pool->meta_scope, &len);
        len = lp_meta_cut(name, len);
    }
    uint8_t has = name != NULL;
    uint32_t spare = 0;
    for (uint32_t i = 1; i < t->rows; i++) {
        lp_meta_row_t *r = &t->row[i];
        if (r->count == 0) {
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
        lp_meta_row_t *r = &t->row[spare - 1];
        r->kind = (uint16_t)kind;
        r->has_scope = has;
        r->name_len = (uint8_t)len;
        if (len != 0) {
            memcpy(r->name, name, len);
        }
    }
    return spare;
}

MP_NORETURN void lp_meta_raise_full(void) {
    lp_raise_static(&lp_err_meta_full);
}

// ---- tracked allocation: what the pools call instead of the allocator ---------------------
// Each function reads what it needs of the allocator (a block's tag and size), makes the
// allocator's change, then counts it in the row: plain arithmetic on the table, nothing called. A
// block occupies its usable bytes and its 4-byte header (invariant 1). A tag that names no row
// (a corrupted pool: check() reports it) counts nowhere.

void *lp_meta_alloc(lp_pool_obj_t *pool, size_t size, uint32_t kind) {
    // A full table is a failed attempt like a full pool, never a raise here: the pool collects
    // (garbage gives its rows back) and tries again before lp_pool_collect_or_raise says which.
    uint32_t tag = lp_meta_row(pool, kind);
    pool->meta_full = tag == 0;
    if (tag == 0) {
        return NULL;
    }
    lp_meta_row_t *r = &((lp_meta_table_t *)pool->meta)->row[tag - 1];
    lp_alloc_t *heap = pool->heap;
    void *p = lp_alloc(heap, size);
    if (p != NULL) {
        lp_alloc_set_tag(heap, p, tag);
        r->count++;
        r->bytes += (uint32_t)lp_usable_size(heap, p) + 4;
    }
    return p;
}

void lp_meta_free(lp_pool_obj_t *pool, void *p) {
    lp_meta_table_t *t = pool->meta;
    lp_alloc_t *heap = pool->heap;
    uint32_t tag = lp_alloc_tag(heap, p);
    uint32_t bytes = (uint32_t)lp_usable_size(heap, p) + 4;
    lp_free(heap, p);
    if (tag != 0 && tag <= t->rows) {
        t->row[tag - 1].count--;
        t->row[tag - 1].bytes -= bytes;
    }
}

void *lp_meta_realloc_begin(lp_pool_obj_t *pool, void *ptr, size_t size, lp_realloc_plan_t *plan) {
    pool->meta_full = false; // a resize keeps its row (invariant 4): never short of one
    lp_meta_table_t *t = pool->meta;
    lp_alloc_t *heap = pool->heap;
    uint32_t tag = lp_alloc_tag(heap, ptr);
    uint32_t old_bytes = (uint32_t)lp_usable_size(heap, ptr) + 4;
    void *p = lp_realloc_begin(heap, ptr, size, plan);
    if (p != NULL && tag != 0) {
        lp_alloc_set_tag(heap, p, tag);
        uint32_t bytes = (uint32_t)lp_usable_size(heap, p) + 4;
        // A move counts both blocks until lp_meta_realloc_end frees the old one.
        bool moved = plan->old != NULL;
        t->row[tag - 1].count += moved;
        t->row[tag - 1].bytes += moved ? bytes : bytes - old_bytes;
    }
    return p;
}

void lp_meta_realloc_end(lp_pool_obj_t *pool, void *p, size_t size, lp_realloc_plan_t *plan) {
    lp_meta_table_t *t = pool->meta;
    lp_alloc_t *heap = pool->heap;
    // A move frees the old block; backward growth gives the tail of the block itself back.
    bool moved = plan->old != NULL;
    void *before = moved ? plan->old : p;
    uint32_t tag = lp_alloc_tag(heap, before);
    uint32_t old_bytes = (uint32_t)lp_usable_size(heap, before) + 4;
    lp_realloc_end(heap, p, size, plan);
    if (tag == 0 || tag > t->rows) {
        return;
    }
    if (moved) {
        t->row[tag - 1].count--;
        t->row[tag - 1].bytes -= old_bytes;
    } else {
        lp_alloc_set_tag(heap, p, tag);
        t->row[tag - 1].bytes += (uint32_t)lp_usable_size(heap, p) + 4 - old_bytes;
    }
}

// p's accounting moves to the row of block `from`, or to the pinned row when `from` is NULL.
static void lp_meta_move(lp_pool_obj_t *pool, void *p, const void *from) {
    lp_meta_table_t *t = pool->meta;
    lp_alloc_t *heap = pool->heap;
    uint32_t tag = from != NULL ? lp_alloc_tag(heap, from) : LP_META_PINNED_TAG;
    if (tag == 0) {
        return;
    }
    uint32_t old_tag = lp_alloc_tag(heap, p);
    uint32_t bytes = (uint32_t)lp_usable_size(heap, p) + 4;
    lp_alloc_set_tag(heap, p, tag);
    if (old_tag != 0 && old_tag <= t->rows) {
        t->row[old_tag - 1].count--;
        t->row[old_tag - 1].bytes -= bytes;
    }
    t->row[tag - 1].count++;
    t->row[tag - 1].bytes += bytes;
}

void lp_meta_strand(lp_pool_obj_t *pool, void *p) {
    lp_meta_move(pool, p, NULL); // invariant 3: never needs a new row
}

void lp_meta_inherit(lp_pool_obj_t *pool, void *fresh, void *from) {
    lp_meta_move(pool, fresh, from); // invariant 4
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

void lp_meta_check_begin(lp_pool_obj_t *pool, lp_meta_check_t *m) {
    memset(m, 0, sizeof(*m));
    m->heap = pool->heap;
    m->rows = ((lp_meta_table_t *)pool->meta)->rows;
}

// One walk over the blocks per LP_META_GROUP rows (one walk for the default 16), a row's counts on
// the C stack: no memory needed, linear in the blocks, and in steps of `budget` blocks so that
// check() holds the lock for a bounded time (lp_mempool.c).
bool lp_meta_check_step(lp_pool_obj_t *pool, lp_meta_check_t *m, uint32_t budget, const char **err) {
    lp_meta_table_t *t = pool->meta;
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
        if (m->count[i] != t->row[m->row + i].count || m->bytes[i] != t->row[m->row + i].bytes) {
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

void lp_meta_scope_set(lp_pool_obj_t *pool, mp_obj_t name) {
    lp_lock();
    pool->meta_scope = name;
    lp_unlock();
}

#endif // LP_POOL_ALLOC_META
