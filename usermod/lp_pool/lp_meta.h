// Layer 4 (docs/internals.md): allocation tracking, what the pools and the Python faces use of it.
// Tracking names the allocator's block tags: a (kind, scope) pair per row of a table, the row's
// tag = its index + 1; the allocator keeps each tag's tally of blocks and bytes (lp_alloc.h,
// lp_alloc_set_tallies), so only a new block needs tracking (lp_meta_tag), and a resize, a move or
// a free is the allocator's alone. It knows nothing of pools: a pool holds an lp_meta_t.
// Off (LP_POOL_ALLOC_META=0), only the kinds and the LP_META_KIND macros exist.
#ifndef LP_META_H
#define LP_META_H

#include <stdbool.h>
#include <stdint.h>

#include "py/obj.h"

#include "lp_alloc.h"

// Build with LP_POOL_ALLOC_META=1 (make unix LP_POOL_ALLOC_META=1). Off, none of it is compiled and
// the module is exactly as without it.
#ifndef LP_POOL_ALLOC_META
#define LP_POOL_ALLOC_META (0)
#endif
#if LP_POOL_ALLOC_META && !LP_ALLOC_TAG
#error "LP_POOL_ALLOC_META needs the allocator's block tags: build lp_alloc.c with LP_ALLOC_TAG=1 too"
#endif
// Rows of the (kind, scope) table of the static pool and the default for caller-memory pools.
#ifndef LP_POOL_META_ROWS
#define LP_POOL_META_ROWS (16)
#endif
// Bytes of a scope name kept in a row.
#define LP_META_NAME (24)
// What owns a block; an LpVec's kind also holds its typecode (LP_KIND_VEC | typecode << 8).
enum {
    LP_KIND_PINNED, LP_KIND_BUFFER, LP_KIND_VEC, LP_KIND_STRING, LP_KIND_BTREEMAP, LP_KIND_BT_NODE,
    LP_KIND_BT_TEXT, LP_KIND_BOX,
};
// The allocation functions take the kind only in tracking builds: LP_META_KIND(k) at the call, so
// without tracking the argument is not even evaluated and the code is unchanged.
#if LP_POOL_ALLOC_META
#define LP_META_KIND(k) , (k)
#define LP_META_KIND_PARAM , uint32_t kind
#else
#define LP_META_KIND(k)
#define LP_META_KIND_PARAM
#endif

#if LP_POOL_ALLOC_META
// A pool's tracking state (lp_meta.c invariants 2, 3 and 5).
typedef struct {
    void *table;            // the (kind, scope) table at the start of the pool's region
    mp_obj_t scope;         // the current scope's name (a str, kept alive here), MP_OBJ_NULL for none
    bool full;              // the last new block found no row (lp_pool_collect_or_raise says so)
} lp_meta_t;

// The pinned blocks' row (invariant 3): a block kept for a memoryview takes this tag.
#define LP_META_PINNED_TAG (1u)

// The table: its bytes for `rows` rows, and setting it up at `table` for the allocator `heap`, whose
// tallies it holds (called before heap has a block).
size_t lp_meta_table_bytes(size_t rows);
void lp_meta_init(lp_meta_t *meta, void *table, size_t rows, lp_alloc_t *heap);
// The tag for a new block of `kind` in the current scope, its row made if needed (call with
// lp_lock() held, before the allocation); 0 when every row is taken (meta->full is then set: the
// allocation fails, and the pool collects and retries before it raises lp_meta_raise_full()).
uint32_t lp_meta_tag(lp_meta_t *meta, uint32_t kind);
MP_NORETURN void lp_meta_raise_full(void);
// check() of the tallies against the blocks (invariant 1), in steps as lp_alloc_check_step:
// begin, then steps with lp_lock() held until one returns true (*err then NULL or the violation).
// The caller begins again whenever the allocator changed between steps (lp_alloc_changes): tallies
// change only together with it.
#define LP_META_GROUP (16) // rows tallied per walk over the blocks
typedef struct {
    uint32_t cursor;        // lp_alloc_walk_step's position in this walk
    uint32_t row;           // first row of the group this walk tallies
    uint32_t rows;
    bool bad;               // a live block with no valid tag
    lp_alloc_t *heap;
    uint32_t count[LP_META_GROUP];
    uint32_t bytes[LP_META_GROUP];
} lp_meta_check_t;
void lp_meta_check_begin(lp_meta_t *meta, lp_alloc_t *heap, lp_meta_check_t *m);
bool lp_meta_check_step(lp_meta_t *meta, lp_meta_check_t *m, uint32_t budget, const char **err);
// One row as read out: its tally and its name.
typedef struct {
    uint32_t count;
    uint32_t bytes;
    uint16_t kind;          // LP_KIND_* | typecode << 8
    uint8_t name_len;
    uint8_t has_scope;      // 0: no scope, "(none)"
    char name[LP_META_NAME];
} lp_meta_row_t;
// Row i copied out under the lock (the table may change between rows, never inside one); false past
// the last row.
bool lp_meta_row_copy(lp_meta_t *meta, uint32_t i, lp_meta_row_t *out);
// The name of a scope: TypeError unless a str, ValueError when empty.
void lp_meta_scope_arg(mp_obj_t name);
// The current scope (invariant 5), MP_OBJ_NULL for none.
void lp_meta_scope_set(lp_meta_t *meta, mp_obj_t name);
#endif

#endif // LP_META_H
