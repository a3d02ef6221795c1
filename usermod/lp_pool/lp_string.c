// LpString: mutable UTF-8 text in a pool, and a writable stream, so print(..., file=s) and
// json.dump(obj, s) build text in the pool without the GC heap.
//
// The text itself (strict UTF-8, what a character is, the ASCII rule, searching, stripping, case)
// is the engine's, lp_utf8.c, which states the invariants of text; this file is the Python type
// over it: its slots and methods, the stream protocol, conversions, errors, growth and the handle.
//
// Invariants:
//  1. data[0, len) is always text in lp_utf8.c's sense (strict UTF-8). Every way in checks the new
//     bytes (lp_utf8_scan) before the length moves; a check that fails raises UnicodeError and
//     changes nothing.
//  2. h->len counts the bytes of whole characters and h->aux counts those characters, so len() is
//     O(1), and aux == len tells ASCII text, whose indexing, slicing and find() positions are O(1)
//     (lp_utf8_offset; a walk over the bytes otherwise).
//  3. h->sub (0 to 3) bytes at data[len, len + sub) are the start of a character that a stream write
//     left unfinished (printers such as json's write a character a byte at a time): lp_utf8_scan's
//     tail. They are not part of the text: nothing reads them until the write that completes them
//     moves len over them. Adding text at the end while they wait raises UnicodeError; clear() and
//     truncate() drop them.
//  4. Growth goes through lp_handle_reserve (strong guarantee): new bytes are written beyond
//     len + sub first and len, aux and sub are set last, so a failed write (AllocError,
//     UnicodeError) leaves the text as it was.
//  5. A source inside the string's own block (s += s, s.insert(i, s), print(s, file=s)) is kept as
//     an offset across growth, never read through a pointer that a moving realloc freed.
//  6. A NUL follows the bytes (data[len + sub] == 0), as in MicroPython's str: its printers read a
//     character's continuation bytes until one isn't, and must not read on into stale bytes.
//     Every block is one byte larger than the bytes it holds for it.
//  7. Nothing here allocates on the GC heap except: a handle created with the heap free, str(s),
//     and a one-character result that is not ASCII and not already a qstr (s[i], pop(), iteration).
//     One-character ASCII results are str objects in ROM (lp_ascii_str).
//
// A collection (docs/internals.md: on the pools, beside run()), over handles (lp_handle.c) and the
// text engine (lp_utf8.c).

#include <string.h>

#include "py/binary.h"
#include "py/objint.h"
#include "py/objstr.h"
#include "py/runtime.h"
#include "py/smallint.h"
#include "py/stream.h"

#include "lp_pool.h"
#include "lp_utf8.h"

#if MICROPY_PY_BUILTINS_STR_UNICODE

LP_DEFINE_STATIC_EXC(lp_err_text_type, mp_type_TypeError, "expected a str or an LpString");
LP_DEFINE_STATIC_EXC(lp_err_init_type, mp_type_TypeError, "LpString() takes a str, an LpString or a buffer of UTF-8");
LP_DEFINE_STATIC_EXC(lp_err_prefix_type, mp_type_TypeError, "expected a str, an LpString or a tuple of them");
LP_DEFINE_STATIC_EXC(lp_err_utf8, mp_type_UnicodeError, "invalid UTF-8");
LP_DEFINE_STATIC_EXC(lp_err_unfinished, mp_type_UnicodeError,
    "a character written by write() is unfinished: write its last bytes, or truncate()");
LP_DEFINE_STATIC_EXC(lp_err_index_type, mp_type_TypeError, "LpString indices must be integers");
LP_DEFINE_STATIC_EXC(lp_err_count_type, mp_type_TypeError, "replace() count must be an int");
LP_DEFINE_STATIC_EXC(lp_err_index, mp_type_IndexError, "LpString index out of range");
LP_DEFINE_STATIC_EXC(lp_err_pop_empty, mp_type_IndexError, "pop from empty LpString");
LP_DEFINE_STATIC_EXC(lp_err_not_found, mp_type_ValueError, "substring not found");
LP_DEFINE_STATIC_EXC(lp_err_negative, mp_type_ValueError, "size must not be negative");
LP_DEFINE_STATIC_EXC(lp_err_hash, mp_type_TypeError, "unhashable type: 'LpString'");
LP_DEFINE_STATIC_EXC(lp_err_changed, mp_type_RuntimeError, "LpString changed during extend()");
LP_DEFINE_STATIC_EXC(lp_err_store, mp_type_TypeError, "LpString items can't be assigned or deleted: use insert() and pop()");
LP_DEFINE_STATIC_EXC(lp_err_compare, mp_type_TypeError, "LpString compares only with str and LpString");
LP_DEFINE_STATIC_EXC(lp_err_contains, mp_type_TypeError, "'in <LpString>' requires a str or an LpString");

// ---- one-character strs without the heap ----------------------------------------------------

// Each ASCII character with a NUL after it (str data is NUL-terminated), and a str object for each,
// in ROM: s[i], pop() and iteration give ASCII characters without allocating. MicroPython's own str
// makes one-character strs through qstrs, which allocate (and stay forever) the first time a
// character is seen.
#define LP_A4(c) {c}, {c + 1}, {c + 2}, {c + 3}
#define LP_A16(c) LP_A4(c), LP_A4(c + 4), LP_A4(c + 8), LP_A4(c + 12)
#define LP_A64(c) LP_A16(c), LP_A16(c + 16), LP_A16(c + 32), LP_A16(c + 48)
static const byte lp_ascii_text[128][2] = { LP_A64(0), LP_A64(64) };

#define LP_S1(c) { { &mp_type_str }, 0, 1, lp_ascii_text[c] }
#define LP_S4(c) LP_S1(c), LP_S1(c + 1), LP_S1(c + 2), LP_S1(c + 3)
#define LP_S16(c) LP_S4(c), LP_S4(c + 4), LP_S4(c + 8), LP_S4(c + 12)
#define LP_S64(c) LP_S16(c), LP_S16(c + 16), LP_S16(c + 32), LP_S16(c + 48)
static const mp_obj_str_t lp_ascii_str[128] = { LP_S64(0), LP_S64(64) };

// The character of n bytes at p as a str: ROM for ASCII, an existing qstr, or else a new str.
static mp_obj_t lp_char_obj(const byte *p, size_t n) {
    if (n == 1) {
        return MP_OBJ_FROM_PTR(&lp_ascii_str[*p]);
    }
    qstr q = qstr_find_strn((const char *)p, n);
    if (q != MP_QSTRnull) {
        return MP_OBJ_NEW_QSTR(q);
    }
    return mp_obj_new_str_copy(&mp_type_str, p, n);
}

// ---- the handle ------------------------------------------------------------------------------

// Byte offset of character ci (0 <= ci <= aux).
static inline size_t lp_str_offset(const lp_obj_t *h, size_t ci) {
    return lp_utf8_offset(h->data, h->len, h->aux, ci);
}

// The text now ends after len bytes holding aux characters (what follows moved with it): set the
// terminator (invariant 6).
static void lp_str_set_end(lp_obj_t *h, size_t len, size_t aux) {
    h->len = len;
    h->aux = aux;
    ((byte *)h->data)[len + h->sub] = 0;
    h->mods++;
}

// Make room for `bytes` bytes of text (and the terminator) in a live handle (the caller checked).
static byte *lp_str_room(lp_obj_t *h, size_t bytes) {
    if (bytes < h->cap) {
        return h->data; // the hot path: the caller has checked the handle already
    }
    if (bytes >= SIZE_MAX - 1) {
        lp_raise_alloc_error(h->pool, SIZE_MAX);
    }
    return lp_handle_reserve(h, bytes + 1);
}

// A new LpString in pool with room for cap bytes (at least n) holding n bytes of valid UTF-8 with
// `chars` characters; src may be NULL to have the caller fill the bytes and call lp_str_set_end.
static lp_obj_t *lp_str_new(lp_pool_obj_t *pool, const byte *src, size_t n, size_t chars, size_t cap) {
    size_t size = cap > n ? cap : n;
    if (size >= SIZE_MAX - 1) {
        lp_raise_alloc_error(pool, SIZE_MAX);
    }
    // Handle first: if the block then fails, the pool is unchanged and the handle is garbage.
    lp_obj_t *h = lp_handle_new(pool, &lp_type_String);
    byte *d = lp_pool_alloc(pool, size + 1 LP_META_KIND(LP_KIND_STRING));
    if (src != NULL) {
        memcpy(d, src, n);
    }
    lp_handle_attach(h, d, n);
    lp_str_set_end(h, src != NULL ? n : 0, src != NULL ? chars : 0);
    return h;
}

bool lp_text_get(mp_obj_t o, const byte **data, size_t *len) {
    if (mp_obj_is_str(o)) {
        *data = (const byte *)mp_obj_str_get_data(o, len);
        return true;
    }
    if (mp_obj_is_type(o, &lp_type_String)) {
        lp_obj_t *h = MP_OBJ_TO_PTR(o);
        *data = lp_handle_data(h);
        *len = h->len;
        return true;
    }
    return false;
}

static void lp_text_arg(mp_obj_t o, const byte **data, size_t *len) {
    if (!lp_text_get(o, data, len)) {
        lp_raise_static(&lp_err_text_type);
    }
}

// Characters of a text argument, checking a str strictly (MicroPython's str accepts overlong forms
// and surrogates; those never get in, invariant 1).
static size_t lp_text_chars(mp_obj_t o, const byte *data, size_t len) {
    if (mp_obj_is_type(o, &lp_type_String)) {
        return ((lp_obj_t *)MP_OBJ_TO_PTR(o))->aux;
    }
    size_t chars;
    if (!lp_utf8_check(data, len, &chars)) {
        lp_raise_static(&lp_err_utf8);
    }
    return chars;
}

// Replace bytes [at, at + del) (del_chars characters) with n bytes of valid UTF-8 from src (chars
// characters); what follows, an unfinished character too, moves along. src may lie in the string's
// own block only when del == 0 (insertion): invariant 5.
static void lp_str_splice(lp_obj_t *h, size_t at, size_t del, size_t del_chars, const byte *src, size_t n, size_t chars) {
    byte *d = h->data;
    size_t end = h->len + h->sub;
    size_t self_off = (uintptr_t)src - (uintptr_t)d;
    bool self_src = n > 0 && self_off < h->cap;
    if (n > del) {
        d = lp_str_room(h, end + (n - del)); // may move the block; nothing changed on failure
    }
    memmove(d + at + n, d + at + del, end - at - del);
    if (self_src) {
        // Insertion of our own bytes: those before `at` stayed, those after moved up by n.
        size_t before = self_off < at ? (self_off + n < at ? n : at - self_off) : 0;
        memcpy(d + at, d + self_off, before);
        memcpy(d + at + before, d + (self_off + before) + n, n - before);
    } else if (n > 0) {
        memcpy(d + at, src, n);
    }
    lp_str_set_end(h, h->len - del + n, h->aux - del_chars + chars);
}

// Append text (a str or an LpString, maybe this one) at the end.
static void lp_str_append_obj(lp_obj_t *h, mp_obj_t x) {
    const byte *src;
    size_t n;
    lp_text_arg(x, &src, &n);
    size_t chars = lp_text_chars(x, src, n);
    if (h->sub != 0) {
        lp_raise_static(&lp_err_unfinished);
    }
    lp_str_splice(h, h->len, 0, 0, src, n, chars);
}

// ---- arguments -------------------------------------------------------------------------------

// An int argument, saturated to the mp_int_t range (no string is longer than that anyway).
static mp_int_t lp_str_int_arg(mp_obj_t o) {
    if (mp_obj_is_small_int(o)) {
        return MP_OBJ_SMALL_INT_VALUE(o);
    }
    if (mp_obj_is_bool(o)) {
        return o == mp_const_true;
    }
    if (!mp_obj_is_int(o)) {
        lp_raise_static(&lp_err_index_type);
    }
    // Beyond the small-int range: longer than any string, whichever way.
    return mp_obj_int_sign(o) < 0 ? MP_SMALL_INT_MIN : MP_SMALL_INT_MAX;
}

// A position (character) from i in [-n, n): IndexError otherwise.
static size_t lp_str_item_index(const lp_obj_t *h, mp_obj_t i_in) {
    mp_int_t i = lp_str_int_arg(i_in);
    mp_int_t n = (mp_int_t)h->aux;
    if (i < 0) {
        i += n;
    }
    if (i < 0 || i >= n) {
        lp_raise_static(&lp_err_index);
    }
    return (size_t)i;
}

// The [start, end) range of find() and friends, as CPython adjusts it; false if start > end (the
// range is empty even for an empty needle). Byte offsets in *bs, *be; characters in *cs.
static bool lp_str_range(const lp_obj_t *h, size_t n_args, const mp_obj_t *args, size_t *bs, size_t *be, size_t *cs) {
    mp_int_t n = (mp_int_t)h->aux;
    mp_int_t start = 0, end = n;
    if (n_args > 0 && args[0] != mp_const_none) {
        start = lp_str_int_arg(args[0]);
        if (start < 0) {
            start = start + n < 0 ? 0 : start + n;
        }
    }
    if (n_args > 1 && args[1] != mp_const_none) {
        end = lp_str_int_arg(args[1]);
        if (end > n) {
            end = n;
        } else if (end < 0) {
            end = end + n < 0 ? 0 : end + n;
        }
    }
    if (start > end) {
        return false;
    }
    *cs = (size_t)start;
    *bs = lp_str_offset(h, (size_t)start);
    *be = lp_str_offset(h, (size_t)end);
    return true;
}

// ---- searching -------------------------------------------------------------------------------

// find / rfind / index / rindex: the character index of sub in [start, end), or -1.
static mp_int_t lp_str_find_impl(size_t n_args, const mp_obj_t *args, bool last) {
    lp_obj_t *self = MP_OBJ_TO_PTR(args[0]);
    const byte *d = lp_handle_data(self);
    const byte *sub;
    size_t sn, bs, be, cs;
    lp_text_arg(args[1], &sub, &sn);
    if (!lp_str_range(self, n_args - 2, args + 2, &bs, &be, &cs)) {
        return -1;
    }
    ptrdiff_t off = lp_utf8_find(d + bs, be - bs, sub, sn, last);
    if (off < 0) {
        return -1;
    }
    bool ascii = lp_utf8_is_ascii(self->len, self->aux);
    return (mp_int_t)(cs + (ascii ? (size_t)off : lp_utf8_count(d + bs, (size_t)off)));
}

static mp_obj_t lp_string_find(size_t n_args, const mp_obj_t *args) {
    return MP_OBJ_NEW_SMALL_INT(lp_str_find_impl(n_args, args, false));
}
static MP_DEFINE_CONST_FUN_OBJ_VAR_BETWEEN(lp_string_find_obj, 2, 4, lp_string_find);

static mp_obj_t lp_string_rfind(size_t n_args, const mp_obj_t *args) {
    return MP_OBJ_NEW_SMALL_INT(lp_str_find_impl(n_args, args, true));
}
static MP_DEFINE_CONST_FUN_OBJ_VAR_BETWEEN(lp_string_rfind_obj, 2, 4, lp_string_rfind);

// index() and rindex(): find() and rfind() that raise ValueError for a missing substring.
static mp_obj_t lp_str_index_impl(size_t n_args, const mp_obj_t *args, bool reverse) {
    mp_int_t i = lp_str_find_impl(n_args, args, reverse);
    if (i < 0) {
        lp_raise_static(&lp_err_not_found);
    }
    return MP_OBJ_NEW_SMALL_INT(i);
}

static mp_obj_t lp_string_index(size_t n_args, const mp_obj_t *args) {
    return lp_str_index_impl(n_args, args, false);
}
static MP_DEFINE_CONST_FUN_OBJ_VAR_BETWEEN(lp_string_index_obj, 2, 4, lp_string_index);

static mp_obj_t lp_string_rindex(size_t n_args, const mp_obj_t *args) {
    return lp_str_index_impl(n_args, args, true);
}
static MP_DEFINE_CONST_FUN_OBJ_VAR_BETWEEN(lp_string_rindex_obj, 2, 4, lp_string_rindex);

static mp_obj_t lp_string_count(size_t n_args, const mp_obj_t *args) {
    lp_obj_t *self = MP_OBJ_TO_PTR(args[0]);
    const byte *d = lp_handle_data(self);
    const byte *sub;
    size_t sn, bs, be, cs;
    lp_text_arg(args[1], &sub, &sn);
    if (!lp_str_range(self, n_args - 2, args + 2, &bs, &be, &cs)) {
        return MP_OBJ_NEW_SMALL_INT(0);
    }
    if (sn == 0) {
        // Between every two characters, and at both ends.
        size_t chars = lp_utf8_is_ascii(self->len, self->aux) ? be - bs : lp_utf8_count(d + bs, be - bs);
        return MP_OBJ_NEW_SMALL_INT(chars + 1);
    }
    return MP_OBJ_NEW_SMALL_INT(lp_utf8_occurrences(d + bs, be - bs, sub, sn, SIZE_MAX));
}
static MP_DEFINE_CONST_FUN_OBJ_VAR_BETWEEN(lp_string_count_obj, 2, 4, lp_string_count);

// startswith / endswith: the text, or any text of a tuple, at the start / end of [start, end).
static mp_obj_t lp_str_tailmatch(size_t n_args, const mp_obj_t *args, bool at_end) {
    lp_obj_t *self = MP_OBJ_TO_PTR(args[0]);
    const byte *d = lp_handle_data(self);
    size_t bs, be, cs;
    size_t n_items = 1;
    mp_obj_t *items = (mp_obj_t *)&args[1];
    if (mp_obj_is_type(args[1], &mp_type_tuple)) {
        mp_obj_tuple_get(args[1], &n_items, &items);
    }
    bool in_range = lp_str_range(self, n_args - 2, args + 2, &bs, &be, &cs);
    for (size_t i = 0; i < n_items; i++) {
        const byte *p;
        size_t pn;
        if (!lp_text_get(items[i], &p, &pn)) {
            lp_raise_static(&lp_err_prefix_type);
        }
        if (in_range && pn <= be - bs && memcmp(d + (at_end ? be - pn : bs), p, pn) == 0) {
            return mp_const_true;
        }
    }
    return mp_const_false;
}

static mp_obj_t lp_string_startswith(size_t n_args, const mp_obj_t *args) {
    return lp_str_tailmatch(n_args, args, false);
}
static MP_DEFINE_CONST_FUN_OBJ_VAR_BETWEEN(lp_string_startswith_obj, 2, 4, lp_string_startswith);

static mp_obj_t lp_string_endswith(size_t n_args, const mp_obj_t *args) {
    return lp_str_tailmatch(n_args, args, true);
}
static MP_DEFINE_CONST_FUN_OBJ_VAR_BETWEEN(lp_string_endswith_obj, 2, 4, lp_string_endswith);

// ---- the type's slots ------------------------------------------------------------------------

static mp_obj_t lp_string_make_new(const mp_obj_type_t *type, size_t n_args, size_t n_kw, const mp_obj_t *all_args) {
    enum { ARG_s, ARG_capacity, ARG_pool };
    static const mp_arg_t allowed_args[] = {
        { MP_QSTR_s, MP_ARG_OBJ, {.u_rom_obj = MP_ROM_QSTR(MP_QSTR_)} },
        { MP_QSTR_capacity, MP_ARG_KW_ONLY | MP_ARG_OBJ, {.u_obj = MP_OBJ_NEW_SMALL_INT(0)} },
        { MP_QSTR_pool, MP_ARG_KW_ONLY | MP_ARG_OBJ, {.u_obj = mp_const_none} },
    };
    mp_arg_val_t args[MP_ARRAY_SIZE(allowed_args)];
    mp_arg_parse_all_kw_array(n_args, n_kw, all_args, MP_ARRAY_SIZE(allowed_args), allowed_args, args);
    mp_obj_t s = args[ARG_s].u_obj;
    size_t cap = lp_size_arg(args[ARG_capacity].u_obj);
    const byte *src;
    size_t n, chars;
    if (lp_text_get(s, &src, &n)) {
        chars = lp_text_chars(s, src, n);
    } else {
        mp_buffer_info_t buf;
        if (!mp_get_buffer(s, &buf, MP_BUFFER_READ)) {
            lp_raise_static(&lp_err_init_type);
        }
        src = buf.buf;
        n = buf.len;
        if (!lp_utf8_check(src, n, &chars)) {
            lp_raise_static(&lp_err_utf8);
        }
    }
    lp_pool_obj_t *pool = lp_pool_for_new(args[ARG_pool].u_obj);
    return MP_OBJ_FROM_PTR(lp_str_new(pool, src, n, chars, cap));
}

// Printing into ourselves through the stream (print(s, file=s), json.dump(s, s)).
static bool lp_str_prints_to(const mp_print_t *print, lp_obj_t *self) {
    return lp_print_stream(print) == MP_OBJ_FROM_PTR(self);
}

// n bytes of our text printed as str, repr or JSON. A write into ourselves finds its source by
// offset (invariant 5); repr and JSON must have made the room first (lp_string_print).
static void lp_str_print_text(const mp_print_t *print, const byte *data, size_t n, mp_print_kind_t kind) {
    if (kind == PRINT_STR) {
        print->print_strn(print->data, (const char *)data, n);
        return;
    }
    // MicroPython's own str printer, over a str object on the C stack that borrows our bytes.
    mp_obj_str_t text = { { &mp_type_str }, 0, n, data };
    if (kind == PRINT_REPR) {
        mp_print_str(print, "LpString(");
    }
    mp_obj_print_helper(print, MP_OBJ_FROM_PTR(&text), kind);
    if (kind == PRINT_REPR) {
        mp_print_str(print, ")");
    }
}

static void lp_string_print_body(lp_obj_t *self, void *ctx) {
    const lp_print_ctx_t *p = ctx;
    lp_str_print_text(p->print, self->data, self->len, p->kind);
}

static void lp_string_print(const mp_print_t *print, mp_obj_t self_in, mp_print_kind_t kind) {
    lp_obj_t *self = MP_OBJ_TO_PTR(self_in);
    if (self->data == NULL && kind == PRINT_REPR) {
        mp_print_str(print, "<LpString freed>");
        return;
    }
    lp_handle_data(self);
    if (kind != PRINT_STR && lp_str_prints_to(print, self)) {
        // repr and JSON print a character at a time while the block may grow: make the room first
        // (each byte prints as at most 6: "\u001f"), so the block doesn't move under the printer.
        lp_str_room(self, self->len + self->sub + 16 + lp_size_mul(self->len, 6));
    }
    lp_print_ctx_t p = { print, kind };
    lp_handle_busy_call(self, lp_print_stream(print), lp_string_print_body, &p);
}

static mp_obj_t lp_string_unary_op(mp_unary_op_t op, mp_obj_t self_in) {
    lp_obj_t *self = MP_OBJ_TO_PTR(self_in);
    switch (op) {
        case MP_UNARY_OP_LEN:
            lp_handle_data(self);
            return MP_OBJ_NEW_SMALL_INT(self->aux);
        case MP_UNARY_OP_BOOL:
            lp_handle_data(self);
            return mp_obj_new_bool(self->len != 0);
        case MP_UNARY_OP_HASH:
            lp_raise_static(&lp_err_hash); // mutable, like bytearray
        default:
            return MP_OBJ_NULL;
    }
}

static mp_obj_t lp_string_binary_op(mp_binary_op_t op, mp_obj_t lhs_in, mp_obj_t rhs_in) {
    lp_obj_t *self = MP_OBJ_TO_PTR(lhs_in);
    const byte *d = lp_handle_data(self);
    const byte *r;
    size_t rn;
    bool text = lp_text_get(rhs_in, &r, &rn);
    switch (op) {
        case MP_BINARY_OP_EQUAL:
            return mp_obj_new_bool(text && rn == self->len && memcmp(d, r, rn) == 0);
        case MP_BINARY_OP_LESS:
        case MP_BINARY_OP_LESS_EQUAL:
        case MP_BINARY_OP_MORE:
        case MP_BINARY_OP_MORE_EQUAL:
            if (!text) {
                lp_raise_static(&lp_err_compare);
            }
            // Byte order of UTF-8 is code point order, as str compares.
            return mp_obj_new_bool(mp_seq_cmp_bytes(op, d, self->len, r, rn));
        case MP_BINARY_OP_CONTAINS:
            if (!text) {
                lp_raise_static(&lp_err_contains);
            }
            return mp_obj_new_bool(lp_utf8_find(d, self->len, r, rn, false) >= 0);
        case MP_BINARY_OP_INPLACE_ADD:
            lp_str_append_obj(self, rhs_in);
            return lhs_in; // in place: no new object
        case MP_BINARY_OP_ADD: {
            if (!text) {
                return MP_OBJ_NULL;
            }
            size_t chars = lp_text_chars(rhs_in, r, rn);
            lp_obj_t *h = lp_str_new(self->pool, NULL, 0, 0, self->len + rn);
            memcpy(h->data, self->data, self->len); // a new block doesn't move ours
            memcpy((byte *)h->data + self->len, r, rn);
            lp_str_set_end(h, self->len + rn, self->aux + chars);
            return MP_OBJ_FROM_PTR(h);
        }
        default:
            return MP_OBJ_NULL;
    }
}

// A slice as a new LpString in the same pool; any step, as str.
static mp_obj_t lp_str_slice(lp_obj_t *self, mp_obj_t index) {
    lp_slice_check(index);
    mp_bound_slice_t b;
    mp_obj_slice_indices(index, (mp_int_t)self->aux, &b);
    const byte *d = self->data;
    if (b.step == 1) {
        size_t start = b.start, stop = b.stop > b.start ? (size_t)b.stop : start;
        size_t bs = lp_str_offset(self, start), be = lp_str_offset(self, stop);
        return MP_OBJ_FROM_PTR(lp_str_new(self->pool, d + bs, be - bs, stop - start, 0));
    }
    // Two walks over the characters taken, each O(span): one to size the new block, one to copy.
    size_t count = lp_slice_count(&b);
    size_t first = count != 0 ? lp_str_offset(self, (size_t)b.start) : 0;
    size_t bytes = lp_utf8_gather(d, first, b.step, count, NULL);
    lp_obj_t *h = lp_str_new(self->pool, NULL, 0, 0, bytes);
    lp_utf8_gather(d, first, b.step, count, h->data);
    lp_str_set_end(h, bytes, count);
    return MP_OBJ_FROM_PTR(h);
}

// `index` may be a slice on the VM's stack (LP_TYPE_FLAG_STACK_SLICE): read here, never kept.
static mp_obj_t lp_string_subscr(mp_obj_t self_in, mp_obj_t index, mp_obj_t value) {
    lp_obj_t *self = MP_OBJ_TO_PTR(self_in);
    const byte *d = lp_handle_data(self);
    if (value != MP_OBJ_SENTINEL) {
        lp_raise_static(&lp_err_store);
    }
    if (mp_obj_is_type(index, &mp_type_slice)) {
        return lp_str_slice(self, index);
    }
    size_t off = lp_str_offset(self, lp_str_item_index(self, index));
    return lp_char_obj(d + off, lp_utf8_len(d[off]));
}

// slice(start, stop[, step]): s[start:stop:step] without the slice object MicroPython 1.25 makes on
// the GC heap for s[a:b] (this one lives on the C stack), so it works inside run().
static mp_obj_t lp_string_slice_method(size_t n_args, const mp_obj_t *args) {
    lp_obj_t *self = MP_OBJ_TO_PTR(args[0]);
    lp_handle_data(self);
    mp_obj_slice_t sl = { { &mp_type_slice }, args[1], args[2], n_args > 3 ? args[3] : mp_const_none };
    return lp_str_slice(self, MP_OBJ_FROM_PTR(&sl));
}
static MP_DEFINE_CONST_FUN_OBJ_VAR_BETWEEN(lp_string_slice_obj, 3, 4, lp_string_slice_method);

// Iteration in the caller's iter_buf: cur is a byte offset. A string changed while it is iterated
// goes on from the same byte, moved to the next character start (never half a character).
static mp_obj_t lp_string_it_iternext(mp_obj_t self_in) {
    lp_iter_t *it = MP_OBJ_TO_PTR(self_in);
    const byte *d = lp_handle_data(it->h);
    it->cur = lp_utf8_sync(d, it->h->len, it->cur);
    if (it->cur >= it->h->len) {
        return MP_OBJ_STOP_ITERATION;
    }
    size_t n = lp_utf8_len(d[it->cur]);
    mp_obj_t c = lp_char_obj(d + it->cur, n);
    it->cur += n;
    return c;
}

static mp_obj_t lp_string_getiter(mp_obj_t self_in, mp_obj_iter_buf_t *iter_buf) {
    lp_obj_t *self = MP_OBJ_TO_PTR(self_in);
    lp_handle_data(self);
    return lp_iter_init(iter_buf, self, lp_string_it_iternext);
}

// Read-only: uart.write(s), sys.stdout.write(s), bytes(s). A consumer that asks for a writable
// buffer is refused, but memoryview() asks that to learn whether it may write, and keeps the
// address: the probe pins the block (invariant 7 in lp_pool.h) before refusing.
static mp_int_t lp_string_get_buffer(mp_obj_t self_in, mp_buffer_info_t *bufinfo, mp_uint_t flags) {
    lp_obj_t *self = MP_OBJ_TO_PTR(self_in);
    if (flags & MP_BUFFER_WRITE) {
        lp_handle_buffer(self, MP_BUFFER_RW);
        return 1;
    }
    bufinfo->buf = lp_handle_data(self);
    bufinfo->len = self->len;
    bufinfo->typecode = BYTEARRAY_TYPECODE;
    return 0;
}

// The stream's write: any bytes, checked incrementally (invariant 3). Raises UnicodeError or
// AllocError with nothing of this write kept, never a short write.
static mp_uint_t lp_string_stream_write(mp_obj_t self_in, const void *buf, mp_uint_t size, int *errcode) {
    (void)errcode;
    lp_obj_t *self = MP_OBJ_TO_PTR(self_in);
    byte *d = lp_handle_data(self);
    const byte *src = buf;
    size_t self_off = (uintptr_t)src - (uintptr_t)d;
    bool self_src = self_off < self->cap;
    size_t at = self->len, have = self->sub;
    d = lp_str_room(self, at + have + size);
    if (self_src) {
        src = d + self_off; // invariant 5: our own bytes, wherever the block is now
    }
    memmove(d + at + have, src, size);
    size_t whole, chars;
    if (!lp_utf8_scan(d + at, have + size, &whole, &chars)) {
        d[at + have] = 0; // the terminator we wrote over (invariant 6)
        lp_raise_static(&lp_err_utf8);
    }
    self->sub = (uint8_t)(have + size - whole);
    lp_str_set_end(self, at + whole, self->aux + chars);
    return size;
}

static const mp_stream_p_t lp_string_stream_p = {
    .write = lp_string_stream_write,
    .is_text = true,
};

// ---- methods ---------------------------------------------------------------------------------

static mp_obj_t lp_string_append(mp_obj_t self_in, mp_obj_t x) {
    lp_obj_t *self = MP_OBJ_TO_PTR(self_in);
    lp_handle_data(self);
    lp_str_append_obj(self, x);
    return mp_const_none;
}
static MP_DEFINE_CONST_FUN_OBJ_2(lp_string_append_obj, lp_string_append);

// ValueError once freed, RuntimeError if changed since `mods` was read.
static void lp_str_unchanged(lp_obj_t *self, uint32_t mods) {
    lp_handle_data(self);
    if (self->mods != mods) {
        lp_raise_static(&lp_err_changed);
    }
}

// extend()'s undo on a raise, run as an nlr jump callback (py/nlr.h): nothing of extend()'s frame
// has to survive a jump back into it, as it would after an nlr_push.
typedef struct {
    nlr_jump_callback_node_t node; // first: the callback gets the node's address
    lp_obj_t *self;
    size_t len, aux; // the string before extend()
    uint32_t mods;   // its change counter after the last append
} lp_str_undo_cb_t;

static void lp_str_undo_cb(void *ctx) {
    lp_str_undo_cb_t *cb = ctx;
    // All or nothing, unless someone else changed the string meanwhile: then it stays theirs.
    if (cb->self->data != NULL && cb->self->mods == cb->mods) {
        lp_str_set_end(cb->self, cb->len, cb->aux);
    }
}

// ---- format_into: %-formatting straight into the string ----------------------------------------
//
// s.format_into(fmt, *args) appends what `fmt % args` gives, for the conversions MicroPython's `%`
// has (d i u o x X e E f F g G c s r %, flags - + space # 0, width and precision, * for either):
// numbers through MicroPython's own printers (mp_print_mp_int, mp_print_float) and objects through
// their print slot, all writing into the string through lp_string_format_strn. No str is built on
// the GC heap, so it works inside run(). All or nothing: a raise (a bad format or argument, a full
// pool, Python code of an argument's __str__ that raises) puts the end back where it was.
// Differences from MicroPython's `%`, all towards CPython: %c takes any code point, width and
// precision of %s and %r count characters, not bytes; no %(name) keys.

LP_DEFINE_STATIC_EXC(lp_err_fmt_type, mp_type_TypeError, "format_into(fmt, *args): fmt must be a str");
LP_DEFINE_STATIC_EXC(lp_err_fmt_incomplete, mp_type_ValueError, "incomplete format");
LP_DEFINE_STATIC_EXC(lp_err_fmt_char, mp_type_ValueError,
    "unsupported format character (format_into takes %d %i %u %o %x %X %e %E %f %F %g %G %c %s %r and %%)");
LP_DEFINE_STATIC_EXC(lp_err_fmt_key, mp_type_ValueError, "format_into takes no %(name) keys: pass the values in order");
LP_DEFINE_STATIC_EXC(lp_err_fmt_few, mp_type_TypeError, "not enough arguments for format string");
LP_DEFINE_STATIC_EXC(lp_err_fmt_many, mp_type_TypeError, "not all arguments converted during string formatting");
LP_DEFINE_STATIC_EXC(lp_err_fmt_number, mp_type_TypeError, "%d, %i, %u, %e, %f and %g need a number");
LP_DEFINE_STATIC_EXC(lp_err_fmt_int, mp_type_TypeError, "%o, %x, %X and * need an int");
LP_DEFINE_STATIC_EXC(lp_err_fmt_c, mp_type_TypeError, "%c needs an int or a str of one character");
LP_DEFINE_STATIC_EXC(lp_err_fmt_c_range, mp_type_OverflowError, "%c arg not in range(0x110000)");
LP_DEFINE_STATIC_EXC(lp_err_fmt_changed, mp_type_RuntimeError, "LpString changed during format_into()");

// What the printer's data points at: the string first (lp_print_stream finds it there, so an
// argument that is this string prints into it by offset, invariant 5), and the undo record.
typedef struct {
    mp_obj_t self;
    lp_str_undo_cb_t undo;
} lp_fmt_ctx_t;

void lp_string_format_strn(void *data, const char *str, size_t len) {
    lp_fmt_ctx_t *ctx = data;
    lp_obj_t *h = MP_OBJ_TO_PTR(ctx->self);
    byte *d = h->data;
    const byte *src = (const byte *)str;
    if (h->mods != ctx->undo.mods) {
        lp_raise_static(&lp_err_fmt_changed); // Python code of an argument changed or freed it
    }
    // The common case inline: a live, idle string of the static arena, nothing waiting (sub), a
    // source outside the block, and ASCII (no UTF-8 to check). Anything else: the stream write.
    size_t at = h->len;
    if (d != NULL && !(h->flags & LP_OBJ_BUSY) && h->pool->buf == MP_OBJ_NULL && h->sub == 0
        && (size_t)((uintptr_t)src - (uintptr_t)d) >= h->cap) {
        d = lp_str_room(h, at + len); // raises with nothing changed
        // Copied past the end, checked on the way: bytes below 0x80 are whole characters, one each
        // (lp_utf8.c). Here, not in the engine: an inline call there costs this path an instruction.
        byte high = 0;
        for (size_t i = 0; i < len; i++) {
            byte b = src[i];
            d[at + i] = b;
            high |= b;
        }
        if (!(high & 0x80)) {
            d[at + len] = 0; // invariant 6
            h->len = at + len;
            h->aux += len;
            ctx->undo.mods = ++h->mods;
            return;
        }
        d[at] = 0; // not ASCII: the terminator back, and the checking write from the start
    }
    lp_string_stream_write(ctx->self, str, len, NULL);
    ctx->undo.mods = h->mods;
}

// Digits at *p (saturated: a width beyond any pool raises AllocError when it is written).
static int lp_fmt_number(const byte **p, const byte *top) {
    int n = 0;
    while (*p < top && unichar_isdigit(**p)) {
        n = n < 100000000 ? n * 10 + (**p - '0') : n;
        (*p)++;
    }
    return n;
}

static mp_obj_t lp_fmt_next(size_t *ai, size_t n_args, const mp_obj_t *args) {
    if (*ai >= n_args) {
        lp_raise_static(&lp_err_fmt_few);
    }
    return args[(*ai)++];
}

static mp_int_t lp_fmt_int_arg(mp_obj_t o) {
    if (mp_obj_is_bool(o)) {
        return o == mp_const_true;
    }
    if (!mp_obj_is_small_int(o)) {
        lp_raise_static(&lp_err_fmt_int);
    }
    return MP_OBJ_SMALL_INT_VALUE(o);
}

// Pads what was written since byte b0 (c0 characters) to `width` characters, in place: with spaces
// after it (`left`), or with `fill` before it, after its first `skip` bytes (a sign and a prefix).
static void lp_fmt_pad(lp_fmt_ctx_t *ctx, size_t b0, size_t c0, int width, bool left, byte fill, size_t skip) {
    lp_obj_t *h = MP_OBJ_TO_PTR(ctx->self);
    size_t chars = h->aux - c0;
    if (width > 0 && (size_t)width > chars) {
        size_t pad = width - chars, end = h->len;
        byte *d = lp_str_room(h, end + pad);
        size_t at = end;
        if (!left) {
            at = b0 + skip;
            memmove(d + at + pad, d + at, end - at);
        }
        memset(d + at, left ? ' ' : fill, pad);
        lp_str_set_end(h, end + pad, h->aux + pad);
        ctx->undo.mods = h->mods;
    }
}

// An int with a precision: at least prec digits (CPython's meaning; MicroPython's int printer
// counts the sign and prefix in it), then the width around the whole.
static void lp_fmt_int_prec(lp_fmt_ctx_t *ctx, const mp_print_t *print, mp_obj_t arg, int base, int base_char,
    int flags, char fill, int width, int prec) {
    lp_obj_t *h = MP_OBJ_TO_PTR(ctx->self);
    size_t b0 = h->len, c0 = h->aux;
    size_t sign = (flags & (PF_FLAG_SHOW_SIGN | PF_FLAG_SPACE_SIGN)) || mp_obj_int_sign(arg) < 0;
    size_t prefix = (flags & PF_FLAG_SHOW_PREFIX) ? 2 : 0;
    int core = (flags & (PF_FLAG_SHOW_SIGN | PF_FLAG_SPACE_SIGN | PF_FLAG_SHOW_PREFIX | PF_FLAG_SHOW_OCTAL_LETTER))
        | PF_FLAG_PAD_AFTER_SIGN;
    mp_print_mp_int(print, arg, base, base_char, core, '0', prec + (int)(sign + prefix), 0);
    lp_fmt_pad(ctx, b0, c0, width, flags & PF_FLAG_LEFT_ADJUST, fill, fill == '0' ? sign + prefix : 0);
}

// %s and %r: the argument prints at the end, then precision cuts and width pads it, in place.
static void lp_fmt_object(lp_fmt_ctx_t *ctx, const mp_print_t *print, mp_obj_t arg, mp_print_kind_t kind,
    int flags, int width, int prec) {
    lp_obj_t *h = MP_OBJ_TO_PTR(ctx->self);
    size_t b0 = h->len, c0 = h->aux;
    if (arg == ctx->self) {
        // The string itself: its text before the call, read by offset (the stream write finds its
        // own bytes wherever the block moved), or for repr with the room made first, so the block
        // can't move under the printer (as lp_string_print does).
        size_t n = ctx->undo.len;
        if (kind != PRINT_STR) {
            lp_str_room(h, h->len + 16 + lp_size_mul(n, 6));
        }
        lp_str_print_text(print, h->data, n, kind);
    } else if (kind == PRINT_STR && mp_obj_is_str(arg)) {
        size_t n;
        const char *p = mp_obj_str_get_data(arg, &n);
        print->print_strn(print->data, p, n);
    } else {
        mp_obj_print_helper(print, arg, kind);
    }
    lp_handle_data(h);
    if (h->sub != 0 || h->mods != ctx->undo.mods) {
        lp_raise_static(h->sub != 0 ? &lp_err_utf8 : &lp_err_fmt_changed);
    }
    if (prec >= 0 && (size_t)prec < h->aux - c0) {
        lp_str_set_end(h, lp_utf8_step(h->data, b0, prec), c0 + prec);
    }
    ctx->undo.mods = h->mods;
    lp_fmt_pad(ctx, b0, c0, width, flags & PF_FLAG_LEFT_ADJUST, ' ', 0);
}

static void lp_fmt_char(const mp_print_t *print, mp_obj_t arg, int flags, int width) {
    byte buf[4];
    const byte *p = buf;
    size_t n;
    if (mp_obj_is_str(arg)) {
        p = (const byte *)mp_obj_str_get_data(arg, &n);
        if (n == 0 || lp_utf8_len(p[0]) != n) {
            lp_raise_static(&lp_err_fmt_c);
        }
    } else {
        if (!mp_obj_is_int(arg) && !mp_obj_is_bool(arg)) {
            lp_raise_static(&lp_err_fmt_c);
        }
        mp_int_t c = mp_obj_is_small_int(arg) ? MP_OBJ_SMALL_INT_VALUE(arg)
            : mp_obj_is_bool(arg) ? (arg == mp_const_true) : -1;
        // 0 for a surrogate, which CPython formats but our text can't hold (invariant 1), and
        // beyond U+10FFFF, as a negative c is when cast.
        n = lp_utf8_encode((size_t)c, buf);
        if (n == 0) {
            lp_raise_static(&lp_err_fmt_c_range);
        }
    }
    // One character: mp_print_strn's byte count is the character count plus the extra bytes.
    mp_print_strn(print, (const char *)p, n, flags, ' ', width > 0 ? width + (int)n - 1 : 0);
}

static void lp_fmt_run(lp_fmt_ctx_t *ctx, const byte *f, size_t flen, size_t n_args, const mp_obj_t *args) {
    const mp_print_t print = { ctx, lp_string_format_strn };
    size_t ai = 0;
    const byte *top = f + flen;
    while (f < top) {
        // A run of literal text in one write.
        const byte *lit = f;
        while (f < top && *f != '%') {
            f++;
        }
        if (f > lit) {
            lp_string_format_strn(ctx, (const char *)lit, f - lit);
        }
        if (f >= top) {
            break;
        }
        if (++f >= top) {
            lp_raise_static(&lp_err_fmt_incomplete);
        }
        if (*f == '%') {
            lp_string_format_strn(ctx, "%", 1);
            f++;
            continue;
        }
        if (*f == '(') {
            lp_raise_static(&lp_err_fmt_key);
        }
        int flags = 0, alt = 0;
        char fill = ' ';
        for (; f < top; f++) {
            if (*f == '-') {
                flags |= PF_FLAG_LEFT_ADJUST;
            } else if (*f == '+') {
                flags |= PF_FLAG_SHOW_SIGN;
            } else if (*f == ' ') {
                flags |= PF_FLAG_SPACE_SIGN;
            } else if (*f == '#') {
                alt = PF_FLAG_SHOW_PREFIX;
            } else if (*f == '0') {
                flags |= PF_FLAG_PAD_AFTER_SIGN;
                fill = '0';
            } else {
                break;
            }
        }
        int width = 0, prec = -1;
        if (f < top && *f == '*') {
            width = lp_fmt_int_arg(lp_fmt_next(&ai, n_args, args));
            f++;
            if (width < 0) {
                flags |= PF_FLAG_LEFT_ADJUST; // as CPython
                width = -width;
            }
        } else {
            width = lp_fmt_number(&f, top);
        }
        if (f < top && *f == '.') {
            f++;
            if (f < top && *f == '*') {
                prec = lp_fmt_int_arg(lp_fmt_next(&ai, n_args, args));
                f++;
                if (prec < 0) {
                    prec = 0;
                }
            } else {
                prec = lp_fmt_number(&f, top);
            }
        }
        if (f >= top) {
            lp_raise_static(&lp_err_fmt_incomplete);
        }
        if (flags & PF_FLAG_LEFT_ADJUST) {
            fill = ' '; // '-' overrides '0', as CPython
            flags &= ~PF_FLAG_PAD_AFTER_SIGN;
        }
        byte conv = *f++;
        mp_obj_t arg = lp_fmt_next(&ai, n_args, args); // before the conversion's check, as CPython
        switch (conv) {
            case 'd':
            case 'i':
            case 'u':
                if (mp_obj_is_bool(arg)) {
                    arg = MP_OBJ_NEW_SMALL_INT(arg == mp_const_true);
                }
                #if MICROPY_PY_BUILTINS_FLOAT
                else if (mp_obj_is_float(arg)) {
                    arg = mp_obj_new_int_from_float(mp_obj_get_float(arg)); // a small int: no heap
                }
                #endif
                else if (!mp_obj_is_int(arg)) {
                    lp_raise_static(&lp_err_fmt_number);
                }
                if (prec > 1) {
                    lp_fmt_int_prec(ctx, &print, arg, 10, 'a', flags, fill, width, prec);
                } else {
                    mp_print_mp_int(&print, arg, 10, 'a', flags, fill, width, 0);
                }
                break;
            case 'o':
            case 'x':
            case 'X':
                if (mp_obj_is_bool(arg)) {
                    arg = MP_OBJ_NEW_SMALL_INT(arg == mp_const_true);
                } else if (!mp_obj_is_int(arg)) {
                    lp_raise_static(&lp_err_fmt_int);
                }
                flags |= conv == 'o' && alt ? PF_FLAG_SHOW_PREFIX | PF_FLAG_SHOW_OCTAL_LETTER : alt;
                if (prec > 1) {
                    lp_fmt_int_prec(ctx, &print, arg, conv == 'o' ? 8 : 16, conv == 'X' ? 'A' : 'a', flags, fill, width, prec);
                } else {
                    mp_print_mp_int(&print, arg, conv == 'o' ? 8 : 16, conv == 'X' ? 'A' : 'a', flags, fill, width, 0);
                }
                break;
            case 'c':
                lp_fmt_char(&print, arg, flags, width);
                break;
            case 's':
            case 'r':
                lp_fmt_object(ctx, &print, arg, conv == 'r' ? PRINT_REPR : PRINT_STR, flags, width, prec);
                break;
            #if MICROPY_PY_BUILTINS_FLOAT
            case 'e':
            case 'E':
            case 'f':
            case 'F':
            case 'g':
            case 'G':
                if (!mp_obj_is_int(arg) && !mp_obj_is_bool(arg) && !mp_obj_is_float(arg)) {
                    lp_raise_static(&lp_err_fmt_number);
                }
                mp_print_float(&print, mp_obj_get_float(arg), conv, flags, fill, width, prec);
                break;
            #endif
            default:
                lp_raise_static(&lp_err_fmt_char);
        }
    }
    if (ai != n_args) {
        lp_raise_static(&lp_err_fmt_many);
    }
}

static mp_obj_t lp_string_format_into(size_t n_args, const mp_obj_t *args) {
    lp_obj_t *self = MP_OBJ_TO_PTR(args[0]);
    lp_handle_data(self);
    if (!mp_obj_is_str(args[1])) {
        lp_raise_static(&lp_err_fmt_type);
    }
    if (self->sub != 0) {
        lp_raise_static(&lp_err_unfinished);
    }
    size_t flen;
    const byte *f = (const byte *)mp_obj_str_get_data(args[1], &flen);
    lp_fmt_ctx_t ctx = { args[0], { .self = self, .len = self->len, .aux = self->aux, .mods = self->mods } };
    nlr_push_jump_callback(&ctx.undo.node, lp_str_undo_cb);
    lp_fmt_run(&ctx, f, flen, n_args - 2, args + 2);
    nlr_pop_jump_callback(false);
    return mp_const_none;
}
static MP_DEFINE_CONST_FUN_OBJ_VAR(lp_string_format_into_obj, 2, lp_string_format_into);

// extend(iterable of text): all or nothing.
static mp_obj_t lp_string_extend(mp_obj_t self_in, mp_obj_t it_in) {
    lp_obj_t *self = MP_OBJ_TO_PTR(self_in);
    lp_handle_data(self);
    const byte *p;
    size_t n;
    if (lp_text_get(it_in, &p, &n)) {
        lp_str_append_obj(self, it_in);
        return mp_const_none;
    }
    if (self->sub != 0) {
        lp_raise_static(&lp_err_unfinished);
    }
    // The iterator runs Python code between items, which could change or free this string: after
    // each item the string must be as the last append left it (cb.mods).
    lp_str_undo_cb_t cb = { .self = self, .len = self->len, .aux = self->aux, .mods = self->mods };
    nlr_push_jump_callback(&cb.node, lp_str_undo_cb);
    mp_obj_iter_buf_t iter_buf;
    mp_obj_t iter = mp_getiter(it_in, &iter_buf), item;
    while ((item = mp_iternext(iter)) != MP_OBJ_STOP_ITERATION) {
        lp_str_unchanged(self, cb.mods);
        lp_str_append_obj(self, item);
        cb.mods = self->mods;
    }
    lp_str_unchanged(self, cb.mods);
    nlr_pop_jump_callback(false);
    return mp_const_none;
}
static MP_DEFINE_CONST_FUN_OBJ_2(lp_string_extend_obj, lp_string_extend);

// insert(i, text): at character i, clamped as list.insert does.
static mp_obj_t lp_string_insert(mp_obj_t self_in, mp_obj_t i_in, mp_obj_t x) {
    lp_obj_t *self = MP_OBJ_TO_PTR(self_in);
    lp_handle_data(self);
    mp_int_t i = lp_str_int_arg(i_in), n = (mp_int_t)self->aux;
    if (i < 0) {
        i = i + n < 0 ? 0 : i + n;
    } else if (i > n) {
        i = n;
    }
    if ((size_t)i == self->aux) {
        lp_str_append_obj(self, x);
        return mp_const_none;
    }
    const byte *src;
    size_t sn;
    lp_text_arg(x, &src, &sn);
    size_t chars = lp_text_chars(x, src, sn);
    lp_str_splice(self, lp_str_offset(self, (size_t)i), 0, 0, src, sn, chars);
    return mp_const_none;
}
static MP_DEFINE_CONST_FUN_OBJ_3(lp_string_insert_obj, lp_string_insert);

static mp_obj_t lp_string_clear(mp_obj_t self_in) {
    lp_obj_t *self = MP_OBJ_TO_PTR(self_in);
    lp_handle_data(self);
    self->sub = 0;
    lp_str_set_end(self, 0, 0);
    return mp_const_none;
}
static MP_DEFINE_CONST_FUN_OBJ_1(lp_string_clear_obj, lp_string_clear);

// truncate(n): keep the first n characters (all of them if there are fewer, for any int n however
// large); drops an unfinished character. The block stays as large: the room is for the next writes.
static mp_obj_t lp_string_truncate(mp_obj_t self_in, mp_obj_t n_in) {
    lp_obj_t *self = MP_OBJ_TO_PTR(self_in);
    lp_handle_data(self);
    bool huge = mp_obj_is_int(n_in) && !mp_obj_is_small_int(n_in) && mp_obj_int_sign(n_in) > 0;
    size_t n = huge ? SIZE_MAX : lp_size_arg(n_in);
    self->sub = 0;
    if (n < self->aux) {
        lp_str_set_end(self, lp_str_offset(self, n), n);
    } else {
        lp_str_set_end(self, self->len, self->aux);
    }
    return mp_const_none;
}
static MP_DEFINE_CONST_FUN_OBJ_2(lp_string_truncate_obj, lp_string_truncate);

// pop([i]): remove character i (the last by default) and return it as a str.
static mp_obj_t lp_string_pop(size_t n_args, const mp_obj_t *args) {
    lp_obj_t *self = MP_OBJ_TO_PTR(args[0]);
    const byte *d = lp_handle_data(self);
    if (self->aux == 0) {
        lp_raise_static(&lp_err_pop_empty);
    }
    size_t i = n_args > 1 ? lp_str_item_index(self, args[1]) : self->aux - 1;
    size_t off = lp_str_offset(self, i), n = lp_utf8_len(d[off]);
    mp_obj_t c = lp_char_obj(d + off, n); // first: if it can't be made, nothing has changed
    lp_str_splice(self, off, n, 1, NULL, 0, 0);
    return c;
}
static MP_DEFINE_CONST_FUN_OBJ_VAR_BETWEEN(lp_string_pop_obj, 1, 2, lp_string_pop);

// reserve(n): room for n more bytes without growing.
static mp_obj_t lp_string_reserve(mp_obj_t self_in, mp_obj_t n_in) {
    lp_obj_t *self = MP_OBJ_TO_PTR(self_in);
    lp_handle_data(self);
    size_t n = lp_size_arg(n_in);
    size_t used = self->len + self->sub;
    if (n > SIZE_MAX - used) {
        lp_raise_alloc_error(self->pool, SIZE_MAX);
    }
    lp_str_room(self, used + n);
    return mp_const_none;
}
static MP_DEFINE_CONST_FUN_OBJ_2(lp_string_reserve_obj, lp_string_reserve);

// strip / lstrip / rstrip: a new LpString in the same pool.
// sides: LP_UTF8_LEFT, LP_UTF8_RIGHT or both.
static mp_obj_t lp_str_strip(size_t n_args, const mp_obj_t *args, int sides) {
    lp_obj_t *self = MP_OBJ_TO_PTR(args[0]);
    const byte *d = lp_handle_data(self);
    const byte *set = NULL;
    size_t set_n = 0;
    if (n_args > 1 && args[1] != mp_const_none) {
        lp_text_arg(args[1], &set, &set_n);
    }
    size_t range[2] = { 0, self->len };
    size_t chars = self->aux - lp_utf8_strip(d, range, set, set_n, sides);
    return MP_OBJ_FROM_PTR(lp_str_new(self->pool, d + range[0], range[1] - range[0], chars, 0));
}

static mp_obj_t lp_string_strip(size_t n_args, const mp_obj_t *args) {
    return lp_str_strip(n_args, args, LP_UTF8_LEFT | LP_UTF8_RIGHT);
}
static MP_DEFINE_CONST_FUN_OBJ_VAR_BETWEEN(lp_string_strip_obj, 1, 2, lp_string_strip);

static mp_obj_t lp_string_lstrip(size_t n_args, const mp_obj_t *args) {
    return lp_str_strip(n_args, args, LP_UTF8_LEFT);
}
static MP_DEFINE_CONST_FUN_OBJ_VAR_BETWEEN(lp_string_lstrip_obj, 1, 2, lp_string_lstrip);

static mp_obj_t lp_string_rstrip(size_t n_args, const mp_obj_t *args) {
    return lp_str_strip(n_args, args, LP_UTF8_RIGHT);
}
static MP_DEFINE_CONST_FUN_OBJ_VAR_BETWEEN(lp_string_rstrip_obj, 1, 2, lp_string_rstrip);

// lower / upper: ASCII letters only, as MicroPython's str does.
static mp_obj_t lp_str_case(mp_obj_t self_in, bool upper) {
    lp_obj_t *self = MP_OBJ_TO_PTR(self_in);
    const byte *d = lp_handle_data(self);
    lp_obj_t *h = lp_str_new(self->pool, d, self->len, self->aux, 0);
    lp_utf8_ascii_case(h->data, h->len, upper);
    return MP_OBJ_FROM_PTR(h);
}

static mp_obj_t lp_string_lower(mp_obj_t self_in) {
    return lp_str_case(self_in, false);
}
static MP_DEFINE_CONST_FUN_OBJ_1(lp_string_lower_obj, lp_string_lower);

static mp_obj_t lp_string_upper(mp_obj_t self_in) {
    return lp_str_case(self_in, true);
}
static MP_DEFINE_CONST_FUN_OBJ_1(lp_string_upper_obj, lp_string_upper);

// replace(old, new[, count]): a new LpString; an empty `old` matches around every character, as
// in str.
static mp_obj_t lp_string_replace(size_t n_args, const mp_obj_t *args) {
    lp_obj_t *self = MP_OBJ_TO_PTR(args[0]);
    const byte *d = lp_handle_data(self);
    const byte *old, *rep;
    size_t on, rn;
    lp_text_arg(args[1], &old, &on);
    lp_text_arg(args[2], &rep, &rn);
    size_t rchars = lp_text_chars(args[2], rep, rn);
    if (n_args > 3 && !lp_is_int_arg(args[3])) {
        lp_raise_static(&lp_err_count_type);
    }
    mp_int_t max = n_args > 3 ? lp_str_int_arg(args[3]) : -1;
    size_t limit = max < 0 ? SIZE_MAX : (size_t)max;
    // First pass: how many replacements (an empty `old` is around each character).
    size_t count;
    if (on == 0) {
        count = self->aux + 1 < limit ? self->aux + 1 : limit;
    } else {
        count = lp_utf8_occurrences(d, self->len, old, on, limit);
    }
    size_t ochars = on == 0 ? 0 : lp_utf8_count(old, on);
    size_t kept = self->len - count * on; // the matches lie inside the text: no wrap
    size_t added = lp_size_mul(count, rn);
    if (added > SIZE_MAX - 2 - kept) {
        lp_raise_alloc_error(self->pool, SIZE_MAX); // lp_str_new's bound, before the sum wraps
    }
    size_t bytes = kept + added;
    size_t chars = self->aux - count * ochars + count * rchars;
    lp_obj_t *h = lp_str_new(self->pool, NULL, 0, 0, bytes);
    lp_utf8_replace(h->data, d, self->len, old, on, rep, rn, count); // count found, count made
    lp_str_set_end(h, bytes, chars);
    return MP_OBJ_FROM_PTR(h);
}
static MP_DEFINE_CONST_FUN_OBJ_VAR_BETWEEN(lp_string_replace_obj, 3, 4, lp_string_replace);

static mp_obj_t lp_string_capacity_get(mp_obj_t self_in) {
    lp_obj_t *self = MP_OBJ_TO_PTR(lp_prop_self(self_in));
    lp_handle_data(self);
    return MP_OBJ_NEW_SMALL_INT(self->cap - 1); // less the terminator
}
LP_DEFINE_PROP(lp_string_capacity_prop, lp_string_capacity_get, &lp_err_handle_read_only);

static const mp_rom_map_elem_t lp_string_locals_dict_table[] = {
    // First: a const dict is searched in order, and this is the method of message-building loops.
    { MP_ROM_QSTR(MP_QSTR_format_into), MP_ROM_PTR(&lp_string_format_into_obj) },
    { MP_ROM_QSTR(MP_QSTR_append), MP_ROM_PTR(&lp_string_append_obj) },
    { MP_ROM_QSTR(MP_QSTR_extend), MP_ROM_PTR(&lp_string_extend_obj) },
    { MP_ROM_QSTR(MP_QSTR_insert), MP_ROM_PTR(&lp_string_insert_obj) },
    { MP_ROM_QSTR(MP_QSTR_clear), MP_ROM_PTR(&lp_string_clear_obj) },
    { MP_ROM_QSTR(MP_QSTR_truncate), MP_ROM_PTR(&lp_string_truncate_obj) },
    { MP_ROM_QSTR(MP_QSTR_pop), MP_ROM_PTR(&lp_string_pop_obj) },
    { MP_ROM_QSTR(MP_QSTR_write), MP_ROM_PTR(&mp_stream_write_obj) },
    { MP_ROM_QSTR(MP_QSTR_reserve), MP_ROM_PTR(&lp_string_reserve_obj) },
    { MP_ROM_QSTR(MP_QSTR_slice), MP_ROM_PTR(&lp_string_slice_obj) },
    { MP_ROM_QSTR(MP_QSTR_find), MP_ROM_PTR(&lp_string_find_obj) },
    { MP_ROM_QSTR(MP_QSTR_rfind), MP_ROM_PTR(&lp_string_rfind_obj) },
    { MP_ROM_QSTR(MP_QSTR_index), MP_ROM_PTR(&lp_string_index_obj) },
    { MP_ROM_QSTR(MP_QSTR_rindex), MP_ROM_PTR(&lp_string_rindex_obj) },
    { MP_ROM_QSTR(MP_QSTR_count), MP_ROM_PTR(&lp_string_count_obj) },
    { MP_ROM_QSTR(MP_QSTR_startswith), MP_ROM_PTR(&lp_string_startswith_obj) },
    { MP_ROM_QSTR(MP_QSTR_endswith), MP_ROM_PTR(&lp_string_endswith_obj) },
    { MP_ROM_QSTR(MP_QSTR_strip), MP_ROM_PTR(&lp_string_strip_obj) },
    { MP_ROM_QSTR(MP_QSTR_lstrip), MP_ROM_PTR(&lp_string_lstrip_obj) },
    { MP_ROM_QSTR(MP_QSTR_rstrip), MP_ROM_PTR(&lp_string_rstrip_obj) },
    { MP_ROM_QSTR(MP_QSTR_lower), MP_ROM_PTR(&lp_string_lower_obj) },
    { MP_ROM_QSTR(MP_QSTR_upper), MP_ROM_PTR(&lp_string_upper_obj) },
    { MP_ROM_QSTR(MP_QSTR_replace), MP_ROM_PTR(&lp_string_replace_obj) },
    { MP_ROM_QSTR(MP_QSTR_free), MP_ROM_PTR(&lp_handle_free_obj) },
    { MP_ROM_QSTR(MP_QSTR___del__), MP_ROM_PTR(&lp_handle_free_obj) },
    { MP_ROM_QSTR(MP_QSTR___enter__), MP_ROM_PTR(&lp_handle_enter_obj) },
    { MP_ROM_QSTR(MP_QSTR___exit__), MP_ROM_PTR(&lp_handle_exit_obj) },
    { MP_ROM_QSTR(MP_QSTR_capacity), MP_ROM_PTR(&lp_string_capacity_prop) },
    LP_HANDLE_PROPS,
};
static MP_DEFINE_CONST_DICT(lp_string_locals_dict, lp_string_locals_dict_table);

MP_DEFINE_CONST_OBJ_TYPE(
    lp_type_String,
    MP_QSTR_LpString,
    MP_TYPE_FLAG_ITER_IS_GETITER | MP_TYPE_FLAG_EQ_CHECKS_OTHER_TYPE | LP_TYPE_FLAG_STACK_SLICE,
    make_new, lp_string_make_new,
    print, lp_string_print,
    unary_op, lp_string_unary_op,
    binary_op, lp_string_binary_op,
    subscr, lp_string_subscr,
    iter, lp_string_getiter,
    buffer, lp_string_get_buffer,
    protocol, &lp_string_stream_p,
    attr, lp_attr,
    locals_dict, &lp_string_locals_dict
    );

#else

// Without unicode str there is no LpString; text keys and values still take a str.
bool lp_text_get(mp_obj_t o, const byte **data, size_t *len) {
    if (mp_obj_is_str(o)) {
        *data = (const byte *)mp_obj_str_get_data(o, len);
        return true;
    }
    return false;
}

#endif // MICROPY_PY_BUILTINS_STR_UNICODE
