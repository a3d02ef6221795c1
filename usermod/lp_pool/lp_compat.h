// What differs between the MicroPython versions lp-pool builds on, in one place, keyed on
// MICROPY_VERSION. Verified: 1.25.0, 1.26.1, 1.28.0 and the development branch at 1c3c201149
// (1.29.0-preview). Everything else in the module uses the same API on all of them.
//
// Invariant: no other file of the module tests MICROPY_VERSION or a feature macro that appeared
// or changed in one of those versions; a new difference gets a name here.
#ifndef LP_COMPAT_H
#define LP_COMPAT_H

#include <stdbool.h>
#include <stdint.h>

#include "py/mpconfig.h"
#include "py/obj.h"
#include "py/objint.h"
#if MICROPY_LONGINT_IMPL == MICROPY_LONGINT_IMPL_MPZ
#include "py/mpz.h"
#endif

#define LP_MPY_AT_LEAST(major, minor, micro) (MICROPY_VERSION >= MICROPY_MAKE_VERSION(major, minor, micro))

// 1.26 renamed NORETURN to MP_NORETURN (and keeps NORETURN as an alias).
#if !LP_MPY_AT_LEAST(1, 26, 0) && !defined(MP_NORETURN)
#define MP_NORETURN NORETURN
#endif

// 1.26 can pass a slice that lives on the VM's stack to a type's subscr (v[a:b], v[a:b] = w: no
// slice object on the GC heap, so they work inside run()); the type promises never to keep it.
// 1.25 puts every slice object on the GC heap, hence the slice() methods.
#if LP_MPY_AT_LEAST(1, 26, 0)
#define LP_TYPE_FLAG_STACK_SLICE MP_TYPE_FLAG_SUBSCR_ALLOWS_STACK_SLICE
#else
#define LP_TYPE_FLAG_STACK_SLICE (0)
#endif

#if MICROPY_LONGINT_IMPL == MICROPY_LONGINT_IMPL_MPZ
// The low 64 bits of the long int `x` (not a small int), two's complement, into *u; false when x
// needs more than 64 bits (as two's complement for a negative x, unsigned otherwise). Never raises,
// never allocates: it runs under the heap lock and in hard IRQ handlers.
static inline bool lp_compat_int_u64(mp_obj_t x, uint64_t *u) {
    byte buf[8];
    bool fits;
    #if LP_MPY_AT_LEAST(1, 29, 0)
    // 1.29 (e00daa3a50) replaced mp_obj_int_to_bytes_impl, which said whether the value fit, by
    // mp_obj_int_to_bytes, which raises OverflowError instead (an exception object on the heap, and
    // a raise where lp-pool wants its own error). What it is built on says so without raising: the
    // int's mpz, converted by mpz_as_bytes (same signature in every version above).
    const mpz_t *z = &((const mp_obj_int_t *)MP_OBJ_TO_PTR(x))->mpz;
    fits = mpz_as_bytes(z, false, mpz_is_neg(z), sizeof(buf), buf);
    #else
    fits = mp_obj_int_to_bytes_impl(x, false, sizeof(buf), buf);
    #endif
    uint64_t v = 0;
    for (size_t i = sizeof(buf); i-- > 0;) {
        v = v << 8 | buf[i];
    }
    *u = v;
    return fits;
}
#endif

#endif // LP_COMPAT_H
