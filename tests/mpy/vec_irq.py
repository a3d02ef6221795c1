# LpVec in a hard IRQ handler: _lp_pool._irq_call runs the handler as mpirq.c runs one (scheduler and
# GC heap locked). append grows the vector there, a new LpVec comes from the reserve, floats are
# stored and printed from storage, and a full pool raises the preallocated AllocError with the
# vector unchanged.
import _lp_pool

if not hasattr(_lp_pool, "_irq_call"):
    print("SKIP: no _irq_call test hook in this build")
    raise SystemExit

from lp_pool import AllocError, LpBuffer, LpMemoryPool, LpVec

pool = LpMemoryPool(bytearray(4096), reserve=4)
samples = LpVec("H", pool=pool)
state = [0, 0, 0, 0]


def on_sample(value):
    try:
        state[0] = len([value])  # the heap is locked: this must fail
    except MemoryError:
        state[0] = -1
    cap = samples.capacity
    samples.append(value)
    if samples.capacity > cap:
        state[1] += 1  # grew inside the handler
    marks = LpVec("f", pool=pool)  # a handle from the reserve
    marks.append(0.5)
    marks.append(value)
    if value % 1000 == 0:
        print("irq", value, marks)  # floats printed from storage
    marks.free()


for v in range(0, 4000, 100):
    _lp_pool._irq_call(on_sample, v)
    pool.reserve(4)  # the main program tops the handle reserve up (the heap is free here)
print("heap locked in handler:", state[0], "grew in handler:", state[1] > 2)
print("samples:", len(samples), samples[0], samples[-1], sum(samples) == sum(range(0, 4000, 100)))

# Fill the pool, then append in the handler: the preallocated AllocError, the vector as it was.
while len(samples) < samples.capacity:
    samples.append(1)
before = len(samples)
blockers = []
for size in (512, 64, 0):
    try:
        while True:
            blockers.append(LpBuffer(size, pool=pool))
    except AllocError:
        pass


def full(value):
    try:
        samples.append(value)
    except AllocError as e:
        state[2] = e.requested > 0
    state[3] = len(samples)


_lp_pool._irq_call(full, 7)
print("AllocError in handler:", state[2], "unchanged:", state[3] == before, pool.check())
for b in blockers:
    b.free()
samples.free()
print(pool.check(), pool.stats()["objects"], pool.stats()["used"])
