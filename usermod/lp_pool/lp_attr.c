// Attributes of the lp types: one attr slot for all of them, and their properties as `property`
// entries of their locals_dict, so help(LpVec), dir(LpVec) and dir(v) list them with the methods.
//
// MicroPython (1.25 and later) resolves a property only on instances of Python classes
// (py/objtype.c); for a native type, mp_load_method_maybe (py/runtime.c) calls the type's attr slot
// first and then looks in its locals_dict. So lp_attr does the locals_dict lookup itself: a method
// costs the slot's call and the one lookup the runtime would have made anyway, and a property is
// found by the same lookup (before this, every method call ran a chain of name compares first).
//
// Invariants:
//  1. Every type that uses lp_attr has a locals_dict; its properties are lp_prop_t entries (a
//     MicroPython property whose getter and setter are C functions of one and two arguments, which
//     lp_attr calls directly, and which take a Python subclass's instance too: lp_prop_self). Getters allocate nothing on the GC heap except
//     what they return (a big int for a pool's size), so they work inside run().
//  2. Storing to a property without a setter, or deleting a property, raises the property's
//     read-only error (the handle types share one, LpMemoryPool has its own); a property without
//     one (LpBox.value's delete), or any other name, leaves dest alone, and the runtime raises its
//     own AttributeError.
//
// Under the Python faces (docs/internals.md, with lp_container.c and lp_write.c): needs only errors
// (lp_error.c) and MicroPython.

#include "py/objtype.h"
#include "py/runtime.h"

#include "lp_pool.h"

// Shared by the handle types' properties (LP_DEFINE_STATIC_EXC's object, with external linkage).
static MP_DEFINE_STR_OBJ(lp_err_handle_read_only_msg,
    "pool, freed, capacity, typecode and itemsize are read-only (reserve() and shrink_to_fit() change the capacity)");
const lp_static_exc_t lp_err_handle_read_only = {
    { { &mp_type_AttributeError }, 0, 0, NULL, (mp_obj_tuple_t *)&lp_err_handle_read_only.args },
    { { &mp_type_tuple }, 1, { MP_OBJ_FROM_PTR(&lp_err_handle_read_only_msg) } },
};

#if !MICROPY_PY_BUILTINS_PROPERTY
#error "lp_pool needs MICROPY_PY_BUILTINS_PROPERTY (on from MICROPY_CONFIG_ROM_LEVEL_CORE_FEATURES)"
#endif

mp_obj_t lp_prop_self(mp_obj_t self_in) {
    const mp_obj_type_t *type = mp_obj_get_type(self_in);
    if (mp_obj_is_instance_type(type)) {
        return ((mp_obj_instance_t *)MP_OBJ_TO_PTR(self_in))->subobj[0];
    }
    return self_in;
}

void lp_attr(mp_obj_t self_in, qstr attr, mp_obj_t *dest) {
    const mp_obj_type_t *type = ((mp_obj_base_t *)MP_OBJ_TO_PTR(self_in))->type;
    mp_map_elem_t *elem = mp_map_lookup(&MP_OBJ_TYPE_GET_SLOT(type, locals_dict)->map, MP_OBJ_NEW_QSTR(attr), MP_MAP_LOOKUP);
    if (elem == NULL) {
        return; // a load finds nothing, a store is refused: the runtime's AttributeError
    }
    mp_obj_t member = elem->value;
    const mp_obj_type_t *m_type = mp_obj_is_obj(member) ? ((mp_obj_base_t *)MP_OBJ_TO_PTR(member))->type : NULL;
    if (m_type != &mp_type_property) {
        if (dest[0] != MP_OBJ_NULL) {
            return; // a store to a method or constant: the runtime's AttributeError
        }
        if (m_type != NULL && (m_type->flags & MP_TYPE_FLAG_BINDS_SELF)) {
            // A method, bound to self: mp_convert_member_lookup's answer for a native type's
            // builtin function, without the call (self is never NULL here).
            dest[0] = member;
            dest[1] = self_in;
        } else {
            mp_convert_member_lookup(self_in, type, member, dest);
        }
        return;
    }
    // Every property in an lp type's locals_dict is an lp_prop_t of C functions: call them directly.
    const lp_prop_t *prop = MP_OBJ_TO_PTR(member);
    if (dest[0] == MP_OBJ_NULL) {
        dest[0] = ((const mp_obj_fun_builtin_fixed_t *)MP_OBJ_TO_PTR(prop->proxy[0]))->fun._1(self_in);
    } else if (dest[1] != MP_OBJ_NULL && prop->proxy[1] != MP_ROM_NONE) {
        ((const mp_obj_fun_builtin_fixed_t *)MP_OBJ_TO_PTR(prop->proxy[1]))->fun._2(self_in, dest[1]);
        dest[0] = MP_OBJ_NULL; // stored
    } else if (prop->read_only != NULL) {
        lp_raise_static(prop->read_only);
    }
}

// The two properties every handle type shows.
static mp_obj_t lp_prop_pool_get(mp_obj_t self_in) {
    return MP_OBJ_FROM_PTR(((lp_obj_t *)MP_OBJ_TO_PTR(lp_prop_self(self_in)))->pool);
}
static MP_DEFINE_CONST_FUN_OBJ_1(lp_prop_pool_get_obj, lp_prop_pool_get);
const lp_prop_t lp_prop_pool = { { &mp_type_property }, { MP_ROM_PTR(&lp_prop_pool_get_obj), MP_ROM_NONE, MP_ROM_NONE }, &lp_err_handle_read_only };

static mp_obj_t lp_prop_freed_get(mp_obj_t self_in) {
    return mp_obj_new_bool(((lp_obj_t *)MP_OBJ_TO_PTR(lp_prop_self(self_in)))->data == NULL);
}
static MP_DEFINE_CONST_FUN_OBJ_1(lp_prop_freed_get_obj, lp_prop_freed_get);
const lp_prop_t lp_prop_freed = { { &mp_type_property }, { MP_ROM_PTR(&lp_prop_freed_get_obj), MP_ROM_NONE, MP_ROM_NONE }, &lp_err_handle_read_only };
