// Handles: the small GC objects that stand for pool objects (see the object model in lp_pool.h).
//
// A handle in a pool's reserve has base.type set to its final type only when handed out; until then
// it is unreachable from Python and its data is NULL, so its finaliser (run only if the pool itself
// is gone, at soft reset) finds nothing to release. A handle handed out while a collection may be
// under way stays in the reserve's slot (lent) until the next refill (invariant 2 in lp_pool.h):
// until then the pool keeps it alive, so its finaliser can't run before that even if the program
// dropped it.
//
// Growth (lp_handle_reserve) is here too, so every growable type keeps the strong guarantee and the
// pinning bound (invariant 8 in lp_pool.h) the same way.
//
// The base of the collections (docs/internals.md): on the pools, which it asks for every block
// change and every handle from the reserve; it never takes the lock, calls tracking or the
// allocator.

#include <string.h>

#include "py/gc.h"
#include "py/runtime.h"
#include "py/stream.h"

#include "lp_pool.h"

LP_DEFINE_STATIC_EXC(lp_err_reserve_empty, lp_type_AllocError,
    "handle reserve of the pool is empty inside run(): call pool.reserve(n) before run(), or create the pool with a larger reserve=");
LP_DEFINE_STATIC_EXC(lp_err_freed, mp_type_ValueError, "lp_pool object has been freed");
LP_DEFINE_STATIC_EXC(lp_err_too_many, mp_type_OverflowError, "too many items for a pool");
LP_DEFINE_STATIC_EXC(lp_err_busy, mp_type_RuntimeError,
    "lp_pool object is in use: it is being printed or written to a stream, and can't be used until that ends");

lp_obj_t *lp_handle_new(lp_pool_obj_t *pool, const mp_obj_type_t *type) {
    // Every type's handle comes from the same reserve: keep it within two GC blocks.
    MP_STATIC_ASSERT(sizeof(lp_obj_t) <= 2 * MICROPY_BYTES_PER_GC_BLOCK);
    lp_obj_t *h;
    if (!gc_is_locked()) {
        // Heap free: a fresh handle keeps the reserve for the locked times.
        h = mp_obj_malloc_with_finaliser(lp_obj_t, type);
    } else {
        h = lp_pool_lend_handle(pool);
        if (h == NULL) {
            // In bytes as every AllocError: the handle needs its size on the GC heap, and the
            // locked heap has none to give.
            lp_raise_alloc_error_text(&lp_err_reserve_empty, sizeof(lp_obj_t), 0);
        }
        h->base.type = type;
    }
    h->pool = pool;
    h->data = NULL;
    h->len = 0;
    h->cap = 0;
    h->aux = 0;
    h->mods = 0;
    h->flags = 0;
    h->kind = 0;
    h->sub = 0;
    return h;
}

void lp_handle_attach(lp_obj_t *h, void *data, size_t len) {
    h->data = data;
    h->len = len;
    lp_pool_attach(h, data);
}

void lp_handle_release(lp_obj_t *h) {
    lp_pool_release(h);
}

// Give the handle a block of `size` bytes holding its first `copy` bytes; the pool collects garbage
// once and tries again before it raises AllocError (nothing changed). The collection runs
// finalisers: the pool checks itself again after it, and says when one freed this object.
static void lp_handle_move(lp_obj_t *h, size_t size, size_t copy) {
    lp_handle_data(h);
    if (!lp_pool_move(h, size, copy, true)) {
        lp_raise_static(&lp_err_freed);
    }
}

void lp_handle_resize(lp_obj_t *h, size_t size) {
    // lp_handle_move checks the handle before it touches the block.
    lp_handle_move(h, size, size < h->len ? size : h->len);
}

MP_NORETURN void lp_raise_too_many(void) {
    lp_raise_static(&lp_err_too_many);
}

size_t lp_size_mul(size_t n, size_t size) {
    if (size != 0 && n > SIZE_MAX / size) {
        lp_raise_too_many();
    }
    return n * size;
}

void *lp_handle_reserve(lp_obj_t *h, size_t need) {
    void *data = lp_handle_data(h);
    if (need <= h->cap) {
        return data;
    }
    size_t used = h->cap; // every byte may be in use: the caller knows, we don't
    if (h->flags & LP_OBJ_PINNED) {
        // Invariant 8: at least double, so what is stranded stays below the final capacity.
        size_t want = h->cap <= SIZE_MAX / 2 ? 2 * h->cap : SIZE_MAX;
        lp_handle_move(h, need > want ? need : want, used);
        return h->data;
    }
    size_t want = h->cap + h->cap / 2;
    if (want < LP_GROW_MIN) {
        want = LP_GROW_MIN;
    }
    // The geometric size is a wish: when the pool can't, the exact size (after a collection).
    if (want <= need || !lp_pool_move(h, want, used, false)) {
        lp_handle_move(h, need, used);
    }
    return h->data;
}

void lp_handle_shrink(lp_obj_t *h, size_t keep) {
    lp_handle_data(h);
    if ((h->flags & (LP_OBJ_PINNED | LP_OBJ_VIEWED)) || keep >= h->cap) {
        return;
    }
    // Shrinking in place never fails; if it did, keeping the larger block is still correct.
    lp_pool_move(h, keep, 0, false);
}

void *lp_handle_buffer(lp_obj_t *h, mp_uint_t flags) {
    void *data = lp_handle_data(h);
    if ((flags & MP_BUFFER_RW) == MP_BUFFER_RW) {
        h->flags |= LP_OBJ_PINNED | LP_OBJ_VIEWED;
    }
    return data;
}

void lp_handle_check_idle(lp_obj_t *h) {
    if (h->flags & LP_OBJ_BUSY) {
        lp_raise_static(&lp_err_busy);
    }
}

void *lp_handle_data(lp_obj_t *h) {
    if (MP_UNLIKELY(h->data == NULL || (h->flags & LP_OBJ_BUSY))) {
        lp_handle_check_idle(h);
        lp_raise_static(&lp_err_freed);
    }
    if (h->pool->buf != MP_OBJ_NULL) {
        lp_pool_check_open(h->pool);
    }
    return h->data;
}

typedef struct {
    nlr_jump_callback_node_t node; // first: the callback gets the node's address
    lp_obj_t *h;
} lp_busy_cb_t;

static void lp_busy_cb(void *ctx) {
    lp_obj_t *h = ((lp_busy_cb_t *)ctx)->h;
    h->flags &= ~LP_OBJ_BUSY;
}

void lp_handle_busy_call(lp_obj_t *h, mp_obj_t stream, lp_busy_fn_t fn, void *ctx) {
    if (stream == MP_OBJ_FROM_PTR(h) || (h->flags & LP_OBJ_BUSY)) {
        // An LpString written into itself finds its source by offset (lp_string.c, invariant 5).
        // Already marked: a print of it from the stream's own write(), whose first use raises.
        fn(h, ctx);
        return;
    }
    h->flags |= LP_OBJ_BUSY;
    // Unmarked on every way out: a jump callback (py/nlr.h) runs on a raise, and nothing of this
    // frame has to survive a jump back into it, as it would after an nlr_push.
    lp_busy_cb_t cb = { .h = h };
    nlr_push_jump_callback(&cb.node, lp_busy_cb);
    fn(h, ctx);
    nlr_pop_jump_callback(true);
}

mp_obj_t lp_print_stream(const mp_print_t *print) {
    #if MICROPY_PY_BUILTINS_STR_UNICODE
    if (print->print_strn == lp_string_format_strn) {
        return *(mp_obj_t *)print->data; // LpString.format_into's printer: its string comes first
    }
    #endif
    return print->print_strn == mp_stream_write_adaptor ? MP_OBJ_FROM_PTR(print->data) : MP_OBJ_NULL;
}

// ---- what every handle type's Python face shares ----

static mp_obj_t lp_handle_free(mp_obj_t self_in) {
    lp_handle_check_idle(MP_OBJ_TO_PTR(self_in));
    lp_handle_release(MP_OBJ_TO_PTR(self_in));
    return mp_const_none;
}
MP_DEFINE_CONST_FUN_OBJ_1(lp_handle_free_obj, lp_handle_free);

static mp_obj_t lp_handle_enter(mp_obj_t self_in) {
    lp_handle_data(MP_OBJ_TO_PTR(self_in)); // `with` on a freed object raises at once
    return self_in;
}
MP_DEFINE_CONST_FUN_OBJ_1(lp_handle_enter_obj, lp_handle_enter);

static mp_obj_t lp_handle_exit(size_t n_args, const mp_obj_t *args) {
    (void)n_args;
    lp_handle_check_idle(MP_OBJ_TO_PTR(args[0]));
    lp_handle_release(MP_OBJ_TO_PTR(args[0]));
    return mp_const_false;
}
MP_DEFINE_CONST_FUN_OBJ_VAR_BETWEEN(lp_handle_exit_obj, 4, 4, lp_handle_exit);

mp_obj_t lp_handle_unary_op(mp_unary_op_t op, mp_obj_t self_in) {
    lp_obj_t *self = MP_OBJ_TO_PTR(self_in);
    switch (op) {
        case MP_UNARY_OP_LEN:
            lp_handle_data(self);
            return MP_OBJ_NEW_SMALL_INT(self->len);
        case MP_UNARY_OP_BOOL:
            lp_handle_data(self);
            return mp_obj_new_bool(self->len != 0);
        default:
            return MP_OBJ_NULL;
    }
}

