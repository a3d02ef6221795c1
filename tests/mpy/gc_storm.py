# Objects dropped without free(), gc.collect() at any point, pools closed and reopened: the pools
# stay consistent and end exactly empty.
import gc

from lp_pool import LpBuffer, LpMemoryPool

static = LpMemoryPool()
base_used = static.stats()["used"]
pools = [LpMemoryPool(bytearray(2048 + 512 * i), reserve=4) for i in range(4)]
keep = []
seed = 12345


def rand(n):
    global seed
    seed = (seed * 1103515245 + 12345) & 0x7FFFFFFF
    return seed % n


def storm(steps):
    for step in range(steps):
        op = rand(10)
        pool = pools[rand(4)] if rand(3) else None
        if op < 5:
            try:
                b = LpBuffer(rand(200), pool=pool)
                b[0:1] = b"\x01" if len(b) else b""
                if rand(2):
                    keep.append(b)
            except MemoryError:
                pass
        elif op < 7 and keep:
            keep.pop(rand(len(keep))).free()
        elif op < 8 and keep:
            try:
                keep[rand(len(keep))].resize(rand(300))
            except MemoryError:
                pass
        elif op < 9:
            gc.collect()
        else:
            del keep[: rand(4)]  # dropped, left to the finaliser
        if step % 50 == 0:
            for p in pools:
                p.check()
            static.check()


storm(600)
print("consistent:", all(p.check() for p in pools), static.check())
keep.clear()
gc.collect()
print("empty:", [p.stats()["objects"] for p in pools], [p.stats()["used"] for p in pools])
print("static:", static.stats()["used"] == base_used, static.stats()["objects"])
for p in pools:
    p.close()

# A closed pool's memory can host a new pool at once.
mem = bytearray(4096)
for _ in range(3):
    p = LpMemoryPool(mem)
    x = LpBuffer(1000, pool=p)
    x.free()
    p.close()
print("reopened:", p.closed)

# gc.collect() inside run(): finalisers of dropped objects run under the lock, live ones survive.
p = LpMemoryPool(bytearray(4096), reserve=8)
got = [0]


def collect_inside():
    for _ in range(5):
        LpBuffer(100)
        gc.collect()
    live = LpBuffer(10)
    live[0] = 3
    gc.collect()
    got[0] = live[0]
    live.free()


p.run(collect_inside)
gc.collect()
print("collect inside run:", got[0], p.stats()["objects"], p.stats()["used"], p.check())
p.close()
