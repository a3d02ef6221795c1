# A program with known allocations, one of each kind lp-check reports, in every kind of checked
# code. tests/host/test_lp_check.py checks that lp-check reports exactly the findings written in the
# `# expect:` comments (code and verdict, on that line) with the rp2 preset, and nothing else.
# It is only checked, never run: it uses machine.Pin, which the unix port lacks.
import asyncio
import json

import machine
from lp_pool import LpMemoryPool, LpString, LpVec, guarded


def no_alloc(fn):  # the board's no-op mark
    return fn


pool = LpMemoryPool()
log = LpString(capacity=256)
samples = LpVec("h", capacity=64)
totals = LpVec("f", [0.0])
state = {"count": 0, "last": 0}
names = ["adc0", "adc1"]


class Filter:
    def __init__(self, k):
        self.k = k
        self.acc = 0

    def step(self, x):
        self.acc = ((self.acc * (self.k - 1) + x) // self.k) & 0xFFFF
        return self.acc

    def describe(self):
        return "k=%d" % self.k  # expect: LP102 allocates  # noqa: UP031 (the point)


filt = Filter(4)


def scale(x):
    return x * 2.5  # expect: LP103 allocates


def control(n):
    for i in range(n):
        samples.append(i & 0xFF)
        filt.step(i & 0xFF)
    total = scale(n)
    window = samples[0:4]  # expect: LP105 allocates
    pair = (n, total)  # expect: LP101 allocates
    print("n", n, file=log)
    json.dump(state, log)
    state["count"] = n
    state["other"] = n  # expect: LP206 may allocate
    label = filt.describe()
    cb = filt.describe  # expect: LP109 allocates
    return window, pair, label, cb  # expect: LP101 allocates


pool.run(control, 10)


def report():
    with pool:
        log.clear()
        print(names[0], len(samples), file=log)
        msg = "count=" + str(state["count"])  # expect: LP102 allocates, LP102 allocates
        for _x in totals:  # expect: LP103 may allocate
            pass
    return msg


async def sampler(period_ms):
    while True:
        samples.append(period_ms & 0x7F)
        await asyncio.sleep_ms(period_ms)
        await asyncio.sleep(0.01)  # expect: LP103 allocates


async def main():
    await guarded(sampler(5), pool)


def on_edge(pin):
    state["last"] = pin.value()
    samples.append(1)
    names.append("edge")  # expect: LP206 may allocate


machine.Pin(2, machine.Pin.IN).irq(on_edge, trigger=machine.Pin.IRQ_RISING, hard=True)


@no_alloc
def checked(v):
    return [v]  # expect: LP101 allocates


def also_checked(buf):  # lp-check: no-alloc
    return bytes(buf)  # expect: LP106 allocates


def suppressed():  # lp-check: no-alloc
    return {"a": 1}  # lp-check: ignore[LP101]


def leaves_the_guard():
    with pool:
        yield 1  # expect: LP401 error


def unchecked():
    return [1, 2, 3]  # not reached from checked code: no finding
