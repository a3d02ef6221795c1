# Inside run() lp_pool objects are created, used and freed with zero GC-heap allocations: the heap
# is locked (any allocation would raise) and gc.mem_alloc() does not move.
import gc
import struct

from lp_pool import LpBuffer, LpMemoryPool

pool = LpMemoryPool(bytearray(16384), reserve=40)
results = [0] * 8


def hot_loop(rounds):
    start = gc.mem_alloc()
    total = 0
    for r in range(rounds):
        b = LpBuffer(64)
        for i in range(len(b)):
            b[i] = (i + r) & 0xFF
        for v in b:
            total += v
        struct.pack_into("<I", b, 0, r)
        total += b[0]
        b.resize(128)
        b[127] = 1
        b.resize(16)
        if b == b:
            total += len(b)
        b.free()
    with LpBuffer(32) as w:
        w[0] = 5
        total += w[0]
    results[0] = start
    results[1] = gc.mem_alloc()
    results[2] = total


pool.run(hot_loop, 30)
print("mem_alloc unchanged:", results[0] == results[1], "total:", results[2])
print(pool.stats()["objects"], pool.stats()["used"], pool.check())


# Handles dropped inside run without free() are released by the finaliser once the heap is free.
def drop_some():
    for _ in range(10):
        LpBuffer(100)


pool.run(drop_some)
print("live after run:", pool.stats()["objects"])
gc.collect()
print("after collect:", pool.stats()["objects"], pool.stats()["used"], pool.check())
print("reserve refilled:", pool.stats()["reserve"] == pool.stats()["reserve_target"])
pool.close()
