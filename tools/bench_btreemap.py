"""Bytes per entry of an int -> int LpBTreeMap (pool bytes) against a dict (GC heap bytes).

Runs one MicroPython script on the unix port and on qemu-arm (the 32-bit board) through the test
harness's runners and prints a table. Usage: .venv/bin/python tools/bench_btreemap.py [unix] [qemu-arm]
(`make unix` / `make qemu-arm` first). Figures, not a test: nothing here passes or fails.
"""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

from harness.runners import QemuArmRunner, UnixRunner  # noqa: E402

# gc.mem_alloc() counts whole GC blocks, as the heap spends them; pool "used" counts whole pool
# blocks with their 4-byte headers. Keys are small ints, so neither side boxes them.
SCRIPT = """
import gc
from lp_pool import LpBTreeMap, LpMemoryPool

pool = LpMemoryPool()


def orders(n):
    # ascending, descending, and scattered (a permutation by a prime stride)
    return (
        ("ascending", list(range(n))),
        ("descending", list(range(n - 1, -1, -1))),
        ("scattered", [(i * 7919) % n for i in range(n)]),
    )


for n in (100, 300, 700, 1000, 2000):
    for name, keys in orders(n):
        gc.collect()
        before = gc.mem_alloc()
        d = {}
        try:
            for k in keys:
                d[k] = k
            gc.collect()
            dict_bytes = gc.mem_alloc() - before
        except MemoryError:  # the dict's growth needs its old and new table at once
            dict_bytes = 0
        d = None
        used = pool.stats()["used"]
        m = LpBTreeMap(pool=pool)
        for k in keys:
            m[k] = k
        map_bytes = pool.stats()["used"] - used
        print(n, name, dict_bytes, map_bytes, m._check())
        m.free()
        keys = None
"""


def main(argv):
    targets = argv or ["unix", "qemu-arm"]
    runners = {"unix": UnixRunner, "qemu-arm": QemuArmRunner}
    print("The map's GC-heap cost is one handle (two GC blocks) whatever its size.")
    print(f"{'target':9} {'n':>5} {'order':10} {'dict B/entry':>12} {'map B/entry':>11} {'map/dict':>8}")
    for target in targets:
        runner = runners[target]()
        runner.check_available()
        runner.timeout = 120
        path = Path("/tmp/lp_bench_btreemap.py")
        path.write_text(SCRIPT)
        try:
            result = runner.run(path)
        finally:
            runner.close()
        for line in result.output.splitlines():
            parts = line.split()
            if len(parts) != 5 or not parts[0].isdigit():
                print(target, line)
                continue
            n, order, dict_b, map_b = int(parts[0]), parts[1], int(parts[2]), int(parts[3])
            if dict_b == 0:
                print(f"{target:9} {n:5} {order:10} {'MemoryError':>12} {map_b / n:11.1f}")
            else:
                print(
                    f"{target:9} {n:5} {order:10} {dict_b / n:12.1f} {map_b / n:11.1f} {map_b / dict_b:8.2f}"
                )


if __name__ == "__main__":
    main(sys.argv[1:])
