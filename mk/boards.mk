# lp-pool beyond the unix port: emulated boards that run the test scripts, RP2040 firmware, the
# ESP32 board, and real boards through mpremote. Included by the top-level Makefile.
#
#   make qemu-arm / qemu-rv32   MicroPython's qemu port (MPS2_AN385 / VIRT_RV32) with lp-pool
#   make qemu-m0                MICROBIT (nRF51, Cortex-M0: the Pico's armv6m instruction set)
#   make qemu-arm-meta          MPS2_AN385 with allocation tracking (LP_POOL_ALLOC_META=1)
#   make test-qemu              the tests/mpy scripts on the qemu boards and on qemu-arm-meta
#   make rp2                    firmware.uf2 for the Raspberry Pi Pico, with a size report
#   make rp2 RP2_BOARD=LP_RPI_PICO2   the Pico 2 (build/rp2-pico2/); LP_RPI_PICO_W: the Pico W (needs
#                               a MicroPython git checkout with its submodules: build/rp2-pico-w/)
#   make rp2-meta               the Pico with allocation tracking, in build/rp2-meta/
#   make esp32                  ESP32_GENERIC firmware (needs your ESP-IDF: IDF_PATH)
#   make deploy PORT=...        copy the lp_pool package to a board that has the module
#   make flash-rp2              how to put build/rp2/firmware.uf2 on a Pico
#
# Board settings (arena sizes, manifests) live in boards/; each target builds out of tree in build/.

DEPS_QEMU_ARM := gcc-arm-none-eabi libnewlib-arm-none-eabi qemu-system-arm
DEPS_QEMU_RV32 := gcc-riscv64-unknown-elf picolibc-riscv64-unknown-elf qemu-system-misc
DEPS_RP2 := gcc-arm-none-eabi libnewlib-arm-none-eabi libstdc++-arm-none-eabi-newlib cmake g++ binutils-arm-none-eabi
DEPS_MPREMOTE := socat
DEPS_BOARDS := $(sort $(DEPS_QEMU_ARM) $(DEPS_QEMU_RV32) $(DEPS_RP2) $(DEPS_MPREMOTE))

# The pytest harness finds the tree's tools (pyboard.py) through this.
export LP_MICROPY_DIR := $(MICROPY_DIR)

# Built from the MicroPython tree: the Makefile starts them afresh when the tree changes.
LP_TREE_BUILDS += $(BUILD_DIR)/qemu-arm $(BUILD_DIR)/qemu-rv32 $(BUILD_DIR)/qemu-arm-meta $(BUILD_DIR)/qemu-m0 \
    $(BUILD_DIR)/qemu-arm-nosection $(BUILD_DIR)/qemu-arm-oldreserve

.PHONY: deps-boards deps-qemu-arm deps-qemu-rv32 deps-rp2 deps-mpremote qemu-arm qemu-rv32 qemu-arm-meta qemu-m0 test-qemu \
    qemu-arm-nosection qemu-arm-oldreserve \
    rp2 rp2-meta flash-rp2 esp32 deploy
deps-boards:
	@$(LP_ROOT)/tools/ensure_deps.sh $(DEPS_BOARDS)
deps-qemu-arm:
	@$(LP_ROOT)/tools/ensure_deps.sh $(DEPS_QEMU_ARM)
deps-qemu-rv32:
	@$(LP_ROOT)/tools/ensure_deps.sh $(DEPS_QEMU_RV32)
deps-rp2:
	@$(LP_ROOT)/tools/ensure_deps.sh $(DEPS_RP2)
deps-mpremote:
	@$(LP_ROOT)/tools/ensure_deps.sh $(DEPS_MPREMOTE)

# ---- qemu: MicroPython's port with an out-of-tree board folder (boards/qemu/<BOARD>) ----------
# $(1) board name, $(2) build folder under build/. The port's own make decides what is out of date.
# $(3): 1 for allocation tracking (LP_POOL_ALLOC_META); $(4): more arguments for the port's make.
define lp_qemu_build
	@echo "building $(BUILD_DIR)/$(2)/firmware.elf ($(1)$(if $(4), $(4))) from $(MICROPY_DIR)"
	@$(call lp_build_stamp,$(BUILD_DIR)/$(2),$(3),$(MICROPY_DIR),$(4))
	@$(call lp_fresh_frozen,$(BUILD_DIR)/$(2))
	@$(MAKE) --no-print-directory -s -C $(MICROPY_DIR)/ports/qemu -j$(JOBS) \
	    BOARD=$(1) BOARD_DIR=$(LP_ROOT)/boards/qemu/$(1) BUILD=$(BUILD_DIR)/$(2) \
	    USER_C_MODULES=$(LP_ROOT)/usermod MICROPY_MPYCROSS=$(MPY_CROSS) MPY_LIB_DIR=$(EMPTY_LIB_DIR) \
	    LP_POOL_ALLOC_META=$(3) $(MPY_NO_SUBMODULES) $(4) >$(BUILD_DIR)/$(2).log 2>&1 \
	    || { cat $(BUILD_DIR)/$(2).log; echo "error: the $(1) build failed (log: build/$(2).log)" >&2; exit 1; }
endef

qemu-arm: deps-qemu-arm mpy-cross $(EMPTY_LIB_DIR)/README.md | $(MPY_TREE_STAMP)
	$(call lp_qemu_build,MPS2_AN385,qemu-arm,$(LP_POOL_ALLOC_META))

qemu-rv32: deps-qemu-rv32 mpy-cross $(EMPTY_LIB_DIR)/README.md | $(MPY_TREE_STAMP)
	$(call lp_qemu_build,VIRT_RV32,qemu-rv32,$(LP_POOL_ALLOC_META))

# MPS2_AN385 with allocation tracking: the scripts run on it too in make test.
qemu-arm-meta: deps-qemu-arm mpy-cross $(EMPTY_LIB_DIR)/README.md | $(MPY_TREE_STAMP)
	$(call lp_qemu_build,MPS2_AN385,qemu-arm-meta,1)

# MPS2_AN385 with MicroPython's no-op atomic section instead of the board's (boards/qemu/lp_atomic.h):
# the preemption test's negative control, which must fail on it (tests/host/test_preempt.py).
qemu-arm-nosection: deps-qemu-arm mpy-cross $(EMPTY_LIB_DIR)/README.md | $(MPY_TREE_STAMP)
	$(call lp_qemu_build,MPS2_AN385,qemu-arm-nosection,0,LP_QEMU_ATOMIC=0)

# MPS2_AN385 whose reserve lets a taken handle go (usermod/lp_pool/lp_handle.c,
# LP_POOL_TEST_OLD_RESERVE): the second negative control, for the handle a hard IRQ takes during a
# collection (tests/host/test_preempt.py).
qemu-arm-oldreserve: deps-qemu-arm mpy-cross $(EMPTY_LIB_DIR)/README.md | $(MPY_TREE_STAMP)
	$(call lp_qemu_build,MPS2_AN385,qemu-arm-oldreserve,0,CFLAGS_EXTRA=-DLP_POOL_TEST_OLD_RESERVE=1)

# MICROBIT: the nRF51's Cortex-M0 (armv6m, as the RP2040's M0+), with 256 KiB of SRAM under qemu.
qemu-m0: deps-qemu-arm mpy-cross $(EMPTY_LIB_DIR)/README.md | $(MPY_TREE_STAMP)
	$(call lp_qemu_build,MICROBIT,qemu-m0,$(LP_POOL_ALLOC_META))

# The same scripts as on unix, on the emulated boards and on qemu-arm with allocation tracking
# (each boots once, then runs every script).
test-qemu: venv qemu-arm qemu-rv32 qemu-arm-meta qemu-m0
	@cd $(LP_ROOT) && $(VENV_PY) -m pytest -c tests/pytest.ini --targets=qemu-arm,qemu-rv32,qemu-arm-meta,qemu-m0 \
	    tests/mpy tests/host/test_qemu.py $(wildcard $(LP_ROOT)/tests/host/test_*_diff.py) $(PYTEST_ARGS)

# ---- RP2040 / RP2350: the rp2 port with boards/LP_RPI_PICO*, built by cmake from Debian's sources --
# tools/build_rp2.sh fetches pico-sdk, tinyusb, picotool and mbedtls once (build/cache/rp2-src/),
# builds from an overlay of the MicroPython tree (the tree itself is never written to).
# Each board and LP_POOL_ALLOC_META setting builds in a cmake folder of its own (build/rp2/LP_RPI_PICO,
# build/rp2/LP_RPI_PICO-meta, ...); `make rp2` copies the Pico's firmware to build/rp2/, the other
# boards' to build/rp2-pico2/ and build/rp2-pico-w/, `make rp2-meta` (tracking on) to build/rp2-meta/.
# MICROPY_LIB_DIR=<micropython-lib checkout> freezes the stock boards' micropython-lib modules too.
RP2_DIR := $(BUILD_DIR)/rp2
RP2_BOARD ?= LP_RPI_PICO
MICROPY_LIB_DIR ?=
lp_rp2_out = $(BUILD_DIR)/$(if $(filter LP_RPI_PICO,$(1)),rp2,$(if $(filter LP_RPI_PICO2,$(1)),rp2-pico2,$(if $(filter LP_RPI_PICO_W,$(1)),rp2-pico-w,rp2-$(1))))
# $(1) board folder under boards/, $(2) 0 or 1 for allocation tracking, $(3) where firmware.uf2 and
# firmware.elf go.
define lp_rp2_build
	@echo "building $(3)/firmware.uf2 ($(1) with lp-pool, LP_POOL_ALLOC_META=$(2)) from $(MICROPY_DIR)"
	@$(call lp_fresh_frozen,$(RP2_DIR)/$(1)$(if $(filter 1,$(2)),-meta))
	@LP_RP2_BOARD=$(1) LP_POOL_ALLOC_META=$(2) $(if $(MICROPY_LIB_DIR),MICROPY_LIB_DIR=$(abspath $(MICROPY_LIB_DIR))) \
	    $(LP_ROOT)/tools/build_rp2.sh $(MICROPY_DIR) $(RP2_DIR) $(MPY_CROSS) $(JOBS) $(3)
	@$(PYTHON) $(LP_ROOT)/tools/size_report.py $(3)/firmware.elf
endef

rp2: deps-rp2 mpy-cross $(EMPTY_LIB_DIR)/README.md
	$(call lp_rp2_build,$(RP2_BOARD),$(LP_POOL_ALLOC_META),$(call lp_rp2_out,$(RP2_BOARD)))

rp2-meta: deps-rp2 mpy-cross $(EMPTY_LIB_DIR)/README.md
	$(call lp_rp2_build,LP_RPI_PICO,1,$(BUILD_DIR)/rp2-meta)

flash-rp2:
	@test -f $(RP2_DIR)/firmware.uf2 || { echo "error: no $(RP2_DIR)/firmware.uf2: run 'make rp2' first" >&2; exit 1; }
	@echo "To flash $(RP2_DIR)/firmware.uf2 onto a Raspberry Pi Pico:"
	@echo "  1. hold BOOTSEL while plugging the Pico in: it mounts as a drive named RPI-RP2"
	@echo "  2. cp $(RP2_DIR)/firmware.uf2 /media/\$$USER/RPI-RP2/   (the Pico reboots into MicroPython)"
	@echo "  or, with a picotool built with USB support: picotool load -x $(RP2_DIR)/firmware.uf2"
	@echo "Then: make repl PORT=/dev/ttyACM0, and make deploy PORT=/dev/ttyACM0 after package changes."

# ---- ESP32: the esp32 port with boards/LP_ESP32_GENERIC, through your ESP-IDF ------------------
# ESP-IDF can't be installed here, so this is checked by review and by tests that read the board
# folder and run its manifest (tests/host/test_boards.py). The port needs two submodules that
# MicroPython's release tarballs (and Debian's) leave empty: lib/berkeley-db-1.xx (the port forces
# btree on) and lib/micropython-lib (any frozen manifest). BOARD_VARIANT=SPIRAM or UNICORE as for
# ESP32_GENERIC.
ESP32_DIR := $(BUILD_DIR)/esp32$(if $(BOARD_VARIANT),-$(BOARD_VARIANT))
# ESP-IDF versions each MicroPython supports (its ports/esp32/README.md).
ESP32_IDF_VERSIONS := 1.25: v5.2, v5.2.2, v5.3 or v5.4; 1.28: v5.3 to v5.4.2, or v5.5.1 (recommended)
esp32: mpy-cross
	@missing=; for lib in berkeley-db-1.xx micropython-lib; do \
	    [ -n "$$(ls -A $(MICROPY_DIR)/lib/$$lib 2>/dev/null)" ] || missing="$$missing lib/$$lib"; done; \
	if [ -n "$$missing" ]; then \
	    echo "error: the esp32 port needs$$missing, empty in $(MICROPY_DIR)." >&2; \
	    echo "  Release tarballs ship them empty: build from a MicroPython git checkout, then" >&2; \
	    echo "    git -C <checkout> submodule update --init lib/berkeley-db-1.xx lib/micropython-lib" >&2; \
	    echo "  or, with ESP-IDF set up, let the port pick its own:" >&2; \
	    echo "    make -C <checkout>/ports/esp32 BOARD_DIR=$(LP_ROOT)/boards/LP_ESP32_GENERIC submodules" >&2; \
	    echo "  and run: make esp32 MICROPY_DIR=<checkout>" >&2; \
	    exit 1; \
	fi
	@if [ -z "$$IDF_PATH" ] || ! command -v idf.py >/dev/null 2>&1; then \
	    echo "error: make esp32 needs ESP-IDF (MicroPython $(ESP32_IDF_VERSIONS)):" >&2; \
	    echo "  install it as Espressif documents, then in this shell: . \$$IDF_PATH/export.sh" >&2; \
	    echo "  (IDF_PATH is $${IDF_PATH:-unset}; idf.py must be on PATH), and run make esp32 again." >&2; \
	    exit 1; \
	fi
	@$(MAKE) --no-print-directory -C $(MICROPY_DIR)/ports/esp32 \
	    BOARD_DIR=$(LP_ROOT)/boards/LP_ESP32_GENERIC BUILD=$(ESP32_DIR) $(if $(BOARD_VARIANT),BOARD_VARIANT=$(BOARD_VARIANT)) \
	    USER_C_MODULES=$(LP_ROOT)/usermod/micropython.cmake MICROPY_MPYCROSS=$(MPY_CROSS) \
	    LP_POOL_ALLOC_META=$(LP_POOL_ALLOC_META)
	@echo "built $(ESP32_DIR)/firmware.bin; flash it with:"
	@echo "  make -C $(MICROPY_DIR)/ports/esp32 BOARD_DIR=$(LP_ROOT)/boards/LP_ESP32_GENERIC BUILD=$(ESP32_DIR) PORT=/dev/ttyUSB0 deploy"

# ---- real boards through mpremote -----------------------------------------------------------
# make deploy PORT=/dev/ttyACM0: copy the lp_pool package to the board's filesystem root, which comes
# before .frozen on sys.path (lib/ comes after), after checking the firmware has _lp_pool.
MPREMOTE := $(VENV)/bin/mpremote
deploy: venv
	@test -n "$(PORT)" || { echo "error: say which board: make deploy PORT=/dev/ttyACM0 (mpremote devs lists them)" >&2; exit 1; }
	@$(MPREMOTE) connect $(PORT) exec "import _lp_pool" >/dev/null 2>&1 || { \
	    echo "error: the firmware on $(PORT) has no _lp_pool module: flash lp-pool's firmware first:" >&2; \
	    echo "  Pico:  make rp2 && make flash-rp2     ESP32: make esp32 (needs ESP-IDF)" >&2; exit 1; }
	@$(MPREMOTE) connect $(PORT) mkdir :lp_pool >/dev/null 2>&1 || true
	@$(MPREMOTE) connect $(PORT) cp -r $(LP_ROOT)/lp_pool_py/lp_pool/. :lp_pool/
	@$(MPREMOTE) connect $(PORT) exec "import lp_pool; print('lp_pool', lp_pool.version, 'arena', lp_pool.arena_size())"

# ---- make test: everything here is built first and the scripts run on every qemu board --------
LP_FULL_PREREQS += deps-boards qemu-arm qemu-rv32 qemu-arm-meta qemu-m0 qemu-arm-nosection qemu-arm-oldreserve rp2 rp2-meta
LP_TARGETS += qemu-arm qemu-rv32 qemu-arm-meta qemu-m0
