# Shared measuring helpers for the MicroPython-level benchmarks in tests/bench/.
#
# tools/bench_mp.py pastes this file in front of each benchmark script (the script's own
# `from lpbench import ...` line is dropped), so the same code runs from a file on unix and through
# the raw REPL on the qemu board, where there is no filesystem to import from.
#
# Results are printed as lines `@key|value|unit|aim` for the driver; everything else is for people.
import gc

try:
    import micropython
except ImportError:
    micropython = None

from _lp_bench import block_map, gc_blind, gc_collections  # noqa: F401 (block_map is for the scripts)

try:
    from time import ticks_diff
    from time import ticks_us as now

    TICK_HZ = 1000000
    TICK_UNIT = "us"
except ImportError:
    # The qemu boards: a timer read without interrupts (usermod/lp_pool/lp_clock.h), whose ticks the
    # driver turns into instructions. Native (a Python function here would compute with a constant
    # beyond the small ints).
    from _lp_bench import TICKS_CPU_HZ as TICK_HZ
    from _lp_bench import ticks_cpu as now
    from _lp_bench import ticks_diff

    TICK_UNIT = "tick"


def result(key, value, unit="", aim=""):
    """One figure for the driver (and a person reading the output)."""
    if isinstance(value, float):
        value = f"{value:.6g}"
    print(f"@{key}|{value}|{unit}|{aim}")


def seconds(ticks):
    return ticks / TICK_HZ


def heap_used():
    """GC heap bytes in use after a full collection."""
    gc.collect()
    return gc.mem_alloc()


def heap_total_allocated():
    """Bytes ever allocated on the GC heap (MicroPython's mem_total), or None without MEM_STATS."""
    if micropython is not None and hasattr(micropython, "mem_total"):
        return micropython.mem_total()
    return None


class Rng:
    """A small xorshift generator: the same sequence on every port, small ints only."""

    def __init__(self, seed=12345):
        self.s = seed & 0x3FFFFFFF or 1

    def next(self):
        s = self.s
        s ^= (s << 7) & 0x3FFFFFFF
        s ^= s >> 9
        s ^= (s << 8) & 0x3FFFFFFF
        self.s = s
        return s

    def below(self, n):
        return self.next() % n


def timed(fn, *args):
    """Ticks one call of fn(*args) took, and the collections during it."""
    c0 = gc_collections()
    t0 = now()
    fn(*args)
    t1 = now()
    return ticks_diff(t1, t0), gc_collections() - c0


def best_of(rounds, sides, *args):
    """Interleaved rounds: each round runs every side once, in turn; the best time of each side.

    sides: list of (name, fn). Returns {name: (best_ticks, total_collections)}.
    """
    best = {}
    for _ in range(rounds):
        for name, fn in sides:
            gc.collect()
            t, c = timed(fn, *args)
            old = best.get(name)
            best[name] = (t if old is None else min(old[0], t), c + (0 if old is None else old[1]))
    return best


# Latency histogram: bucket b < 4 holds the value b; above, four buckets per power of two
# (bucket 4*(m-1)+s holds values from (4+s) << (m-2)), so 128 buckets span 2^32 ticks.
HIST_BUCKETS = 128


def new_hist():
    from array import array

    return array("I", bytes(4 * HIST_BUCKETS))


def hist_add(hist, v):
    if v < 4:
        hist[v] += 1
        return
    m = 0
    x = v
    while x > 1:
        x >>= 1
        m += 1
    hist[4 * (m - 1) + ((v >> (m - 2)) & 3)] += 1


def emit_hist(key, hist):
    """The non-empty buckets as `bucket:count` pairs."""
    parts = [f"{b}:{n}" for b, n in enumerate(hist) if n]
    result(key, ",".join(parts), "hist")


def map_buffer(pool):
    """A buffer for block_map(pool, buf): allocate it before the measurement that it maps."""
    return bytearray(pool.size // 8 + 2)


def encode_map(buf, n):
    """A block map, run-length encoded: `kind*count` runs (0 index, 1 free, 2 used)."""
    runs = []
    kind, count = buf[0], 0
    for i in range(n):
        if buf[i] == kind:
            count += 1
        else:
            runs.append(f"{kind}*{count}")
            kind, count = buf[i], 1
    runs.append(f"{kind}*{count}")
    return ",".join(runs)


def heap_map(tag):
    """Print MicroPython's own GC block map between markers (the driver keeps it for the charts)."""
    if micropython is None:
        return
    gc.collect()
    print(f"@@heapmap-begin {tag}")
    micropython.mem_info(1)
    print(f"@@heapmap-end {tag}")


def check_counter():
    """The collection counter counts explicit collections exactly (reported, never assumed)."""
    c0 = gc_collections()
    for _ in range(5):
        gc.collect()
    n = gc_collections() - c0
    result("gc_counter_selftest", n, "collections", "5")
    return n == 5


def check_clock():
    """On a board: the ticks a loop of exactly 100,000 instructions takes (the difference of two
    loops, so the clock reads cancel); the driver compares it with what -icount should give."""
    try:
        from _lp_bench import spin_ticks
    except ImportError:
        return
    result("clock_ticks_per_100k_insn", spin_ticks(51000) - spin_ticks(1000), "", "the -icount rate")


def finish():
    result("gc_counter_blind", gc_blind(), "", "0")
