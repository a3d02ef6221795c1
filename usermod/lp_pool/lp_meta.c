// LpScope and allocation tracking (LP_POOL_ALLOC_META=1): which kind of object owns each live block
// of a pool, and in which scope it was allocated, counted in a (kind, scope) table in the arena.
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

// The arguments of _meta_print, checked the same way with and without tracking: a bad pool or file
// is a TypeError in every build (lp_write.c), before anything is written.
LP_DEFINE_STATIC_EXC(lp_err_meta_pool, mp_type_TypeError, "pool must be an LpMemoryPool or None");

static void lp_meta_print_args(mp_obj_t pool_in, mp_obj_t target, mp_obj_t call_in, lp_writer_t *out) {
    if (pool_in != mp_const_none && !mp_obj_is_type(pool_in, &lp_type_MemoryPool)) {
        lp_raise_static(&lp_err_meta_pool);
    }
    if (mp_obj_is_true(call_in)) {
        lp_writer_callable(out, target);
    } else {
        lp_writer_file(out, target);
    }
}

#if !LP_POOL_ALLOC_META
static mp_obj_t lp_meta_print_fn(mp_obj_t pool_in, mp_obj_t target, mp_obj_t call_in) {
    lp_writer_t out;
    lp_meta_print_args(pool_in, target, call_in, &out);
    lp_raise_no_meta();
}
MP_DEFINE_CONST_FUN_OBJ_3(lp_meta_print_obj, lp_meta_print_fn);

#else

// One row: plain bytes in the arena.
typedef struct {
    uint32_t count;
    uint32_t bytes;
    uint16_t kind;          // LP_KIND_* | typecode << 8
    uint8_t name_len;
    uint8_t has_scope;      // 0: no scope, "(none)"
    char name[LP_META_NAME];
} lp_meta_row_t;

typedef struct {
    uint32_t rows;
    uint32_t reserved;
    lp_meta_row_t row[];
} lp_meta_table_t;

LP_DEFINE_STATIC_EXC(lp_err_meta_full, mp_type_RuntimeError,
    "lp_pool tracking table is full: more (type, scope) pairs than meta_rows");
LP_DEFINE_STATIC_EXC(lp_err_meta_locked, mp_type_RuntimeError, "meta() needs the heap unlocked: call it outside run()");

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

// Bytes a live block occupies in the arena: its granules, header included.
static uint32_t lp_meta_block_bytes(lp_alloc_t *heap, void *p) {
    return (uint32_t)(lp_usable_size(heap, p) + 4);
}

// Row i copied out under the lock (the table may change between rows, never inside one); false past
// the last row.
static bool lp_meta_row_copy(lp_pool_obj_t *pool, uint32_t i, lp_meta_row_t *out) {
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

uint32_t lp_meta_row(lp_pool_obj_t *pool, uint32_t kind) {
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

void lp_meta_add(lp_pool_obj_t *pool, void *p, uint32_t tag) {
    lp_meta_row_t *r = &((lp_meta_table_t *)pool->meta)->row[tag - 1];
    lp_alloc_set_tag(pool->heap, p, tag);
    r->count++;
    r->bytes += lp_meta_block_bytes(pool->heap, p);
}

void lp_meta_sub(lp_pool_obj_t *pool, void *p) {
    uint32_t tag = lp_alloc_tag(pool->heap, p);
    if (tag == 0 || tag > ((lp_meta_table_t *)pool->meta)->rows) {
        return; // would be a corrupted pool: check() reports it
    }
    lp_meta_row_t *r = &((lp_meta_table_t *)pool->meta)->row[tag - 1];
    r->count--;
    r->bytes -= lp_meta_block_bytes(pool->heap, p);
}

uint32_t lp_meta_before_resize(lp_pool_obj_t *pool, void *p, uint32_t *old_bytes) {
    *old_bytes = lp_meta_block_bytes(pool->heap, p);
    return lp_alloc_tag(pool->heap, p);
}

void lp_meta_after_resize(lp_pool_obj_t *pool, void *p, uint32_t tag, uint32_t old_bytes) {
    if (tag == 0) {
        return;
    }
    lp_meta_row_t *r = &((lp_meta_table_t *)pool->meta)->row[tag - 1];
    lp_alloc_set_tag(pool->heap, p, tag);
    r->bytes += lp_meta_block_bytes(pool->heap, p) - old_bytes;
}

void lp_meta_retag(lp_pool_obj_t *pool, void *p, uint32_t tag) {
    if (tag == 0) {
        return;
    }
    lp_meta_sub(pool, p);
    lp_meta_add(pool, p, tag);
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

// The type column: "lp_pool.LpVec('i')".
static void lp_meta_print_kind(const mp_print_t *print, uint32_t kind) {
    static const char *const names[] = {
        [LP_KIND_PINNED] = "(pinned)",
        [LP_KIND_BUFFER] = "LpBuffer",
        [LP_KIND_VEC] = "LpVec",
        [LP_KIND_STRING] = "LpString",
        [LP_KIND_BTREEMAP] = "LpBTreeMap",
        [LP_KIND_BT_NODE] = "LpBTreeMap node",
        [LP_KIND_BT_TEXT] = "LpBTreeMap text",
        [LP_KIND_BOX] = "LpBox",
    };
    uint32_t k = kind & 0xff;
    mp_printf(print, "lp_pool.%s", k < MP_ARRAY_SIZE(names) && names[k] ? names[k] : "?");
    if (k == LP_KIND_VEC) {
        mp_printf(print, "('%c')", (int)(kind >> 8));
    }
}

// Text cut to `width` characters and padded with spaces to it (UTF-8 aware).
static void lp_meta_print_cell(const mp_print_t *print, const char *s, size_t len, size_t width) {
    size_t chars = 0, i = 0;
    while (i < len && chars < width) {
        size_t j = i + 1;
        while (j < len && ((byte)s[j] & 0xc0) == 0x80) {
            j++;
        }
        i = j;
        chars++;
    }
    mp_print_strn(print, s, i, 0, ' ', 0);
    while (chars++ < width) {
        mp_print_strn(print, " ", 1, 0, ' ', 0);
    }
}

#define LP_META_LINE (160)
#define LP_META_RULE "----------------------------------------------------------------------------------------\n"

static void lp_meta_emit(lp_writer_t *out, vstr_t *line) {
    // A line reaches a Python write function in one piece, also with the heap locked (lp_write.c).
    MP_STATIC_ASSERT(LP_META_LINE <= LP_WRITE_PIECE);
    lp_writer_write(out, line->buf, line->len, true);
    line->len = 0;
}

static void lp_meta_print_row(const mp_print_t *print, const char *type_or_null, uint32_t kind,
    const char *scope, size_t scope_len, uint32_t count, uint32_t bytes) {
    if (type_or_null != NULL) {
        lp_meta_print_cell(print, type_or_null, strlen(type_or_null), 40);
    } else {
        // The type name is at most 40 characters; built in a small buffer to cut and pad it.
        char buf[48];
        vstr_t v;
        vstr_init_fixed_buf(&v, sizeof(buf), buf);
        mp_print_t pv = { &v, (mp_print_strn_t)vstr_add_strn };
        lp_meta_print_kind(&pv, kind);
        lp_meta_print_cell(print, v.buf, v.len, 40);
    }
    mp_print_strn(print, " ", 1, 0, ' ', 0);
    lp_meta_print_cell(print, scope, scope_len, 24);
    mp_printf(print, " %5u %10u\n", (unsigned)count, (unsigned)bytes);
}

// _lp_pool._meta_print(pool, target, call): the table, line by line, to a file (call False: what
// print(file=) takes) or to target(line) (call True). Each row is copied under the lock, then
// formatted on the C stack.
static mp_obj_t lp_meta_print_fn(mp_obj_t pool_in, mp_obj_t target, mp_obj_t call_in) {
    lp_writer_t out;
    lp_meta_print_args(pool_in, target, call_in, &out);
    lp_pool_obj_t *pool = lp_pool_for_new(pool_in);
    char buf[LP_META_LINE];
    vstr_t line;
    vstr_init_fixed_buf(&line, sizeof(buf), buf);
    mp_print_t print = { &line, (mp_print_strn_t)vstr_add_strn };
    mp_print_str(&print, "Memory Statistics by Type and Scope:\n");
    lp_meta_emit(&out, &line);
    mp_print_str(&print, LP_META_RULE);
    lp_meta_emit(&out, &line);
    mp_print_str(&print, "Type                                     Scope                    Count      Bytes\n");
    lp_meta_emit(&out, &line);
    mp_print_str(&print, LP_META_RULE);
    lp_meta_emit(&out, &line);
    uint32_t total_count = 0, total_bytes = 0;
    for (uint32_t i = 0;; i++) {
        lp_pool_check_open(pool);
        lp_meta_row_t r;
        if (!lp_meta_row_copy(pool, i, &r)) {
            break;
        }
        if (r.count == 0) {
            continue;
        }
        total_count += r.count;
        total_bytes += r.bytes;
        lp_meta_print_row(&print, NULL, r.kind, r.has_scope ? r.name : "(none)", r.has_scope ? r.name_len : 6,
            r.count, r.bytes);
        lp_meta_emit(&out, &line);
    }
    mp_print_str(&print, LP_META_RULE);
    lp_meta_emit(&out, &line);
    lp_meta_print_row(&print, "TOTAL", 0, "", 0, total_count, total_bytes);
    lp_meta_emit(&out, &line);
    return mp_const_none;
}
MP_DEFINE_CONST_FUN_OBJ_3(lp_meta_print_obj, lp_meta_print_fn);

// pool.meta(): [(type, scope or None, count, bytes), ...] for the rows in use, in table order.
mp_obj_t lp_meta_rows(lp_pool_obj_t *pool) {
    if (gc_is_locked()) {
        lp_raise_static(&lp_err_meta_locked);
    }
    lp_pool_check_open(pool);
    mp_obj_t list = mp_obj_new_list(0, NULL);
    for (uint32_t i = 0;; i++) {
        lp_meta_row_t r;
        if (!lp_meta_row_copy(pool, i, &r)) {
            break;
        }
        if (r.count == 0) {
            continue;
        }
        vstr_t v;
        vstr_init(&v, 32);
        mp_print_t p = { &v, (mp_print_strn_t)vstr_add_strn };
        lp_meta_print_kind(&p, r.kind);
        mp_obj_t items[4] = {
            mp_obj_new_str_from_vstr(&v),
            r.has_scope ? mp_obj_new_str(r.name, r.name_len) : mp_const_none,
            mp_obj_new_int_from_uint(r.count),
            mp_obj_new_int_from_uint(r.bytes),
        };
        mp_obj_list_append(list, mp_obj_new_tuple(4, items));
    }
    return list;
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

// LpScope: what pool.scope(name) returns, a context manager.
typedef struct {
    mp_obj_base_t base;
    lp_pool_obj_t *pool;
    mp_obj_t name;
    mp_obj_t outer;
    bool entered;
} lp_scope_obj_t;

mp_obj_t lp_meta_scope_new(lp_pool_obj_t *pool, mp_obj_t name) {
    lp_meta_scope_arg(name);
    lp_scope_obj_t *s = mp_obj_malloc(lp_scope_obj_t, &lp_type_Scope);
    s->pool = pool;
    s->name = name;
    s->outer = MP_OBJ_NULL;
    s->entered = false;
    return MP_OBJ_FROM_PTR(s);
}

static mp_obj_t lp_scope_enter(mp_obj_t self_in) {
    lp_scope_obj_t *self = MP_OBJ_TO_PTR(self_in);
    if (self->entered) {
        mp_raise_msg(&mp_type_RuntimeError, MP_ERROR_TEXT("this scope is already entered"));
    }
    self->outer = self->pool->meta_scope;
    lp_meta_scope_set(self->pool, self->name);
    self->entered = true;
    return self_in;
}
static MP_DEFINE_CONST_FUN_OBJ_1(lp_scope_enter_obj, lp_scope_enter);

static mp_obj_t lp_scope_exit(size_t n_args, const mp_obj_t *args) {
    (void)n_args;
    lp_scope_obj_t *self = MP_OBJ_TO_PTR(args[0]);
    if (self->entered) {
        lp_meta_scope_set(self->pool, self->outer);
        self->entered = false;
    }
    return mp_const_false;
}
static MP_DEFINE_CONST_FUN_OBJ_VAR_BETWEEN(lp_scope_exit_obj, 4, 4, lp_scope_exit);

static void lp_scope_print(const mp_print_t *print, mp_obj_t self_in, mp_print_kind_t kind) {
    (void)kind;
    lp_scope_obj_t *self = MP_OBJ_TO_PTR(self_in);
    mp_printf(print, "<LpScope %r>", self->name);
}

static const mp_rom_map_elem_t lp_scope_locals_dict_table[] = {
    { MP_ROM_QSTR(MP_QSTR___enter__), MP_ROM_PTR(&lp_scope_enter_obj) },
    { MP_ROM_QSTR(MP_QSTR___exit__), MP_ROM_PTR(&lp_scope_exit_obj) },
};
static MP_DEFINE_CONST_DICT(lp_scope_locals_dict, lp_scope_locals_dict_table);

MP_DEFINE_CONST_OBJ_TYPE(
    lp_type_Scope,
    MP_QSTR_LpScope,
    MP_TYPE_FLAG_NONE,
    print, lp_scope_print,
    locals_dict, &lp_scope_locals_dict
    );

#endif // LP_POOL_ALLOC_META
