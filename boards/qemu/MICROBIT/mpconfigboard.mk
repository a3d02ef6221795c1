# lp-pool's armv6m board: MicroPython's MICROBIT (nRF51, Cortex-M0, -mcpu=cortex-m0) under
# qemu-system-arm, whose QEMU_ARGS raise the SoC's SRAM to 256 KiB and its flash to 1 MiB. It runs
# the Pico's instruction set (no hardware divide, no unaligned access, Thumb-1 only) in CI, and
# `make bench` takes its board figures from it. Used as BOARD_DIR by `make qemu-m0`.
include $(TOP)/ports/qemu/boards/MICROBIT/mpconfigboard.mk

# 64 KiB, the same as the RP2040 board. RAM: 140 KiB GC heap + 64 KiB arena + ~6 KiB of other
# static data leave ~48 KiB of the 256 KiB for the stack (MicroPython's limit is 10 KiB).
LP_POOL_ARENA_SIZE ?= 65536

FROZEN_MANIFEST ?= $(BOARD_DIR)/../manifest.py

# The test hooks (lp_pool.h): these boards exist to run the tests.
CFLAGS += -DLP_POOL_TEST_HOOKS=1
# Records the longest critical section (lp_pool.h, LP_POOL_LOCK_SPANS) with the nRF51's TIMER0: the
# interrupts-off figures of `make bench` come from this board.
CFLAGS += -DLP_POOL_LOCK_SPANS=1
