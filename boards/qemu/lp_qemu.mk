# What lp-pool's three qemu boards share; each board's mpconfigboard.mk includes it.

# The atomic section a board has (lp_atomic.h: PRIMASK on Cortex-M, mstatus.MIE on RISC-V), in
# every C file, where MicroPython's qemu port leaves py/mphal.h's no-op. LP_QEMU_ATOMIC=0 leaves the
# no-op: only for the preemption test's negative control (make qemu-arm-nosection).
LP_QEMU_ATOMIC ?= 1
ifeq ($(LP_QEMU_ATOMIC),1)
CFLAGS += -include $(BOARD_DIR)/../lp_atomic.h
else ifneq ($(LP_QEMU_ATOMIC),0)
$(error LP_QEMU_ATOMIC must be 0 or 1, not '$(LP_QEMU_ATOMIC)')
endif
