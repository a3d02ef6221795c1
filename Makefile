# lp-pool: memory pools for MicroPython.
#
#   make run      build the unix port with lp-pool and run the quick-start example
#   make test     build everything and run the whole host test suite (what CI runs)
#   make bench    the MicroPython-level benchmarks on unix and qemu (-icount): table, JSON, charts
#
# Everything built lands in build/; the MicroPython tree is fetched once into build/cache/
# unless MICROPY_DIR points at your own checkout.

LP_ROOT := $(abspath $(dir $(lastword $(MAKEFILE_LIST))))
BUILD_DIR := $(LP_ROOT)/build
MPY_VERSION := 1.25.0
DEFAULT_MICROPY_DIR := $(BUILD_DIR)/cache/micropython-$(MPY_VERSION)
MICROPY_DIR ?= $(DEFAULT_MICROPY_DIR)
override MICROPY_DIR := $(abspath $(MICROPY_DIR))
# Tests that run make again (the incremental-build check) must use the same tree.
export MICROPY_DIR
# The fetched tree sits inside this repository: keep git from describing *our* HEAD as MicroPython's
# version (every commit would rebuild mpversion.h and what includes it). A checkout of your own
# elsewhere still gets its git version.
export GIT_CEILING_DIRECTORIES := $(BUILD_DIR)/cache

JOBS ?= $(shell nproc 2>/dev/null || echo 2)
PYTHON ?= python3
VENV := $(LP_ROOT)/.venv
VENV_PY := $(VENV)/bin/python
PYTEST_ARGS ?=

MPY_CROSS := $(BUILD_DIR)/mpy-cross/mpy-cross
UNIX_BIN := $(BUILD_DIR)/unix/micropython
UNIX_LOG := $(BUILD_DIR)/unix/build.log
# micropython-lib is an empty submodule in a release tree; freezing only needs a README.md there.
EMPTY_LIB_DIR := $(BUILD_DIR)/empty-lib

# Submodules are empty in the fetched tree: leave out what needs them.
MPY_NO_SUBMODULES := MICROPY_PY_BTREE=0 MICROPY_PY_SSL=0 MICROPY_SSL_MBEDTLS=0 MICROPY_PY_FFI=0

# Debian packages the host build and tests need (checked, installed as root when missing).
DEPS_HOST := gcc make pkg-config gcc-multilib clang valgrind
DEPS_FETCH := apt debian-archive-keyring xz-utils

# Which MicroPython tree the build area was made from: switching trees starts the build afresh.
MPY_TREE_STAMP := $(BUILD_DIR)/.micropython-tree
# Everything built from the MicroPython tree; mk/ fragments add their builds.
LP_TREE_BUILDS := $(BUILD_DIR)/unix $(BUILD_DIR)/unix-meta $(BUILD_DIR)/mpy-cross

.PHONY: all run repl test test-unix unix unix-meta mpy-cross micropython deps deps-host venv lint format clean distclean \
    host-wheel lp-check bench-lp-check
all: unix

# ---- MicroPython tree -----------------------------------------------------------------------
micropython: $(MICROPY_DIR)/py/mpconfig.h

$(MICROPY_DIR)/py/mpconfig.h:
ifeq ($(MICROPY_DIR),$(DEFAULT_MICROPY_DIR))
	@$(LP_ROOT)/tools/ensure_deps.sh $(DEPS_FETCH)
	@$(LP_ROOT)/tools/fetch_sources.sh micropython $(MICROPY_DIR)
else
	@echo "error: MICROPY_DIR=$(MICROPY_DIR) is not a MicroPython tree (no py/mpconfig.h)" >&2; exit 1
endif

$(MPY_TREE_STAMP): | $(MICROPY_DIR)/py/mpconfig.h
	@mkdir -p $(BUILD_DIR)
	@echo $(MICROPY_DIR) > $@

$(EMPTY_LIB_DIR)/README.md:
	@mkdir -p $(EMPTY_LIB_DIR)
	@echo "Stand-in for micropython-lib: lp-pool freezes nothing from it." > $@

# ---- builds ---------------------------------------------------------------------------------
deps-host:
	@$(LP_ROOT)/tools/ensure_deps.sh $(DEPS_HOST)

# mpy-cross is built on its own: passing the frozen manifest into its build breaks its link.
mpy-cross: $(MPY_TREE_STAMP)
	@mkdir -p $(BUILD_DIR)/mpy-cross
	@$(MAKE) --no-print-directory -s -C $(MICROPY_DIR)/mpy-cross BUILD=$(BUILD_DIR)/mpy-cross -j$(JOBS) \
	    >$(BUILD_DIR)/mpy-cross/build.log 2>&1 || { cat $(BUILD_DIR)/mpy-cross/build.log; exit 1; }

# The port's own make decides what is out of date; we always hand over to it.
# MicroPython regenerates frozen_content.c only when a frozen file changed, but it also depends on
# the qstrs the C sources define: when a module source is newer, drop it so it is made again.
lp_fresh_frozen = if [ -f $(1)/frozen_content.c ] && [ -n "$$(find $(LP_ROOT)/usermod -newer $(1)/frozen_content.c -name '*.c' | head -n1)" ]; then rm -f $(1)/frozen_content.c; fi

# Allocation tracking (pool.meta(), print_memory_stats): LP_POOL_ALLOC_META=1 compiles it in, for
# unix, qemu-*, rp2 and esp32 alike. `make unix-meta` / `make qemu-arm-meta` / `make rp2-meta` build
# it on the side (build/unix-meta, build/qemu-arm-meta, build/rp2-meta) so the tests run both ways.
LP_POOL_ALLOC_META ?= 0
# A build folder made with the other setting starts afresh: the port's make rebuilds nothing when only
# a flag changes (`make unix LP_POOL_ALLOC_META=1` after `make unix` linked the old objects), and the
# qstrs and the frozen content differ. $(1) the folder, $(2) the setting; a folder without the stamp
# predates it and starts afresh too.
lp_meta_stamp = if [ -d $(1) ] && [ "$$(cat $(1)/.lp-alloc-meta 2>/dev/null)" != "$(2)" ]; then \
	    echo "$(1): LP_POOL_ALLOC_META is now $(2), building afresh"; rm -rf $(1); fi; \
	    mkdir -p $(1) && echo $(2) >$(1)/.lp-alloc-meta

# $(1) build folder under build/, $(2) 1 for allocation tracking.
define lp_unix_build
	@$(call lp_meta_stamp,$(BUILD_DIR)/$(1),$(2))
	@$(call lp_fresh_frozen,$(BUILD_DIR)/$(1))
	@# The port's chatter goes to a log (shown on failure); what was compiled is summed up.
	@$(MAKE) --no-print-directory -s -C $(MICROPY_DIR)/ports/unix -j$(JOBS) \
	    VARIANT_DIR=$(LP_ROOT)/boards/unix BUILD=$(BUILD_DIR)/$(1) \
	    USER_C_MODULES=$(LP_ROOT)/usermod MICROPY_MPYCROSS=$(MPY_CROSS) LP_POOL_ALLOC_META=$(2) \
	    MPY_LIB_DIR=$(EMPTY_LIB_DIR) $(MPY_NO_SUBMODULES) >$(BUILD_DIR)/$(1)/build.log 2>&1 \
	    || { cat $(BUILD_DIR)/$(1)/build.log; echo "error: unix build failed (log: $(BUILD_DIR)/$(1)/build.log)" >&2; exit 1; }
	@n=$$(grep -c '^CC ' $(BUILD_DIR)/$(1)/build.log); [ "$$n" = 0 ] || echo "built $(BUILD_DIR)/$(1)/micropython ($$n files compiled, from $(MICROPY_DIR))"
endef

unix: mpy-cross $(EMPTY_LIB_DIR)/README.md
	$(call lp_unix_build,unix,$(LP_POOL_ALLOC_META))

unix-meta: mpy-cross $(EMPTY_LIB_DIR)/README.md
	$(call lp_unix_build,unix-meta,1)

# make repl: the unix port's REPL; make repl PORT=/dev/ttyACM0: a board's, through mpremote.
repl: $(if $(PORT),venv,unix)
	@$(if $(PORT),$(VENV)/bin/mpremote connect $(PORT) repl,$(UNIX_BIN))

run: unix
	@$(UNIX_BIN) $(LP_ROOT)/examples/quickstart.py

# ---- tests ----------------------------------------------------------------------------------
$(VENV)/.stamp: $(LP_ROOT)/tests/requirements.txt
	@echo "creating $(VENV) with pinned test dependencies"
	@$(PYTHON) -m venv $(VENV) || { echo "error: '$(PYTHON) -m venv' failed (Debian: apt-get install python3-venv)" >&2; exit 1; }
	@$(VENV_PY) -m pip install -q --disable-pip-version-check -r $< || { echo "error: pip could not install tests/requirements.txt" >&2; exit 1; }
	@touch $@
venv: $(VENV)/.stamp

# Fragments under mk/ add targets and hook into the test targets through these variables:
#   LP_TEST_PREREQS   built before any test run (make test and make test-unix)
#   LP_FULL_PREREQS   built before the full run only (make test)
#   LP_TARGETS        targets the MicroPython scripts run on in the full run
LP_TEST_PREREQS := unix-meta
LP_FULL_PREREQS :=
LP_TARGETS := unix unix-meta
-include $(LP_ROOT)/mk/*.mk

# Switching trees starts every build made from the old one afresh.
ifneq ($(wildcard $(MPY_TREE_STAMP)),)
ifneq ($(shell cat $(MPY_TREE_STAMP)),$(MICROPY_DIR))
$(shell rm -rf $(LP_TREE_BUILDS) $(MPY_TREE_STAMP))
endif
endif

comma := ,
empty :=
space := $(empty) $(empty)
PYTEST := cd $(LP_ROOT) && $(VENV_PY) -m pytest -c tests/pytest.ini tests

# The quick edit-test loop: the unix port and the host tests that need nothing else.
test-unix: deps-host venv unix $(LP_TEST_PREREQS)
	@$(PYTEST) --targets=unix,unix-meta -m "not boards" $(PYTEST_ARGS)

# Everything: what the README documents and CI runs.
test: deps-host venv unix $(LP_TEST_PREREQS) $(LP_FULL_PREREQS)
	@$(PYTEST) --targets=$(subst $(space),$(comma),$(strip $(LP_TARGETS))) $(PYTEST_ARGS)

# ---- host tools: lp-check and the lp_pool stubs, one wheel (lp_pool_py/host) ------------------
# Built offline with the venv's pinned setuptools; the stubs come from lp_pool_py/lp_pool/__init__.pyi.
HOST_WHEEL_DIR := $(BUILD_DIR)/host
host-wheel: venv
	@rm -rf $(HOST_WHEEL_DIR) && mkdir -p $(HOST_WHEEL_DIR)
	@$(VENV_PY) -m pip wheel -q --disable-pip-version-check --no-build-isolation --no-deps --no-index \
	    -w $(HOST_WHEEL_DIR) $(LP_ROOT)/lp_pool_py/host || { echo "error: the lp-pool-host wheel did not build" >&2; exit 1; }
	@rm -rf $(LP_ROOT)/lp_pool_py/host/build $(LP_ROOT)/lp_pool_py/host/*.egg-info
	@echo "built $$(ls $(HOST_WHEEL_DIR)/*.whl)"

# make lp-check ARGS="examples/ --port rp2": the checker from the source tree
lp-check:
	@PYTHONPATH=$(LP_ROOT)/lp_pool_py/host $(PYTHON) -m lp_check $(or $(ARGS),$(LP_ROOT)/examples)

# how fast lp-check is: 10,000 lines of generated checked code (prints figures)
bench-lp-check:
	@PYTHONPATH=$(LP_ROOT)/lp_pool_py/host $(PYTHON) $(LP_ROOT)/tools/bench_lp_check.py

lint: venv
	@$(VENV)/bin/ruff format --config $(LP_ROOT)/tools/ruff.toml --check $(LP_ROOT)/lp_pool_py $(LP_ROOT)/tests $(LP_ROOT)/tools $(LP_ROOT)/examples
	@$(VENV)/bin/ruff check --config $(LP_ROOT)/tools/ruff.toml $(LP_ROOT)/lp_pool_py $(LP_ROOT)/tests $(LP_ROOT)/tools $(LP_ROOT)/examples

format: venv
	@$(VENV)/bin/ruff format --config $(LP_ROOT)/tools/ruff.toml $(LP_ROOT)/lp_pool_py $(LP_ROOT)/tests $(LP_ROOT)/tools $(LP_ROOT)/examples

clean:
	rm -rf $(LP_TREE_BUILDS) $(BUILD_DIR)/rp2 $(BUILD_DIR)/rp2-meta $(BUILD_DIR)/core $(BUILD_DIR)/bench \
	    $(BUILD_DIR)/host $(BUILD_DIR)/lpcheck

distclean:
	rm -rf $(BUILD_DIR) $(VENV)
