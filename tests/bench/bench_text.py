# Benchmark 2: building a ~2 KB message from ints, floats and short strings, repeated: str
# concatenation, ''.join, io.StringIO with print, ''.join of %-strings and %-strings written to a
# StringIO (vs LpString when lp_pool has it: print(file=) and format_into). Time and GC bytes per
# message. The floats are made once (VALS): on the boards a float is a GC object, so computing
# them per message would cost every way the same allocation, and make run() impossible.
import io

from lp_pool import LpMemoryPool, LpString
from lpbench import best_of, gc_collections, heap_total_allocated, result

AIM = ">= 1.5x the fastest built-in, 0 GC bytes/message"
WORDS = ("ok", "warn", "fail", "idle")
RECORDS = 100  # about 20 characters each: a 2 KB message
VALS = [i * 0.5 for i in range(RECORDS)]


def msg_concat(base):
    s = ""
    for i in range(RECORDS):
        s += "id=" + str(base + i) + " v=" + str(VALS[i]) + " s=" + WORDS[i & 3] + "\n"
    return len(s)


def msg_join(base):
    parts = []
    for i in range(RECORDS):
        parts.append("id=")
        parts.append(str(base + i))
        parts.append(" v=")
        parts.append(str(VALS[i]))
        parts.append(" s=")
        parts.append(WORDS[i & 3])
        parts.append("\n")
    return len("".join(parts))


def msg_stringio(base):
    buf = io.StringIO()
    for i in range(RECORDS):
        print("id=", base + i, " v=", VALS[i], " s=", WORDS[i & 3], sep="", file=buf)
    return len(buf.getvalue())


def msg_percent_join(base):
    parts = []
    for i in range(RECORDS):
        parts.append("id=%d v=%s s=%s\n" % (base + i, VALS[i], WORDS[i & 3]))  # noqa: UP031 (the % way)
    return len("".join(parts))


def msg_percent_write(base):
    buf = io.StringIO()
    for i in range(RECORDS):
        buf.write("id=%d v=%s s=%s\n" % (base + i, VALS[i], WORDS[i & 3]))  # noqa: UP031 (the % way)
    return len(buf.getvalue())


# The message buffer a program keeps and clears for each message: what LpString is made for.
MSG = None


def msg_lpstring(base):
    MSG.clear()
    for i in range(RECORDS):
        print("id=", base + i, " v=", VALS[i], " s=", WORDS[i & 3], sep="", file=MSG)
    return len(MSG)


def msg_lp_format(base):
    """format_into: the %-formatting of msg_percent_* written straight into the kept LpString."""
    MSG.clear()
    for i in range(RECORDS):
        MSG.format_into("id=%d v=%s s=%s\n", base + i, VALS[i], WORDS[i & 3])
    return len(MSG)


def msg_lpstring_new(base):
    """A new LpString per message, grown from empty and freed: the StringIO pattern."""
    t = LpString()
    for i in range(RECORDS):
        print("id=", base + i, " v=", VALS[i], " s=", WORDS[i & 3], sep="", file=t)
    n = len(t)
    t.free()
    return n


BUILTIN = (
    ("concat", msg_concat),
    ("join", msg_join),
    ("stringio", msg_stringio),
    ("pct_join", msg_percent_join),
    ("pct_write", msg_percent_write),
)
WAYS = BUILTIN + (
    ("lpstring", msg_lpstring),
    ("lpstring_new", msg_lpstring_new),
    ("lp_format", msg_lp_format),
)


def repeat_in_run(fn, m):
    for j in range(m):
        fn(j * RECORDS)


def repeat(fn, m):
    for j in range(m):
        fn(j * RECORDS)
        gc_collections()  # a poll per message re-arms the collection counter


def main(cfg):
    global MSG
    m = cfg["messages"]
    pool = LpMemoryPool()
    MSG = LpString(capacity=2048)
    result("text_message_chars", msg_join(0), "chars")
    n7 = msg_join(7)
    same = n7 == msg_stringio(7) == msg_percent_join(7) == msg_lpstring(7) and str(MSG).startswith("id=7 ")
    text7 = str(MSG)
    same = same and msg_lp_format(7) == n7 and str(MSG) == text7
    result("text_ways_agree", int(same), "")
    best = best_of(cfg["rounds"], [(name, lambda f=fn: repeat(f, m)) for name, fn in WAYS])
    fastest = None
    for name, (t, c) in best.items():
        result(f"text_{name}", t / m, "ticks/op")
        result(f"text_{name}_gc", c / cfg["rounds"], "collections")
        if name in dict(BUILTIN):
            fastest = t if fastest is None else min(fastest, t)
    result("text_fastest_builtin", fastest / m, "ticks/op")
    result("text_ratio", fastest / best["lpstring"][0], "x", AIM)
    result("text_new_ratio", fastest / best["lpstring_new"][0], "x", "(a new LpString per message)")
    result("text_format_ratio", fastest / best["lp_format"][0], "x", AIM + " (format_into)")
    # format_into inside run(): the GC heap is locked, so this raises if anything allocates
    try:
        pool.run(repeat_in_run, msg_lp_format, m)
        result("text_lp_format_in_run", 1, "", "1: no GC allocation")
    except MemoryError:
        result("text_lp_format_in_run", 0, "", "1: no GC allocation")
    for name, fn in WAYS:
        a0 = heap_total_allocated()
        c0 = gc_collections()
        repeat(fn, m)
        a1 = heap_total_allocated()
        if a0 is not None:
            result(f"text_{name}_gc_bytes", (a1 - a0) / m, "B/message", "0 for LpString")
        result(f"text_{name}_gc_per_100", 100 * (gc_collections() - c0) / m, "collections")
    MSG.free()
    result("text_pool_ok", int(pool.check() and pool.stats()["used"] == 0), "")
