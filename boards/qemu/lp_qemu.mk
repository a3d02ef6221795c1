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

# Between compiling a program and running it, the stack below pyexec is zeroed, so no word the
# compiler left there keeps a GC block (an lp object that takes it later) alive through collections
# (usermod/lp_pool/lp_preempt.c, LP_QEMU_SCRUB_STACK): pyexec's mp_hal_set_interrupt_char(^C),
# called right between the two, is linked to lp-pool's wrapper.
CFLAGS += -DLP_QEMU_SCRUB_STACK=1
LDFLAGS += -Wl,--wrap=mp_hal_set_interrupt_char
