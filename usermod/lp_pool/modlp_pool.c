// _lp_pool: the native half of lp-pool. Users import the `lp_pool` package, which re-exports this.
//
// The arena is one static array, so it lands in .bss and its size is fixed per board at build time
// (LP_POOL_ARENA_SIZE from boards/). The GC never scans it.

#include "py/objstr.h"
#include "py/runtime.h"

#include "lp_pool.h"

// Placed in .bss with the alignment the allocator wants, so no bytes are lost to aligning it.
static uint8_t lp_arena[LP_POOL_ARENA_SIZE] __attribute__((aligned(8)));

uint8_t *lp_arena_base(void) {
    return lp_arena;
}

static mp_obj_t lp_mod_arena_size(void) {
    return mp_obj_new_int_from_uint(sizeof(lp_arena));
}
static MP_DEFINE_CONST_FUN_OBJ_0(lp_mod_arena_size_obj, lp_mod_arena_size);

static MP_DEFINE_STR_OBJ(lp_version_obj, LP_POOL_VERSION);

static const mp_rom_map_elem_t lp_module_globals_table[] = {
    { MP_ROM_QSTR(MP_QSTR___name__), MP_ROM_QSTR(MP_QSTR__lp_pool) },
    { MP_ROM_QSTR(MP_QSTR_version), MP_ROM_PTR(&lp_version_obj) },
    { MP_ROM_QSTR(MP_QSTR_arena_size), MP_ROM_PTR(&lp_mod_arena_size_obj) },
};
static MP_DEFINE_CONST_DICT(lp_module_globals, lp_module_globals_table);

const mp_obj_module_t lp_pool_module = {
    .base = { &mp_type_module },
    .globals = (mp_obj_dict_t *)&lp_module_globals,
};

MP_REGISTER_MODULE(MP_QSTR__lp_pool, lp_pool_module);
