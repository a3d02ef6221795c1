# Every error path of LpString: bad UTF-8, wrong types, indices out of range, exhaustion in the
# middle of a write, use after free. Each raises the right exception and leaves the string and the
# pool as they were.
import json

from lp_pool import LpMemoryPool, LpString

pool = LpMemoryPool(bytearray(4096), reserve=8)


def attempt(label, fn, *args, msg=True):
    try:
        r = fn(*args)
        print(label, "no error:", r)
    except Exception as e:
        # AllocError's message has sizes that differ between ports: its type is what counts here.
        print(label, type(e).__name__, e if msg else "")
    if not pool.check():
        print(label, "POOL CHECK FAILED")


s = LpString("añb", pool=pool)


def iadd(x):
    global s
    s += x


# Invalid UTF-8 never gets in (strict, as CPython: no overlong forms, surrogates or > U+10FFFF).
for bad in (
    b"\xff",
    b"a\x80",
    b"\xc0\x80",
    b"\xe0\x80\x80",
    b"\xed\xa0\x80",
    b"\xf4\x90\x80\x80",
    b"\xe2\x82",
):
    attempt("bad " + repr(bad), LpString, bad)
attempt("surrogate str", LpString, "\ud800")
attempt("append surrogate", s.append, "x\ud800")
attempt("write bad", s.write, b"ok\xff")
attempt("write bad tail", s.write, b"\xe2\x28")
print("unchanged", s == "añb", len(s))

# A character split across writes waits; text can't be added after it until it is finished.
s.write(b"\xe2\x82")
print("pending not visible", s == "añb", len(s), bytes(s))
attempt("append while unfinished", s.append, "x")
attempt("+= while unfinished", iadd, "x")
attempt("insert at end while unfinished", s.insert, 99, "x")
s.insert(0, ">")  # elsewhere is fine; the unfinished bytes stay at the end
attempt("bad continuation", s.write, b"A")
s.write(b"\xac")
print("finished", s == ">añb€", len(s))
s.write(b"\xc3")
s.truncate(99)  # drops the unfinished character
s.append("!")
print("truncate dropped it", s == ">añb€!")

# Wrong types.
attempt("LpString(5)", LpString, 5)
attempt("capacity", lambda: LpString("a", capacity="x", pool=pool))
attempt("capacity<0", lambda: LpString("a", capacity=-1, pool=pool))
attempt("append(5)", s.append, 5)
attempt("append(b'x')", s.append, b"x")


attempt("+= 5", iadd, 5)
attempt("extend([x, 5])", s.extend, ["x", 5])
attempt("extend(5)", s.extend, 5)
print("unchanged", s == ">añb€!")
attempt("insert(i='x')", s.insert, "x", "y")
attempt("insert(x=1)", s.insert, 0, 1)
attempt("find(5)", s.find, 5)
attempt("count(None)", s.count, None)
attempt("find start", s.find, "a", "x")
attempt("startswith(5)", s.startswith, 5)
attempt("endswith((a, 5))", s.endswith, ("zz", 5))
attempt("replace(1, a)", s.replace, 1, "a")
attempt("strip(5)", s.strip, 5)
attempt("s < 5", lambda: s < 5)
attempt("s == 5", lambda: s == 5)
attempt("s == b'..'", lambda: s == b">a")
attempt("5 in s", lambda: 5 in s)
attempt("s + 5", lambda: s + 5)
attempt("s[1.5]", lambda: s[1.5])


def setitem():
    s[0] = "x"


def delitem():
    del s[0]


attempt("setitem", setitem)
attempt("delitem", delitem)
attempt("hash", hash, s)
attempt("dict key", lambda: {s: 1})
attempt("write(5)", s.write, 5)
attempt("truncate(-1)", s.truncate, -1)
attempt("truncate(x)", s.truncate, "x")
attempt("reserve(-1)", s.reserve, -1)
attempt("slice step 0", lambda: s[::0])
print("unchanged", s == ">añb€!", len(s))

# Indices out of range.
attempt("s[6]", lambda: s[6])
attempt("s[-7]", lambda: s[-7])
attempt("s[10**30]", lambda: s[10**30])
attempt("pop(6)", s.pop, 6)
attempt("pop(-7)", s.pop, -7)
e = LpString(pool=pool)
attempt("pop empty", e.pop)
attempt("index", s.index, "zz")
attempt("rindex", s.rindex, "a", 2)
print("unchanged", s == ">añb€!", len(s))

# Exhaustion: the pool can't hold more. Nothing of the failed operation is kept.
free = pool.stats()["largest_free"]
attempt("create", lambda: LpString("x" * (free + 10), pool=pool), msg=False)
attempt("capacity", lambda: LpString(capacity=free + 10, pool=pool), msg=False)
before = str(s)
attempt("append", s.append, "y" * (free + 10), msg=False)
attempt("insert", s.insert, 1, "y" * (free + 10), msg=False)
attempt("extend", s.extend, ["ok", "y" * (free + 10)], msg=False)
attempt("write", s.write, b"y" * (free + 10), msg=False)
attempt("reserve", s.reserve, free + 10, msg=False)
print("unchanged", s == before, len(s) == len(before))
big = LpString("z" * (free // 2), pool=pool)
attempt("slice copy", lambda: big[:], msg=False)
attempt("replace grows", lambda: big.replace("z", "zz"), msg=False)
attempt("json.dump", json.dump, ["w" * 100] * 40, big, msg=False)
attempt("print", lambda: print("v" * (free // 2), file=big), msg=False)
print("big grew by whole writes only", big.count("z") == free // 2, big.startswith("z"))
big.free()

# Use after free raises ValueError; freeing twice is harmless; repr says freed.
f = LpString("gone", pool=pool)


def iadd_f():
    global f
    f += "x"


it = iter(f)
f.free()
f.free()
print(repr(f), f.freed)
for label, fn in (
    ("len", lambda: len(f)),
    ("bool", lambda: bool(f)),
    ("str", lambda: str(f)),
    ("print", lambda: print(f)),
    ("json", lambda: json.dumps(f)),
    ("append", lambda: f.append("x")),
    ("+=", lambda: iadd_f()),
    ("write", lambda: f.write(b"x")),
    ("print into", lambda: print("x", file=f)),
    ("getitem", lambda: f[0]),
    ("slice", lambda: f[1:]),
    ("iter", lambda: next(it)),
    ("eq", lambda: f == "gone"),
    ("lt", lambda: f < "z"),
    ("in", lambda: "g" in f),
    ("find", lambda: f.find("g")),
    ("bytes", lambda: bytes(f)),
    ("capacity", lambda: f.capacity),
    ("as text arg", lambda: s.find(f)),
    ("with", lambda: f.__enter__()),
):
    attempt("freed " + label, fn)


# Inside run() the errors keep their type and message (preallocated).
msgs = [None] * 5
tries = (lambda: s[99], lambda: s.append(5), lambda: LpString(b"\xff"), lambda: hash(s), lambda: f.find("x"))


def locked():
    for i in range(len(tries)):
        try:
            tries[i]()
        except Exception as e:
            msgs[i] = e


pool.run(locked)
for m in msgs:
    print("locked", type(m).__name__, m)

for x in (s, e):
    x.free()
print(pool.check(), pool.stats()["objects"], pool.stats()["used"])
pool.close()
