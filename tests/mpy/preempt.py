# Real preemption: a hardware timer fires a Python hard IRQ handler at random instants
# (_lp_pool._preempt, the qemu boards' test builds: usermod/lp_pool/lp_preempt.c), so it lands on any
# instruction of the main program: inside lp_pool's C code, between two critical sections, in the
# middle of a garbage collection or of pool.check(). The handler creates, grows, shrinks and frees
# LpBuffers, LpVecs, LpStrings, LpBoxes and LpBTreeMap entries in the pool the main program uses;
# the main program runs every collection's mutating operations, pool.check(), gc.collect() and
# reserve refills. Both sides check their objects against models; any mismatch, corruption report
# or exception in the handler fails the run. tests/host/test_preempt.py runs it longer (more seeds,
# -icount) and on a build without the atomic section, where it must fail.
import _lp_pool

if not hasattr(_lp_pool, "_preempt"):
    print("SKIP: no _preempt hook in this build (the qemu boards' test builds have it)")
    raise SystemExit
import gc

from lp_pool import LpBox, LpBTreeMap, LpBuffer, LpMemoryPool, LpString, LpVec

# tests/host/test_preempt.py sets SEEDS and PER_SEED in a line before the script.
try:
    SEEDS  # noqa: B018, F821
except NameError:
    # Without -icount the timer follows the host's clock: no seed repeats, these only vary the run.
    SEEDS = (1, 5)
    PER_SEED = 800
# Delays between interrupts, in timer ticks (25 MHz on MPS2_AN385, 16 on MICROBIT, 10 on VIRT_RV32).
LO, HI = 60, 1500

NB = 6  # the handler's buffer slots
hsize = [0] * NB
hfill = [0] * NB
hstate = [0, 0, 0, 0]  # [rng, refused (pool or reserve full), vec length, failed at]
hkeys = [0] * 24  # the handler's map model: hkeys[k] is 1 when k is in the map
# The pool and the handler's objects, reachable from the globals only through W, so a collection
# marks them in a known order (MicroPython's marker is last in, first out): the handler's lists hb
# and hkeep first, then a long chain of small lists, then the pool with its reserve. An interrupt
# during the chain that takes a handle from the reserve and stores it in hb or hkeep (both marked
# already) needs the reserve to keep it reachable until the sweep ends (lp_pool.h, invariant 2).
W = [None] * 7  # pool, handler's vec, map, string, the chain, hkeep, hb
P, HV, HM, HS, CHAIN, HKEEP, HB = range(7)


def setup():
    W[P] = LpMemoryPool(bytearray(12288), reserve=24)
    W[HV] = LpVec("H", pool=W[P])
    W[HM] = LpBTreeMap(pool=W[P])
    W[HS] = LpString("", pool=W[P])
    c = None
    for i in range(700):
        c = [c, i]  # a chain: the marker's stack stays shallow
    W[CHAIN] = c
    W[HKEEP] = [None] * 4  # vectors, strings and boxes the handler made, each replacing one
    W[HB] = [None] * NB


def hrand():
    # 15-bit LCG: small ints only (the heap is locked in the handler).
    r = (hstate[0] * 1103 + 12345) & 0x7FFF
    hstate[0] = r
    return r


def hfail(n):
    hstate[3] = n
    raise AssertionError


def on_irq(n):
    if hstate[3]:
        return
    pool = W[P]
    hb = W[HB]
    hkeep = W[HKEEP]
    hv = W[HV]
    hm = W[HM]
    hs = W[HS]
    r = hrand()
    k = r % NB
    op = (r >> 4) % 8
    try:
        if op == 0:  # a buffer: create, check and free, or grow/shrink
            b = hb[k]
            if b is None:
                size = 1 + r % 97
                b = LpBuffer(size, pool=pool)
                b[0] = b[size - 1] = n & 0xFF
                hb[k], hsize[k], hfill[k] = b, size, n & 0xFF
            elif r & 1:
                if len(b) != hsize[k] or b[0] != hfill[k] or b[hsize[k] - 1] != hfill[k]:
                    hfail(n)
                b.free()
                hb[k] = None
            else:
                size = 1 + (r >> 3) % 200
                old = hsize[k]
                b.resize(size)
                hsize[k] = size
                if b[0] != hfill[k] or (size >= old and b[old - 1] != hfill[k]):
                    hfail(n)
                b[0] = b[size - 1] = hfill[k]
        elif op == 1:  # the handler's vector: push or pop; item i holds i * 7 & 0xFFFF
            if hstate[2] < 60 and r & 3:
                hv.append(hstate[2] * 7 & 0xFFFF)
                hstate[2] += 1
            elif hstate[2]:
                hstate[2] -= 1
                if hv.pop() != hstate[2] * 7 & 0xFFFF:
                    hfail(n)
            if len(hv) != hstate[2]:
                hfail(n)
        elif op == 2:  # map entries: set or delete
            key = r % 24
            if hkeys[key]:
                if hm[key] != key * 3:
                    hfail(n)
                del hm[key]
                hkeys[key] = 0
            else:
                hm[key] = key * 3
                hkeys[key] = 1
            if len(hm) != sum(hkeys):
                hfail(n)
        elif op == 3:  # a short-lived vector from the reserve
            v = LpVec("h", pool=pool)
            v.append(n & 0x3FFF)
            v.append(-1)
            if v[0] != n & 0x3FFF or len(v) != 2:
                hfail(n)
            if r & 1:
                v.free()
            else:
                hkeep[k & 3] = v
        elif op == 4:  # a string: create, append, check, free
            s = LpString("irq", pool=pool)
            s.append("!")
            if len(s) != 4 or not s.endswith("q!"):
                hfail(n)
            if r & 1:
                s.free()
            else:
                hkeep[k & 3] = s
        elif op == 5:  # a box, kept or freed
            x = LpBox(n & 0x3FFF, pool=pool)
            if x.value != n & 0x3FFF:
                hfail(n)
            x.value = -(n & 0xFF)
            if x.value != -(n & 0xFF):
                hfail(n)
            if r & 1:
                x.free()
            else:
                hkeep[k & 3] = x
        elif op == 6:  # the handler's string grows and is cleared
            if len(hs) > 40:
                hs.clear()
            hs.append("ab")
            if not hs.endswith("ab") or len(hs) & 1:
                hfail(n)
        else:
            for o in hkeep:  # what the handler kept is intact (a swept handle would not be)
                if o is not None and not o.freed and (len(o) if type(o) is not LpBox else 1) < 1:
                    hfail(n)
            if n % 4 == 0:
                pool.check()  # the pool as the handler finds it, wherever the main program stopped
    except MemoryError:
        hstate[1] += 1  # the pool or the handle reserve is full: allowed, and nothing changed


def lcg(s):
    return (s * 1103515245 + 12345) & 0x7FFFFFFF


def main_loop(seed, per_seed):
    pool = W[P]
    # The main program's objects and their models.
    v, vm = LpVec("i", pool=pool), []
    m, mm = LpBTreeMap(pool=pool), {}
    s, sm = LpString("", pool=pool), ""
    b, bm = LpBuffer(16, pool=pool), bytearray(16)
    x, xm = LpBox(0, pool=pool), 0
    keep = []  # objects made and dropped by the main program: garbage for gc.collect()
    rng = seed
    _lp_pool._preempt(on_irq, seed, LO, HI)
    ops = 0
    try:
        while _lp_pool._preempt() < per_seed and not hstate[3]:
            ops += 1
            if ops == 2000 and _lp_pool._preempt() == 0:
                raise AssertionError("no interrupt came: the board's timer hook does not work")
            rng = lcg(rng)
            r = rng >> 8
            op = r % 16
            val = (r >> 4) % 2000 - 1000
            if len(vm) > 150 and op in (0, 2, 14):
                op = 1  # keep the vector's share of the pool bounded
            try:
                if op == 0:
                    v.append(val)
                    vm.append(val)
                elif op == 1 and vm:
                    if v.pop() != vm.pop():
                        raise AssertionError("pop")
                elif op == 2:
                    i = (r >> 3) % (len(vm) + 1)
                    v.insert(i, val)
                    vm.insert(i, val)
                elif op == 3 and vm:
                    i = (r >> 3) % len(vm)
                    del v[i]
                    del vm[i]
                elif op == 4:
                    m[val % 50] = val
                    mm[val % 50] = val
                elif op == 5 and mm:
                    key = val % 50
                    if key in mm:
                        del m[key]
                        del mm[key]
                elif op == 6:
                    if len(sm) > 120:
                        s.clear()
                        sm = ""
                    t = "xyz\u20ac"[: 1 + r % 4]
                    s.append(t)
                    sm += t
                elif op == 7:
                    n = 1 + r % 120
                    b.resize(n)
                    bm = bm[:n] + bytearray(max(0, n - len(bm)))
                    b[n - 1] = bm[n - 1] = r & 0xFF
                elif op == 8:
                    nv = val if r & 1 else "v" * (r % 40)
                    x.value = nv
                    xm = nv
                elif op == 9:
                    keep.append(LpBuffer(1 + r % 64, pool=pool))
                    keep.append(LpString("k" * (r % 20), pool=pool))
                    if len(keep) > 8:
                        keep = []
                elif op == 10:
                    pool.check()
                elif op == 11:
                    gc.collect()
                elif op == 12:
                    pool.reserve(24)
                elif op == 13 and vm:
                    v.sort()
                    vm.sort()
                elif op == 14:
                    ext = [val, val + 1, val + 2]
                    v.extend(ext)
                    vm.extend(ext)
                elif op == 15:
                    m.pop(val % 50, None)
                    mm.pop(val % 50, None)
            except MemoryError:
                pass  # the pool is full (the handler's objects too): the op changed nothing
            if op % 5 == 0:
                if list(v) != vm or str(s) != sm or bytes(b) != bytes(bm) or x.value != xm:
                    raise AssertionError(f"main model, seed {seed} op {op}")
                if len(m) != len(mm) or any(m[k] != mm[k] for k in mm):
                    raise AssertionError(f"main map, seed {seed}")
    finally:
        served = _lp_pool._preempt(None)
    pool.check()
    for o in (v, m, s, b, x):
        o.free()
    keep = None
    return served


def finish(total):
    pool, hv, hm, hs, hb, hkeep = W[P], W[HV], W[HM], W[HS], W[HB], W[HKEEP]
    print("interrupts >= seeds x per seed:", total >= len(SEEDS) * PER_SEED)
    # The handler's objects, checked from the main program.
    print("handler vec:", len(hv) == hstate[2], all(hv[i] == i * 7 & 0xFFFF for i in range(len(hv))))
    print("handler map:", sorted(hm.keys()) == [k for k in range(24) if hkeys[k]])
    for i in range(NB):
        if hb[i] is not None:
            assert hb[i][0] == hfill[i] and len(hb[i]) == hsize[i]
            hb[i].free()
    for o in [hv, hm, hs] + hkeep:
        if o is not None:
            o.free()
    # The boxes the handler dropped are lent reserve handles until a refill (invariant 2 in
    # lp_pool.h): the refill lets go of them, and the collection finalises them.
    pool.reserve(24)
    gc.collect()
    print("check:", pool.check(), "objects:", pool.stats()["objects"])


setup()
total = 0
for seed in SEEDS:
    hstate[0] = seed & 0x7FFF
    total += main_loop(seed, PER_SEED)
    if hstate[3]:
        raise AssertionError(f"the handler's model, interrupt {hstate[3]}")
finish(total)
