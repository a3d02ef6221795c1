# Every public name of lp_pool used as ordinary typed code does. tests/host/test_types.py checks it
# with mypy --strict and pyright against lp_pool_py/lp_pool/__init__.pyi, and runs it on the unix
# port, so the types it relies on are the ones the code really has. A line whose comment says to
# ignore a type error [code] is a mistake the checkers must report: both fail on an unneeded one.
import asyncio
import io
import json
import struct

import lp_pool
from lp_pool import (
    AllocError,
    LpBox,
    LpBTreeMap,
    LpBuffer,
    LpMemoryPool,
    LpString,
    LpVec,
    alloc_meta,
    arena_size,
    current_pool,
    format_stats,
    guarded,
    no_alloc,
    print_memory_stats,
    print_memory_stats_with,
    reset,
    version,
    with_global_alloc,
)

pool = LpMemoryPool(bytearray(8192), reserve=8, collect=True)
static: LpMemoryPool = LpMemoryPool()
size: int = pool.size
flags: tuple[bool, bool, bool] = (pool.closed, pool.is_static, pool.collect)
print(lp_pool.version == version, arena_size() > 0, alloc_meta in (True, False), size > 0, flags)


@no_alloc  # keeps the function's own type
def scaled(x: int, k: int = 2) -> int:
    return x * k


doubled: int = scaled(21)

# Vectors: items follow the typecode.
ints = LpVec("h", [1, 2, 3], pool=pool)
first: int = ints[0]
floats = LpVec("d", [0.5, 1.5], pool=pool)
half: float = floats[0]
default = LpVec()  # typecode 'i'
default.append(7)
ints.append(4)
floats.append(2)  # an int is a float for typing, as for the vector
try:
    ints.append(1.5)  # type: ignore[arg-type]
except TypeError:
    pass  # and at run time: "integer item expected, got float"
wrong: int = floats[0]  # type: ignore[assignment]
part: LpVec[int] = ints[1:3]
total: int = sum(ints) + len(part) + ints.pop() + ints.index(2) + ints.count(1)
as_list: list[int] = ints.tolist()
ints.extend(bytes(2))
ints += [5, 6]
joined: LpVec[int] = ints + [7]
ints[0] = 9
ints[1:2] = [8]
del ints[0]
ints.sort(reverse=True)
print(first, half, total, as_list, list(joined), ints.slice(0, 2).tolist(), ints.typecode, ints.capacity)
for v in (ints, floats, default, part, joined):
    v.free()

# Text: an LpString is a file for print() and json.dump().
msg = LpString(capacity=64, pool=pool)
print("sensor", 7, end=" ", file=msg)
json.dump({"ok": True}, msg)
msg += "!"
msg.append(LpString("?", pool=pool))
msg.format_into(" %d/%.1f", 3, 2.5)
ch: str = msg[0]
words: LpString = msg.slice(0, 6)
print(str(msg), ch, str(words), msg.find("ok"), msg.startswith(("sen", "x")), len(msg))
words.free()

# A pool buffer wherever a buffer goes.
frame = LpBuffer(8, pool=pool)
struct.pack_into("<HH", frame, 0, 1, 2)
byte: int = frame[0]
head: bytes = frame[0:2]
frame[2:4] = b"\x00\x01"
print(byte, head, bytes(frame) == bytes(memoryview(frame)))
frame.free()

# Maps: narrower mappings are accepted and keep their types.
counts: dict[int, int] = {1: 10, 2: 20}
m = LpBTreeMap(counts, pool=pool)
ten: int = m[1]
m[3] = 30
try:
    m["x"] = 1  # type: ignore[index]
except TypeError:
    pass  # and at run time: the keys are all of one kind
pairs: list[tuple[int, int]] = list(m.items())
low: int = m.min()
near: int | None = m.floor(2)
got: int | None = m.get(9)
written = m.get_into(1, msg)
names: LpBTreeMap[str, str] = LpBTreeMap([("a", "alpha")], pool=pool)
alpha: str = names["a"]
names[LpString("b", pool=pool)] = "beta"
loose = LpBTreeMap(pool=pool)  # no entries yet: its types are open
loose[1] = "one"
print(ten, pairs, low, near, got, written, alpha, list(names.keys()), list(m.range(2, None)))
for mp in (m, names, loose):
    mp.free()

box = LpBox(1.5, pool=pool)
box.value = "text"
print(box.value)
box.free()


# Running with the heap locked, and the escape hatch.
def work(n: int) -> int:
    with with_global_alloc():
        scratch = [n] * 2  # the heap is usable here
    return len(scratch) + (current_pool() is pool)


print(pool.run(work, 3), pool.reserve(4))
inside: LpMemoryPool | None = None  # made first: a new global inside the block would allocate
with pool:
    inside = current_pool()
print(inside is pool, with_global_alloc(len, "abc"))

try:
    LpBuffer(1 << 20, pool=pool)
except AllocError as e:
    print("AllocError", e.requested > e.available)


async def sampler(n: int) -> int:
    await asyncio.sleep(0)
    return n * 2


print(asyncio.run(guarded(sampler(21), pool)), reset())

lines: list[str] = []
out = io.StringIO()
if alloc_meta:
    tracked = LpMemoryPool(bytearray(4096), meta_rows=8)
    tracked.close()
    print_memory_stats(pool, out)
    print_memory_stats(pool, msg)
    print_memory_stats_with(lines.append, pool)
    with pool.scope("rx"):
        LpBox(1, pool=pool).free()
    print(len(pool.meta()) >= 0)
else:
    try:
        print_memory_stats_with(lines.append, pool)
    except NotImplementedError:
        print("no tracking in this build")
msg.free()
print(format_stats(pool).split()[0], pool.check(), pool.stats()["objects"])
pool.close()
print("sample ok")
