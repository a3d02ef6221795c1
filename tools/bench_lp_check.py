"""How fast lp-check is: generates a program of N lines (default 10,000) in which every function
is checked code (run() targets calling each other, classes, loops, lp_pool objects), runs the
checker on it a few times and prints lines per second. A figure, never a pass/fail."""

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "lp_pool_py" / "host"))

import lp_check  # noqa: E402

UNIT = """

class Sensor{i}:
    def __init__(self, k):
        self.k = k
        self.acc = 0

    def step(self, x):
        self.acc = ((self.acc * (self.k - 1) + x) // self.k) & 0xFFFF
        return self.acc


sensor{i} = Sensor{i}(4)
buf{i} = LpVec("h", capacity=64)
table{i} = {{"n": 0, "last": 0}}


def helper{i}(x, y):
    if x > y:
        return x - y
    return (y - x) & 0xFF


def work{i}(n):
    total = 0
    for j in range(n):
        v = helper{i}(j, n) + sensor{i}.step(j & 0xFF)
        buf{i}.append(v & 0x7FFF)
        total += v
    table{i}["n"] = n
    s = "x" + str(total)
    for x in buf{i}:
        table{i}["last"] = x
    print("work", n, file=log)
    return s


pool.run(work{i}, 100)
"""
HEADER = """from lp_pool import LpMemoryPool, LpString, LpVec

pool = LpMemoryPool()
log = LpString(capacity=256)
"""


def make_program(lines: int) -> str:
    parts = [HEADER]
    n = HEADER.count("\n")
    i = 0
    while n < lines:
        unit = UNIT.format(i=i)
        parts.append(unit)
        n += unit.count("\n")
        i += 1
    return "".join(parts)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--lines", type=int, default=10_000)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args(argv)
    text = make_program(args.lines)
    nlines = text.count("\n")
    with tempfile.TemporaryDirectory() as d:
        path = Path(d) / "big.py"
        path.write_text(text)
        times, cpu = [], []
        for _ in range(args.repeat):
            t0, c0 = time.perf_counter(), time.process_time()
            result = lp_check.check_paths([path], lp_check.PRESETS["rp2"])
            times.append(time.perf_counter() - t0)
            cpu.append(time.process_time() - c0)
    best, best_cpu = min(times), min(cpu)
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(
        f"lp-check on {nlines} lines ({len(result.entries)} entries, {len(result.findings)} findings): "
        f"best of {args.repeat}: {best:.3f} s wall, {best_cpu:.3f} s CPU, "
        f"{nlines / best_cpu:,.0f} lines per CPU second (Python {sys.version.split()[0]}, "
        f"load average {load:.1f} on {os.cpu_count()} cores)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
