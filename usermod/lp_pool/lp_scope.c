// LpScope and the rest of the tracking's Python face: pool.meta()'s rows, pool.scope(name) and the
// statistics table (_lp_pool._meta_print, what print_memory_stats writes). Above the pools, which
// it looks the pool up in, and the writer it prints to; the table itself is lp_meta.c's (layer 4).
// Layer 7 with the module (docs/internals.md). Without tracking only _meta_print is here, to check
// its arguments and say why it can't help.
#include <string.h>

#include "py/gc.h"
#include "py/runtime.h"

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

LP_DEFINE_STATIC_EXC(lp_err_meta_locked, mp_type_RuntimeError, "meta() needs the heap unlocked: call it outside run()");

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
        if (!lp_meta_row_copy(&pool->meta, i, &r)) {
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
        if (!lp_meta_row_copy(&pool->meta, i, &r)) {
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
    self->outer = self->pool->meta.scope;
    lp_meta_scope_set(&self->pool->meta, self->name);
    self->entered = true;
    return self_in;
}
static MP_DEFINE_CONST_FUN_OBJ_1(lp_scope_enter_obj, lp_scope_enter);

static mp_obj_t lp_scope_exit(size_t n_args, const mp_obj_t *args) {
    (void)n_args;
    lp_scope_obj_t *self = MP_OBJ_TO_PTR(args[0]);
    if (self->entered) {
        lp_meta_scope_set(&self->pool->meta, self->outer);
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
