# LpBuffer: bytes in a pool behind the buffer protocol; indexing, slicing, iteration, resize.
import gc
import io
import struct

from lp_pool import AllocError, LpBuffer, LpMemoryPool

pool = LpMemoryPool(bytearray(8192))
b = LpBuffer(16, pool=pool)
print(repr(b), len(b), bool(b), bytes(b) == bytes(16), b.freed)

b[0] = 1
b[-1] = 255
b[2:5] = b"xyz"
print(b[0], b[15], b[2:5], b[:2], b[-3:], list(b)[:6])
print(b == bytes(b), b == b"nope", b == 5, sum(b))

# Every buffer-taking API accepts it.
struct.pack_into("<HI", b, 4, 0xBEEF, 0xDEADBEEF)
print(struct.unpack_from("<HI", b, 4) == (0xBEEF, 0xDEADBEEF))
mv = memoryview(b)
mv[8] = 42
print(b[8], len(mv), bytes(mv[2:5]))
stream = io.BytesIO(b"0123456789abcdef")
print(stream.readinto(b), bytes(b) == b"0123456789abcdef")
out = io.BytesIO()
out.write(b)
print(out.getvalue() == b"0123456789abcdef", bytearray(b)[:4], b"0123" in bytes(b))
mv = None

# resize keeps the contents, zero-fills growth, shrinks in place.
b.resize(4)
print(len(b), bytes(b))
b.resize(40)
print(len(b), bytes(b[:6]), bytes(b[4:]) == bytes(36))
b.resize(0)
print(len(b), bytes(b), bool(b))
b.resize(8)


# Bad input: clear exceptions, buffer unchanged.
def setitem(obj, key, value):
    obj[key] = value


def delitem(obj, key):
    del obj[key]


def set_slice(obj, value):
    obj[0:2] = value


b[:] = b"ABCDEFGH"
for fn, exc in (
    (lambda: setitem(b, 0, 256), ValueError),
    (lambda: setitem(b, 0, -1), ValueError),
    (lambda: setitem(b, 0, "x"), TypeError),
    (lambda: b[8], IndexError),
    (lambda: b["0"], TypeError),
    (lambda: set_slice(b, b"abc"), ValueError),
    (lambda: delitem(b, 0), TypeError),
    (lambda: b.resize(-1), ValueError),
    (lambda: b.resize(1.5), TypeError),
    (lambda: b.resize(1 << 70), OverflowError),
    (lambda: b.resize(100000), AllocError),
    (lambda: LpBuffer(-5), ValueError),
    (lambda: LpBuffer("8"), TypeError),
    (lambda: LpBuffer(None), TypeError),
    (lambda: LpBuffer(1 << 40), (OverflowError, AllocError)),
    (lambda: LpBuffer(100000, pool=pool), AllocError),
    (lambda: LpBuffer(), TypeError),
):
    try:
        fn()
        print("no exception!")
    except exc as e:
        # 1 << 40 is an AllocError on 64-bit ports and an OverflowError on 32-bit ones.
        print(type(e).__name__ if isinstance(exc, type) else "ok", end=" ")
print()
print(bytes(b), pool.check())

# free(): use after free raises ValueError everywhere; double free is harmless.
b.free()
b.free()
print(repr(b), b.freed)
for fn in (
    lambda: len(b),
    lambda: b[0],
    lambda: setitem(b, 0, 1),
    lambda: bytes(b),
    lambda: memoryview(b),
    lambda: b.resize(4),
    lambda: list(b),
    lambda: b == b"",
    lambda: io.BytesIO(b"12").readinto(b),
):
    try:
        fn()
        print("no exception!")
    except ValueError as e:
        print(e, end="; ")
print()

# `with` frees at the end of the block, also on an exception.
with LpBuffer(32, pool=pool) as w:
    w[0] = 9
print(w.freed, pool.stats()["objects"])
try:
    with LpBuffer(32, pool=pool) as w:
        raise KeyError
except KeyError:
    print(w.freed, pool.stats()["objects"])

# Freeing one buffer while iterating over it stops the iteration with ValueError.
it_buf = LpBuffer(4, pool=pool)
try:
    for i, _v in enumerate(it_buf):
        if i == 1:
            it_buf.free()
except ValueError as e:
    print("iteration:", e)

# Zero-length buffers exist and are distinct.
z1, z2 = LpBuffer(0, pool=pool), LpBuffer(0, pool=pool)
print(len(z1), z1 == z2, z1 is not z2, pool.stats()["objects"])
z1.free()
z2.free()

# pool.buffer(n) is LpBuffer(n, pool=pool).
pb = pool.buffer(12)
print(pb.pool is pool, len(pb))
pb.free()

gc.collect()
# The memoryview taken above pinned one block (see buffer_views.py); nothing else is left.
print(pool.check(), pool.stats()["pinned"], pool.stats()["used_blocks"], pool.stats()["objects"])
pool.close()
