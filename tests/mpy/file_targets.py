# Every function that writes to a program's file or calls its write function takes what CPython's
# print(file=) takes (an object with a callable write: a native stream, an LpString, an io.IOBase
# subclass, an instance of any class) and raises TypeError for the rest, with or without allocation
# tracking compiled in, and inside run() too. Before, print_memory_stats(None, f) crashed a tracking
# build for f None, 5, [], a bytearray or a plain class, and get_into(key, 5) raised OSError.
import io

import lp_pool
from lp_pool import LpBTreeMap, LpBuffer, LpMemoryPool, LpString, LpVec

pool = LpMemoryPool(bytearray(16384), reserve=8)
LONG = "ab\u00e9\u20ac" * 60  # 240 characters, 420 bytes: 3 pieces, one would end inside a "\u20ac"
m = LpBTreeMap({1: "h\u00e9llo", 2: b"by\x00", 3: 2.5, 4: None, 5: LONG}, pool=pool)


class Plain:
    """Not a stream: CPython's print(file=) takes it, MicroPython's does not."""

    def __init__(self):
        self.parts = []

    def write(self, s):
        self.parts.append(s)


class Stream(io.IOBase):
    """MicroPython's way to make a stream in Python: write() gets the bytes and says how many."""

    def __init__(self):
        self.parts = []

    def write(self, b):
        self.parts.append(bytes(b))  # a copy: b is only valid during the call
        return len(b)


class NoneStream(io.IOBase):
    def write(self, b):
        return None  # "would block" in MicroPython's stream protocol: OSError, as print(file=) gives


class WriteNotCallable:
    write = 5


def function(line):
    pass


def outcome(call, tracking_only=False):
    try:
        call()
        return "ok"
    except NotImplementedError:
        # The statistics need tracking: without it, a good file gets this far.
        return "ok" if tracking_only and not lp_pool.alloc_meta else "NotImplementedError!"
    except Exception as e:  # noqa: BLE001 - the type is what this prints
        return type(e).__name__


def escaped(r):
    # repr() as MicroPython 1.25 and 1.26 write it (non-ASCII escaped); newer ones print it as it is.
    out = ""
    for c in r:
        n = ord(c)
        out += c if n < 128 else f"\\x{n:02x}" if n < 256 else f"\\u{n:04x}" if n < 0x10000 else f"\\U{n:08x}"
    return out


def written(o):
    if isinstance(o, (Plain, Stream)):
        return escaped(repr(o.parts))
    if isinstance(o, LpString):
        return escaped(repr(str(o)))
    if hasattr(o, "getvalue"):
        return escaped(repr(o.getvalue()))
    return ""


for name, make in (
    ("Plain()", Plain),
    ("Stream()", Stream),
    ("NoneStream()", NoneStream),
    ("LpString", lambda: LpString(pool=pool)),
    ("StringIO", io.StringIO),
    ("BytesIO", io.BytesIO),
    ("None", lambda: None),
    ("5", lambda: 5),
    ("[]", list),
    ("bytearray", lambda: bytearray(8)),
    ("bytes", lambda: b"abc"),
    ("LpBuffer", lambda: LpBuffer(8, pool=pool)),
    ("LpVec", lambda: LpVec("i", pool=pool)),
    ("write = 5", WriteNotCallable),
    ("a function", lambda: function),
    ("Plain().write", lambda: Plain().write),
):
    o = make()
    into = " ".join(outcome(lambda k=k, o=o: m.get_into(k, o)) for k in (1, 2, 3, 4))
    text = written(o)
    if isinstance(o, NoneStream):
        print(f"{name:14} get_into {into}")  # its write fails, as MicroPython's print(file=) reports it
        continue
    stats = outcome(lambda o=o: lp_pool.print_memory_stats(pool, o), True)
    table = "Memory Statistics" in written(o) if lp_pool.alloc_meta and stats == "ok" else True
    stats_with = outcome(lambda o=o: lp_pool.print_memory_stats_with(o, pool), True)
    print(f"{name:14} get_into {into} {text} | print_memory_stats {stats} {table}", end=" ")
    print("| print_memory_stats_with", stats_with)
    if isinstance(o, (LpString, LpBuffer, LpVec)):
        o.free()

# A bad pool is a TypeError too, in every build.
print(
    outcome(lambda: lp_pool.print_memory_stats(5, Plain())),
    outcome(lambda: lp_pool.print_memory_stats_with(function, "pool")),
)

# Inside run(): an LpString is written natively; a plain class's write gets str pieces of at most
# 160 bytes, never a character cut in two, in a static str that is only valid during the call.
out = LpString(capacity=1024, pool=pool)
sink = LpString(capacity=1024, pool=pool)
lengths = LpVec("i", capacity=16, pool=pool)


class Collect:
    def write(self, s):
        lengths.append(len(s))
        sink.append(s)


collect = Collect()


table = LpString(capacity=2048, pool=pool)


class Table:
    def write(self, s):
        table.append(s)


table_writer = Table()  # made with the heap free


def stats_locked():
    lp_pool.print_memory_stats(pool, table_writer)


counts = [0, 0, 0, ""]  # made before run(): storing into it allocates nothing


def locked():
    counts[0] = m.get_into(1, out)
    counts[1] = m.get_into(3, out)
    counts[2] = m.get_into(5, collect)
    counts[3] = outcome(stats_locked, True)


pool.run(locked)
print(counts, str(out), str(sink) == LONG, len(lengths) == 3, max(lengths) <= 160, sum(lengths) == len(LONG))
print(
    "table inside run():",
    str(table).startswith("Memory Statistics") if lp_pool.alloc_meta else len(table) == 0,
)
for o in (out, sink, lengths, table):
    o.free()
m.free()
print(pool.check(), pool.stats()["used"])
