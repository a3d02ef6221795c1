# Pools over caller memory: any writable buffer; bad buffers; close() and the lifetime rule.
import array
import gc

from lp_pool import LpBuffer, LpMemoryPool

for mem in (bytearray(2048), array.array("i", [0] * 512)):
    p = LpMemoryPool(mem)
    b = LpBuffer(64, pool=p)
    b[0] = 7
    print(type(mem).__name__, p.is_static, b.pool is p, b[0], p.stats()["objects"])
    b.free()
    print(p.check(), p.stats()["used"])
    p.close()

# Not a memoryview: it keeps its address when the bytearray under it grows and moves, so the pool
# could never tell. The bytearray itself it can.
try:
    LpMemoryPool(memoryview(bytearray(2048)))
except TypeError as e:
    print("memoryview refused:", "memoryview" in str(e))

# Wrong types and read-only or tiny buffers.
for bad in (b"bytes are read-only", "text", 1234, None.__class__, 3.5):
    try:
        LpMemoryPool(bad)
    except TypeError as e:
        print("TypeError:", str(e).split(",")[0].split(";")[0])
for n in (0, 8, 32):
    try:
        LpMemoryPool(bytearray(n))
    except ValueError as e:
        print("ValueError:", str(e).split("(")[0])
try:
    LpMemoryPool(bytearray(1024), reserve=-2)
except ValueError as e:
    print("ValueError:", e)

# The pool keeps its buffer alive: drop every other reference and collect.
p = LpMemoryPool(bytearray(4096), reserve=4)
b = LpBuffer(1000, pool=p)
b[999] = 99
gc.collect()
junk = [bytearray(100) for _ in range(50)]
gc.collect()
print(b[999], b[0], p.check())

# close() refuses while objects live; afterwards the pool is unusable but harmless.
try:
    p.close()
except RuntimeError as e:
    print("RuntimeError:", e)
b.free()
p.close()
p.close()
print(p.closed, repr(p))
for op in (lambda: LpBuffer(8, pool=p), p.stats, p.check, lambda: p.run(print)):
    try:
        op()
    except ValueError as e:
        print("ValueError:", e)

# pool= must be a pool.
try:
    LpBuffer(8, pool=bytearray(100))
except TypeError as e:
    print("TypeError:", e)

# Objects that are dropped without free() keep their (unclosed) pool alive until they are collected.
p = LpMemoryPool(bytearray(4096))
for _ in range(20):
    LpBuffer(50, pool=p)
gc.collect()
print(p.stats()["objects"], p.stats()["used"], p.check())
p.close()

# A bytearray that grows may move: the pool and its objects never touch the old memory again.
mem = bytearray(1024)
p = LpMemoryPool(mem)
b = LpBuffer(16, pool=p)
b[0] = 1
mem.extend(bytearray(8192))
for fn in (lambda: LpBuffer(8, pool=p), lambda: b[0], lambda: bytes(b), lambda: b.resize(4), p.check):
    try:
        fn()
        print("no exception!")
    except RuntimeError as e:
        print("RuntimeError:", e)
b.free()
p.close()
print(p.closed)
