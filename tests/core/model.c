// Shadow model shared by the stress test and the fuzzer; see model.h.
#include "model.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

static uint8_t model_tag(model_t *m) {
    // Tags are never 0 and repeat in every byte, so a 4-byte word of a payload reads as a header
    // with a huge size: pointers into a live block must then be rejected deterministically.
    m->next_tag = (uint8_t)(m->next_tag % 250u + 1u);
    return m->next_tag;
}

// Are all n bytes at p equal to tag? Byte 0 is, and every byte equals the one after it: one memcmp
// instead of a byte loop, which the fuzzer build would instrument comparison by comparison.
static bool all_tag(const uint8_t *p, size_t n, uint8_t tag) {
    return n == 0 || (p[0] == tag && memcmp(p, p + 1, n - 1) == 0);
}

static const char *verify_slot(const model_t *m, const model_slot_t *s) {
    if (((uintptr_t)s->ptr % LP_ALLOC_ALIGN) != 0) {
        return "block not 8-byte aligned";
    }
    if (lp_usable_size(m->a, s->ptr) < s->size) {
        return "usable size smaller than requested";
    }
    if (!all_tag(s->ptr, s->size, s->tag)) {
        return "block contents changed";
    }
    return NULL;
}

static void fill(model_slot_t *s, uint8_t tag) {
    s->tag = tag;
    memset(s->ptr, tag, s->size);
}

// The check in steps of 1 to 8 units, as a caller that releases a lock between steps runs it: the
// same verdict as in one go, and no restart (nothing changed in between).
static const char *check_in_steps(model_t *m) {
    lp_alloc_check_t c;
    lp_alloc_check_begin(m->a, &c);
    uint32_t budget = 1 + m->steps % 8u;
    while (!lp_alloc_check_step(m->a, &c, budget)) {
    }
    if (c.restarts != 0) {
        return "stepped check restarted although nothing changed";
    }
    const char *whole = lp_alloc_check(m->a);
    if ((whole == NULL) != (c.error == NULL) || (whole && strcmp(whole, c.error) != 0)) {
        return "stepped check and lp_alloc_check disagree";
    }
    return c.error;
}

static const char *verify_all(model_t *m) {
    const char *e = m->steps % 4u == 1 ? check_in_steps(m) : lp_alloc_check(m->a);
    if (e) {
        return e;
    }
    if (!lp_alloc_invariants_hold(m->a)) {
        return "lp_alloc_invariants_hold false but lp_alloc_check passed";
    }
    lp_alloc_stats_t st;
    lp_alloc_stats(m->a, &st);
    size_t payload = 0;
    for (unsigned i = 0; i < MODEL_SLOTS; i++) {
        if (m->slot[i].ptr) {
            if ((e = verify_slot(m, &m->slot[i])) != NULL) {
                return e;
            }
            payload += m->slot[i].size;
        }
    }
    if (st.used_blocks != m->live) {
        return "stats.used_blocks differs from the model";
    }
    if (st.used_payload < payload || st.used != st.used_payload + 4 * st.used_blocks
        || st.used + st.free != st.capacity || st.peak_used < st.used) {
        return "stats inconsistent";
    }
    if (st.free_blocks == 0 ? st.largest_free != 0 : st.largest_free + 4 > st.free) {
        return "stats.largest_free inconsistent";
    }
    return NULL;
}

// The cheap check after an operation at address at (the touched block, or where it was): counters
// and O(1) invariants, then the live slots nearest below and above at, the slot itself if live,
// each with its contents and lp_alloc_check_near (which also looks at their free neighbours).
static const char *verify_near(model_t *m, const uint8_t *at) {
    if (!lp_alloc_invariants_hold(m->a)) {
        return "lp_alloc_invariants_hold false";
    }
    lp_alloc_stats_t st;
    lp_alloc_stats(m->a, &st);
    const model_slot_t *below = NULL, *above = NULL, *self = NULL;
    size_t payload = 0;
    for (unsigned i = 0; i < MODEL_SLOTS; i++) {
        const model_slot_t *s = &m->slot[i];
        if (!s->ptr) {
            continue;
        }
        payload += s->size;
        if (s->ptr == at) {
            self = s;
        } else if (s->ptr < at && (!below || s->ptr > below->ptr)) {
            below = s;
        } else if (s->ptr > at && (!above || s->ptr < above->ptr)) {
            above = s;
        }
    }
    if (st.used_blocks != m->live) {
        return "stats.used_blocks differs from the model";
    }
    if (st.used_payload < payload || st.used != st.used_payload + 4 * st.used_blocks
        || st.used + st.free != st.capacity || st.peak_used < st.used) {
        return "stats inconsistent";
    }
    if (st.free_blocks == 0 ? st.largest_free != 0 : st.largest_free + 4 > st.free) {
        return "stats.largest_free inconsistent";
    }
    const model_slot_t *near[3] = {self, below, above};
    for (int i = 0; i < 3; i++) {
        const char *e;
        if (near[i] && ((e = verify_slot(m, near[i])) != NULL || (e = lp_alloc_check_near(m->a, near[i]->ptr)) != NULL)) {
            return e;
        }
    }
    return NULL;
}

int model_init(model_t *m, size_t mem_size, unsigned shift) {
    memset(m, 0, sizeof(*m));
    m->mem = malloc(mem_size + 8);
    if (!m->mem) {
        abort();
    }
    m->mem_size = mem_size;
    if (lp_alloc_init(&m->a, m->mem + (shift % 8u), mem_size) != LP_OK) {
        free(m->mem);
        m->mem = NULL;
        return -1;
    }
    return 0;
}

void model_destroy(model_t *m) {
    free(m->mem);
    m->mem = NULL;
    m->a = NULL;
}

// An allocation of size just failed or succeeded: was that right? alloc(s) succeeds exactly when
// s <= largest_free (see lp_alloc.h).
static const char *expect_alloc(size_t size, size_t largest, const void *got) {
    if (got && size > largest) {
        return "allocation above largest_free succeeded";
    }
    if (!got && largest != 0 && size <= largest) {
        return "allocation within largest_free failed";
    }
    return NULL;
}

// lp_realloc in its two halves (lp_realloc_begin, the caller's memmove, lp_realloc_end), the way
// the MicroPython module runs it with its lock released for the copy. Between the halves the
// allocator must be consistent and usable (an interrupt handler may allocate and free there), and
// the old payload untouched.
static const char *split_realloc(model_t *m, model_slot_t *s, size_t size, unsigned arg, uint8_t **out) {
    uint32_t changes = lp_alloc_changes(m->a);
    lp_realloc_plan_t plan;
    uint8_t *q = lp_realloc_begin(m->a, s->ptr, size, &plan);
    *out = q;
    if (!q || !plan.move) {
        if (plan.move || plan.old || plan.trim) {
            return "realloc_begin planned work it did not need";
        }
        return NULL;
    }
    if (!s->ptr || plan.move < s->size || plan.move > lp_usable_size(m->a, q)) {
        return "realloc_begin planned a move that does not fit";
    }
    if ((plan.old != NULL) == plan.trim || (plan.old && plan.old != s->ptr)) {
        return "realloc_begin planned neither or both of free and trim";
    }
    if (lp_alloc_changes(m->a) == changes) {
        return "realloc_begin changed blocks without a change count";
    }
    const char *e = (m->steps % 8u == 3) ? lp_alloc_check(m->a) : lp_alloc_check_near(m->a, q);
    if (e) {
        return e;
    }
    if (!all_tag(s->ptr, s->size, s->tag)) {
        return "realloc_begin touched the payload";
    }
    // What a handler might do between the halves: it can't touch the blocks the realloc holds.
    void *x = lp_alloc(m->a, arg % 200u);
    if (!all_tag(s->ptr, s->size, s->tag) || (x && lp_free(m->a, x) != LP_OK)) {
        return "an allocation between the realloc halves touched its blocks";
    }
    memmove(q, s->ptr, plan.move);
    lp_realloc_end(m->a, q, size, &plan);
    return NULL;
}

const char *model_step(model_t *m, unsigned op, unsigned slot_no, size_t size, unsigned arg) {
    model_slot_t *s = &m->slot[slot_no % MODEL_SLOTS];
    const uint8_t *at = s->ptr;   // where the touched block was; updated when it moves
    lp_alloc_stats_t before;
    lp_alloc_stats(m->a, &before);
    uint32_t changes = lp_alloc_changes(m->a);
    const char *e = NULL;
    switch (op % OP_COUNT) {
        case OP_ALLOC:
        case OP_FREE:
            if (s->ptr) {
                if (lp_free(m->a, s->ptr) != LP_OK) {
                    return "free of a live block failed";
                }
                m->last_freed = s->ptr;
                s->ptr = NULL;
                m->live--;
            } else if (op % OP_COUNT == OP_ALLOC) {
                s->ptr = lp_alloc(m->a, size);
                if ((e = expect_alloc(size, before.largest_free, s->ptr)) != NULL) {
                    return e;
                }
                m->last_freed = NULL;
                if (s->ptr) {
                    s->size = size;
                    fill(s, model_tag(m));
                    m->live++;
                }
            }
            break;
        case OP_REALLOC: {
            uint8_t *q;
            if (arg % 2u) {
                q = lp_realloc(m->a, s->ptr, size);
            } else if ((e = split_realloc(m, s, size, arg, &q)) != NULL) {
                return e;
            }
            if (!q) {
                if ((s->ptr && size <= lp_usable_size(m->a, s->ptr)) || (before.largest_free && size <= before.largest_free)) {
                    return "realloc failed although it could succeed";
                }
                break;   // old block checked below
            }
            m->last_freed = NULL;
            if (!s->ptr) {
                m->live++;
            } else {
                // Growth without a new block either keeps the pointer or moves it down (backwards).
                lp_alloc_stats_t after;
                lp_alloc_stats(m->a, &after);
                if (q != s->ptr && after.alloc_count == before.alloc_count && q > s->ptr) {
                    return "realloc moved up without allocating";
                }
                if (after.used_blocks != before.used_blocks) {
                    return "realloc changed the number of live blocks";
                }
                size_t keep = size < s->size ? size : s->size;
                if (!all_tag(q, keep, s->tag)) {
                    return "realloc lost contents";
                }
            }
            s->ptr = q;
            s->size = size;
            fill(s, model_tag(m));
            break;
        }
        case OP_ALIGNED: {
            if (s->ptr) {
                return model_step(m, OP_FREE, slot_no, size, arg);
            }
            size_t align = (size_t)1 << (arg % 13u);
            s->ptr = lp_alloc_aligned(m->a, size, align);
            m->last_freed = NULL;
            if (s->ptr) {
                if ((uintptr_t)s->ptr % align) {
                    return "aligned allocation misaligned";
                }
                s->size = size;
                fill(s, model_tag(m));
                m->live++;
            } else if (size + align + 15 <= before.largest_free) {
                return "aligned allocation failed with plenty of room";
            }
            break;
        }
        case OP_BAD_FREE: {
            lp_status_t st;
            switch (arg % 5u) {
                case 0:   // double free straight after a free
                    if (m->last_freed) {
                        if ((st = lp_free(m->a, m->last_freed)) != LP_ERR_NOT_LIVE) {
                            return "double free not reported as LP_ERR_NOT_LIVE";
                        }
                        if (lp_usable_size(m->a, m->last_freed) != 0) {
                            return "usable_size of a freed block not 0";
                        }
                    }
                    break;
                case 1:   // misaligned
                    if (s->ptr && lp_free(m->a, s->ptr + 1 + arg % 7u) != LP_ERR_NOT_BLOCK) {
                        return "misaligned free not reported as LP_ERR_NOT_BLOCK";
                    }
                    break;
                case 2:   // interior of a live block
                    if (s->ptr && s->size >= 16) {
                        size_t off = 8 * (1 + (arg / 8u) % (s->size / 8));
                        if (off < s->size && lp_free(m->a, s->ptr + off) == LP_OK) {
                            return "free of an interior pointer accepted";
                        }
                        #if LP_ALLOC_EXACT_FREE
                        // Forge a used header of 2 granules and a successor that says "previous
                        // used" inside the block: only the exact check can still say no.
                        if (off + 16 <= s->size) {
                            uint32_t fake = 2u << 2;
                            memcpy(s->ptr + off - 4, &fake, 4);
                            memcpy(s->ptr + off + 12, &fake, 4);
                            if (lp_free(m->a, s->ptr + off) != LP_ERR_NOT_BLOCK
                                || lp_usable_size(m->a, s->ptr + off) != 0
                                || lp_realloc(m->a, s->ptr + off, size) != NULL) {
                                return "pointer after a forged header accepted";
                            }
                            memset(s->ptr + off - 4, s->tag, 20);   // the model's contents again
                        }
                        #endif
                    }
                    break;
                case 3:   // outside the region
                    if (lp_free(m->a, m->mem + m->mem_size + 8 * (1 + arg % 4u)) != LP_ERR_NOT_BLOCK
                        || lp_free(m->a, (void *)m->a) != LP_ERR_NOT_BLOCK
                        || lp_free(m->a, &st) != LP_ERR_NOT_BLOCK) {
                        return "outside free not reported as LP_ERR_NOT_BLOCK";
                    }
                    break;
                default:  // realloc of a bad pointer leaves everything alone
                    if (s->ptr && lp_realloc(m->a, s->ptr + 4, size) != NULL) {
                        return "realloc of a misaligned pointer succeeded";
                    }
                    break;
            }
            break;
        }
        case OP_LARGEST: {
            if (before.largest_free == 0) {
                if (lp_alloc(m->a, 0) != NULL) {
                    return "allocation succeeded with no free block";
                }
                break;
            }
            void *big = lp_alloc(m->a, before.largest_free);
            if (!big) {
                return "alloc(largest_free) failed";
            }
            if (lp_alloc(m->a, SIZE_MAX) != NULL) {
                return "alloc(SIZE_MAX) succeeded";
            }
            if (lp_free(m->a, big) != LP_OK) {
                return "free of the largest block failed";
            }
            lp_alloc_stats_t after;
            lp_alloc_stats(m->a, &after);
            if (after.largest_free != before.largest_free || after.free != before.free) {
                return "alloc+free of the largest block changed the pool";
            }
            if (lp_alloc(m->a, before.largest_free + 1 + arg % 64u) != NULL) {
                return "allocation above largest_free succeeded";
            }
            m->last_freed = NULL;
            break;
        }
        default: {  // OP_HUGE
            static const size_t huge[] = {SIZE_MAX, SIZE_MAX - 1, SIZE_MAX - 7, SIZE_MAX - 8,
                                          SIZE_MAX / 2 + 1, (size_t)-16, (size_t)INT32_MAX + 1u};
            size_t h = huge[arg % (sizeof(huge) / sizeof(huge[0]))];
            if (lp_alloc(m->a, h) || lp_alloc_aligned(m->a, h, 64) || (s->ptr && lp_realloc(m->a, s->ptr, h))) {
                return "huge allocation succeeded";
            }
            lp_alloc_stats_t after;
            lp_alloc_stats(m->a, &after);
            if (after.failed_count != before.failed_count + 2 + (s->ptr != NULL)) {
                return "failed allocations not counted";
            }
            if (lp_alloc_changes(m->a) != changes) {
                return "failed allocations changed the change count";
            }
            break;
        }
    }
    m->steps++;
    if (s->ptr) {
        at = s->ptr;
    }
    // Every change of a block shows in the change count (what a stepped check restarts on).
    lp_alloc_stats_t after;
    lp_alloc_stats(m->a, &after);
    if (lp_alloc_changes(m->a) == changes
        && (after.used != before.used || after.free_blocks != before.free_blocks || after.alloc_count != before.alloc_count)) {
        return "blocks changed but the change count did not";
    }
    if (m->full_every <= 1 || m->steps % m->full_every == 0) {
        return verify_all(m);
    }
    return verify_near(m, at);
}

const char *model_verify(model_t *m) {
    return verify_all(m);
}

void model_free_all(model_t *m) {
    for (unsigned i = 0; i < MODEL_SLOTS; i++) {
        if (m->slot[i].ptr) {
            if (lp_free(m->a, m->slot[i].ptr) != LP_OK && !m->error) {
                m->error = "free of a live block failed";
            }
            m->slot[i].ptr = NULL;
            m->live--;
        }
    }
    lp_alloc_stats_t st;
    lp_alloc_stats(m->a, &st);
    const char *e = lp_alloc_check(m->a);
    if (!m->error && e) {
        m->error = e;
    }
    if (!m->error && (st.free_blocks != 1 || st.used != 0 || st.largest_free != st.capacity - 4)) {
        m->error = "after freeing everything the pool is not one free block";
    }
}
