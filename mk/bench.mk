# MicroPython-level benchmarks (issue 13): tests/bench/bench_*.py run on the unix port (wall clock,
# the built-in way and the lp-pool way interleaved in one process) and on the qemu boards MPS2_AN385
# (Cortex-M3) and MICROBIT (Cortex-M0, the Pico's armv6m) under `qemu -icount` (time counted in
# instructions, so the figures repeat exactly), with the M0's interrupts-off windows
# (tests/bench/bench_irqoff.py). Included by the top-level Makefile.
#
#   make bench            both targets: build/bench/mp.json, a table on stdout, charts in docs/
#   make bench-unix       the unix port only (no qemu needed)
#
# Figures, never pass/fail: `make test` runs each script once at a tiny size (tests/host/test_bench.py)
# so they cannot rot.

BENCH_JSON := $(BUILD_DIR)/bench/mp.json
BENCH_ARGS ?=

.PHONY: bench bench-unix bench-plots
bench: venv unix qemu-arm qemu-m0
	@$(VENV_PY) $(LP_ROOT)/tools/bench_mp.py --targets unix,arm,m0 --out $(BENCH_JSON) $(BENCH_ARGS)
	@$(MAKE) --no-print-directory bench-plots

bench-unix: venv unix
	@$(VENV_PY) $(LP_ROOT)/tools/bench_mp.py --targets unix --out $(BENCH_JSON) $(BENCH_ARGS)
	@$(MAKE) --no-print-directory bench-plots

bench-plots: venv
	@$(VENV_PY) $(LP_ROOT)/tools/bench_plots.py --json $(BENCH_JSON) --out $(LP_ROOT)/docs
