// LpMemoryPool, the Python face of a pool: its constructor, methods and attributes. Above the heap
// guard (layer 6, lp_run.c), whose run(), __enter__ and __exit__ it offers as methods; the pool
// itself (creation, memory, the registry, check() and close()) is lp_mempool.c's, the layer below.
// Layer 7 with the module (docs/internals.md).

#include "py/gc.h"
#include "py/runtime.h"

#include "lp_pool.h"

LP_DEFINE_STATIC_EXC(lp_err_read_only, mp_type_AttributeError,
    "an LpMemoryPool's size, closed and is_static are read-only; collect can be set, not deleted");
LP_DEFINE_STATIC_EXC(lp_err_reserve_locked, mp_type_RuntimeError, "reserve() needs the heap unlocked: call it before run()");

// The reserve size accepted by LpMemoryPool(reserve=) and pool.reserve(n): ValueError for any int
// out of range, however large; TypeError for what is not an int.
static size_t lp_reserve_arg(mp_obj_t n_in) {
    mp_int_t n = mp_obj_is_int(n_in) && !mp_obj_is_small_int(n_in) ? -1 : mp_obj_get_int(n_in);
    if (n < 0 || n > 0xffff) {
        mp_raise_ValueError(MP_ERROR_TEXT("reserve must be between 0 and 65535"));
    }
    return (size_t)n;
}

static mp_obj_t lp_mempool_make_new(const mp_obj_type_t *type, size_t n_args, size_t n_kw, const mp_obj_t *all_args) {
    enum { ARG_buf, ARG_reserve, ARG_collect, ARG_meta_rows };
    static const mp_arg_t allowed_args[] = {
        { MP_QSTR_buf, MP_ARG_OBJ, {.u_obj = mp_const_none} },
        { MP_QSTR_reserve, MP_ARG_KW_ONLY | MP_ARG_OBJ, {.u_obj = MP_OBJ_NULL} },
        { MP_QSTR_collect, MP_ARG_KW_ONLY | MP_ARG_OBJ, {.u_obj = MP_OBJ_NULL} },
        #if LP_POOL_ALLOC_META
        { MP_QSTR_meta_rows, MP_ARG_KW_ONLY | MP_ARG_INT, {.u_int = LP_POOL_META_ROWS} },
        #else
        // Accepted so that it can say why it does nothing here, as the other tracking APIs do.
        { MP_QSTR_meta_rows, MP_ARG_KW_ONLY | MP_ARG_OBJ, {.u_obj = MP_OBJ_NULL} },
        #endif
    };
    mp_arg_val_t args[MP_ARRAY_SIZE(allowed_args)];
    mp_arg_parse_all_kw_array(n_args, n_kw, all_args, MP_ARRAY_SIZE(allowed_args), allowed_args, args);
    #if !LP_POOL_ALLOC_META
    if (args[ARG_meta_rows].u_obj != MP_OBJ_NULL) {
        lp_raise_no_meta();
    }
    #endif
    bool reserve_given = args[ARG_reserve].u_obj != MP_OBJ_NULL;
    size_t reserve = reserve_given ? lp_reserve_arg(args[ARG_reserve].u_obj) : LP_POOL_DEFAULT_RESERVE;
    mp_obj_t collect_in = args[ARG_collect].u_obj;
    bool collect = collect_in == MP_OBJ_NULL || mp_obj_is_true(collect_in);
    mp_obj_t buf = args[ARG_buf].u_obj;
    lp_pool_obj_t *pool;
    if (buf == mp_const_none) {
        // LpMemoryPool() and LpMemoryPool(None) are the static pool; reserve= and collect= given
        // here change its settings.
        pool = lp_static_pool();
        if (collect_in != MP_OBJ_NULL) {
            pool->collect = collect;
        }
        if (reserve_given) {
            pool->reserve_target = reserve;
            lp_pool_refill(pool);
        }
        return MP_OBJ_FROM_PTR(pool);
    }
    return MP_OBJ_FROM_PTR(lp_pool_new_caller(buf, reserve, collect LP_META_KIND(args[ARG_meta_rows].u_int)));
}

static void lp_mempool_print(const mp_print_t *print, mp_obj_t self_in, mp_print_kind_t kind) {
    lp_pool_obj_t *self = MP_OBJ_TO_PTR(self_in);
    if (self->heap == NULL) {
        if (self->buf != MP_OBJ_NULL) {
            // Closed with pinned blocks: it keeps its memory (invariant 7).
            mp_printf(print, "<LpMemoryPool closed, keeping %u bytes at %p for %u pinned blocks>",
                (unsigned)self->size, self->mem, (unsigned)self->pinned);
        } else {
            mp_printf(print, "<LpMemoryPool closed>");
        }
        return;
    }
    if (!lp_pool_region_valid(self)) {
        mp_printf(print, "<LpMemoryPool over a moved buffer>");
        return;
    }
    lp_alloc_stats_t st;
    lp_lock();
    lp_alloc_stats(self->heap, &st);
    lp_unlock();
    if (self->buf == MP_OBJ_NULL) {
        mp_printf(print, "<LpMemoryPool static arena, %u bytes", (unsigned)st.capacity);
    } else {
        // The address tells two pools of the same size apart (overlap errors name a pool so).
        mp_printf(print, "<LpMemoryPool caller buffer at %p, %u bytes", self->mem, (unsigned)st.capacity);
    }
    mp_printf(print, ": %u used, %u free, %u objects>", (unsigned)st.used, (unsigned)st.free, (unsigned)self->live);
}

static mp_obj_t lp_mempool_run(size_t n_args, const mp_obj_t *args, mp_map_t *kw_args) {
    return lp_run_call(MP_OBJ_TO_PTR(args[0]), n_args - 1, args + 1, kw_args);
}
static MP_DEFINE_CONST_FUN_OBJ_KW(lp_mempool_run_obj, 2, lp_mempool_run);

static mp_obj_t lp_mempool_enter(mp_obj_t self_in) {
    lp_pool_obj_t *self = MP_OBJ_TO_PTR(self_in);
    lp_pool_check_open(self);
    lp_run_enter(self);
    return self_in;
}
static MP_DEFINE_CONST_FUN_OBJ_1(lp_mempool_enter_obj, lp_mempool_enter);

static mp_obj_t lp_mempool_exit(size_t n_args, const mp_obj_t *args) {
    (void)n_args;
    lp_run_exit_pool(MP_OBJ_TO_PTR(args[0]));
    return mp_const_false;
}
static MP_DEFINE_CONST_FUN_OBJ_VAR_BETWEEN(lp_mempool_exit_obj, 4, 4, lp_mempool_exit);

static void lp_dict_set(mp_obj_t d, qstr key, size_t value) {
    mp_obj_dict_store(d, MP_OBJ_NEW_QSTR(key), mp_obj_new_int_from_uint(value));
}

static mp_obj_t lp_mempool_stats(mp_obj_t self_in) {
    lp_pool_obj_t *self = MP_OBJ_TO_PTR(self_in);
    lp_pool_check_open(self);
    lp_alloc_stats_t st;
    lp_lock();
    lp_alloc_stats(self->heap, &st);
    lp_unlock();
    mp_obj_t d = mp_obj_new_dict(16);
    lp_dict_set(d, MP_QSTR_capacity, st.capacity);
    lp_dict_set(d, MP_QSTR_used, st.used);
    lp_dict_set(d, MP_QSTR_payload, st.used_payload);
    lp_dict_set(d, MP_QSTR_free, st.free);
    lp_dict_set(d, MP_QSTR_largest_free, st.largest_free);
    lp_dict_set(d, MP_QSTR_peak, st.peak_used);
    lp_dict_set(d, MP_QSTR_used_blocks, st.used_blocks);
    lp_dict_set(d, MP_QSTR_free_blocks, st.free_blocks);
    lp_dict_set(d, MP_QSTR_allocs, st.alloc_count);
    lp_dict_set(d, MP_QSTR_failed, st.failed_count);
    lp_dict_set(d, MP_QSTR_objects, self->live);
    lp_dict_set(d, MP_QSTR_pinned, self->pinned);
    lp_dict_set(d, MP_QSTR_extra_blocks, self->extra);
    lp_dict_set(d, MP_QSTR_pinned_bytes, self->pinned_bytes);
    lp_dict_set(d, MP_QSTR_reserve, self->reserve_len);
    lp_dict_set(d, MP_QSTR_reserve_target, self->reserve_target);
    return d;
}
static MP_DEFINE_CONST_FUN_OBJ_1(lp_mempool_stats_obj, lp_mempool_stats);

static mp_obj_t lp_mempool_check(mp_obj_t self_in) {
    lp_pool_check(MP_OBJ_TO_PTR(self_in));
    return mp_const_true;
}
static MP_DEFINE_CONST_FUN_OBJ_1(lp_mempool_check_obj, lp_mempool_check);

static mp_obj_t lp_mempool_reserve(mp_obj_t self_in, mp_obj_t n_in) {
    lp_pool_obj_t *self = MP_OBJ_TO_PTR(self_in);
    lp_pool_check_open(self);
    size_t n = lp_reserve_arg(n_in);
    if (gc_is_locked()) {
        lp_raise_static(&lp_err_reserve_locked);
    }
    self->reserve_target = n;
    lp_pool_refill(self);
    return mp_obj_new_int_from_uint(self->reserve_len);
}
static MP_DEFINE_CONST_FUN_OBJ_2(lp_mempool_reserve_obj, lp_mempool_reserve);

static mp_obj_t lp_mempool_close(mp_obj_t self_in) {
    lp_pool_close(MP_OBJ_TO_PTR(self_in));
    return mp_const_none;
}
static MP_DEFINE_CONST_FUN_OBJ_1(lp_mempool_close_obj, lp_mempool_close);

static mp_obj_t lp_mempool_buffer(size_t n_args, const mp_obj_t *args) {
    mp_obj_t call_args[3] = { args[1], MP_OBJ_NEW_QSTR(MP_QSTR_pool), args[0] };
    return MP_OBJ_TYPE_GET_SLOT(&lp_type_Buffer, make_new)(&lp_type_Buffer, 1, 1, call_args);
}
static MP_DEFINE_CONST_FUN_OBJ_VAR_BETWEEN(lp_mempool_buffer_obj, 2, 2, lp_mempool_buffer);

// Properties (lp_attr.c): only `collect` can be set; none can be deleted.
static mp_obj_t lp_mempool_collect_get(mp_obj_t self_in) {
    return mp_obj_new_bool(((lp_pool_obj_t *)MP_OBJ_TO_PTR(lp_prop_self(self_in)))->collect);
}
static mp_obj_t lp_mempool_collect_set(mp_obj_t self_in, mp_obj_t value) {
    ((lp_pool_obj_t *)MP_OBJ_TO_PTR(lp_prop_self(self_in)))->collect = mp_obj_is_true(value);
    return mp_const_none;
}
LP_DEFINE_PROP_RW(lp_mempool_collect_prop, lp_mempool_collect_get, lp_mempool_collect_set, &lp_err_read_only);

static mp_obj_t lp_mempool_closed_get(mp_obj_t self_in) {
    return mp_obj_new_bool(((lp_pool_obj_t *)MP_OBJ_TO_PTR(lp_prop_self(self_in)))->heap == NULL);
}
LP_DEFINE_PROP(lp_mempool_closed_prop, lp_mempool_closed_get, &lp_err_read_only);

static mp_obj_t lp_mempool_is_static_get(mp_obj_t self_in) {
    lp_pool_obj_t *self = MP_OBJ_TO_PTR(lp_prop_self(self_in));
    return mp_obj_new_bool(self->buf == MP_OBJ_NULL && self->heap != NULL);
}
LP_DEFINE_PROP(lp_mempool_is_static_prop, lp_mempool_is_static_get, &lp_err_read_only);

static mp_obj_t lp_mempool_size_get(mp_obj_t self_in) {
    return mp_obj_new_int_from_uint(((lp_pool_obj_t *)MP_OBJ_TO_PTR(lp_prop_self(self_in)))->size);
}
LP_DEFINE_PROP(lp_mempool_size_prop, lp_mempool_size_get, &lp_err_read_only);

#if LP_POOL_ALLOC_META
static mp_obj_t lp_mempool_meta(mp_obj_t self_in) {
    return lp_meta_rows(MP_OBJ_TO_PTR(self_in));
}
static MP_DEFINE_CONST_FUN_OBJ_1(lp_mempool_meta_obj, lp_mempool_meta);

static mp_obj_t lp_mempool_scope(mp_obj_t self_in, mp_obj_t name) {
    return lp_meta_scope_new(MP_OBJ_TO_PTR(self_in), name);
}
static MP_DEFINE_CONST_FUN_OBJ_2(lp_mempool_scope_obj, lp_mempool_scope);

#else
// Without tracking the API is there and says why it can't help (run() refuses scope= the same way),
// so a program written for a tracking build fails clearly, not with an AttributeError.
static mp_obj_t lp_mempool_no_meta(size_t n_args, const mp_obj_t *args) {
    (void)n_args;
    (void)args;
    lp_raise_no_meta();
}
static MP_DEFINE_CONST_FUN_OBJ_VAR_BETWEEN(lp_mempool_meta_obj, 1, 1, lp_mempool_no_meta);
static MP_DEFINE_CONST_FUN_OBJ_VAR_BETWEEN(lp_mempool_scope_obj, 2, 2, lp_mempool_no_meta);
#endif

static const mp_rom_map_elem_t lp_mempool_locals_dict_table[] = {
    { MP_ROM_QSTR(MP_QSTR_meta), MP_ROM_PTR(&lp_mempool_meta_obj) },
    { MP_ROM_QSTR(MP_QSTR_scope), MP_ROM_PTR(&lp_mempool_scope_obj) },
    { MP_ROM_QSTR(MP_QSTR_run), MP_ROM_PTR(&lp_mempool_run_obj) },
    { MP_ROM_QSTR(MP_QSTR___enter__), MP_ROM_PTR(&lp_mempool_enter_obj) },
    { MP_ROM_QSTR(MP_QSTR___exit__), MP_ROM_PTR(&lp_mempool_exit_obj) },
    { MP_ROM_QSTR(MP_QSTR_stats), MP_ROM_PTR(&lp_mempool_stats_obj) },
    { MP_ROM_QSTR(MP_QSTR_check), MP_ROM_PTR(&lp_mempool_check_obj) },
    { MP_ROM_QSTR(MP_QSTR_reserve), MP_ROM_PTR(&lp_mempool_reserve_obj) },
    { MP_ROM_QSTR(MP_QSTR_close), MP_ROM_PTR(&lp_mempool_close_obj) },
    { MP_ROM_QSTR(MP_QSTR_buffer), MP_ROM_PTR(&lp_mempool_buffer_obj) },
    { MP_ROM_QSTR(MP_QSTR_size), MP_ROM_PTR(&lp_mempool_size_prop) },
    { MP_ROM_QSTR(MP_QSTR_closed), MP_ROM_PTR(&lp_mempool_closed_prop) },
    { MP_ROM_QSTR(MP_QSTR_is_static), MP_ROM_PTR(&lp_mempool_is_static_prop) },
    { MP_ROM_QSTR(MP_QSTR_collect), MP_ROM_PTR(&lp_mempool_collect_prop) },
};
static MP_DEFINE_CONST_DICT(lp_mempool_locals_dict, lp_mempool_locals_dict_table);

MP_DEFINE_CONST_OBJ_TYPE(
    lp_type_MemoryPool,
    MP_QSTR_LpMemoryPool,
    MP_TYPE_FLAG_NONE,
    make_new, lp_mempool_make_new,
    print, lp_mempool_print,
    attr, lp_attr,
    locals_dict, &lp_mempool_locals_dict
    );
