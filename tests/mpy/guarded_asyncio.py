# guarded() with real asyncio: guarded tasks run with their pool current and the heap locked
# between suspension points, ordinary tasks beside them run with the heap free; gather, wait_for,
# cancellation and exceptions work; `with pool:` misuse across awaits is caught where lp_pool can.
try:
    import asyncio
except ImportError:
    print("SKIP: no asyncio on this target")
    raise SystemExit
import micropython
from lp_pool import LpBuffer, LpMemoryPool, current_pool, guarded

pool = LpMemoryPool(bytearray(4096), reserve=8)
other = LpMemoryPool(bytearray(2048), reserve=8)
buf = LpBuffer(16, pool=pool)


def depth():
    micropython.heap_lock()
    return micropython.heap_unlock()


# Filled by guarded coroutines (they can't allocate), read afterwards.
seen = [0] * 16


async def sampler(n, base):
    for i in range(n):
        buf[base + i] = base + i
        seen[base + i] = depth() * 10 + (1 if current_pool() is pool else 0)
        await asyncio.sleep_ms(1)
    return n


async def ordinary(n):
    out = []
    for i in range(n):
        out.append(f"other {i} depth {depth()} pool {current_pool()}")  # allocates
        await asyncio.sleep_ms(1)
    return out


async def main():
    # The example, written the guarded way: both run side by side.
    r = await asyncio.gather(guarded(sampler(3, 0), pool), ordinary(3), guarded(sampler(3, 3), pool))
    print("gather:", r[0], r[2], r[1])
    print("guarded steps saw:", seen[:6], list(buf)[:6])
    print("after gather:", depth(), current_pool())

    # As a task, awaited later.
    t = asyncio.create_task(guarded(sampler(2, 8), pool))
    print("task:", await t, seen[8:10])

    # wait_for with a timeout: the guarded coroutine is cancelled, its finally runs in the guard.
    async def slow():
        try:
            await asyncio.sleep_ms(1000)
        finally:
            seen[12] = depth()

    try:
        await asyncio.wait_for(guarded(slow(), pool), 0.02)
    except asyncio.TimeoutError:  # noqa: UP041 - MicroPython has no builtin TimeoutError
        print("wait_for timed out:", seen[12], depth(), current_pool())

    # Cancellation of a task; the coroutine can catch it inside the guard.
    async def cancellable():
        try:
            await asyncio.sleep_ms(1000)
        except asyncio.CancelledError:
            seen[13] = depth()
            raise

    t = asyncio.create_task(guarded(cancellable(), pool))
    await asyncio.sleep_ms(5)
    t.cancel()
    try:
        await t
    except asyncio.CancelledError:
        print("cancelled:", seen[13], depth(), current_pool())

    # An exception inside the guarded coroutine reaches the awaiting task, the guard left.
    async def failing():
        await asyncio.sleep_ms(1)
        raise ValueError("in the guard")

    try:
        await guarded(failing(), pool)
    except ValueError as e:
        print("exception:", e, depth(), current_pool())

    # A different pool per task.
    async def in_other():
        seen[14] = 1 if current_pool() is other else 0
        await asyncio.sleep_ms(1)
        seen[15] = 1 if current_pool() is other else 0

    await asyncio.gather(guarded(in_other(), other), guarded(sampler(1, 10), pool))
    print("own pools:", seen[14], seen[15], seen[10])

    # Misuse: `with pool:` inside a guarded coroutine, left open across an await. The sleep had
    # queued main's wake-up before guarded() saw the error: main must not stay queued after it
    # (a stale entry is resumed later with the event's queue as its exception: the wait below).
    async def left_open():
        with pool:
            await asyncio.sleep_ms(1)

    try:
        await guarded(left_open(), pool)
    except RuntimeError as e:
        print("with left open in guarded:", "left open" in str(e), depth(), current_pool())

    # Misuse without guarded: two tasks hold `with` blocks of two pools across awaits and leave
    # them in the wrong order. The first exit is not the innermost: RuntimeError, heap unlocked.
    errors = []
    order = []
    # Set by the last holder. main waits on it instead of sleeping a fixed time: woken while the
    # holders keep the heap locked (a loaded machine), main's `await t1` would need the heap.
    done = asyncio.Event()

    async def holder(p, delay, tag):
        try:
            with p:
                await asyncio.sleep_ms(delay)
        except RuntimeError as e:
            errors.append(str(e))
        order.append(tag)
        if len(order) == 2:
            done.set()

    # (gather itself would run with the heap locked here: plain tasks and an event.)
    t1 = asyncio.create_task(holder(pool, 10, "first"))
    t2 = asyncio.create_task(holder(other, 30, "second"))
    await done.wait()
    await t1
    await t2
    print(
        "nested across tasks:",
        order,
        [("out of order" in e, "without a matching enter" in e) for e in errors],
    )
    print("after misuse:", depth(), current_pool())


asyncio.run(main())
buf.free()
print(pool.check(), other.check(), pool.stats()["objects"], other.stats()["objects"], pool.stats()["used"])
pool.close()
other.close()
