// Handles: the small GC objects that stand for pool objects (see the object model in lp_pool.h).
//
// A handle in a pool's reserve has base.type set to its final type only when handed out; until then
// it is unreachable from Python and its data is NULL, so its finaliser (run only if the pool itself
// is gone, at soft reset) finds nothing to release.

#include <string.h>

#include "py/gc.h"
#include "py/runtime.h"

#include "lp_pool.h"

LP_DEFINE_STATIC_EXC(lp_err_reserve_empty, lp_type_AllocError,
    "handle reserve of the pool is empty inside run(): call pool.reserve(n) before run(), or create the pool with a larger reserve=");
LP_DEFINE_STATIC_EXC(lp_err_freed, mp_type_ValueError, "lp_pool object has been freed");

lp_obj_t *lp_handle_new(lp_pool_obj_t *pool, const mp_obj_type_t *type) {
    lp_obj_t *h;
    if (!gc_is_locked()) {
        // Heap free: a fresh handle keeps the reserve for the locked times.
        h = mp_obj_malloc_with_finaliser(lp_obj_t, type);
    } else {
        lp_lock();
        h = pool->reserve;
        if (h != NULL) {
            pool->reserve = h->next;
            pool->reserve_len--;
        }
        lp_unlock();
        if (h == NULL) {
            lp_raise_static(&lp_err_reserve_empty);
        }
        h->base.type = type;
    }
    h->pool = pool;
    h->data = NULL;
    h->len = 0;
    h->next = NULL;
    h->flags = 0;
    return h;
}

void lp_handle_attach(lp_obj_t *h, void *data, size_t len) {
    h->data = data;
    h->len = len;
    lp_lock();
    h->pool->live++;
    lp_unlock();
}

void lp_handle_release(lp_obj_t *h) {
    lp_pool_obj_t *pool = h->pool;
    // Checked before taking the lock: it may call into the buffer's type.
    bool valid = pool != NULL && lp_pool_region_valid(pool);
    lp_lock();
    void *data = h->data;
    h->data = NULL;
    if (data != NULL && pool != NULL) {
        // lp_free cannot fail for a block this handle owns; a failure would mean a corrupted pool,
        // which pool.check() reports (finalisers can't raise). A pool whose memory moved is never
        // written again: its block is abandoned, but it stops counting as live so close() works.
        if (h->flags & LP_OBJ_PINNED) {
            pool->pinned++;
        } else if (valid) {
            lp_free(pool->heap, data);
        }
        pool->live--;
    }
    lp_unlock();
}

void lp_handle_resize(lp_obj_t *h, size_t size) {
    lp_pool_obj_t *pool = h->pool;
    for (bool collected = false;; collected = true) {
        // Read afresh on each attempt: the collection between them runs finalisers, and a __del__
        // may free or pin this very object.
        void *data = lp_handle_data(h);
        if (!(h->flags & LP_OBJ_PINNED)) {
            // Shrinks and grows in place when it can; on failure the old block is untouched.
            void *p = lp_pool_try_realloc(pool, data, size);
            if (p != NULL) {
                h->data = p;
                return;
            }
        } else {
            // A pinned block must stay where and as large as it is: copy to a fresh block, keep
            // the old one.
            void *fresh = lp_pool_try_alloc(pool, size);
            if (fresh != NULL) {
                memcpy(fresh, data, size < h->len ? size : h->len);
                lp_lock();
                pool->pinned++;
                lp_unlock();
                h->data = fresh;
                h->flags &= ~LP_OBJ_PINNED;
                return;
            }
        }
        if (collected || !lp_pool_collect(pool)) {
            lp_raise_alloc_error(pool, size);
        }
    }
}

void *lp_handle_data(lp_obj_t *h) {
    if (h->data == NULL) {
        lp_raise_static(&lp_err_freed);
    }
    if (h->pool->buf != MP_OBJ_NULL) {
        lp_pool_check_open(h->pool);
    }
    return h->data;
}
