# lp-pool's unix variant (VARIANT_DIR=boards/unix). The top-level Makefile passes USER_C_MODULES.
FROZEN_MANIFEST ?= $(VARIANT_DIR)/manifest.py
