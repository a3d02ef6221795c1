# Benchmark 2: building a ~2 KB message from ints, floats and short strings, repeated: str
# concatenation, ''.join and io.StringIO (vs LpString when lp_pool has it). Time and GC bytes per
# message.
import io

from lpbench import best_of, gc_collections, heap_total_allocated, result

AIM = ">= 1.5x the fastest built-in, 0 GC bytes/message"
WORDS = ("ok", "warn", "fail", "idle")
RECORDS = 100  # about 20 characters each: a 2 KB message


def msg_concat(base):
    s = ""
    for i in range(RECORDS):
        s += "id=" + str(base + i) + " v=" + str((base + i) * 0.5) + " s=" + WORDS[i & 3] + "\n"
    return len(s)


def msg_join(base):
    parts = []
    for i in range(RECORDS):
        parts.append("id=")
        parts.append(str(base + i))
        parts.append(" v=")
        parts.append(str((base + i) * 0.5))
        parts.append(" s=")
        parts.append(WORDS[i & 3])
        parts.append("\n")
    return len("".join(parts))


def msg_stringio(base):
    buf = io.StringIO()
    for i in range(RECORDS):
        print("id=", base + i, " v=", (base + i) * 0.5, " s=", WORDS[i & 3], sep="", file=buf)
    return len(buf.getvalue())


WAYS = (("concat", msg_concat), ("join", msg_join), ("stringio", msg_stringio))


def repeat(fn, m):
    for j in range(m):
        fn(j * RECORDS)
        gc_collections()  # a poll per message re-arms the collection counter


def main(cfg):
    m = cfg["messages"]
    result("text_message_chars", msg_join(0), "chars")
    best = best_of(cfg["rounds"], [(name, lambda f=fn: repeat(f, m)) for name, fn in WAYS])
    fastest = None
    for name, (t, c) in best.items():
        result(f"text_{name}", t / m, "ticks/op")
        result(f"text_{name}_gc", c / cfg["rounds"], "collections")
        fastest = t if fastest is None else min(fastest, t)
    result("text_fastest_builtin", fastest / m, "ticks/op", AIM)
    for name, fn in WAYS:
        a0 = heap_total_allocated()
        c0 = gc_collections()
        repeat(fn, m)
        a1 = heap_total_allocated()
        if a0 is not None:
            result(f"text_{name}_gc_bytes", (a1 - a0) / m, "B/message", "0 for LpString")
        result(f"text_{name}_gc_per_100", 100 * (gc_collections() - c0) / m, "collections")
