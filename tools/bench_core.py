"""Benchmark of the allocator core (issue 3): runs the -m32 -O2 bench program, counts instructions
with callgrind, measures Cortex-M0+ code size, prints a table and writes a flat JSON file.

Called by `make bench-core` (mk/core.mk):
    bench_core.py --bench build/core/bench_core_m32 --bench-exact build/core/bench_core_exact_m32 \
        --m0-obj build/core/lp_alloc_m0plus.o --out build/bench/core.json

Instruction counts come with callgrind's branch simulation: conditional branches and mispredicted
ones per call. The -exact build (LP_ALLOC_EXACT_FREE=1) gives the cost of the exact pointer check.
"""

import argparse
import json
import re
import subprocess
import sys
import tempfile
from pathlib import Path

ARENAS = {"64k": 64 * 1024, "1m": 1024 * 1024}
CHURN_IR_STEPS = 100_000
# Functions that are only there for tests and tools; the rest is what a firmware needs.
CHECKERS = {
    "lp_alloc_check",
    "lp_alloc_check_near",
    "lp_check_free_block",
    "lp_alloc_invariants_hold",
    "lp_is_listed_block",
    "lp_alloc_walk",
    "lp_alloc_walk_step",
    "lp_alloc_check_begin",
    "lp_alloc_check_step",
    "lp_alloc_changes",
}


def run(cmd):
    done = subprocess.run(cmd, capture_output=True, text=True)
    if done.returncode != 0:
        sys.exit(f"error: {' '.join(map(str, cmd))} failed:\n{done.stdout}{done.stderr}")
    return done.stdout


def key_values(text):
    return {k: float(v) for k, v in re.findall(r"(\w+)=([-\d.]+)", text)}


def callgrind(bench, args, functions):
    """Per function of functions (inclusive): instructions, conditional branches and mispredicted
    conditional branches; plus the program's output."""
    counts = {}
    out = ""
    with tempfile.TemporaryDirectory() as tmp:
        for fn in functions:
            cg_out = Path(tmp) / f"cg.{fn}"
            cmd = [
                "valgrind",
                "--tool=callgrind",
                "--branch-sim=yes",
                f"--callgrind-out-file={cg_out}",
                f"--toggle-collect={fn}",
            ]
            out = run([*cmd, str(bench), *map(str, args)])
            totals = re.search(r"^totals:\s+(\d+)\s+(\d+)\s+(\d+)", cg_out.read_text(), re.M)
            counts[fn] = tuple(map(int, totals.groups())) if totals else (0, 0, 0)
    return counts, out


def code_size(obj):
    """Bytes of code and of read-only data per function section (built with -ffunction-sections)."""
    text = run(["arm-none-eabi-size", "-A", str(obj)])
    core = checkers = rodata = 0
    for name, size in re.findall(r"^(\.\S+)\s+(\d+)", text, re.M):
        size = int(size)
        if name.startswith(".text"):
            fn = name[len(".text.") :]
            if fn in CHECKERS:
                checkers += size
            else:
                core += size
        elif name.startswith(".rodata"):
            rodata += size
    return {
        "code_m0plus_core": core,
        "code_m0plus_checkers": checkers,
        "code_m0plus_rodata": rodata,
        "code_m0plus_text": core + checkers,
    }


def churn_counts(bench, size, prefix, r):
    counts, out = callgrind(bench, ["churn", size, CHURN_IR_STEPS], ["lp_alloc", "lp_free"])
    calls = key_values(out)
    for fn, op, n in (("lp_alloc", "alloc", calls["allocs"]), ("lp_free", "free", calls["frees"])):
        ir, branches, mispredicted = counts[fn]
        r[f"{prefix}_ir_{op}"] = round(ir / n, 1)
        r[f"{prefix}_branches_{op}"] = round(branches / n, 2)
        r[f"{prefix}_mispredicts_{op}"] = round(mispredicted / n, 2)


def measure(bench, bench_exact, m0_obj, bench_tag=None, m0_tag_obj=None):
    r = key_values(run([str(bench), "time"]))
    for tag, size in ARENAS.items():
        churn_counts(bench, size, f"churn_{tag}", r)
        # The probed alloc(256) and its free on the churn's basis: lp_alloc and lp_free counted in
        # the run with the probe, less the run of the setup alone.
        full, _ = callgrind(bench, ["adversarial", size], ["lp_alloc", "lp_free"])
        setup, _ = callgrind(bench, ["adversarial", size, "setup"], ["lp_alloc", "lp_free"])
        for fn, op in (("lp_alloc", "alloc"), ("lp_free", "free")):
            r[f"adversarial_ir_{op}_{tag}"] = full[fn][0] - setup[fn][0]
            r[f"adversarial_mispredicts_{op}_{tag}"] = full[fn][2] - setup[fn][2]
    churn_counts(bench_exact, ARENAS["64k"], "exact_churn_64k", r)
    exact = key_values(run([str(bench_exact), "time"]))
    for key in ("frag_bytes_per_16b_64k", "frag_largest_empty_pct_64k", "frag_largest_empty_pct_1m"):
        r[f"exact_{key}"] = exact[key]
    r.update(code_size(m0_obj))
    if bench_tag is not None:
        # Block tags (LP_ALLOC_TAG, what LP_POOL_ALLOC_META=1 builds): the same churn.
        churn_counts(bench_tag, ARENAS["64k"], "tag_churn_64k", r)
    if m0_tag_obj is not None:
        r.update({f"tag_{k}": v for k, v in code_size(m0_tag_obj).items()})
    return {k: (int(v) if float(v).is_integer() else v) for k, v in sorted(r.items())}


def table(r):
    rows = [
        ("churn: ns/op, lp 64 KiB | 1 MiB | glibc", "churn_ns_64k", "churn_ns_1m", "churn_ns_malloc", ""),
        ("churn: instructions per alloc", "churn_64k_ir_alloc", "churn_1m_ir_alloc", None, "<= 84"),
        ("churn: instructions per free", "churn_64k_ir_free", "churn_1m_ir_free", None, "<= 60"),
        (
            "churn: mispredicted branches per alloc",
            "churn_64k_mispredicts_alloc",
            "churn_1m_mispredicts_alloc",
            None,
            "",
        ),
        (
            "churn: mispredicted branches per free",
            "churn_64k_mispredicts_free",
            "churn_1m_mispredicts_free",
            None,
            "",
        ),
        (
            "adversarial: instructions, alloc(256)",
            "adversarial_ir_alloc_64k",
            "adversarial_ir_alloc_1m",
            None,
            "<= 200",
        ),
        (
            "adversarial: instructions, its free",
            "adversarial_ir_free_64k",
            "adversarial_ir_free_1m",
            None,
            "",
        ),
        ("vectors: ns/op, lp | glibc", "vectors_ns_64k", "vectors_ns_1m", "vectors_ns_malloc", ""),
        (
            "vectors: growth without a new block % (all 3)",
            "vectors_in_place_pct_64k",
            "vectors_in_place_pct_1m",
            "vectors_in_place_pct_malloc",
            ">= 30",
        ),
        (
            "vectors: growth keeping the pointer %",
            "vectors_same_ptr_pct_64k",
            "vectors_same_ptr_pct_1m",
            "vectors_same_ptr_pct_malloc",
            "",
        ),
        (
            "vectors: growth by an overlapping move %",
            "vectors_overlap_pct_64k",
            "vectors_overlap_pct_1m",
            "vectors_overlap_pct_malloc",
            "",
        ),
        (
            "vectors: growth by a move needing no new block %",
            "vectors_backwards_pct_64k",
            "vectors_backwards_pct_1m",
            None,
            "",
        ),
        (
            "vectors: largest block % of free after",
            "vectors_largest_pct_of_free_64k",
            "vectors_largest_pct_of_free_1m",
            None,
            "",
        ),
        ("arena bytes per 16-byte object", "frag_bytes_per_16b_64k", "frag_bytes_per_16b_1m", None, "<= 20"),
        (
            "largest alloc on empty arena %",
            "frag_largest_empty_pct_64k",
            "frag_largest_empty_pct_1m",
            None,
            ">= 98",
        ),
        ("after churn (~50% live): live %", "frag_churn_live_pct_64k", "frag_churn_live_pct_1m", None, ""),
        (
            "after churn: largest alloc % of free",
            "frag_churn_largest_pct_of_free_64k",
            "frag_churn_largest_pct_of_free_1m",
            None,
            "",
        ),
        (
            "after churn: usable % of arena",
            "frag_churn_usable_pct_64k",
            "frag_churn_usable_pct_1m",
            None,
            ">= 97",
        ),
    ]
    lines = [f"{'lp_alloc core, -m32 -O2':42} {'64 KiB':>9} {'1 MiB':>9} {'glibc':>9}  target"]
    for label, a, b, c, target in rows:
        cells = [r.get(k, "") if k else "" for k in (a, b, c)]
        lines.append(f"{label:42} " + " ".join(f"{x:>9}" for x in cells) + f"  {target}")
    lines.append(
        f"{'exact check: instructions per alloc / free':42} {r['exact_churn_64k_ir_alloc']:>9} "
        f"{r['exact_churn_64k_ir_free']:>9} {'':>9}  (64 KiB churn)"
    )
    lines.append(
        f"{'exact check: largest alloc on empty arena %':42} {r['exact_frag_largest_empty_pct_64k']:>9} "
        f"{r['exact_frag_largest_empty_pct_1m']:>9}"
    )
    lines.append(f"{'exact check: arena bytes per 16-byte object':42} {r['exact_frag_bytes_per_16b_64k']:>9}")
    if "tag_churn_64k_ir_alloc" in r:
        lines.append(
            f"{'block tags: instructions per alloc / free':42} {r['tag_churn_64k_ir_alloc']:>9} "
            f"{r['tag_churn_64k_ir_free']:>9} {'':>9}  (64 KiB churn)"
        )
    lines.append(
        f"{'Cortex-M0+ -Os code bytes (core + checkers)':42} {r['code_m0plus_core']:>9} "
        f"{r['code_m0plus_checkers']:>9} {'':>9}  core <= 3072"
    )
    if "tag_code_m0plus_core" in r:
        lines.append(
            f"{'block tags: Cortex-M0+ code (core + checkers)':42} {r['tag_code_m0plus_core']:>9} "
            f"{r['tag_code_m0plus_checkers']:>9}"
        )
    lines.append(f"{'Cortex-M0+ read-only data bytes':42} {r['code_m0plus_rodata']:>9}")
    return "\n".join(lines)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bench", required=True, type=Path)
    parser.add_argument("--bench-exact", required=True, type=Path)
    parser.add_argument("--m0-obj", required=True, type=Path)
    parser.add_argument("--bench-tag", type=Path, help="the benchmark built with LP_ALLOC_TAG=1")
    parser.add_argument("--m0-tag-obj", type=Path, help="lp_alloc.o for Cortex-M0+ with LP_ALLOC_TAG=1")
    parser.add_argument("--out", required=True, type=Path)
    args = parser.parse_args()
    results = measure(args.bench, args.bench_exact, args.m0_obj, args.bench_tag, args.m0_tag_obj)
    print(table(results))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(results, indent=2, sort_keys=True) + "\n")
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
