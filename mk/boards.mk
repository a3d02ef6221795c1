# lp-pool beyond the unix port: emulated boards that run the test scripts, RP2040 firmware, the
# ESP32 board, and real boards through mpremote. Included by the top-level Makefile.
#
#   make qemu-arm / qemu-rv32   MicroPython's qemu port (MPS2_AN385 / VIRT_RV32) with lp-pool
#   make test-qemu              the tests/mpy scripts on both qemu boards
#   make rp2                    firmware.uf2 for the Raspberry Pi Pico, with a size report
#   make esp32                  ESP32_GENERIC firmware (needs your ESP-IDF: IDF_PATH)
#   make deploy PORT=...        copy the lp_pool package to a board that has the module
#   make flash-rp2              how to put build/rp2/firmware.uf2 on a Pico
#
# Board settings (arena sizes, manifests) live in boards/; each target builds out of tree in build/.

DEPS_QEMU_ARM := gcc-arm-none-eabi libnewlib-arm-none-eabi qemu-system-arm
DEPS_QEMU_RV32 := gcc-riscv64-unknown-elf picolibc-riscv64-unknown-elf qemu-system-misc
DEPS_BOARDS := $(sort $(DEPS_QEMU_ARM) $(DEPS_QEMU_RV32))

# The pytest harness finds the tree's tools (pyboard.py) through this.
export LP_MICROPY_DIR := $(MICROPY_DIR)

# Builds here come from one MicroPython tree: switching trees starts them afresh.
BOARDS_TREE_STAMP := $(BUILD_DIR)/.boards-tree
ifneq ($(wildcard $(BOARDS_TREE_STAMP)),)
ifneq ($(shell cat $(BOARDS_TREE_STAMP)),$(MICROPY_DIR))
$(shell rm -rf $(BUILD_DIR)/qemu-arm $(BUILD_DIR)/qemu-rv32 $(BUILD_DIR)/rp2 $(BOARDS_TREE_STAMP))
endif
endif
$(BOARDS_TREE_STAMP): | $(MICROPY_DIR)/py/mpconfig.h
	@mkdir -p $(BUILD_DIR)
	@echo $(MICROPY_DIR) > $@

.PHONY: deps-boards deps-qemu-arm deps-qemu-rv32 qemu-arm qemu-rv32 test-qemu
deps-boards:
	@$(LP_ROOT)/tools/ensure_deps.sh $(DEPS_BOARDS)
deps-qemu-arm:
	@$(LP_ROOT)/tools/ensure_deps.sh $(DEPS_QEMU_ARM)
deps-qemu-rv32:
	@$(LP_ROOT)/tools/ensure_deps.sh $(DEPS_QEMU_RV32)

# ---- qemu: MicroPython's port with an out-of-tree board folder (boards/qemu/<BOARD>) ----------
# MicroPython remakes frozen_content.c only when a frozen file changed, yet it holds qstr numbers
# that the module's C sources define: when one of those is newer, drop the file so it is remade.
lp_boards_fresh_frozen = if [ -f $(1)/frozen_content.c ] && [ -n "$$(find $(LP_ROOT)/usermod -newer $(1)/frozen_content.c -name '*.c' | head -n1)" ]; then rm -f $(1)/frozen_content.c; fi

# $(1) board name, $(2) build folder under build/. The port's own make decides what is out of date.
define lp_qemu_build
	@echo "building $(BUILD_DIR)/$(2)/firmware.elf ($(1)) from $(MICROPY_DIR)"
	@$(call lp_boards_fresh_frozen,$(BUILD_DIR)/$(2))
	@$(MAKE) --no-print-directory -s -C $(MICROPY_DIR)/ports/qemu -j$(JOBS) \
	    BOARD=$(1) BOARD_DIR=$(LP_ROOT)/boards/qemu/$(1) BUILD=$(BUILD_DIR)/$(2) \
	    USER_C_MODULES=$(LP_ROOT)/usermod MICROPY_MPYCROSS=$(MPY_CROSS) MPY_LIB_DIR=$(EMPTY_LIB_DIR) \
	    $(MPY_NO_SUBMODULES) >$(BUILD_DIR)/$(2).log 2>&1 \
	    || { cat $(BUILD_DIR)/$(2).log; echo "error: the $(1) build failed (log: build/$(2).log)" >&2; exit 1; }
endef

qemu-arm: deps-qemu-arm mpy-cross $(EMPTY_LIB_DIR)/README.md | $(BOARDS_TREE_STAMP)
	$(call lp_qemu_build,MPS2_AN385,qemu-arm)

qemu-rv32: deps-qemu-rv32 mpy-cross $(EMPTY_LIB_DIR)/README.md | $(BOARDS_TREE_STAMP)
	$(call lp_qemu_build,VIRT_RV32,qemu-rv32)

# The same scripts as on unix, on both emulated boards (each boots once, then runs every script).
test-qemu: venv qemu-arm qemu-rv32
	@cd $(LP_ROOT) && $(VENV_PY) -m pytest -c tests/pytest.ini --targets=qemu-arm,qemu-rv32 \
	    tests/mpy tests/host/test_qemu.py $(PYTEST_ARGS)

# ---- make test: everything here is built first and the scripts run on both qemu boards -------
LP_FULL_PREREQS += deps-boards qemu-arm qemu-rv32
LP_TARGETS += qemu-arm qemu-rv32
