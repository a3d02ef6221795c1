# Threads hammering one pool (the unix port runs threads without a GIL): each grows, shrinks, slices
# and frees its own LpVecs in the shared pool, one of them as a hard IRQ handler would (_irq_call:
# heap locked), while the others allocate with the heap free. The allocator's critical section keeps
# the pool consistent: every vector holds exactly what its thread put in, and the pool ends empty.
try:
    import _thread
except ImportError:
    print("SKIP: no _thread on this target")
    raise SystemExit
import time

import _lp_pool
from lp_pool import LpMemoryPool, LpVec

pool = LpMemoryPool(bytearray(1 << 15), reserve=64)
N = 4
ROUNDS = 300
ok = [0] * N
done = [0]
started = [0]
lock = _thread.allocate_lock()
irq_call = getattr(_lp_pool, "_irq_call", None)


def round_trip(arg):
    idx, r = arg
    v = LpVec("i", pool=pool)
    for i in range(200 + r):
        v.append(idx * 100000 + i)
    # Methods only: with the heap locked a slice object (v[a:b]) can't be made on MicroPython 1.25.
    s = v.slice(10, 60, 5)
    for _ in range(50):
        v.pop(0)
    v.insert(3, idx * 100000 + 10)
    good = len(s) == 10 and s[0] == idx * 100000 + 10 and v[0] == idx * 100000 + 50
    v.shrink_to_fit()
    v += s
    good = good and v[-1] == idx * 100000 + 55 and v.count(idx * 100000 + 10) == 2
    s.free()
    v.free()
    return good


def work(idx):
    with lock:
        started[0] += 1
    while started[0] < N:  # all start together: the most overlap
        pass
    n = 0
    for r in range(ROUNDS):
        if idx == 0 and irq_call is not None:
            good = irq_call(round_trip, (idx, r))
            with lock:
                pool.reserve(64)  # the handler took handles from the reserve
        else:
            good = round_trip((idx, r))
        n += 1 if good else 0
    ok[idx] = n
    with lock:
        done[0] += 1


for i in range(N):
    _thread.start_new_thread(work, (i,))
for _ in range(3000):
    if done[0] == N:
        break
    time.sleep_ms(10)
print("threads done:", done[0] == N, "all rounds good:", ok == [ROUNDS] * N)
print(pool.check(), pool.stats()["objects"], pool.stats()["used"])
