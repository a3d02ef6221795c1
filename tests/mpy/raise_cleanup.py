# Every cleanup lp-pool does on the way out of a raise (issue 17): a scratch block given back, a
# half-made object released, a half-done extend() undone, an object's in-use mark lifted, a run()
# level left. Each runs many times: a cleanup that read a stale local after the jump (the scratch
# handle of slice assignment did, a SEGV under ASan) or leaked would show in the pool's figures.
import io

from lp_pool import LpMemoryPool, LpString, LpVec, current_pool

pool = LpMemoryPool(bytearray(8192), reserve=8)


def figures():
    st = pool.stats()
    return (pool.check(), st["used"], st["objects"], st["used_blocks"])


def boom(n):
    # An iterable whose Python code raises after n items.
    yield from range(n)
    raise KeyError("boom")


v = LpVec("i", [1, 2, 3], pool=pool)
before = figures()
wrong = 0
for _ in range(200):
    try:
        v[0:3:2] = [1]  # the repro: extended slice of 2 items given 1
    except ValueError:
        pass
    try:
        v[0:1] = boom(2)  # the iterable raises while the scratch block fills
    except KeyError:
        pass
    try:
        v[::2] = [1, "x"]  # a bad item
    except TypeError:
        pass
    wrong += v != [1, 2, 3]
print("slice assignment:", wrong, figures() == before, figures()[0])

for _ in range(100):
    try:
        LpVec("h", boom(5), pool=pool)  # released when filling raises
    except KeyError:
        pass
print("construction:", figures() == before)

s = LpString("abc", pool=pool)
before = figures()
for _ in range(100):
    try:
        s.extend(["de", "fg", 5])  # all or nothing
    except TypeError:
        pass
    try:
        s.extend(str(i) for i in boom(3))
    except KeyError:
        pass
print("extend:", str(s), figures() == before)


if hasattr(io, "IOBase"):  # a stream of Python code; targets without io.IOBase have none

    class Failing(io.IOBase):
        def write(self, b):
            raise OSError(5)

    for obj in (v, s):
        for _ in range(50):
            try:
                print(obj, file=Failing())
            except OSError:
                pass
v.append(4)  # usable again: the in-use mark is gone
s.write("!")
print("print:", v, repr(str(s)))


def fails():
    assert current_pool() is pool
    raise IndexError("in run")


for _ in range(50):
    try:
        pool.run(fails)
    except IndexError:
        pass
print("run:", current_pool(), bytearray(4))  # no current pool, the heap usable
v.free()
s.free()
print("end:", pool.check(), pool.stats()["objects"], pool.stats()["used"])
