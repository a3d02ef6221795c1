# lp-pool's MPS2_AN385 (Cortex-M3 under qemu-system-arm): MicroPython's own board settings plus
# the module's arena and the frozen lp_pool package. Used as BOARD_DIR by `make qemu-arm`.
include $(TOP)/ports/qemu/boards/MPS2_AN385/mpconfigboard.mk

# 64 KiB, the same as the RP2040 board: a script that passes here fits a Pico's arena too.
# The board has 4 MiB of RAM, so this is a choice, not a limit.
LP_POOL_ARENA_SIZE ?= 65536

FROZEN_MANIFEST ?= $(BOARD_DIR)/../manifest.py

# The test hook _lp_pool._irq_call (lp_pool.h): these boards exist to run the tests.
CFLAGS += -DLP_POOL_TEST_HOOKS=1

include $(BOARD_DIR)/../lp_qemu.mk
