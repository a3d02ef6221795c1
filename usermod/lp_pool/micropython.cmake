# lp-pool user C module for MicroPython's CMake-based ports (rp2, esp32).
# Keep the sources in step with micropython.mk: tests/host/test_build.py compares them.
add_library(usermod_lp_pool INTERFACE)

target_sources(usermod_lp_pool INTERFACE
    ${CMAKE_CURRENT_LIST_DIR}/modlp_pool.c
    ${CMAKE_CURRENT_LIST_DIR}/lp_mempool.c
    ${CMAKE_CURRENT_LIST_DIR}/lp_buffer.c
    ${CMAKE_CURRENT_LIST_DIR}/lp_run.c
    ${CMAKE_CURRENT_LIST_DIR}/lp_handle.c
    ${CMAKE_CURRENT_LIST_DIR}/lp_error.c
    ${CMAKE_CURRENT_LIST_DIR}/lp_value.c
    ${CMAKE_CURRENT_LIST_DIR}/lp_btreemap.c
    ${CMAKE_CURRENT_LIST_DIR}/lp_btreemap_view.c
    ${CMAKE_CURRENT_LIST_DIR}/lp_box.c
    ${CMAKE_CURRENT_LIST_DIR}/lp_bench.c
    ${CMAKE_CURRENT_LIST_DIR}/lp_container.c
    ${CMAKE_CURRENT_LIST_DIR}/lp_string.c
    ${CMAKE_CURRENT_LIST_DIR}/lp_vec.c
    ${CMAKE_CURRENT_LIST_DIR}/lp_alloc.c
)

target_include_directories(usermod_lp_pool INTERFACE
    ${CMAKE_CURRENT_LIST_DIR}
)

target_link_libraries(usermod INTERFACE usermod_lp_pool)
