# Two operations leave their critical section before they are done, so that interrupts never wait
# for work that grows with the pool: check() runs in steps, and a resize that moves a block copies
# the payload between two sections. The test hook _gap_hook puts code exactly there, the way an
# interrupt handler could land: it uses the same pool, checks it, and must find everything in order;
# check() must start over when the pool changed under it, and give up, saying so, if it always does.

from _lp_pool import _gap_hook
from lp_pool import LpBuffer, LpMemoryPool, LpVec

pool = LpMemoryPool(bytearray(8192), reserve=32)
seen = []


def pattern(b, n, seed):
    for i in range(n):
        b[i] = (seed + 7 * i) & 0xFF


def has_pattern(b, n, seed):
    return all(b[i] == (seed + 7 * i) & 0xFF for i in range(n))


def handler(where):
    # What an interrupt handler might do with the pool in between.
    seen.append(where)
    seen.append(pool.stats()["allocs"] - allocs)  # the resize's new block, if it took one
    ok = pool.check()
    extra = LpBuffer(24, pool=pool)
    extra[0] = 1
    side.append(len(seen))
    extra.free()
    seen.append(ok)


side = LpVec("i", pool=pool)

# A resize that moves: in a fresh pool, a block right after it and none before.
pool = LpMemoryPool(bytearray(8192), reserve=32)
a = LpBuffer(100, pool=pool)
b = LpBuffer(40, pool=pool)
pattern(a, 100, 3)
allocs = pool.stats()["allocs"]
_gap_hook(handler)
a.resize(1000)
_gap_hook(None)
print("move:", seen, len(a), has_pattern(a, 100, 3), a[999], pool.check())

# A resize that grows backwards into the free block before it: the payload moves down inside one
# block that covers both, and the tail is given back only after the copy.
seen.clear()
pool = LpMemoryPool(bytearray(8192), reserve=32)
before = LpBuffer(600, pool=pool)
c = LpBuffer(100, pool=pool)
d = LpBuffer(16, pool=pool)
pattern(c, 100, 9)
before.free()
used = pool.stats()["used"]
allocs = pool.stats()["allocs"]
_gap_hook(handler)
c.resize(300)
_gap_hook(None)
print("backwards:", seen, has_pattern(c, 100, 9), c[299], pool.check(), pool.stats()["used"] - used)
print("handler's vector:", side.tolist())

# A resize in place has no gap.
seen.clear()
_gap_hook(handler)
c.resize(200)
_gap_hook(None)
print("in place:", seen, has_pattern(c, 100, 9), pool.check())
for o in (a, b, c, d, side):
    o.free()

# check() in steps: count its gaps on a fragmented pool.
keep = [LpBuffer(8 + i % 5, pool=pool) for i in range(200)]
for i in range(0, 200, 2):
    keep[i].free()
gaps = []


def count(where):
    gaps.append(where)


_gap_hook(count)
ok = pool.check()
_gap_hook(None)
quiet = len(gaps)
print("steps:", ok, quiet > 4, set(gaps))

# The pool changes in one gap: check() starts over, and is right.
gaps.clear()
changed = []


def change_once(where):
    gaps.append(where)
    if len(gaps) == 3:
        keep[1].free()  # merges with its free neighbours
        changed.append(LpBuffer(50, pool=pool))


_gap_hook(change_once)
ok = pool.check()
_gap_hook(None)
print("changed once:", ok, len(gaps) > quiet, pool.check())


# The pool changes in every gap: check() gives up, and says it found nothing wrong.
def change_always(where):
    LpBuffer(8, pool=pool).free()


_gap_hook(change_always)
try:
    pool.check()
    print("finished")
except RuntimeError as e:
    print("always changing:", str(e)[:22], "nothing wrong" in str(e))
_gap_hook(None)
print("after:", pool.check())

# A gap handler that raises: printed and dropped, the operation completes.
fresh = LpMemoryPool(bytearray(4096))
e = LpBuffer(64, pool=fresh)
f = LpBuffer(16, pool=fresh)  # right after e in a fresh pool: the resize has to move


def bad(where):
    raise ValueError("from the gap " + where)


pattern(e, 64, 5)
_gap_hook(bad)
e.resize(2000)
_gap_hook(None)
print("raising handler:", len(e), has_pattern(e, 64, 5), fresh.check(), fresh.stats()["used_blocks"])

# A pinned block (a memoryview holds it) moves to a fresh block and the old one stays for the view:
# the copy runs between two sections too, with the fresh block counted and the old one not yet
# stranded.
seen.clear()
pool = LpMemoryPool(bytearray(8192), reserve=32)
side = LpVec("i", pool=pool)
pv = LpBuffer(64, pool=pool)
pattern(pv, 64, 11)
view = memoryview(pv)
allocs = pool.stats()["allocs"]
_gap_hook(handler)
pv.resize(500)
_gap_hook(None)
st = pool.stats()
print(
    "pinned:",
    seen,
    has_pattern(pv, 64, 11),
    view[63] == pv[63],
    pool.check(),
    st["pinned"],
    st["pinned_bytes"],
)
pv.free()
side.free()
del view
