# lp-pool's unix variant (VARIANT_DIR=boards/unix). The top-level Makefile passes USER_C_MODULES.
FROZEN_MANIFEST ?= $(VARIANT_DIR)/manifest.py
# lp_repl_hook.c: no pool stays current from one REPL input to the next (the port's REPL has no
# hook for it, so the call it makes before each prompt is wrapped).
LDFLAGS_EXTRA += -Wl,--wrap=mp_hal_stdio_mode_raw

# The sanitizer legs (mk/legs.mk) leave UBSan's nonnull-attribute check off, as upstream's CI does
# for MicroPython's own code (a memcpy of 0 bytes from NULL in py/objarray.c); lp-pool's files keep it.
ifeq ($(LP_UBSAN_NONNULL),1)
$(BUILD)/lp_pool/%.o: CFLAGS += -fsanitize=nonnull-attribute
endif
