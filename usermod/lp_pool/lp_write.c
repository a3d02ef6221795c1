// Writing to what a program hands lp_pool as a file or a write function: print_memory_stats(file=),
// print_memory_stats_with(write), LpBTreeMap.get_into(key, out).
//
// Invariants:
//  1. A file is what print(file=) takes in CPython: an object with a callable `write`. What
//     MicroPython's own print(file=) takes is written as it writes it, through the stream slot: a
//     native stream (its `write` is MicroPython's stream write: LpString, io.StringIO, sockets,
//     UARTs, sys.stdout), with no heap, and an instance of an io.IOBase subclass (its write() gets
//     the bytes as a bytearray and returns how many it took). Any other object with a callable
//     `write` (an instance of a plain Python class) has it called with str pieces (bytes for bytes
//     values), as CPython's print() does. Everything else is a TypeError before anything is
//     written: a stream is never guessed from a protocol slot alone, which holds other protocols
//     than streams (machine.Pin's, machine.I2C's).
//  2. A Python write gets a new str or bytes with the heap free. With the heap locked it gets
//     lp_write_piece, a static object over a static buffer, at most LP_WRITE_PIECE bytes at a time
//     and never a character cut in two: a function that keeps it can see later text, never freed
//     memory. Python code that writes must not hold on to its argument (as documented).
//
// Under the collections and the statistics table (docs/internals.md): needs only errors
// (lp_error.c) and MicroPython.
#include <string.h>

#include "py/gc.h"
#include "py/runtime.h"
#include "py/stream.h"

#include "lp_pool.h"

LP_DEFINE_STATIC_EXC(lp_err_not_file, mp_type_TypeError,
    "file must have a write method (a stream, an LpString, or an object of a class with write())");
LP_DEFINE_STATIC_EXC(lp_err_write_not_callable, mp_type_TypeError, "the file's write attribute is not callable");
LP_DEFINE_STATIC_EXC(lp_err_not_callable, mp_type_TypeError, "write must be a function (called with each line)");

static char lp_write_buf[LP_WRITE_PIECE];
static mp_obj_str_t lp_write_piece = { { &mp_type_str }, 0, 0, (const byte *)lp_write_buf };

#if MICROPY_PY_IO && MICROPY_PY_IO_IOBASE
extern const mp_obj_module_t mp_module_io;

// The stream protocol io.IOBase gives its Python subclasses (py/modio.c keeps the type static).
static const void *lp_iobase_protocol(void) {
    mp_map_elem_t *e = mp_map_lookup((mp_map_t *)&mp_module_io.globals->map, MP_OBJ_NEW_QSTR(MP_QSTR_IOBase), MP_MAP_LOOKUP);
    return e == NULL || !mp_obj_is_type(e->value, &mp_type_type)
        ? NULL : MP_OBJ_TYPE_GET_SLOT_OR_NULL((const mp_obj_type_t *)MP_OBJ_TO_PTR(e->value), protocol);
}
#endif

static void lp_writer_native(lp_writer_t *w, mp_obj_t stream) {
    w->native = true;
    w->fn[0] = stream;
    w->fn[1] = MP_OBJ_NULL;
}

void lp_writer_file(lp_writer_t *w, mp_obj_t file) {
    mp_obj_t dest[2];
    mp_load_method_maybe(file, MP_QSTR_write, dest);
    if (dest[0] == MP_OBJ_NULL) {
        lp_raise_static(&lp_err_not_file);
    }
    if (dest[0] == MP_OBJ_FROM_PTR(&mp_stream_write_obj) && dest[1] != MP_OBJ_NULL) {
        // dest[1] is the native object itself (the native part of a subclass instance too).
        const mp_obj_type_t *type = mp_obj_get_type(dest[1]);
        if (MP_OBJ_TYPE_HAS_SLOT(type, protocol) && ((const mp_stream_p_t *)MP_OBJ_TYPE_GET_SLOT(type, protocol))->write != NULL) {
            lp_writer_native(w, dest[1]);
            return;
        }
    }
    #if MICROPY_PY_IO && MICROPY_PY_IO_IOBASE
    const mp_obj_type_t *type = mp_obj_get_type(file);
    if (MP_OBJ_TYPE_HAS_SLOT(type, protocol) && MP_OBJ_TYPE_GET_SLOT(type, protocol) == lp_iobase_protocol()) {
        lp_writer_native(w, file);
        return;
    }
    #endif
    if (!mp_obj_is_callable(dest[0])) {
        lp_raise_static(&lp_err_write_not_callable);
    }
    w->native = false;
    w->fn[0] = dest[0];
    w->fn[1] = dest[1];
}

void lp_writer_callable(lp_writer_t *w, mp_obj_t fn) {
    if (!mp_obj_is_callable(fn)) {
        lp_raise_static(&lp_err_not_callable);
    }
    w->native = false;
    w->fn[0] = fn;
    w->fn[1] = MP_OBJ_NULL;
}

static void lp_writer_call(lp_writer_t *w, mp_obj_t piece) {
    if (w->fn[1] != MP_OBJ_NULL) {
        mp_obj_t call[3] = { w->fn[0], w->fn[1], piece };
        mp_call_method_n_kw(1, 0, call);
    } else {
        mp_call_function_1(w->fn[0], piece);
    }
}

size_t lp_writer_write(lp_writer_t *w, const char *data, size_t len, bool text) {
    if (w->native) {
        int err = 0;
        size_t done = mp_stream_rw(w->fn[0], (void *)data, len, &err, MP_STREAM_RW_WRITE);
        if (err != 0) {
            mp_raise_OSError(err);
        }
        return done;
    }
    if (len == 0) {
        return 0;
    }
    if (!gc_is_locked()) {
        lp_writer_call(w, text ? mp_obj_new_str(data, len) : mp_obj_new_bytes((const byte *)data, len));
        return len;
    }
    // Invariant 2: pieces copied into the static buffer, whole characters only.
    for (size_t at = 0; at < len;) {
        size_t n = len - at > LP_WRITE_PIECE ? LP_WRITE_PIECE : len - at;
        if (text && at + n < len) {
            while (n > 1 && ((byte)data[at + n] & 0xc0) == 0x80) {
                n--;
            }
        }
        memcpy(lp_write_buf, data + at, n);
        lp_write_piece.base.type = text ? &mp_type_str : &mp_type_bytes;
        lp_write_piece.len = n;
        lp_writer_call(w, MP_OBJ_FROM_PTR(&lp_write_piece));
        at += n;
    }
    return len;
}
