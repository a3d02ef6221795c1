# Generators and the guard, without asyncio (so it runs on every board): run() refuses generators
# and coroutines; guarded() stepped by hand runs each step inside the guard and nothing outside it;
# the misuse lp_pool can see raises RuntimeError with the lock and the current pool put back.
import micropython
from lp_pool import LpBuffer, LpMemoryPool, current_pool, guarded, guarded_step

pool = LpMemoryPool(bytearray(4096), reserve=8)
other = LpMemoryPool(bytearray(2048), reserve=4)
buf = LpBuffer(8, pool=pool)


def depth():
    micropython.heap_lock()
    return micropython.heap_unlock()


def state():
    return depth(), current_pool()


# ---- run() refuses generators and coroutines, before it locks anything.
def gen():
    yield 1


async def coro():
    pass


class Sampler:
    def gen_method(self):
        yield 1


def make_closure():
    n = 3

    def counting():
        yield n

    return counting


premade = gen()


def returns_generator():
    return premade


for fn in (gen, coro, Sampler().gen_method, make_closure(), premade, returns_generator):
    try:
        pool.run(fn)
        print("ran!")
    except TypeError as e:
        print("run refuses:", "guarded" in str(e), state())

# Also from inside another run(): the outer one is untouched.
seen = [None, None, 0]


def outer():
    try:
        other.run(gen)
    except TypeError:
        seen[0] = current_pool()
        seen[1] = depth()
        seen[2] = 1


pool.run(outer)
print("nested refusal:", seen[0] is pool, seen[1], seen[2], state())

# ---- guarded() stepped by hand, as an event loop does.
log = [0] * 8


def work(n):
    total = 0
    for i in range(n):
        buf[i] = i
        log[2 * i] = depth()
        log[2 * i + 1] = 1 if current_pool() is pool else 0
        got = yield i  # a suspension point: the guard is left here
        total += got
    return total


g = guarded(work(3), pool)
outside = []
print("first yield:", g.send(None), state())
print("second yield:", g.send(10), state())
print("third yield:", g.send(20), state())
try:
    g.send(30)
except StopIteration as e:
    print("returned:", e.value, state())
print("inside each step:", log[:6], list(buf)[:3])


# Throwing in (what cancellation does): the coroutine sees it inside the guard.
def catcher():
    try:
        yield 1
    except KeyError:
        log[0] = depth()
        yield 2
    finally:
        log[1] = depth()


g = guarded(catcher(), pool)
g.send(None)
print("throw handled:", g.throw(KeyError(1)), log[0], state())
g.close()
print("closed:", log[1], state())

# An exception from the coroutine passes through, with the guard left.


def failing():
    yield 1
    raise ValueError("from the coroutine")


g = guarded(failing(), pool)
g.send(None)
try:
    g.send(None)
except ValueError as e:
    print("exception:", e, state())

# Misuse of guarded_step/guarded.
for args, exc in (((gen, pool), TypeError), ((gen(), "pool"), TypeError)):
    try:
        guarded_step(args[1], args[0], None, None)
    except exc:
        print("guarded_step refuses", exc.__name__, state())


def left_open():
    with pool:
        yield 1


# The yield still reaches the driver's caller (an event loop would have the task's wake-up already
# arranged), with the lock and current pool put back; the error comes when the task is resumed,
# and the coroutine is not resumed again.
g = guarded(left_open(), pool)
print("with left open, the yield passes:", g.send(None), state())
try:
    g.send(None)
except RuntimeError as e:
    print("with left open at a yield:", "left open" in str(e), state())
try:
    g.send(None)
except StopIteration:
    print("guarded() is done after that")

# guarded_step without `pending` raises at once; a bad `pending` is refused before the step.
try:
    guarded_step(pool, left_open(), None, None)
except RuntimeError as e:
    print("guarded_step, with left open:", "left open" in str(e), state())
try:
    guarded_step(pool, left_open(), None, None, [])
except TypeError as e:
    print("guarded_step, bad pending:", e, state())

inner = gen()
caught = [None]
with other:
    try:
        guarded_step(pool, inner, None, None)
    except RuntimeError as e:
        caught[0] = e
print("step while a pool is current:", "already current" in str(caught[0]), state())

# ---- `with pool:` misuse lp_pool can see.
# An exit on another heap lock level than its enter.
for change in (micropython.heap_lock, micropython.heap_unlock):
    try:
        with pool:
            change()
    except RuntimeError as e:
        print("with, level changed:", "lock level changed" in str(e), state())


# A stray __exit__ inside run() or guarded() can't take their level: only `with` levels match it.
stray_exit = pool.__exit__


def stray():
    stray_exit(None, None, None)


try:
    pool.run(stray)
except RuntimeError as e:
    print("stray exit in run:", "without a matching enter" in str(e), state())


def stray_gen():
    stray_exit(None, None, None)
    yield


try:
    guarded(stray_gen(), pool).send(None)
except RuntimeError as e:
    print("stray exit in guarded:", "without a matching enter" in str(e), state())


# Two generators suspended inside `with` blocks of two pools, resumed in the wrong order: the
# first exit is not the innermost; it unwinds both levels and raises.
def block(p, tag):
    with p:
        yield tag
    yield "after " + tag


a = block(pool, "a")
b = block(other, "b")
print(next(a), depth())
print(next(b), depth())
try:
    next(a)
except RuntimeError as e:
    print("out of order:", "out of order" in str(e), state())
try:
    next(b)
except RuntimeError as e:
    print("then b's exit:", "without a matching enter" in str(e), state())

# A generator suspended in `with` leaves the heap locked for its caller (the VM has no hook on
# yield); an exit after anything else changed the lock level is caught when it happens.
c = block(pool, "c")
next(c)
print("caller while suspended:", depth(), current_pool() is pool)
micropython.heap_unlock()  # the caller unlocks what it did not lock
try:
    next(c)
except RuntimeError as e:
    print("resumed exit:", "lock level changed" in str(e), state())

buf.free()
print(pool.check(), other.check(), pool.stats()["objects"], other.stats()["objects"])
pool.close()
other.close()
