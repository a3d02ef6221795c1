# The unix port built the other ways lp-pool must work: another MicroPython version, the build
# modes real ports use, sanitizers, and any tree you name. `make test` runs every tests/mpy script
# on each leg (tests/harness/runners.py has a runner per folder). Included by the top-level Makefile.
#
#   make unix-1.26 / unix-1.26-meta   MicroPython 1.26.1 (Debian sid's source package, sha256
#                                     pinned), plain and with allocation tracking
#   make unix-o2                      -O2 with setjmp-based NLR (MICROPY_NLR_SETJMP), as ESP32 builds
#   make unix-asan / unix-asan-meta   ASan + UBSan with upstream CI's flags, plus -fsanitize=alignment
#   make test-tree MICROPY_DIR=DIR    the unix suite (plain and tracking) against the tree DIR, in
#                                     build folders of its own (build/tree/<name of DIR>/)
#
# Each leg has a build folder of its own; the -O2 and sanitizer legs share build/mpy-cross with
# `make unix` (same tree), the 1.26.1 legs have build/mpy-cross-1.26.

# ---- MicroPython 1.26.1 ----------------------------------------------------------------------
# The archive may drop the pinned version (sid moves on): the fetch exits 3 and says how to move the
# pin. `make test` then skips these legs, saying why in its summary (the harness reads
# MPY_NEXT_GONE); `make unix-1.26` by hand fails.
MPY_NEXT_VERSION := 1.26.1
MPY_NEXT_DIR := $(CACHE_DIR)/micropython-$(MPY_NEXT_VERSION)
MPY_NEXT_GONE := $(BUILD_DIR)/micropython-$(MPY_NEXT_VERSION).unavailable
MPY_NEXT_CROSS := $(BUILD_DIR)/mpy-cross-1.26
export LP_MPY_NEXT_GONE := $(MPY_NEXT_GONE)
LP_LEG_GONE_OK ?= 0

.PHONY: micropython-1.26 mpy-cross-1.26 unix-1.26 unix-1.26-meta unix-o2 unix-asan unix-asan-meta test-tree \
    lp-mpy-cross-1.26 lp-unix-1.26

micropython-1.26:
	@mkdir -p $(BUILD_DIR)
	@rm -f $(MPY_NEXT_GONE)
	@if [ ! -f $(MPY_NEXT_DIR)/py/mpconfig.h ]; then $(LP_ROOT)/tools/ensure_deps.sh $(DEPS_FETCH); fi
	@$(LP_ROOT)/tools/fetch_sources.sh micropython $(MPY_NEXT_DIR) $(MPY_NEXT_VERSION) 2>$(BUILD_DIR)/fetch-$(MPY_NEXT_VERSION).log; \
	rc=$$?; cat $(BUILD_DIR)/fetch-$(MPY_NEXT_VERSION).log >&2; \
	if [ $$rc = 3 ]; then \
	    grep -v '^fetch: [a-z]*ing ' $(BUILD_DIR)/fetch-$(MPY_NEXT_VERSION).log >$(MPY_NEXT_GONE); \
	    echo "*** MicroPython $(MPY_NEXT_VERSION) is not to be had: the unix-1.26 legs are not built (see above)" >&2; \
	    [ "$(LP_LEG_GONE_OK)" = 1 ] || exit 1; \
	elif [ $$rc != 0 ]; then exit 1; fi

# The builds, unless the tree could not be had (then `make test` goes on without them): a make of
# their own each, since whether they run is known only once the fetch has run.
mpy-cross-1.26: micropython-1.26
	@[ -f $(MPY_NEXT_GONE) ] || $(MAKE) --no-print-directory lp-mpy-cross-1.26

unix-1.26 unix-1.26-meta: mpy-cross-1.26 $(EMPTY_LIB_DIR)/README.md
	@if [ -f $(MPY_NEXT_GONE) ]; then echo "*** $@ skipped: MicroPython $(MPY_NEXT_VERSION) is not to be had" >&2; \
	else $(MAKE) --no-print-directory lp-unix-1.26 LP_LEG=$@; fi

lp-mpy-cross-1.26:
	$(call lp_mpy_cross_build,$(MPY_NEXT_CROSS),$(MPY_NEXT_DIR))

lp-unix-1.26:
	$(call lp_unix_build,$(LP_LEG),$(if $(filter %-meta,$(LP_LEG)),1,0),$(MPY_NEXT_DIR),$(MPY_NEXT_CROSS)/mpy-cross)

# ---- the build modes real ports use ----------------------------------------------------------
# ESP32 builds at -O2 with setjmp-based NLR: there gcc knows nlr_push returns twice and warns
# (-Wclobbered, an error under the port's -Werror) about any local that might not survive a raise.
# MicroPython's own py/nativeglue.c draws that warning too (1.25 to 1.28): it stays a warning here,
# and lp_unix_build fails on any warning in lp-pool's files.
LP_O2_FLAGS := COPT="-O2 -DNDEBUG" CFLAGS_EXTRA="-DMICROPY_NLR_SETJMP=1 -Wno-error=clobbered"

# ASan + UBSan as upstream's CI builds its sanitizer variants (tools/ci.sh from 1.27 on:
# --param asan-use-after-return=0, -fno-sanitize=nonnull-attribute for MicroPython's own code,
# MP_ASAN/MP_UBSAN so gcc before 14 gets the larger stack they need), one build with both, errors
# fatal (-fno-sanitize-recover=undefined), plus -fsanitize=alignment. lp-pool's own files are
# compiled with nonnull-attribute checked as well (boards/unix/mpconfigvariant.mk). Not stripped, so
# reports name functions. The runner sets ASAN_OPTIONS=detect_leaks=0 (the GC heap is never freed).
LP_SAN := -fsanitize=address,undefined,alignment -fno-sanitize-recover=undefined \
    -fno-sanitize=nonnull-attribute --param asan-use-after-return=0
LP_ASAN_FLAGS := CFLAGS_EXTRA="$(LP_SAN) -DMP_ASAN=1 -DMP_UBSAN=1 -fno-omit-frame-pointer" \
    LDFLAGS_EXTRA="$(LP_SAN)" STRIP= LP_UBSAN_NONNULL=1

unix-o2: mpy-cross $(EMPTY_LIB_DIR)/README.md
	$(call lp_unix_build,unix-o2,0,,,$(LP_O2_FLAGS))

unix-asan: mpy-cross $(EMPTY_LIB_DIR)/README.md
	$(call lp_unix_build,unix-asan,0,,,$(LP_ASAN_FLAGS))

unix-asan-meta: mpy-cross $(EMPTY_LIB_DIR)/README.md
	$(call lp_unix_build,unix-asan-meta,1,,,$(LP_ASAN_FLAGS))

LP_TREE_BUILDS += $(BUILD_DIR)/unix-o2 $(BUILD_DIR)/unix-asan $(BUILD_DIR)/unix-asan-meta \
    $(BUILD_DIR)/unix-1.26 $(BUILD_DIR)/unix-1.26-meta $(MPY_NEXT_CROSS) $(BUILD_DIR)/tree

# ---- any tree ----------------------------------------------------------------------------------
# make test-tree MICROPY_DIR=~/src/micropython: mpy-cross, the unix port plain and with tracking, in
# build/tree/<name>/ (your other builds stay as they are), then every tests/mpy script on both, the
# differential tests, the docs' examples and the build checks that need no make of their own.
TREE_NAME := $(notdir $(MICROPY_DIR))
TREE_BUILD := tree/$(TREE_NAME)
test-tree: deps-host venv $(MPY_TREE_STAMP) $(EMPTY_LIB_DIR)/README.md
	$(call lp_mpy_cross_build,$(BUILD_DIR)/$(TREE_BUILD)/mpy-cross,$(MICROPY_DIR))
	$(call lp_unix_build,$(TREE_BUILD)/unix,0,,$(BUILD_DIR)/$(TREE_BUILD)/mpy-cross/mpy-cross)
	$(call lp_unix_build,$(TREE_BUILD)/unix-meta,1,,$(BUILD_DIR)/$(TREE_BUILD)/mpy-cross/mpy-cross)
	@cd $(LP_ROOT) && LP_UNIX_BIN=$(BUILD_DIR)/$(TREE_BUILD)/unix/micropython \
	    LP_UNIX_META_BIN=$(BUILD_DIR)/$(TREE_BUILD)/unix-meta/micropython $(VENV_PY) -m pytest -c tests/pytest.ini \
	    tests/mpy tests/host/test_build.py tests/host/test_docs.py $(wildcard $(LP_ROOT)/tests/host/test_*_diff.py) \
	    --targets=unix,unix-meta -m "not boards and not make" $(PYTEST_ARGS)

# ---- make test -------------------------------------------------------------------------------
# A 1.26.1 that can't be had is a skip there, reported in the summary, not a failure.
test: LP_LEG_GONE_OK := 1
LP_FULL_PREREQS += unix-1.26 unix-1.26-meta unix-o2 unix-asan unix-asan-meta
LP_TARGETS += unix-1.26 unix-1.26-meta unix-o2 unix-asan unix-asan-meta
