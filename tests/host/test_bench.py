"""The MicroPython-level benchmarks (tests/bench/, `make bench`) at a tiny size, so they cannot rot.

Checks that every script runs, that the JSON has each benchmark's keys and that the values make sense
(sizes, memory, the collection counter's self-test). Never a timing: speed is not a test.
"""

import json
import subprocess
import sys

import pytest
from harness.runners import LP_ROOT, QemuArmRunner, QemuM0Runner, RunnerUnavailable, UnixRunner

# Keys every smoke run must produce, without the target suffix.
EXPECTED = {
    "frag": [
        "frag_largest_gc_pct",
        "frag_largest_pool_pct",
        "frag_failed_gc",
        "frag_failed_pool",
        "frag_pool_ok",
        "frag_pool_largest_exact",
        "frag_map_pool_before",
        "frag_map_pool_after",
    ],
    "vec": [
        "vec_append_list",
        "vec_append_array_ratio",
        "vec_index_list",
        "vec_iter_list",
        "vec_pop_list",
        "vec_insert_list",
        "vec_sort_list",
        "vec_bytes_per_elem_list",
        "vec_bytes_per_elem_array_h",
        "vec_bytes_per_elem_array_i",
        "vec_append_ratio",
        "vec_index_ratio",
        "vec_iter_ratio",
        "vec_pop_ratio",
        "vec_insert_ratio",
        "vec_sort_ratio",
        "vec_bytes_per_elem_lpvec_h",
        "vec_bytes_per_elem_lpvec_i",
        "vec_bytes_per_elem_lpvec_f",
    ],
    "text": [
        "text_concat",
        "text_join",
        "text_stringio",
        "text_lpstring",
        "text_lpstring_new",
        "text_fastest_builtin",
        "text_ratio",
        "text_message_chars",
    ],
    "map": [
        "map_insert_dict_50",
        "map_lookup_dict_50",
        "map_miss_dict_50",
        "map_bytes_per_entry_dict_50",
        "map_insert_ratio_50",
        "map_lookup_ratio_50",
        "map_miss_ratio_50",
        "map_delete_ratio_50",
        "map_ordered_ratio_50",
        "map_bytes_per_entry_lp_50",
    ],
    "det": [
        "det_worst_list",
        "det_gc_in_appends_list",
        "det_hist_list",
        "det_worst_lpvec",
        "det_gc_in_appends_lpvec",
        "det_hist_lpvec",
        "det_worst_ratio",
    ],
}
TIMED_SUFFIX = {"unix": "_unix", "arm": "_icount_arm", "m0": "_icount_m0"}
PLAIN_SUFFIX = {"unix": "_unix", "arm": "_arm", "m0": "_m0"}
# The interrupts-off windows: only the qemu-m0 firmware records them.
IRQOFF = [
    "buffer_new",
    "buffer_free",
    "buffer_new_in_run",
    "run_enter_exit",
    "resize_in_place",
    "resize_backwards_big",
    "resize_move_big",
    "vec_append_growth",
    "vec_sort_radix",
    "string_append_growth",
    "map_insert",
    "map_delete",
    "box_set_text",
    "pinned_free",
    "stats",
    "alloc_error",
    "reserve_refill",
    "gc_finalisers",
    "close",
    "check_empty_pool",
    "check_fragmented",
    "check_caller_pool",
]
TIMED = (
    "vec_append_list",
    "vec_index_list",
    "vec_iter_list",
    "vec_pop_list",
    "vec_insert_list",
    "vec_sort_list",
)


def smoke(target, tmp_path):
    out = tmp_path / "mp.json"
    done = subprocess.run(
        [
            sys.executable,
            str(LP_ROOT / "tools" / "bench_mp.py"),
            "--smoke",
            "--targets",
            target,
            "--out",
            str(out),
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return json.loads(out.read_text()), done.stdout


def key(data, name, target):
    for suffix in (TIMED_SUFFIX[target], PLAIN_SUFFIX[target]):
        if name + suffix in data:
            return data[name + suffix]
    raise AssertionError(f"{name} missing for {target}: {sorted(data)}")


def check(data, target):
    for names in EXPECTED.values():
        for name in names:
            key(data, name, target)
    # The collection counter counted five explicit collections, and never ran out of sentinels.
    assert key(data, "gc_counter_selftest", target) == 5
    assert key(data, "gc_counter_blind", target) == 0
    # Fragmentation: the pool's figures are consistent and the pool is empty afterwards.
    assert key(data, "frag_pool_ok", target) == 1
    assert key(data, "frag_pool_largest_exact", target) == 1
    assert key(data, "map_pool_ok", target) == 1
    assert key(data, "vec_pool_ok", target) == 1
    assert key(data, "text_pool_ok", target) == 1
    assert key(data, "text_ways_agree", target) == 1  # every way builds the same text
    assert key(data, "det_pool_ok", target) == 1
    # Appends inside run() lock the heap: no collection can happen during them.
    assert key(data, "det_gc_in_appends_lpvec", target) == 0
    assert 1.5 <= key(data, "vec_bytes_per_elem_lpvec_h", target) < 4
    assert key(data, "map_bytes_per_entry_lp_50", target) > 0
    for side in ("gc", "pool"):
        assert 0 < key(data, f"frag_largest_{side}_pct", target) <= 100
    before = key(data, "frag_map_pool_before", target)
    assert before.startswith("0*") and "1*" in before  # the index, then one free block
    # Memory per element: arrays store their item size; at the smoke size a few GC blocks of other
    # objects freed or kept between the two readings show, hence the margins.
    assert 1.5 <= key(data, "vec_bytes_per_elem_array_h", target) < 3
    assert 3.5 <= key(data, "vec_bytes_per_elem_array_i", target) < 5
    assert key(data, "vec_bytes_per_elem_list", target) >= 3.5
    assert 1800 <= key(data, "text_message_chars", target) <= 2200
    # Timings exist and are not negative (their size is not checked).
    for name in TIMED:
        assert key(data, name, target) >= 0
    # The latency histogram holds one entry per append.
    for side in ("list", "lpvec"):
        counts = [int(pair.split(":")[1]) for pair in key(data, f"det_hist_{side}", target).split(",")]
        assert sum(counts) == 300


@pytest.fixture(scope="module")
def unix_smoke(tmp_path_factory):
    try:
        UnixRunner().check_available()
    except RunnerUnavailable as e:
        pytest.fail(str(e))
    tmp = tmp_path_factory.mktemp("bench")
    data, table = smoke("unix", tmp)
    return tmp, data, table


def test_bench_smoke_unix(unix_smoke):
    _, data, table = unix_smoke
    check(data, "unix")
    assert "frag_largest_pool_pct" in table  # the readable table is printed


@pytest.mark.boards
def test_bench_smoke_qemu_arm(tmp_path):
    try:
        QemuArmRunner().check_available()
    except RunnerUnavailable as e:
        pytest.fail(str(e))
    data, _ = smoke("arm", tmp_path)
    check(data, "arm")
    assert not any(k.startswith("irqoff_") for k in data)  # the M3 build records no sections


@pytest.mark.boards
def test_bench_smoke_qemu_m0(tmp_path):
    try:
        QemuM0Runner().check_available()
    except RunnerUnavailable as e:
        pytest.fail(str(e))
    data, _ = smoke("m0", tmp_path)
    check(data, "m0")
    # The clock agreed with -icount (bench_mp.py refuses the run otherwise) and every operation's
    # longest critical section was recorded: each took at least one, and check() more than one.
    assert abs(key(data, "clock_ticks_per_100k_insn", "m0") - 204800) <= 2
    for name in IRQOFF:
        assert key(data, f"irqoff_{name}_sections", "m0") >= 1, name
        assert key(data, f"irqoff_{name}", "m0") >= 0, name
    assert key(data, "irqoff_check_fragmented_sections", "m0") > 1
    assert key(data, "irqoff_check_caller_pool_sections", "m0") > 1


def test_charts_from_smoke_json(unix_smoke):
    """The chart script draws every chart from a smoke run's JSON."""
    tmp_path = unix_smoke[0]
    done = subprocess.run(
        [
            sys.executable,
            str(LP_ROOT / "tools" / "bench_plots.py"),
            "--json",
            str(tmp_path / "mp.json"),
            "--out",
            str(tmp_path / "docs"),
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    for chart in ("bench_ratios.png", "bench_latency.png", "bench_frag.png"):
        assert (tmp_path / "docs" / chart).stat().st_size > 1000, chart
