# lp-pool user C module for MicroPython's make-based ports (unix, qemu).
# Keep SRC_USERMOD in step with micropython.cmake: tests/host/test_build.py compares them.
LP_POOL_MOD_DIR := $(USERMOD_DIR)

SRC_USERMOD_C += $(LP_POOL_MOD_DIR)/modlp_pool.c

CFLAGS_USERMOD += -I$(LP_POOL_MOD_DIR)
