# The allocator core (usermod/lp_pool/lp_alloc.c) on its own: C unit and stress tests, the
# libFuzzer target and the benchmark. Included by the top-level Makefile; also works on its own:
#
#   make -f mk/core.mk core-tests      unit + stress binaries, -m64 and -m32, ASan+UBSan (not run);
#                                      LP_ALLOC_EXACT_FREE=1, plus *_plain_m32 without it
#   make -f mk/core.mk core-fuzz-bin   the libFuzzer binary (clang)
#   make -f mk/core.mk fuzz            fuzz for FUZZ_SECONDS (600) on a copy of the seed corpus;
#                                      FUZZ_MERGE=1 merges new inputs back into tests/core/corpus
#   make -f mk/core.mk bench-core      -m32 -O2 benchmark (also with LP_ALLOC_EXACT_FREE=1 and with
#                                      LP_ALLOC_TAG=1), callgrind
#                                      counts and branch simulation, Cortex-M0+ code size;
#                                      prints a table and writes build/bench/core.json
#
# tests/host/test_core.py runs the binaries under pytest.

LP_ROOT ?= $(CURDIR)
CORE_SRC_DIR := $(LP_ROOT)/usermod/lp_pool
CORE_TEST_DIR := $(LP_ROOT)/tests/core
CORE_BUILD := $(LP_ROOT)/build/core
CORE_BENCH_JSON := $(LP_ROOT)/build/bench/core.json

CORE_CC ?= gcc
CORE_CLANG ?= clang
CORE_ARM_CC ?= arm-none-eabi-gcc
CORE_PYTHON ?= python3
CORE_WARN := -std=c99 -Wall -Wextra -Werror -Wsign-compare -Wshadow
CORE_SAN := -fsanitize=address,undefined -fno-sanitize-recover=all -g -O1
CORE_INC := -I$(CORE_SRC_DIR) -I$(CORE_TEST_DIR)
# The tests and the fuzzer build with the exact pointer check (lp_alloc.h); test_core_plain_* and
# stress_plain_* test the default configuration that the MicroPython module and bench-core use.
CORE_EXACT := -DLP_ALLOC_EXACT_FREE=1

CORE_LIB := $(CORE_SRC_DIR)/lp_alloc.c $(CORE_SRC_DIR)/lp_alloc.h
CORE_MODEL := $(CORE_TEST_DIR)/model.c $(CORE_TEST_DIR)/model.h
CORE_TEST_BINS := $(foreach m,m64 m32,$(CORE_BUILD)/test_core_$(m) $(CORE_BUILD)/stress_$(m)) \
    $(CORE_BUILD)/test_core_plain_m32 $(CORE_BUILD)/stress_plain_m32 \
    $(CORE_BUILD)/test_core_tag_m32 $(CORE_BUILD)/stress_tag_m32
# Block tags (LP_ALLOC_TAG, what LP_POOL_ALLOC_META=1 builds the module with): *_tag_* test them.
CORE_TAG := -DLP_ALLOC_TAG=1
CORE_FUZZ_BIN := $(CORE_BUILD)/fuzz_core
CORE_BENCH_BIN := $(CORE_BUILD)/bench_core_m32
CORE_BENCH_EXACT_BIN := $(CORE_BUILD)/bench_core_exact_m32
CORE_BENCH_TAG_BIN := $(CORE_BUILD)/bench_core_tag_m32
CORE_M0_OBJ := $(CORE_BUILD)/lp_alloc_m0plus.o
CORE_M0_TAG_OBJ := $(CORE_BUILD)/lp_alloc_tag_m0plus.o

FUZZ_SECONDS ?= 600
FUZZ_MERGE ?= 0
CORE_FUZZ_CORPUS := $(CORE_BUILD)/fuzz-corpus

.PHONY: core-tests core-fuzz-bin fuzz bench-core core-clean

core-tests: $(CORE_TEST_BINS)
	@:

core-fuzz-bin: $(CORE_FUZZ_BIN)
	@:

# The sources of each binary (the first is its main file); only .c files go to the compiler.
$(CORE_BUILD)/test_core_plain_%: $(CORE_TEST_DIR)/test_core.c $(CORE_LIB) $(LP_ROOT)/mk/core.mk | $(CORE_BUILD)
	@echo "  CC      $(@:$(LP_ROOT)/%=%)"
	@$(CORE_CC) -$* $(CORE_WARN) $(CORE_SAN) $(CORE_INC) $(filter %.c,$^) -o $@

$(CORE_BUILD)/stress_plain_%: $(CORE_TEST_DIR)/stress.c $(CORE_MODEL) $(CORE_LIB) $(LP_ROOT)/mk/core.mk | $(CORE_BUILD)
	@echo "  CC      $(@:$(LP_ROOT)/%=%)"
	@$(CORE_CC) -$* $(CORE_WARN) $(CORE_SAN) $(CORE_INC) $(filter %.c,$^) -o $@

$(CORE_BUILD)/test_core_tag_%: $(CORE_TEST_DIR)/test_core.c $(CORE_LIB) $(LP_ROOT)/mk/core.mk | $(CORE_BUILD)
	@echo "  CC      $(@:$(LP_ROOT)/%=%)"
	@$(CORE_CC) -$* $(CORE_WARN) $(CORE_SAN) $(CORE_EXACT) $(CORE_TAG) $(CORE_INC) $(filter %.c,$^) -o $@

$(CORE_BUILD)/stress_tag_%: $(CORE_TEST_DIR)/stress.c $(CORE_MODEL) $(CORE_LIB) $(LP_ROOT)/mk/core.mk | $(CORE_BUILD)
	@echo "  CC      $(@:$(LP_ROOT)/%=%)"
	@$(CORE_CC) -$* $(CORE_WARN) $(CORE_SAN) $(CORE_EXACT) $(CORE_TAG) $(CORE_INC) $(filter %.c,$^) -o $@

$(CORE_BUILD)/test_core_%: $(CORE_TEST_DIR)/test_core.c $(CORE_LIB) $(LP_ROOT)/mk/core.mk | $(CORE_BUILD)
	@echo "  CC      $(@:$(LP_ROOT)/%=%)"
	@$(CORE_CC) -$* $(CORE_WARN) $(CORE_SAN) $(CORE_EXACT) $(CORE_INC) $(filter %.c,$^) -o $@

$(CORE_BUILD)/stress_%: $(CORE_TEST_DIR)/stress.c $(CORE_MODEL) $(CORE_LIB) $(LP_ROOT)/mk/core.mk | $(CORE_BUILD)
	@echo "  CC      $(@:$(LP_ROOT)/%=%)"
	@$(CORE_CC) -$* $(CORE_WARN) $(CORE_SAN) $(CORE_EXACT) $(CORE_INC) $(filter %.c,$^) -o $@

# clang's sanitizer and fuzzer runtimes are a package of their own (libclang-rt-<major>-dev).
$(CORE_FUZZ_BIN): $(CORE_TEST_DIR)/fuzz_core.c $(CORE_MODEL) $(CORE_LIB) $(LP_ROOT)/mk/core.mk | $(CORE_BUILD)
	@$(LP_ROOT)/tools/ensure_fuzz_toolchain.sh $(CORE_CLANG)
	@echo "  CLANG   $(@:$(LP_ROOT)/%=%)"
	@$(CORE_CLANG) $(CORE_WARN) -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all \
	    $(CORE_EXACT) $(CORE_INC) $(filter %.c,$^) -o $@

$(CORE_BENCH_BIN): $(CORE_TEST_DIR)/bench/bench_core.c $(CORE_LIB) $(LP_ROOT)/mk/core.mk | $(CORE_BUILD)
	@echo "  CC      $(@:$(LP_ROOT)/%=%)"
	@$(CORE_CC) -m32 -O2 -g $(CORE_WARN) $(CORE_INC) $(filter %.c,$^) -o $@

# The same with the exact pointer check, to measure what it costs.
$(CORE_BENCH_EXACT_BIN): $(CORE_TEST_DIR)/bench/bench_core.c $(CORE_LIB) $(LP_ROOT)/mk/core.mk | $(CORE_BUILD)
	@echo "  CC      $(@:$(LP_ROOT)/%=%)"
	@$(CORE_CC) -m32 -O2 -g $(CORE_WARN) $(CORE_EXACT) $(CORE_INC) $(filter %.c,$^) -o $@

# With block tags, to show they cost nothing per operation.
$(CORE_BENCH_TAG_BIN): $(CORE_TEST_DIR)/bench/bench_core.c $(CORE_LIB) $(LP_ROOT)/mk/core.mk | $(CORE_BUILD)
	@echo "  CC      $(@:$(LP_ROOT)/%=%)"
	@$(CORE_CC) -m32 -O2 -g $(CORE_WARN) $(CORE_TAG) $(CORE_INC) $(filter %.c,$^) -o $@

$(CORE_M0_OBJ): $(CORE_LIB) $(LP_ROOT)/mk/core.mk | $(CORE_BUILD)
	@echo "  ARM-CC  $(@:$(LP_ROOT)/%=%)"
	@$(CORE_ARM_CC) -mcpu=cortex-m0plus -mthumb -Os $(CORE_WARN) -ffunction-sections \
	    -c $(CORE_SRC_DIR)/lp_alloc.c -o $@

$(CORE_M0_TAG_OBJ): $(CORE_LIB) $(LP_ROOT)/mk/core.mk | $(CORE_BUILD)
	@echo "  ARM-CC  $(@:$(LP_ROOT)/%=%)"
	@$(CORE_ARM_CC) -mcpu=cortex-m0plus -mthumb -Os $(CORE_WARN) $(CORE_TAG) -ffunction-sections \
	    -c $(CORE_SRC_DIR)/lp_alloc.c -o $@

$(CORE_BUILD):
	@mkdir -p $@

# Fuzzing works on a copy of the corpus in build/, so a run never changes the repository unless
# asked to with FUZZ_MERGE=1 (which adds only inputs that bring new coverage).
fuzz: $(CORE_FUZZ_BIN)
	@rm -rf $(CORE_FUZZ_CORPUS) && mkdir -p $(CORE_FUZZ_CORPUS) $(CORE_BUILD)/fuzz-artifacts
	@cp $(CORE_TEST_DIR)/corpus/* $(CORE_FUZZ_CORPUS)/
	@echo "fuzzing for $(FUZZ_SECONDS) s (corpus copy in $(CORE_FUZZ_CORPUS:$(LP_ROOT)/%=%))"
	@$(CORE_FUZZ_BIN) -max_total_time=$(FUZZ_SECONDS) -max_len=2000 -print_final_stats=1 \
	    -artifact_prefix=$(CORE_BUILD)/fuzz-artifacts/ $(CORE_FUZZ_CORPUS)
ifeq ($(FUZZ_MERGE),1)
	@$(CORE_FUZZ_BIN) -merge=1 $(CORE_TEST_DIR)/corpus $(CORE_FUZZ_CORPUS)
endif

bench-core: $(CORE_BENCH_BIN) $(CORE_BENCH_EXACT_BIN) $(CORE_BENCH_TAG_BIN) $(CORE_M0_OBJ) $(CORE_M0_TAG_OBJ) \
    $(LP_ROOT)/tools/bench_core.py
	@$(CORE_PYTHON) $(LP_ROOT)/tools/bench_core.py --bench $(CORE_BENCH_BIN) \
	    --bench-exact $(CORE_BENCH_EXACT_BIN) --m0-obj $(CORE_M0_OBJ) --bench-tag $(CORE_BENCH_TAG_BIN) \
	    --m0-tag-obj $(CORE_M0_TAG_OBJ) --out $(CORE_BENCH_JSON)

core-clean:
	@rm -rf $(CORE_BUILD) $(CORE_BENCH_JSON)

# The full and the quick test runs both need the binaries test_core.py runs.
LP_TEST_PREREQS += core-tests core-fuzz-bin
