# Memory lp-pool did not allocate is read whatever its alignment: every typecode, through views at
# byte offsets 0 to 7, into every LpVec path that takes a buffer (the constructor, extend, +=, +,
# slice assignment), with the same typecode (block copy) and another (item conversion); and plain
# byte views at those offsets into LpString, LpString.write, LpBuffer's == and slice assignment.
# On an armv6m core (the qemu-m0 board, the RP2040) an unaligned word or float load faults, so a
# path that reads foreign items as C types stops the board there instead of printing "ok".
#
# Python code can't make a typed buffer at an unaligned address (memoryview has no cast); C modules
# can, and so can the test hook _lp_pool._view. Its views are never indexed from Python here:
# MicroPython's own item access assumes aligned items.
import struct
import sys

from _lp_pool import _view
from lp_pool import LpBuffer, LpMemoryPool, LpString, LpVec

pool = LpMemoryPool(bytearray(16384))
ORDER = "<" if sys.byteorder == "little" else ">"
INTS = "bBhHiIlLqQ"
FLOATS = "fd"
SIZE = {}
for tc in INTS + FLOATS:
    with LpVec(tc, pool=pool) as v:
        SIZE[tc] = v.itemsize


def struct_code(tc):
    """The struct format for one item of tc in native byte order, standard (unaligned) sizes."""
    size = SIZE[tc]
    if tc in FLOATS:
        return ORDER + tc
    code = {1: "b", 2: "h", 4: "i", 8: "q"}[size]
    return ORDER + (code if tc in "bhilq" else code.upper())


def values(tc):
    """Items that every conversion below keeps exactly (small ints, binary fractions)."""
    if tc in FLOATS:
        return [-2.25, -1.0, 0.0, 1.5, 100.0, 0.5]
    if tc in "bhilq":
        return [-100, -1, 0, 1, 100, 7]
    return [0, 1, 100, 200, 255, 7]


def extremes(tc):
    """The typecode's whole range, for the block copy (no conversion)."""
    if tc in FLOATS:
        return [2.0**100, -(2.0**-100), 0.25]  # exact in float32 too
    bits = 8 * SIZE[tc]
    if tc in "bhilq":
        return [-(1 << (bits - 1)), (1 << (bits - 1)) - 1, -2]
    return [(1 << bits) - 1, 1 << (bits - 1), 3]


def raw_at(tc, offset, items):
    """A bytearray holding items of tc from byte `offset` on, and a view of exactly those items."""
    fmt = struct_code(tc)
    size = struct.calcsize(fmt)
    raw = bytearray(offset + size * len(items))
    for i, x in enumerate(items):
        struct.pack_into(fmt, raw, offset + i * size, x)
    view = _view(raw, offset, tc)
    return raw, view


def converted(tc, items):
    return [float(x) for x in items] if tc in FLOATS else list(items)


def check_vec(tc, view, items, target, bad):
    """Every LpVec path that reads a buffer, from `view` (items of tc) into a vector of target."""
    want = converted(target, items)
    v = LpVec(target, view, pool=pool)
    if v.tolist() != want:
        bad.append(("new", target, v.tolist()))
    w = LpVec(target, [7], pool=pool)
    w.extend(view)
    w += view
    model = [7] + want + want
    if w.tolist() != model:
        bad.append(("extend", target, w.tolist()))
    w[1:3] = view
    model[1:3] = want
    if w.tolist() != model:
        bad.append(("slice", target, w.tolist()))
    x = w + view
    if x.tolist() != model + want:
        bad.append(("add", target, x.tolist()))
    for o in (v, w, x):
        o.free()


def other_typecode(tc):
    """A vector typecode that makes tc's items go through conversion, not a block copy."""
    return {"f": "d", "d": "f"}.get(tc, "d")


for tc in INTS + FLOATS:
    bad = []
    for offset in range(8):
        items = values(tc)
        raw, view = raw_at(tc, offset, items)
        check_vec(tc, view, items, tc, bad)  # same typecode: a block copy
        check_vec(tc, view, items, other_typecode(tc), bad)  # converted item by item
        if tc in INTS:
            check_vec(tc, view, items, "h", bad)  # int to int
        raw, view = raw_at(tc, offset, extremes(tc))
        v = LpVec(tc, view, pool=pool)
        if v.tolist() != converted(tc, extremes(tc)):
            bad.append(("extremes", offset, v.tolist()))
        v.free()
    print(tc, "ok" if not bad else bad[:3])

# Bytes at every offset: text, streams, buffers, and LpVec's conversion of 'B' items.
text = "añb€c😀d".encode()
bad = []
for offset in range(8):
    raw = bytearray(offset) + text + b"xyz"
    mv = memoryview(raw)[offset : offset + len(text)]
    s = LpString(mv, pool=pool)
    s.write(mv)
    if s != "añb€c😀d" * 2:
        bad.append(("string", offset))
    b = LpBuffer(len(text), pool=pool)
    b[0 : len(text)] = mv
    if not (b == mv and bytes(b) == text):
        bad.append(("buffer", offset))
    v = LpVec("i", mv, pool=pool)
    if v.tolist() != list(text):
        bad.append(("vec B", offset))
    # struct at unaligned offsets of a pool buffer (MicroPython's struct, standard sizes)
    sb = LpBuffer(32, pool=pool)
    struct.pack_into("<dfi", sb, offset, 1.5, -2.25, -7)
    if struct.unpack_from("<dfi", sb, offset) != (1.5, -2.25, -7):
        bad.append(("struct", offset))
    for o in (s, b, v, sb):
        o.free()
print("bytes", "ok" if not bad else bad)
print("pool", pool.stats()["used"], pool.check())
