# MicroPython 1.26 passes a slice that lives on the VM's stack to a type that promises not to keep
# it (MP_TYPE_FLAG_SUBSCR_ALLOWS_STACK_SLICE): LpVec, LpString and LpBuffer do, so v[a:b],
# v[a:b] = w, s[a:b] and b[a:b] = data work inside run() with the heap locked and gc.mem_alloc()
# does not move. `del v[a:b]` still builds its slice on the heap in 1.26 to 1.29 (the compiler puts
# an instruction between the slice and the subscript): inside run() it raises MemoryError, and
# `v[a:b] = ()` deletes instead. On 1.25 every slice is a heap object: use v.slice() there.
import gc
import sys

from lp_pool import LpBuffer, LpMemoryPool, LpString, LpVec

if sys.implementation.version < (1, 26, 0):
    print("SKIP: MicroPython before 1.26 puts every slice object on the GC heap (use .slice() there)")
    raise SystemExit

pool = LpMemoryPool(bytearray(8192), reserve=16)
v = LpVec("i", range(10), pool=pool)
w = LpVec("i", [70, 80, 90], pool=pool)
s = LpString("héllo wörld", pool=pool)
b = LpBuffer(8, pool=pool)
res = [None] * 4


def hot(i, j):
    start = gc.mem_alloc()
    a = v[2:5]  # a new LpVec, from the reserve
    v[0:2] = w  # grows by one
    v[i:j] = a  # variable bounds
    v[::4] = w  # an extended slice of the same length
    v[-2:] = ()  # deletes: the empty tuple is a constant
    t = s[2:6]  # a new LpString
    u = s[::-2]
    b[2:6] = t  # an LpString is a buffer: its 4 bytes
    b[0:2] = b"ok"
    res[0] = gc.mem_alloc() - start
    res[1] = a
    res[2] = t
    res[3] = u


pool.run(hot, 4, 6)
print("allocated in run():", res[0])
print(res[1], res[2], res[3], v, bytes(b))
for x in res[1:]:
    x.free()


def deleting():
    del v[0:1]


try:
    pool.run(deleting)
except MemoryError:
    print("del v[a:b] in run(): MemoryError")
print(v, pool.check(), pool.stats()["objects"])
