# lp-pool's VIRT_RV32 (RISC-V under qemu-system-riscv32): MicroPython's own board settings plus
# the module's arena and the frozen lp_pool package. Used as BOARD_DIR by `make qemu-rv32`.
include $(TOP)/ports/qemu/boards/VIRT_RV32/mpconfigboard.mk

# Debian's gcc 12 has no picolibc multilib for the port's default rv32imac_zicsr and fails to link;
# the 2.2 ISA spec puts Zicsr inside rv32imac. It goes into AFLAGS as well, so the assembler agrees.
RV32_ARCH ?= rv32imac -misa-spec=2.2

# 64 KiB, the same as the RP2040 board: a script that passes here fits a Pico's arena too.
LP_POOL_ARENA_SIZE ?= 65536

FROZEN_MANIFEST ?= $(BOARD_DIR)/../manifest.py

# The test hook _lp_pool._irq_call (lp_pool.h): these boards exist to run the tests.
CFLAGS += -DLP_POOL_TEST_HOOKS=1

include $(BOARD_DIR)/../lp_qemu.mk
