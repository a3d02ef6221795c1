# LpBox: one value in the pool; .value reads and writes it; growth reallocates, in place if it can.
import gc
import json

from lp_pool import AllocError, LpBox, LpBuffer, LpMemoryPool


def ascii_repr(x, form=repr):
    # form(x) with non-ASCII text escaped, as MicroPython printed it before 1.29 (and as CPython's
    # ascii() does): from 1.29 its repr() shows such text as it is, as CPython's repr() does.
    return "".join(
        c if ord(c) < 128 else ("\\x%02x" if ord(c) < 256 else "\\u%04x") % ord(c) for c in form(x)
    )


pool = LpMemoryPool(bytearray(4096))
b = LpBox(7, pool=pool)
print(b, b.value, b.freed, b.pool is pool)
for v in (-(2**31) + 1, 2.5, "text", "\u20ac", b"\x00\xff", True, None, "", 10**6):
    b.value = v
    print(ascii_repr(b), b.value == v, type(b.value) is type(v))
print(json.dumps(LpBox('q"uote', pool=pool)), json.dumps(LpBox(1.5, pool=pool)))
gc.collect()

# Growth: in place when the next block is free, otherwise the value moves; shrinking gives back.
used = pool.stats()["used"]
b.value = "x" * 200
print(pool.stats()["used"] > used + 150, b.value == "x" * 200)
b.value = 1
print(pool.stats()["used"] <= used + 8, b.value)
after = LpBuffer(8, pool=pool)  # the block after the box is taken: growth must move it
b.value = "y" * 100
print(b.value == "y" * 100, pool.check())
after.free()

# Bad values and exhaustion leave the old value.
b.value = "keep"
for v, exc in (([1], TypeError), (2**70, OverflowError), ("z" * 5000, AllocError)):
    try:
        b.value = v
        print("no exception!")
    except exc as e:
        print(type(e).__name__, b.value)
for args, exc in (((), TypeError), (([],), TypeError), ((2**70,), OverflowError)):
    try:
        LpBox(*args, pool=pool)
        print("no exception!")
    except exc as e:
        print(type(e).__name__, end=" ")
print()


# Inside run(): ints and text stay in the pool; setting and reading small ints allocates nothing.
def work():
    box = LpBox(0)
    for i in range(100):
        box.value = box.value + i
    box.value = "changed"
    box.value = 3
    r = box.value
    box.free()
    return r


print(pool.run(work))

# free(), with, use after free, finaliser.
with LpBox(1, pool=pool) as w:
    print(w.value)
print(w.freed, repr(w))
b.free()
b.free()
for fn in (lambda: b.value, lambda: setattr(b, "value", 1)):
    try:
        fn()
        print("no exception!")
    except ValueError as e:
        print(e)
LpBox("dropped", pool=pool)
gc.collect()
print(pool.check(), pool.stats()["used"])
