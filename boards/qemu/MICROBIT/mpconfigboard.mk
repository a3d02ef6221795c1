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

include $(BOARD_DIR)/../lp_qemu.mk

# The nRF51's peripheral interrupts (the test build's preemption timer, usermod/lp_pool/lp_preempt.c):
# the port's vector table has only the 16 system entries, and a Cortex-M0 has no VTOR to move it, so
# the table must go on in flash. The board links with the port's script plus one line that places
# the module's 32 IRQ entries (section .lp_isr_vector) right after the port's table.
LDSCRIPT = $(BUILD)/lp_nrf51.ld
$(BUILD)/lp_nrf51.ld: $(TOP)/ports/qemu/mcu/arm/nrf51.ld $(BOARD_DIR)/mpconfigboard.mk
	$(Q)mkdir -p $(@D)
	$(Q)sed 's/^\( *\)KEEP(\*(\.isr_vector))$$/&\n\1KEEP(*(.lp_isr_vector))/' $< >$@
	$(Q)grep -q 'KEEP(\*(\.lp_isr_vector))' $@ || { echo "error: $< changed: no KEEP(*(.isr_vector)) line to extend" >&2; rm -f $@; exit 1; }
