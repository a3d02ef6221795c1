# make dist: what a user flashes or installs, in build/dist/ (tools/dist.py assembles it):
#   lp-pool-<version>-RPI_PICO.uf2, -RPI_PICO2.uf2 (and -RPI_PICO_W.uf2 from a MicroPython git
#   checkout with its submodules: Debian packages none of the Pico W's radio libraries), the mip
#   package (mip/package.json and the .mpy files), the host wheel (lp-check and the lp_pool stubs,
#   `make host-wheel`), SIZES.md, sizes.json, CHANGELOG.md, LICENSE and SHA256SUMS. The version comes from usermod/lp_pool/lp_version.h.
# Included by the top-level Makefile, after mk/boards.mk.

DIST_DIR := $(BUILD_DIR)/dist
# The Pico W's build reports why it can't be built here (exit status 3 of tools/build_rp2.sh); dist
# records that and goes on, any other failure stops it.
DIST_PICO_W_WHY := $(BUILD_DIR)/dist-LP_RPI_PICO_W.why

.PHONY: dist
dist: deps-rp2 mpy-cross host-wheel $(EMPTY_LIB_DIR)/README.md
	@$(MAKE) --no-print-directory rp2 RP2_BOARD=LP_RPI_PICO LP_POOL_ALLOC_META=0
	@$(MAKE) --no-print-directory rp2 RP2_BOARD=LP_RPI_PICO2 LP_POOL_ALLOC_META=0
	@rm -rf $(BUILD_DIR)/rp2-pico-w $(DIST_PICO_W_WHY)
	@echo "building $(BUILD_DIR)/rp2-pico-w/firmware.uf2 (LP_RPI_PICO_W with lp-pool) from $(MICROPY_DIR)"
	@LP_RP2_BOARD=LP_RPI_PICO_W LP_POOL_ALLOC_META=0 $(if $(MICROPY_LIB_DIR),MICROPY_LIB_DIR=$(abspath $(MICROPY_LIB_DIR))) \
	    $(LP_ROOT)/tools/build_rp2.sh $(MICROPY_DIR) $(RP2_DIR) $(MPY_CROSS) $(JOBS) $(BUILD_DIR)/rp2-pico-w \
	    2>$(DIST_PICO_W_WHY).log; status=$$?; cat $(DIST_PICO_W_WHY).log >&2; \
	    if [ $$status = 3 ]; then sed 's/^rp2: //' $(DIST_PICO_W_WHY).log | tr '\n' ' ' >$(DIST_PICO_W_WHY); \
	    elif [ $$status != 0 ]; then exit $$status; fi
	@$(PYTHON) $(LP_ROOT)/tools/dist.py --out $(DIST_DIR) --build $(BUILD_DIR) --mpy-cross $(MPY_CROSS) --wheel-dir $(HOST_WHEEL_DIR)

# make test checks the artefacts (tests/host/test_dist.py).
LP_FULL_PREREQS += dist
