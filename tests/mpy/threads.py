# Each thread has its own current pool; two threads run at once in different pools.
try:
    import _thread
except ImportError:
    print("SKIP: no _thread on this target")
    raise SystemExit
import time

from lp_pool import LpBuffer, LpMemoryPool, current_pool

pools = [LpMemoryPool(bytearray(8192), reserve=70), LpMemoryPool(bytearray(8192), reserve=70)]
results = [[0, 0, 0], [0, 0, 0]]
done = [0]
lock = _thread.allocate_lock()


def work(idx):
    pool = pools[idx]
    ok = 0
    # Each creation under the lock takes one reserved handle: 64 rounds, reserve 70.
    for _ in range(64):
        b = LpBuffer(32)
        b[0] = idx
        if b.pool is pool and current_pool() is pool and b[0] == idx:
            ok += 1
        b.free()
    results[idx][0] = ok
    results[idx][1] = 1 if current_pool() is pool else 0


def thread_main(idx):
    pools[idx].run(work, idx)
    results[idx][2] = 1 if current_pool() is None else 0
    with lock:
        done[0] += 1


for i in range(2):
    _thread.start_new_thread(thread_main, (i,))
for _ in range(500):
    if done[0] == 2:
        break
    time.sleep_ms(10)
print(done[0], results)
print(current_pool(), [p.stats()["objects"] for p in pools], [p.check() for p in pools])
for p in pools:
    p.close()
