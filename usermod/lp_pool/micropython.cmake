# lp-pool user C module for MicroPython's CMake-based ports (rp2, esp32).
# Keep the sources in step with micropython.mk: tests/host/test_build.py compares them.
add_library(usermod_lp_pool INTERFACE)

target_sources(usermod_lp_pool INTERFACE
    ${CMAKE_CURRENT_LIST_DIR}/modlp_pool.c
    ${CMAKE_CURRENT_LIST_DIR}/lp_mempool.c
    ${CMAKE_CURRENT_LIST_DIR}/lp_memorypool.c
    ${CMAKE_CURRENT_LIST_DIR}/lp_buffer.c
    ${CMAKE_CURRENT_LIST_DIR}/lp_lock.c
    ${CMAKE_CURRENT_LIST_DIR}/lp_run.c
    ${CMAKE_CURRENT_LIST_DIR}/lp_handle.c
    ${CMAKE_CURRENT_LIST_DIR}/lp_attr.c
    ${CMAKE_CURRENT_LIST_DIR}/lp_error.c
    ${CMAKE_CURRENT_LIST_DIR}/lp_value.c
    ${CMAKE_CURRENT_LIST_DIR}/lp_btreemap.c
    ${CMAKE_CURRENT_LIST_DIR}/lp_btree.c
    ${CMAKE_CURRENT_LIST_DIR}/lp_box.c
    ${CMAKE_CURRENT_LIST_DIR}/lp_bench.c
    ${CMAKE_CURRENT_LIST_DIR}/lp_container.c
    ${CMAKE_CURRENT_LIST_DIR}/lp_string.c
    ${CMAKE_CURRENT_LIST_DIR}/lp_vec.c
    ${CMAKE_CURRENT_LIST_DIR}/lp_vecstore.c
    ${CMAKE_CURRENT_LIST_DIR}/lp_meta.c
    ${CMAKE_CURRENT_LIST_DIR}/lp_scope.c
    ${CMAKE_CURRENT_LIST_DIR}/lp_write.c
    ${CMAKE_CURRENT_LIST_DIR}/lp_preempt.c
    ${CMAKE_CURRENT_LIST_DIR}/lp_alloc.c
    ${CMAKE_CURRENT_LIST_DIR}/lp_utf8.c
)

target_include_directories(usermod_lp_pool INTERFACE
    ${CMAKE_CURRENT_LIST_DIR}
)

# Allocation tracking: LP_POOL_ALLOC_META=1 in the environment at configure time (make rp2/esp32
# LP_POOL_ALLOC_META=1 put it there), -DLP_POOL_ALLOC_META=1, or set in a board's mpconfigboard.cmake.
# Off by default: nothing of it is compiled.
if(NOT DEFINED LP_POOL_ALLOC_META AND DEFINED ENV{LP_POOL_ALLOC_META})
    set(LP_POOL_ALLOC_META $ENV{LP_POOL_ALLOC_META})
endif()
if(LP_POOL_ALLOC_META)
    target_compile_definitions(usermod_lp_pool INTERFACE LP_POOL_ALLOC_META=1 LP_ALLOC_TAG=1)
    # The qstr scan preprocesses with the firmware target's own definitions plus this list, not with
    # a linked library's: without it the tracking names (MP_QSTR_meta_rows, ...) are never made.
    list(APPEND MICROPY_CPP_DEF_EXTRA LP_POOL_ALLOC_META=1 LP_ALLOC_TAG=1)
endif()

# The static arena's size in bytes: -DLP_POOL_ARENA_SIZE=65536, or LP_POOL_ARENA_SIZE in the
# environment when cmake configures (`make BOARD=RPI_PICO LP_POOL_ARENA_SIZE=65536 ...` puts it
# there); without it the board's mpconfigboard.h or the port's default in lp_pool.h decides.
if(NOT DEFINED LP_POOL_ARENA_SIZE AND DEFINED ENV{LP_POOL_ARENA_SIZE})
    set(LP_POOL_ARENA_SIZE $ENV{LP_POOL_ARENA_SIZE})
endif()
if(DEFINED LP_POOL_ARENA_SIZE AND NOT "${LP_POOL_ARENA_SIZE}" STREQUAL "")
    if(NOT LP_POOL_ARENA_SIZE MATCHES "^[0-9]+$")
        message(FATAL_ERROR "LP_POOL_ARENA_SIZE must be a number of bytes, not '${LP_POOL_ARENA_SIZE}'")
    endif()
    target_compile_definitions(usermod_lp_pool INTERFACE LP_POOL_ARENA_SIZE=${LP_POOL_ARENA_SIZE})
endif()

# No pool stays current from one program to the next (docs/recovery.md): MicroPython's REPL
# (shared/runtime/pyexec.c) calls this hook after every REPL input, raw REPL command, boot.py and
# main.py, through a root pointer the module sets (lp_pool_repl.h). -DLP_POOL_REPL_HOOK=0 (or
# LP_POOL_REPL_HOOK=0 in the environment) for a board that defines the hook itself.
if(NOT DEFINED LP_POOL_REPL_HOOK AND DEFINED ENV{LP_POOL_REPL_HOOK})
    set(LP_POOL_REPL_HOOK $ENV{LP_POOL_REPL_HOOK})
endif()
if(NOT DEFINED LP_POOL_REPL_HOOK OR LP_POOL_REPL_HOOK)
    target_compile_options(usermod_lp_pool INTERFACE
        "-DMICROPY_BOARD_AFTER_PYTHON_EXEC(kind,flags,exc,ret)=LP_POOL_REPL_HOOK_CALL()"
        "-DLP_POOL_REPL_HOOK_CALL()=if(MP_STATE_VM(lp_repl_hook))((void(*)(void))MP_STATE_VM(lp_repl_hook))()"
    )
endif()

target_link_libraries(usermod INTERFACE usermod_lp_pool)
