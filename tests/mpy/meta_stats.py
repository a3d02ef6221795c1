# Allocation tracking (LP_POOL_ALLOC_META=1): counts and bytes by type and scope, scopes that nest
# and come back after exceptions, the statistics table (text, TOTAL == used, printed into an
# LpString inside run() with the heap locked), a full (type, scope) table, pinned blocks.
import lp_pool

if not lp_pool.alloc_meta:
    print("SKIP: allocation tracking is not compiled in (build with LP_POOL_ALLOC_META=1)")
    raise SystemExit

from lp_pool import LpBox, LpBTreeMap, LpBuffer, LpMemoryPool, LpString, LpVec


def blk(n):
    # What a request of n bytes occupies in the arena: 8-byte granules, 4-byte header, 16 at least.
    return max(16, (n + 4 + 7) // 8 * 8)


def used(p):
    return p.stats()["used"]


def table(p):
    lines = []
    lp_pool.print_memory_stats_with(lines.append, p)
    return "".join(lines)


def total_ok(p):
    last = table(p).split("\n")[-2].split()
    return last[0] == "TOTAL" and int(last[1]) == p.stats()["used_blocks"] and int(last[2]) == used(p)


pool = LpMemoryPool(bytearray(8192))
print("empty:", pool.meta(), used(pool))

# Known creations, growths and frees: every row's bytes are the blocks' sizes.
a = LpBuffer(20, pool=pool)
b = LpBuffer(100, pool=pool)
v = LpVec("i", capacity=10, pool=pool)
print(
    pool.meta()
    == [("lp_pool.LpBuffer", None, 2, blk(20) + blk(100)), ("lp_pool.LpVec('i')", None, 1, blk(40))]
)
a.resize(300)  # moves past b (or grows in place): still one block of the new size
print(pool.meta()[0] == ("lp_pool.LpBuffer", None, 2, blk(300) + blk(100)), total_ok(pool))
b.free()
print(pool.meta()[0] == ("lp_pool.LpBuffer", None, 1, blk(300)), total_ok(pool))
before = used(pool)
for i in range(50):
    v.append(i)
print(
    pool.meta()[1] == ("lp_pool.LpVec('i')", None, 1, blk(v.capacity * 4)),
    used(pool) - before == blk(v.capacity * 4) - blk(40),
)
before = used(pool)
bx = LpBox(1, pool=pool)  # its block's size depends on the port's word size
print(pool.meta()[-1] == ("lp_pool.LpBox", None, 1, used(pool) - before), total_ok(pool))
bx.value = "a longer value than before"
print(pool.meta()[-1] == ("lp_pool.LpBox", None, 1, used(pool) - before), total_ok(pool))
bx.free()
a.free()
v.free()
print("freed:", pool.meta(), used(pool), pool.check())

# Scopes nest, the innermost wins, and the outer one is back after an exception.
objs = []


def in_run(tag):
    b = LpBuffer(8, pool=pool)
    if tag == "fail":
        b.free()
        raise KeyError(tag)
    return b


with pool.scope("outer"):
    objs.append(LpBuffer(8, pool=pool))
    try:
        with pool.scope("inner"):
            objs.append(LpVec("h", capacity=1, pool=pool))
            raise ValueError
    except ValueError:
        pass
    objs.append(LpBuffer(8, pool=pool))
    objs.append(pool.run(in_run, "ok", scope="rx"))
    try:
        pool.run(in_run, "fail", scope="rx")
    except KeyError:
        pass
    objs.append(LpVec("h", capacity=2, pool=pool))
objs.append(LpBuffer(8, pool=pool))
objs.append(pool.run(in_run, "ok"))  # no scope= keeps the current one (none here)
for row in pool.meta():
    print(row)
print(total_ok(pool))

# The table, byte for byte (the .exp file holds it), and with a name cut to its column.
with pool.scope("a scope name far too long for its column"):
    objs.append(LpString("abc", pool=pool))
with pool.scope("\u00e9" * 30):
    objs.append(LpVec("h", capacity=3, pool=pool))
lp_pool.print_memory_stats(pool)
print(pool.meta()[-1][1] == "\u00e9" * 12, total_ok(pool))

# Inside run(): printed into an LpString with the GC heap locked; the same text as outside.
expect = table(pool)
out = LpString(capacity=len(expect) + 16, pool=pool)
expect = table(pool)  # now with the LpString's own row
pool.run(lp_pool.print_memory_stats, pool, out)
print(str(out) == expect)
out.clear()
out.reserve(len(expect) + 16)  # clear() may give the room back: no growth while printing
expect = table(pool)


def write(line):
    out.write(line)


pool.run(lp_pool.print_memory_stats_with, write)  # pool=None: the current pool
print(str(out) == expect)
out.free()
for o in objs:
    o.free()
print("freed:", pool.meta(), used(pool), pool.check())

# More (type, scope) pairs than rows: a clear error at the allocation that needs a new row, nothing
# changed; an emptied row is taken over.
small = LpMemoryPool(bytearray(2048), meta_rows=3)  # row 0 is the pinned blocks'
x = LpBuffer(8, pool=small)
y = LpVec("h", capacity=1, pool=small)
for make in (lambda: LpString("s", pool=small), lambda: small.run(LpVec, "b")):
    try:
        make()
    except RuntimeError as e:
        print(type(e).__name__, e, small.meta(), small.check())
z = LpBuffer(8, pool=small)  # an existing row: fine
y.free()
s = LpString("s", pool=small)
print(small.meta(), small.check())
for o in (x, z, s):
    o.free()
print(small.meta(), small.stats()["used"], small.check())
small.close()

# Bad arguments.
for bad in ((lambda: pool.scope(""), ValueError), (lambda: pool.scope(5), TypeError)):
    try:
        bad[0]()
    except bad[1] as e:
        print(type(e).__name__, e)
for n in (1, 256):
    try:
        LpMemoryPool(bytearray(2048), meta_rows=n)
    except ValueError as e:
        print("ValueError", e)

# An LpBTreeMap's head, its nodes and its out-of-line text values are rows of their own; nodes and
# text take the scope they were made in.
m = LpBTreeMap(pool=pool)
with pool.scope("map"):
    for i in range(40):
        m[i] = "value number " + str(i)
print([r[:2] for r in pool.meta()], pool.meta()[1][2], total_ok(pool), pool.check())
m.free()
print(pool.meta(), used(pool))

# A viewed vector's stranded blocks count as pinned.
pp = LpMemoryPool(bytearray(4096))
w = LpVec("i", range(4), pool=pp)
mv = memoryview(w)
for i in range(20):
    w.append(i)
rows = pp.meta()
print(rows[0][0], rows[0][2] == pp.stats()["pinned"], rows[0][3] >= blk(16), total_ok(pp), pp.check())
w.free()
del mv
print(pp.stats()["objects"], pp.check())
pp.close()
print(pool.stats()["objects"], pool.check())
