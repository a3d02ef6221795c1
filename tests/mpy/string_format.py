# LpString.format_into(fmt, *args): fmt % args appended in the pool (issue 20). Results against
# MicroPython's own `%` where the two agree, errors leave the string as it was, a full pool too,
# and inside run() nothing touches the GC heap (the heap is locked: any allocation would raise).
from lp_pool import AllocError, LpMemoryPool, LpString

pool = LpMemoryPool(bytearray(8192))
s = LpString(pool=pool)


def escaped(r):
    # repr() as MicroPython 1.25 and 1.26 write it (non-ASCII escaped); newer ones print it as it is.
    out = ""
    for c in r:
        n = ord(c)
        out += c if n < 128 else f"\\x{n:02x}" if n < 256 else f"\\u{n:04x}" if n < 0x10000 else f"\\U{n:08x}"
    return out


def fmt(f, *a):
    s.clear()
    s.format_into(f, *a)
    return str(s)


for f, a in (
    ("plain text", ()),
    ("%d|%i|%u|%5d|%-5d|%05d|%+d|% d", (42, -7, 3, 12, 12, -42, 5, 5)),
    ("%x|%X|%o|%#x|%#X|%#o|%08x", (255, 255, 8, 255, 255, 8, 48879)),
    ("%s|%5s|%-5s|%.2s|%r|%r", ("ab", "ab", "ab", "abc", "q", [1, "x"])),
    ("%c%c|%%|%*d|%-*d|%.*s", (65, "z", 4, 7, 4, 7, 2, "xyz")),
    ("%f|%.2f|%8.3f|%e|%.3E|%g|%G", (1.5, 2.0, -0.75, 12345.0, 0.5, 100.0, 0.0001)),
    ("%d %s %r", (True, None, False)),
    ("%d", (2**70,)),
):
    print(repr(fmt(f, *a)), fmt(f, *a) == f % a)

# Where it follows CPython rather than MicroPython's %: %c of any code point, character widths,
# an int's precision as its minimum digits.
print(escaped(repr(fmt("[%c%c]", 0xE9, 0x1F600))), escaped(repr(fmt("[%4s][%-4s][%.1s]", "é€", "ñ", "€x"))))
print(repr(fmt("[%.3d][%+.3d][%#.4x][%-6.3d]", 7, 7, 10, -7)))

# Errors: the type CPython raises, and the text unchanged.
s.clear()
s.append("keep")
for f, a in (
    ("%d", ("x",)),
    ("%x", (1.5,)),
    ("%q", (1,)),
    ("%", ()),
    ("abc %5", ()),
    ("%d %d", (1,)),
    ("%d", (1, 2)),
    ("%(a)s", (1,)),
    ("%c", (0x110000,)),
    ("%c", ("ab",)),
    ("%*d", ("x", 1)),
    (b"%d", (1,)),
):
    try:
        s.format_into(f, *a)
        print("no error for", f)
    except (TypeError, ValueError, OverflowError) as e:
        print(type(e).__name__, "|", e, "|", str(s))


# An argument whose __str__ raises: nothing of the call stays. One that changes the string: a
# RuntimeError, and the string keeps what was written (as extend() does).
class Bad:
    def __str__(self):
        raise KeyError("from __str__")


class Meddle:
    def __str__(self):
        s.append("!")
        return "m"


for arg in (Bad(), Meddle()):
    try:
        s.format_into("x%sy", arg)
    except Exception as e:
        print(type(e).__name__, str(s))

# The string itself as an argument: its text before the call, as `fmt % (str(s),)` would have it.
s.clear()
s.append("ab")
s.format_into("%s-%r-%s", s, s, "c")
print(str(s))

# A full pool: AllocError, and the text exactly as before, the pool consistent.
small = LpMemoryPool(bytearray(2048))
t = LpString("start", pool=small)
try:
    t.format_into("%s %5000d", "more", 1)
except AllocError:
    print("AllocError", repr(str(t)), len(t), small.check())
t.format_into(" %d", 5)
print(repr(str(t)))


# Inside run(): the heap is locked, so any GC allocation would raise MemoryError.
def inside(n, f):
    s.clear()
    s.format_into("n=%d hex=%04x f=%.3f name=%-6s|%c", n, n, f, "lp", 66)
    return len(s)


print(pool.run(inside, 300, 75.5), str(s))

# A freed string raises; an unfinished character from write() blocks it as append() does.
u = LpString(pool=pool)
u.write(b"\xc3")
try:
    u.format_into("%d", 1)
except UnicodeError:
    print("UnicodeError", len(u))
u.free()
try:
    u.format_into("%d", 1)
except ValueError as e:
    print("ValueError", e)
s.free()
t.free()
print(pool.check(), pool.stats()["used"])
