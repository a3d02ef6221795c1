# LpString as a stream: print(..., file=s), json.dump(obj, s) and s.write() build text in the pool,
# and inside run() (GC heap locked) none of it allocates: gc.mem_alloc() does not move.
import gc
import json
import sys

from lp_pool import AllocError, LpMemoryPool, LpString, LpVec

pool = LpMemoryPool(bytearray(8192), reserve=24)


def check(label, s, want):
    # What the string holds, compared with the str that CPython-style formatting gives.
    print(label, s == want, len(s) == len(want), str(s) == want)


# print: ints, floats, strs and LpStrings, with sep and end, into one string.
s = LpString(pool=pool)
t = LpString("näme", pool=pool)
print(21, -7, 2.5, "C", t, sep=",", end=";\n", file=s)
check("print", s, "21,-7,2.5,C,näme;\n")

# json.dump of nested containers, text with escapes and non-ASCII (written a byte at a time).
s.clear()
obj = {"k": [1, 2.5, 'é\n"€😀'], "t": True, "n": None}
json.dump(obj, s)
check("json", s, json.dumps(obj))

# An LpString printed as JSON and as repr; repr is str's repr inside LpString(...).
s.clear()
json.dump(["x", t], s)
check("json text", s, json.dumps(["x", "näme"]))
q = LpString("it's", pool=pool)
print(repr(t) == "LpString(" + repr("näme") + ")", repr(q))
q.free()

# write(): any buffer of UTF-8; returns the bytes written; a character may be split across writes.
s.clear()
print(s.write(b"ab"), s.write("€"), s.write(bytearray(b"\xf0\x9f")), len(s))
print(s.write(memoryview(b"\x98\x80!")), len(s), s == "ab€😀!")

# Writing into itself: print(s, file=s), json.dump(s, s), repr into itself, s.write(s).
s.free()
s = LpString("é1", pool=pool)
print(s, file=s)
check("self print", s, "é1é1\n")
json.dump(s, s)
check("self json", s, "é1é1\n" + json.dumps("é1é1\n"))
s.clear()
s.append("ab")
s.write(s)
check("self write", s, "abab")
print(repr(s), file=s)
check("self repr", s, "abab" + "LpString('abab')\n")

# Writing the string to other streams: stdout through its buffer, and print.
q = LpString("to stdout\n", pool=pool)
print(sys.stdout.write(q))
q.free()
q = LpString("printed", pool=pool)
print(q, "ok")
q.free()

# Zero GC allocation inside run().
vals = [0, 0, 0]
other = LpString("orange", pool=pool)
rec = {"id": 0, "ok": True}


def build(msg, rounds):
    start = gc.mem_alloc()
    hits = 0
    for i in range(rounds):
        msg.clear()
        print("t", i, -40, 2.5, "C", other, sep=",", file=msg)  # ints, a float, strs, an LpString
        rec["id"] = i  # a dict made before run(): storing to an existing key allocates nothing
        json.dump(rec, msg)
        msg += " +="
        msg.append("ü")
        msg.write(b"!")
        if msg == "t" or msg != "t" and msg < "u" and msg >= "t" and msg.find("ok") > 0:
            hits += 1
        if msg.startswith("t,") and msg.endswith("!") and "C" in msg and msg.count(",") == 6:
            hits += 1
        head = msg.slice(0, 3)  # a new LpString from the reserve; s[0:3] would need a slice object
        if head.startswith("t,") and len(head) == 3:
            hits += 1
        head.free()
        for c in msg:  # ASCII characters come from ROM; "ü" is a qstr (a literal here)
            if c == "ü":
                hits += 1
        sys.stdout.write(msg)  # writing the string to a stream
        print(msg, file=sys.stdout)
    vals[0] = start
    vals[1] = gc.mem_alloc()
    vals[2] = hits


m = LpString(capacity=16, pool=pool)
pool.run(build, m, 4)
print("run: no GC allocation", vals[0] == vals[1], "hits", vals[2])
want = 't,3,-40,2.5,C,orange\n{"id": 3, "ok": true} +=ü!'
check("built", m, want)


# LpVec into an LpString inside run(): floats printed from the vector's storage (never boxed) and
# json.dump of the vector; no GC allocation.
vec_f = LpVec("d", [0.5, -2.25, 3.0, 1e-3, 12345.5], pool=pool)
vec_i = LpVec("h", [1, -2, 300], pool=pool)


def report(msg):
    start = gc.mem_alloc()
    msg.clear()
    print("floats", vec_f, file=msg)
    json.dump(vec_i, msg)
    msg += ";"
    json.dump(vec_f, msg)
    vals[0] = start
    vals[1] = gc.mem_alloc()


pool.run(report, m)
print("LpVec into LpString: no GC allocation", vals[0] == vals[1])
fl = [0.5, -2.25, 3.0, 1e-3, 12345.5]
check("vec", m, "floats LpVec('d', " + str(fl) + ")\n" + json.dumps([1, -2, 300]) + ";" + json.dumps(fl))
vec_f.free()
vec_i.free()


# A one-character str that is neither ASCII nor an existing qstr needs the GC heap: under run()
# that is MemoryError (as for any str MicroPython would make), and the string is unchanged.
def pop_rare(x):
    try:
        x.pop()
    except MemoryError:
        vals[2] = -1


rare = LpString(b"a\xe2\x98\x83", pool=pool)  # never a str before: not a qstr
pool.run(pop_rare, rare)
print("non-ASCII pop under run():", vals[2], len(rare), bytes(rare) == b"a\xe2\x98\x83")
rare.free()

# Exhaustion in the middle of a print: AllocError out of print and json.dump, never a silent
# truncation; what was written before the piece that did not fit stays (a prefix of the output).
small = LpMemoryPool(bytearray(1024), reserve=4)
z = LpString(pool=small)
try:
    for i in range(1000):
        print("line", i, file=z)
except AllocError:
    print("AllocError from print after some lines:", z.count("\n") > 10)
lines = str(z).split("\n")
print("whole lines kept", all(ln == "line " + str(k) for k, ln in enumerate(lines[:-1])))
print("last piece is a prefix", ("line " + str(len(lines) - 1) + "\n").startswith(lines[-1]))
z.clear()
try:
    json.dump(list(range(1000)), z)
except AllocError:
    print("AllocError from json.dump", json.dumps(list(range(1000))).startswith(str(z)))
z.clear()
try:
    z.write(b"x" * 5000)
except AllocError:
    print("AllocError from write, nothing kept:", len(z))
z.free()
print(small.check(), small.stats()["objects"], small.stats()["used"])
small.close()

for x in (s, t, m, other):
    x.free()
gc.collect()
print(pool.check(), pool.stats()["objects"], pool.stats()["used"])
pool.close()
