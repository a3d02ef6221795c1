# Entry point for USER_C_MODULES on CMake ports: pass this file's path.
include(${CMAKE_CURRENT_LIST_DIR}/lp_pool/micropython.cmake)
