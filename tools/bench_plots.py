"""Charts for the MicroPython-level benchmarks, drawn on the host from build/bench/mp.json and the GC
heap maps tools/bench_mp.py saved next to it.

    bench_plots.py [--json build/bench/mp.json] [--out docs]

Writes docs/bench_ratios.png (throughput against list/dict/str), docs/bench_latency.png (append
latency distributions) and docs/bench_frag.png (the pool arena and the GC heap along the address,
before and after the fragmentation churn).
"""

import argparse
import json
import re
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from matplotlib.colors import ListedColormap  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
# target, suffix of its timings and ratios, suffix of its other figures, label
TARGETS = (
    ("unix", "_unix", "_unix", "unix (wall clock)"),
    ("arm", "_icount_arm", "_arm", "qemu Cortex-M3 (-icount)"),
    ("m0", "_icount_m0", "_m0", "qemu Cortex-M0 (-icount)"),
)
# What one tick of a latency histogram is: ns on unix, instructions on a board (see
# tools/bench_mp.py: the M3's timer counts 5 instructions a tick, the M0's 2.048 ticks an instruction).
TICK_SCALE = {"unix": ("ns", 1000.0), "arm": ("instructions", 5.0), "m0": ("instructions", 62.5 / 128)}


def ratios_chart(data, out):
    """Every lp-pool-against-built-in `*_ratio` figure: above 1 lp-pool is faster.

    Left out: array against list (two built-ins) and the determinism ratio (a latency, drawn in the
    latency chart)."""
    names = sorted(
        {
            k[: -len(s)]
            for k in data
            for _, s, _, _ in TARGETS
            if k.endswith(s) and "_ratio" in k and "_array_" not in k and not k.startswith("det_")
        }
    )
    if not names:
        return None
    fig, ax = plt.subplots(figsize=(8, 0.55 * len(names) + 1.6))
    y = np.arange(len(names))
    height = 0.8 / len(TARGETS)
    for i, (_, suf, _, label) in enumerate(TARGETS):
        vals = [data.get(n + suf, np.nan) for n in names]
        ax.barh(y + ((len(TARGETS) - 1) / 2 - i) * height, vals, height, label=label)
    ax.axvline(1.0, color="black", linewidth=0.8)
    ax.set_xscale("log")  # 0.1x and 10x both readable
    ax.set_yticks(y, [n.replace("_ratio", "") for n in names])
    ax.invert_yaxis()
    ax.set_xlabel("built-in time / lp-pool time (log; > 1: lp-pool faster)")
    ax.set_title(
        "lp-pool against list, dict and str (unix timings are noisy; the board's repeat)", fontsize=10
    )
    # Below the axes, never over the bars.
    ax.legend(
        loc="upper center",
        bbox_to_anchor=(0.5, -0.9 / (0.55 * len(names) + 1.6)),
        ncol=len(TARGETS),
        fontsize=8,
    )
    fig.tight_layout()
    fig.savefig(out, dpi=110, bbox_inches="tight")
    plt.close(fig)
    return out


def bucket_lower(b):
    """Lower bound in ticks of a latency bucket (see tests/bench/lpbench.py)."""
    return b if b < 4 else (4 + b % 4) << (b // 4 - 1)


def hist_values(text):
    """The `bucket:count` pairs of a latency histogram, as (lower bound, upper bound, count) in ticks."""
    out = []
    for part in text.split(","):
        b, n = (int(v) for v in part.split(":"))
        out.append((bucket_lower(b), bucket_lower(b + 1), n))
    return out


def latency_chart(data, out):
    series = [k for k in data if k.startswith("det_hist_") and isinstance(data[k], str)]
    if not series:
        return None
    fig, axes = plt.subplots(1, len(TARGETS), figsize=(5.5 * len(TARGETS), 4))
    for ax, (target, _, suf, label) in zip(axes, TARGETS, strict=True):
        unit, scale = TICK_SCALE[target]
        for key in sorted(k for k in series if k.endswith(suf)):
            name = key[len("det_hist_") : -len(suf)]
            rows = hist_values(data[key])
            lows = [max(lo, 0.5) * scale for lo, _, _ in rows]
            widths = [(hi - max(lo, 0.5)) * scale for lo, hi, _ in rows]
            ax.bar(lows, [n for _, _, n in rows], widths, align="edge", alpha=0.6, label=name)
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_xlabel(f"latency of one append ({unit}, bucket lower bound)")
        ax.set_ylabel("appends")
        ax.set_title(label)
        ax.legend()
    fig.suptitle("Append latency inside a churning workload")
    fig.tight_layout()
    fig.savefig(out, dpi=110)
    plt.close(fig)
    return out


def pool_cells(runs):
    """A run-length block map (`kind*count`) as an array of granules: 0 index, 1 free, 2 used."""
    cells = []
    for part in runs.split(","):
        kind, count = part.split("*")
        cells.extend([int(kind)] * int(count))
    return np.array(cells)


def heap_cells(text):
    """micropython.mem_info(1)'s block map: one character per GC block, '.' free; 1 free, 2 used."""
    cells = []
    for line in text.splitlines():
        m = re.match(r"^\s*\((\d+) lines all free\)", line)
        if m:
            cells.extend([1] * (64 * int(m.group(1))))
            continue
        m = re.match(r"^[0-9a-f]{8}: (.*)$", line)
        if m:
            cells.extend(1 if c == "." else 2 for c in m.group(1))
    return np.array(cells)


def strip(ax, cells, title, cols=256):
    rows = -(-len(cells) // cols)
    grid = np.full(rows * cols, -1)
    grid[: len(cells)] = cells
    cmap = ListedColormap(["white", "#888888", "#c8e6c9", "#1565c0"])  # pad, index, free, used
    ax.imshow(grid.reshape(rows, cols) + 1, cmap=cmap, vmin=0, vmax=3, aspect="auto", interpolation="nearest")
    used = np.count_nonzero(cells == 2) / max(1, np.count_nonzero(cells > 0))
    ax.set_title(f"{title}: {100 * used:.0f}% used", fontsize=9)
    ax.set_xticks([])
    ax.set_yticks([])


def frag_chart(data, bench_dir, out):
    for target, _, suf, _label in reversed(TARGETS):  # the board's maps if there, else unix's
        before, after = data.get("frag_map_pool_before" + suf), data.get("frag_map_pool_after" + suf)
        heap_before = bench_dir / f"heapmap_frag_{target}_before.txt"
        heap_after = bench_dir / f"heapmap_frag_{target}_after.txt"
        if before and after and heap_before.exists() and heap_after.exists():
            break
    else:
        return None
    fig, axes = plt.subplots(2, 2, figsize=(11, 6))
    pct = suf
    strip(axes[0][0], pool_cells(before), "pool arena before the churn (8-byte granules)")
    strip(
        axes[0][1],
        pool_cells(after),
        f"pool arena after (largest free block {data.get('frag_largest_pool_pct' + pct, 0):.0f}% of it)",
    )
    gc_block = "32" if target == "unix" else "16"
    strip(
        axes[1][0],
        heap_cells(heap_before.read_text()),
        f"GC heap before ({gc_block}-byte blocks, ballast included)",
    )
    strip(
        axes[1][1],
        heap_cells(heap_after.read_text()),
        f"GC heap after (largest bytearray {data.get('frag_largest_gc_pct' + pct, 0):.0f}% of free)",
    )
    label = dict((t[0], t[3]) for t in TARGETS)[target]
    fig.suptitle(f"Fragmentation churn on {label}: blue used, green free, grey allocator index")
    fig.tight_layout()
    fig.savefig(out, dpi=110)
    plt.close(fig)
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--json", default=str(ROOT / "build" / "bench" / "mp.json"))
    ap.add_argument("--out", default=str(ROOT / "docs"))
    args = ap.parse_args()
    path = Path(args.json)
    data = json.loads(path.read_text())
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    made = [
        ratios_chart(data, out / "bench_ratios.png"),
        latency_chart(data, out / "bench_latency.png"),
        frag_chart(data, path.parent, out / "bench_frag.png"),
    ]
    for m in made:
        if m is not None:
            print(f"wrote {m}")


if __name__ == "__main__":
    main()
