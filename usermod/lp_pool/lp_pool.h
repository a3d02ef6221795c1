// What the files of the _lp_pool module share from layer 5 up (docs/internals.md draws the layers):
// pools, handles and the collections, run(), the Python faces. The layers below have headers of
// their own, included here: the allocator (lp_alloc.h, which knows nothing of MicroPython), the
// lock and per-thread state (lp_lock.h), errors (lp_error.h) and tracking (lp_meta.h).
//
// The object model (the invariants every lp_pool object keeps; the README explains them for users):
//  1. Every Python-visible lp_pool object is a handle (lp_obj_t): a small fixed-size object on the GC
//     heap with a finaliser. Its data (bytes, elements, nodes) lives in a pool, never on the GC heap.
//  2. Handles are drawn from a per-pool reserve that is filled only while the GC heap is unlocked
//     (pool creation, leaving run(), pool.reserve(n), any creation with the heap unlocked), so creating
//     an object inside run() allocates nothing from the GC heap. The reserve is an array of slots the
//     pool references. A handle taken while a collection may be under way (in a build with threads,
//     always; without, when gc_lock_depth has GC_COLLECT_FLAG: a hard IRQ handler that interrupted
//     gc_collect, or a finaliser) only moves a boundary and stays in its slot (lent) until the next
//     refill or a collection lp_pool starts itself (lp_pool_drop_lent), both in the main program
//     with no collection under way; any other leaves its slot at once. So a collection that was
//     marking when a hard IRQ handler took a handle, and stored it in an object already marked,
//     still finds it through the pool until its sweep has ended, and no other handle outlives the
//     program's last reference because of its slot.
//  3. A handle owns at most one pool block (`data`); `data == NULL` means released: every operation
//     checks it and raises ValueError, so use after free raises and double free is harmless.
//  4. The arena never holds the only reference to a GC object: pool blocks hold plain bytes and
//     numbers; handles and pools are reachable from Python objects or from root pointers.
//  5. A pool lives at least as long as any of its handles: handles point at their pool, caller-memory
//     pools are registered in a root pointer until close(), and close() refuses while handles are live.
//     The static pool lives until soft reset, when the arena is re-initialised.
//  6. pool->live counts the handles that own a block; pool->pinned counts the blocks kept for
//     memoryviews (7); pool->extra counts the further blocks live objects own beyond their handle's
//     block (B-tree nodes, out-of-line text), taken and given back only through lp_pool_extra_*,
//     the old block of a resize while its payload is copied (lp_pool_move), and a block from
//     lp_pool_alloc until lp_handle_attach gives it to its handle. Each count changes in the same
//     critical section as the blocks it counts, so check() from an interrupt handler always finds
//     them equal to the blocks in use. When all three are 0 the pool's allocator is empty.
//  7. A block whose address was handed to a retaining consumer (memoryview, io.RingIO, I2S and USB
//     buffers: the ones that ask for MP_BUFFER_RW) is pinned: freeing its object never returns it
//     to the allocator, and a pool closed with pinned blocks keeps its memory until soft reset. A
//     stale memoryview can then only see stale bytes, never the allocator's own data.
//  8. A growable object whose block was ever pinned (LP_OBJ_VIEWED) never shrinks its block again,
//     and grows at least to double its capacity when it has to move a pinned block: the blocks it
//     strands add up to less than its final capacity (a geometric series), so what memoryviews keep
//     is bounded by the largest size the object reached; stats() shows it as pinned_bytes.
//  9. While an object is printed (print(x, file=s), json.dump, repr) or written by get_into, it is
//     marked in use (LP_OBJ_BUSY) and every use of it raises RuntimeError: the stream's write()
//     may be Python code, or a native stream over Python code (a websocket over a class of the
//     program's), or block with the GIL released so another thread runs, and could otherwise free
//     or change the object while the printer holds pointers into its blocks. An LpString printed
//     into itself is the exception: its writes find their source by offset.
// 10. No two pools share a byte: a caller buffer whose memory overlaps the static arena, or the
//     region of a registered pool (open, or closed and keeping its memory for pinned blocks), is
//     refused with ValueError naming that pool. close() unregisters a pool without pinned blocks,
//     so its memory can take a new pool; a buffer that moved gave its old memory back.
#ifndef LP_POOL_H
#define LP_POOL_H

#include <stdint.h>

#include "py/obj.h"
#include "py/objexcept.h"
#include "py/objstr.h"
#include "py/mpthread.h"
#include "lp_alloc.h"
#include "lp_compat.h"
#include "lp_lock.h"
#include "lp_error.h"
#include "lp_meta.h"
#include "lp_version.h"

// Bytes of static RAM for the arena. A board sets it (boards/<board>/), or the build does
// (LP_POOL_ARENA_SIZE=... on make's command line or in cmake's environment: usermod/micropython.mk,
// usermod/lp_pool/micropython.cmake). Otherwise each port we know gets a default chosen for its RAM;
// any other port stops the build rather than guess (docs/boards.md lists these):
//   unix     1 MiB    a host: room for tests and REPL experiments
//   RP2040   64 KiB   of 264 KiB SRAM; the GC heap keeps about 180 KiB
//   RP2350   128 KiB  of 520 KiB SRAM; the GC heap keeps about 350 KiB
//   ESP32    32 KiB   static DRAM is shared with Wi-Fi/BLE; the GC heap grows from the IDF heap
#ifndef LP_POOL_ARENA_SIZE
#if defined(UNIX)
#define LP_POOL_ARENA_SIZE (1024 * 1024)
#elif defined(PICO_RP2040) && PICO_RP2040
#define LP_POOL_ARENA_SIZE (64 * 1024)
#elif defined(PICO_RP2350) && PICO_RP2350
#define LP_POOL_ARENA_SIZE (128 * 1024)
#elif defined(ESP_PLATFORM)
#define LP_POOL_ARENA_SIZE (32 * 1024)
#else
#error "lp-pool: no default arena size for this port: build with LP_POOL_ARENA_SIZE=<bytes> (make) or set it in the board's mpconfigboard.h"
#endif
#endif

// Handles kept ready for creation under the heap lock, unless a pool asks for another number.
#ifndef LP_POOL_DEFAULT_RESERVE
#define LP_POOL_DEFAULT_RESERVE (16)
#endif

// Bytes of emergency exception buffer lp_pool allocates on ports that size it at run time.
#ifndef LP_POOL_EMERGENCY_EXC_BUF
#define LP_POOL_EMERGENCY_EXC_BUF (128)
#endif

#if !MICROPY_ENABLE_FINALISER
#error "lp_pool needs MICROPY_ENABLE_FINALISER: objects release their pool memory in a finaliser"
#endif

// A handle (invariant 1). `len`, `aux`, `kind` and `sub` mean what the handle's type says; `cap`
// and `mods` are kept by the shared helpers below. Every type's handle is this struct: handles come
// from a reserve of fixed-size objects. It fits two GC blocks on 32- and 64-bit ports.
typedef struct _lp_obj_t {
    mp_obj_base_t base;
    lp_pool_obj_t *pool;
    void *data;             // the block in the pool, NULL once released (or while in the reserve)
    size_t len;             // e.g. bytes in a buffer, items in a vector
    size_t cap;             // usable bytes of the block (lp_usable_size), set by attach and growth
    size_t aux;             // free for the type (0 when handed out)
    uint32_t mods;          // bumped by changes that invalidate positions (iterators compare it)
    uint16_t flags;         // LP_OBJ_*
    uint8_t kind;           // type-specific byte, e.g. an LpVec's typecode
    uint8_t sub;            // type-specific byte, e.g. an LpString's "all ASCII" flag
} lp_obj_t;

#define LP_OBJ_PINNED (1) // invariant 7
#define LP_OBJ_VIEWED (2) // invariant 8: was pinned once, so its block never shrinks or moves down
#define LP_OBJ_BUSY (4)   // invariant 9: being written to a stream that runs Python code

struct _lp_pool_obj_t {
    mp_obj_base_t base;
    lp_alloc_t *heap;           // NULL once closed
    mp_obj_t buf;               // caller's buffer kept alive, MP_OBJ_NULL for the static arena
    uint8_t *mem;               // region start, to notice a caller buffer that moved
    size_t size;
    size_t live;                // invariant 6
    size_t pinned;              // invariant 7
    size_t extra;               // invariant 6: blocks owned beyond the handles' own
    size_t pinned_bytes;        // usable bytes of the pinned blocks (invariant 8)
    size_t reserve_len;         // handles ready in the reserve: slots[0, reserve_len) (invariant 2)
    size_t reserve_target;      // what the reserve is topped up to
    size_t reserve_used;        // slots[reserve_len, reserve_used) hold handles lent since the last refill
    size_t reserve_cap;         // length of the slots array
    uint32_t reserve_gen;       // bumped by every write of a slot (a refill in another thread notices)
    lp_obj_t **slots;           // the reserve's slots, a GC array (NULL before the first refill)
    struct _lp_pool_obj_t *next_pool; // registry of caller-memory pools (a root pointer holds the head)
    struct _lp_pool_obj_t *prev_pool; // the one before in the registry (NULL: the head), so close() is O(1)
    bool collect;               // collect garbage once before an allocation fails (lp_pool_collect)
    #if LP_POOL_ALLOC_META
    lp_meta_t meta;             // tracking: the table at the start of the region, the current scope
    #endif
};

extern const mp_obj_type_t lp_type_MemoryPool;
extern const mp_obj_type_t lp_type_Buffer;
extern const mp_obj_type_t lp_type_Vec;
extern const mp_obj_type_t lp_type_String;
extern const mp_obj_type_t lp_type_BTreeMap;
extern const mp_obj_type_t lp_type_BTreeMapView;
extern const mp_obj_type_t lp_type_Box;

// ---- pools (lp_mempool.c) ----
// The static pool, over the static arena (made at its first use in a session).
lp_pool_obj_t *lp_static_pool(void);
// A pool over a caller's writable buffer, registered until close(): ValueError when its memory
// belongs to another pool (invariant 10) or is too small, TypeError for what is not a buffer of its
// own (a memoryview, a read-only object); only with the heap unlocked. With tracking, meta_rows
// rows (2 to 255) at the start of the buffer.
#if LP_POOL_ALLOC_META
lp_pool_obj_t *lp_pool_new_caller(mp_obj_t buf, size_t reserve, bool collect, mp_int_t meta_rows);
#else
lp_pool_obj_t *lp_pool_new_caller(mp_obj_t buf, size_t reserve, bool collect);
#endif
// pool.check(): the allocator's invariants, the tracking table's and the object counters
// (invariant 6), in bounded critical sections; RuntimeError naming what is wrong.
void lp_pool_check(lp_pool_obj_t *pool);
// Units of work (lp_alloc_check_step) pool.check() does per critical section.
#ifndef LP_POOL_CHECK_CHUNK
#define LP_POOL_CHECK_CHUNK (16)
#endif
// Times check() starts over because the pool changed between its sections before it gives up with
// RuntimeError (interrupt handlers or threads using the pool all the time).
#ifndef LP_POOL_CHECK_RESTARTS
#define LP_POOL_CHECK_RESTARTS (100)
#endif
// pool.close(): RuntimeError while objects live in it or it is current in a run(); closing twice
// is harmless; a pool with pinned blocks keeps its memory (invariant 7).
void lp_pool_close(lp_pool_obj_t *pool);
// The pool a new object goes to: `pool_in` if given (must be an open LpMemoryPool), otherwise the
// calling thread's current pool inside run(), otherwise the static pool.
lp_pool_obj_t *lp_pool_for_new(mp_obj_t pool_in);
// Raises ValueError if the pool is closed, RuntimeError if its caller buffer moved.
void lp_pool_check_open(lp_pool_obj_t *pool);
// The pool is open and its memory is where it was (no exception).
bool lp_pool_region_valid(lp_pool_obj_t *pool);
// Allocate a pool block for a handle: it counts as extra (invariant 6) until lp_handle_attach, so
// nothing that can raise may come between the two. When the pool can't, collect garbage once
// (lp_pool_collect) and retry; AllocError (pool unchanged) if it still can't.
void *lp_pool_alloc(lp_pool_obj_t *pool, size_t size LP_META_KIND_PARAM);
// One attempt, no collection: NULL (and the pool unchanged) when the pool can't (or, with
// tracking, a new block finds the table full: pool->meta.full says which). A block from
// lp_pool_try_alloc counts as extra as one from lp_pool_alloc does.
void *lp_pool_try_alloc(lp_pool_obj_t *pool, size_t size LP_META_KIND_PARAM);
// Run one garbage collection so the finalisers of unreachable objects give their blocks back, if
// the pool allows it and it is safe here (see lp_mempool.c); false when it did not collect. Never
// call it holding lp_lock(): the finalisers take it.
bool lp_pool_collect(lp_pool_obj_t *pool);
// What every "try, collect once, try again" loop does after a failed attempt: the first time,
// collect (when lp_pool_collect may), check that the pool is still open (the finalisers may have
// closed it) and return for one more try; otherwise raise AllocError for `requested` bytes (or the
// tracking table's RuntimeError, when that is what failed). Start the loop with `collected` false.
// Code that holds a block across it must read the block again afterwards (a finaliser may free it).
void lp_pool_collect_or_raise(lp_pool_obj_t *pool, bool *collected, size_t requested);
// AllocError for `requested` bytes, with the pool's largest free block as .available.
MP_NORETURN void lp_raise_alloc_error(lp_pool_obj_t *pool, size_t requested);
// A further block for a live object (invariant 6): NULL when the pool can't (nothing raised, so a
// caller that needs several blocks can take them all before changing anything; with tracking, a
// full table also gives NULL and lp_pool_collect_or_raise says which it was); lp_pool_extra_free
// gives one back. The same attempt as lp_pool_try_alloc: the block counts as extra until freed.
void *lp_pool_extra_alloc(lp_pool_obj_t *pool, size_t size LP_META_KIND_PARAM);
void lp_pool_extra_free(lp_pool_obj_t *pool, void *ptr);
// The blocks of the pool's objects, for lp_handle.c: each changes the handle's block and the pool's
// counters (invariant 6) in one critical section.
// h's block (data, from lp_pool_alloc, set by the caller) now counts as a live object's, no longer
// as extra; h->cap is set.
void lp_pool_attach(lp_obj_t *h, void *data);
// Release h's block, if any: back to the allocator, or kept for a memoryview when pinned
// (invariant 7); h->data is NULL after.
void lp_pool_release(lp_obj_t *h);
// Give h a block of `size` bytes holding its first `copy` bytes: a realloc (in place when it can,
// the payload copied between two sections), or for a pinned block a fresh block, the old one left
// for its memoryview (invariant 8). Without `collect`, one attempt: false, and nothing changed, when
// the pool can't. With it, when the pool can't, one collection (lp_pool_collect_or_raise) and a
// second attempt, then AllocError; false only when a finaliser of that collection freed h's block
// (the handle raises). h must be checked (lp_handle_data) before.
bool lp_pool_move(lp_obj_t *h, size_t size, size_t copy, bool collect);
// Tops the reserve up to its target, after dropping the handles lent since the last refill
// (invariant 2); only with the heap unlocked, never inside a collection.
void lp_pool_refill(lp_pool_obj_t *pool);
// A handle from the reserve for a creation with the heap locked (lent: invariant 2); NULL when the
// reserve is empty.
lp_obj_t *lp_pool_lend_handle(lp_pool_obj_t *pool);
// Forgets the handles lent since the last refill, so the next collection can finalise those that are
// garbage; only in the main program (not in a hard IRQ handler, not inside a collection).
void lp_pool_drop_lent(lp_pool_obj_t *pool);
void lp_pools_reset(void);

// ---- the tracking's Python face (lp_scope.c) ----
// _lp_pool._meta_print(pool, file or write, call): in every build, so that its arguments are
// checked alike; without tracking it then raises NotImplementedError.
MP_DECLARE_CONST_FUN_OBJ_3(lp_meta_print_obj);
#if LP_POOL_ALLOC_META
extern const mp_obj_type_t lp_type_Scope;
// pool.meta(): [(type, scope or None, count, bytes), ...]; pool.scope(name): an LpScope.
mp_obj_t lp_meta_rows(lp_pool_obj_t *pool);
mp_obj_t lp_meta_scope_new(lp_pool_obj_t *pool, mp_obj_t name);
#endif

// ---- handles (lp_handle.c) ----
// A fresh handle of `type` for `pool` (from the reserve when the heap is locked), data NULL.
lp_obj_t *lp_handle_new(lp_pool_obj_t *pool, const mp_obj_type_t *type);
// Give the handle its block from lp_pool_alloc: from here on it counts as live, not extra.
void lp_handle_attach(lp_obj_t *h, void *data, size_t len);
// Release the handle's block, if any (free(), with-exit and the finaliser); a pinned block stays.
void lp_handle_release(lp_obj_t *h);
// Move the handle to a new block of `size` bytes (copying what fits), releasing the old one as
// lp_handle_release would; AllocError and nothing changed when the pool can't.
void lp_handle_resize(lp_obj_t *h, size_t size);
// The handle's data, or ValueError when it was released (RuntimeError while in use: invariant 9).
void *lp_handle_data(lp_obj_t *h);
// Invariant 9: fn(h, ctx) with h marked in use, unless `stream` (the stream written to, or
// MP_OBJ_NULL) is h itself or h is marked already.
typedef void (*lp_busy_fn_t)(lp_obj_t *h, void *ctx);
void lp_handle_busy_call(lp_obj_t *h, mp_obj_t stream, lp_busy_fn_t fn, void *ctx);
// The stream a printer writes to (print(file=), json.dump), or MP_OBJ_NULL for other printers.
mp_obj_t lp_print_stream(const mp_print_t *print);
// LpString.format_into's printer (lp_string.c): its data starts with the string it writes to.
void lp_string_format_strn(void *data, const char *str, size_t len);
// What a type's print slot hands its busy_call body.
typedef struct {
    const mp_print_t *print;
    mp_print_kind_t kind;
} lp_print_ctx_t;
// free() and with-exit: RuntimeError while the object is in use (invariant 9).
void lp_handle_check_idle(lp_obj_t *h);
// What every handle type's Python face shares: free() and __del__ (release the one block),
// __enter__ (raises once freed), __exit__ (releases); a type that owns more blocks than its one
// (LpBTreeMap) has its own free and exit. Their `pool` and `freed` are LP_HANDLE_PROPS (lp_attr.c).
MP_DECLARE_CONST_FUN_OBJ_1(lp_handle_free_obj);
MP_DECLARE_CONST_FUN_OBJ_1(lp_handle_enter_obj);
MP_DECLARE_CONST_FUN_OBJ_VAR_BETWEEN(lp_handle_exit_obj);
// The unary_op slot of a type whose len() is h->len: len and bool (ValueError once freed).
mp_obj_t lp_handle_unary_op(mp_unary_op_t op, mp_obj_t self_in);

// ---- attributes (lp_attr.c) ----
// The attr slot of every lp type: methods and properties from its locals_dict, where a property is
// MicroPython's own `property` object (so a Python subclass of an lp type resolves it too), made by
// LP_DEFINE_PROP (read-only) or LP_DEFINE_PROP_RW from C functions; lp_attr.c says how.
typedef struct {
    mp_obj_base_t base;         // &mp_type_property, and the fields of py/objproperty.c's
    mp_rom_obj_t proxy[3];      // mp_obj_property_t (not in a header): getter, setter, deleter
    const lp_static_exc_t *read_only; // ours: raised by a store without a setter and by a delete
} lp_prop_t;
#define LP_DEFINE_PROP(name, get, read_only) \
    static MP_DEFINE_CONST_FUN_OBJ_1(name##_get_obj, get); \
    static const lp_prop_t name = { { &mp_type_property }, { MP_ROM_PTR(&name##_get_obj), MP_ROM_NONE, MP_ROM_NONE }, read_only }
#define LP_DEFINE_PROP_RW(name, get, set, read_only) \
    static MP_DEFINE_CONST_FUN_OBJ_1(name##_get_obj, get); \
    static MP_DEFINE_CONST_FUN_OBJ_2(name##_set_obj, set); \
    static const lp_prop_t name = { { &mp_type_property }, { MP_ROM_PTR(&name##_get_obj), MP_ROM_PTR(&name##_set_obj), MP_ROM_NONE }, read_only }
void lp_attr(mp_obj_t self_in, qstr attr, mp_obj_t *dest);
// A getter's or setter's self: the lp object, also when py/objtype.c passes a subclass's instance.
mp_obj_t lp_prop_self(mp_obj_t self_in);
// pool and freed, which every handle type lists; their shared read-only error.
extern const lp_prop_t lp_prop_pool;
extern const lp_prop_t lp_prop_freed;
extern const lp_static_exc_t lp_err_handle_read_only;
#define LP_HANDLE_PROPS \
    { MP_ROM_QSTR(MP_QSTR_pool), MP_ROM_PTR(&lp_prop_pool) }, \
    { MP_ROM_QSTR(MP_QSTR_freed), MP_ROM_PTR(&lp_prop_freed) }

// ---- growable storage (lp_handle.c): what every pool collection shares ----
// Growth keeps the strong guarantee: these functions change only h->data and h->cap, never h->len,
// and raise AllocError with nothing changed when the pool can't. So a caller makes room first and
// updates its length after the new items are written (never the other way round).
//
// n * size in bytes, or OverflowError ("too many items for a pool") if that overflows size_t.
size_t lp_size_mul(size_t n, size_t size);
// That OverflowError, for sizes a type works out itself.
MP_NORETURN void lp_raise_too_many(void);
// Make the block hold at least `need` bytes and return h->data. Geometric: asks for
// max(need, cap * 3 / 2, LP_GROW_MIN) and falls back to exactly `need` when the pool has no room
// for the larger size; in place when the next block is free (lp_realloc). A pinned block is left
// where it is for its memoryview and the data copied to a block of at least twice the capacity
// (invariant 8). Needs a live handle (raises the use-after-free ValueError otherwise).
void *lp_handle_reserve(lp_obj_t *h, size_t need);
// Give back what is above `keep` bytes (at least a minimal block stays), in place; nothing happens
// once the block was viewed (invariant 8).
void lp_handle_shrink(lp_obj_t *h, size_t keep);
// For the buffer slot of a growable type: pins the block when the consumer keeps its address
// (flags ask for MP_BUFFER_RW, invariant 7), and returns the data.
void *lp_handle_buffer(lp_obj_t *h, mp_uint_t flags);

#define LP_GROW_MIN (16)

// A size or count argument (bytes, items): TypeError if not an int, ValueError if negative,
// OverflowError beyond the small-int range (no pool holds that); all preallocated.
size_t lp_size_arg(mp_obj_t n_in);

// ---- text (lp_string.c) ----
// The UTF-8 bytes of a str or a live LpString, without allocating; false for anything else (an
// LpString that was freed raises ValueError). For types that take text keys or values.
bool lp_text_get(mp_obj_t o, const byte **data, size_t *len);

// ---- index and slice arguments (lp_container.c) ----
// Ints (and bools) only, never an object with __int__: MicroPython's converters (mp_get_index,
// mp_obj_get_int, mp_obj_slice_indices) would call it, and its code could free or resize the very
// object whose length and data pointer the caller holds. Call these before converting.
bool lp_is_int_arg(mp_obj_t o);
// TypeError unless o is an int or a bool.
void lp_int_arg_check(mp_obj_t o);
// TypeError unless the slice's start, stop and step are each None, an int or a bool.
void lp_slice_check(mp_obj_t slice);
// Number of items a bound slice (mp_obj_slice_indices) selects.
size_t lp_slice_count(const mp_bound_slice_t *s);

// ---- iteration in the VM's iter_buf (lp_container.c) ----
// The iterator a pool collection builds inside the caller's mp_obj_iter_buf_t (no heap): `cur` is
// the position, meaning what the type says. iternext gets it back as MP_OBJ_TO_PTR(self_in).
typedef struct {
    mp_obj_base_t base;
    mp_fun_1_t iternext;
    lp_obj_t *h;
    size_t cur;
} lp_iter_t;
mp_obj_t lp_iter_init(mp_obj_iter_buf_t *iter_buf, lp_obj_t *h, mp_fun_1_t iternext);

// ---- typecodes: items stored as machine numbers (lp_container.c) ----
// array's typecodes the port has: b B h H i I l L q Q (with long ints) and f d (with floats). Sizes
// and boxed loads go through py/binary.h; what binary.h doesn't do (range and type checks as
// CPython's array, unboxed stores and reads, compare, print from storage) is here, once.
//
// The typecode in a str argument ('i'), or ValueError naming the valid ones.
char lp_typecode_arg(mp_obj_t tc_in);
// Bytes per item (0 for an invalid typecode).
size_t lp_typecode_size(char tc);
bool lp_typecode_is_float(char tc);
// A number taken from a Python object once, to store or compare with items without boxing them.
typedef struct {
    bool is_float;
    bool huge;              // an int beyond 64 bits: fits no typecode, equals no item
    bool neg;               // ints: value < 0 (then `u` holds it as int64_t); floats: unused
    uint64_t u;             // ints: value as uint64 (two's complement when neg)
    double f;               // floats
} lp_num_t;
// false if x is not an int, bool or float (nothing raised, e.g. for `in` and count()).
bool lp_num_from_obj(mp_obj_t x, lp_num_t *out);
// Store x as item i: TypeError if x is not a number the typecode takes (floats only into f/d),
// OverflowError if out of the typecode's range (as CPython's array); nothing written on error.
void lp_item_store(char tc, void *items, size_t i, mp_obj_t x);
// The same from a number already taken (lp_num_from_obj, lp_item_num).
void lp_item_store_num(char tc, void *items, size_t i, const lp_num_t *n);
// Item i as a number, without boxing. Items may lie at any address (a foreign buffer): the only
// item reader that may see memory lp-pool did not allocate, with lp_item_equals (lp_container.c
// invariant 5); the others take a pool block's aligned items.
void lp_item_num(char tc, const void *items, size_t i, lp_num_t *out);
// Item i as a Python object: allocates on the GC heap for ints outside the small-int range and for
// floats on ports that box them (MemoryError under the heap lock).
mp_obj_t lp_item_load(char tc, const void *items, size_t i);
// Item i as a small int without allocating, or false if it is a float or outside the small-int range.
bool lp_item_load_small(char tc, const void *items, size_t i, mp_int_t *out);
// Item i == n, numerically (1 == 1.0; NaN equals nothing), without boxing the item.
bool lp_item_equals(char tc, const void *items, size_t i, const lp_num_t *n);
// Print item i from storage: ints in decimal, floats as MicroPython prints a float (through its
// float formatter on a C stack buffer), never boxed; the same text for repr, str and JSON.
void lp_item_print(const mp_print_t *print, char tc, const void *items, size_t i);

// ---- printing numbers without the heap (lp_container.c) ----
void lp_print_int64(const mp_print_t *print, int64_t v);
void lp_print_uint64(const mp_print_t *print, uint64_t v);
#if MICROPY_PY_BUILTINS_FLOAT
// As print(float): shortest repr at the port's float precision, ".0" added to integral values.
void lp_print_float(const mp_print_t *print, mp_float_t v);
#endif
// Print items [0, n) as a JSON array / list body: "[1, 2, 3]" (separators as MicroPython's json).
void lp_print_items(const mp_print_t *print, char tc, const void *items, size_t n);

// ---- run() and the heap guard (lp_run.c) ----
// run(): make pool current, lock the heap one level, call args[0](*args[1:], **kw_args), undo both.
mp_obj_t lp_run_call(lp_pool_obj_t *pool, size_t n_args, const mp_obj_t *args, mp_map_t *kw_args);
// `with pool:` enter and exit; enter returns the level entered (0 for the outermost).
size_t lp_run_enter(lp_pool_obj_t *pool);
void lp_run_exit_pool(lp_pool_obj_t *pool);
// lp_pool.reset(): lp_run.c invariant 6 for the calling thread; RuntimeError inside run() or
// guarded(). Returns the pool levels dropped.
size_t lp_run_reset_thread(void);
MP_DECLARE_CONST_FUN_OBJ_KW(lp_with_global_alloc_obj);
MP_DECLARE_CONST_FUN_OBJ_VAR_BETWEEN(lp_guarded_step_obj);

// ---- writing to a program's file or write function (lp_write.c) ----
// A native stream written through its stream slot, or a Python callable (a function, or an
// object's write method as fn[0] with the object as fn[1]) called with each piece.
typedef struct {
    bool native;
    mp_obj_t fn[2];
} lp_writer_t;
// Bytes of the static piece a Python write gets with the heap locked (a tracking table line fits).
#define LP_WRITE_PIECE (160)
// `file` as CPython's print(file=) takes it: anything with a callable write (a native stream, an
// instance of a Python class); TypeError (preallocated) for the rest. Nothing is written yet.
void lp_writer_file(lp_writer_t *w, mp_obj_t file);
// `fn` called with each piece; TypeError unless callable.
void lp_writer_callable(lp_writer_t *w, mp_obj_t fn);
// Write len bytes: all of them to a native stream (OSError on its error), or as str pieces (bytes
// ones when !text) to a Python write; returns len. With the heap locked a Python write gets a
// static piece that is only valid during the call (lp_write.c invariant 2).
size_t lp_writer_write(lp_writer_t *w, const char *data, size_t len, bool text);

// ---- values stored in the pool (lp_value.c), shared by LpBTreeMap and LpBox ----
// A number, or where text lives; which member is meant is the value's kind.
typedef union {
    mp_int_t i;
    mp_float_t f;
    void *p;
} lp_word_t;

typedef enum {
    LP_VAL_NONE, LP_VAL_FALSE, LP_VAL_TRUE, LP_VAL_INT, LP_VAL_FLOAT, LP_VAL_STR, LP_VAL_BYTES,
    LP_VAL_UNSUPPORTED, // only from lp_value_classify: not a type the pool stores
} lp_val_kind_t;

// A value taken apart without allocating: kind, the number (INT, FLOAT) or the bytes (STR, BYTES).
typedef struct {
    uint8_t kind;
    lp_word_t w;
    const byte *data;
    size_t len;
} lp_value_t;

// Splits a Python object (an LpString counts as text); LP_VAL_UNSUPPORTED for other types and for
// ints beyond a machine word (*too_big set then). Never allocates; raises only the use-after-free
// ValueError of a freed LpString.
void lp_value_classify(mp_obj_t o, lp_value_t *out, bool *too_big);
// The same, raising TypeError / OverflowError (preallocated) for what the pool can't store.
void lp_value_from_obj(mp_obj_t o, lp_value_t *out);
// A machine-word int, false for anything else (big ints, bools, other types). No allocation.
bool lp_int_get(mp_obj_t o, mp_int_t *out);
// Python's == between two split values (1 == 1.0 == True, text only equals text of its own kind).
bool lp_value_equal(const lp_value_t *a, const lp_value_t *b);
// The Python object; allocates for text, bytes, floats on boxed ports and ints past small ints.
mp_obj_t lp_value_to_obj(const lp_value_t *v);
// Prints as repr() (PRINT_STR/REPR) or as JSON (PRINT_JSON), from storage: no heap.
void lp_value_print(const mp_print_t *print, const lp_value_t *v, mp_print_kind_t kind);
// Writes str(value) (the bytes themselves for text and bytes) to a writer (lp_write.c); returns
// the number of bytes written. No heap for a native stream unless its write allocates.
size_t lp_value_write(lp_writer_t *out, const lp_value_t *v);

#endif // LP_POOL_H
