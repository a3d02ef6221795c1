# lp-pool quick start. Run it with `make run` (unix port) or `mpremote run examples/quickstart.py`.
import json
import struct

import lp_pool
from lp_pool import AllocError, LpBTreeMap, LpBuffer, LpMemoryPool, LpString, LpVec

print("lp_pool", lp_pool.version, "- static arena of", lp_pool.arena_size(), "bytes")

pool = LpMemoryPool()  # the pool over the arena compiled into the firmware
samples = LpVec("H", [0, 0])  # a checksum and a size: 16-bit numbers in the pool


def control_loop(rounds):
    # Inside run() the GC heap is locked: nothing here may touch it, and nothing does.
    frame = LpBuffer(8)  # lives in the pool, not on the GC heap
    for i in range(rounds):
        struct.pack_into("<HHI", frame, 0, 0xA55A, i, i * i)
        samples[0] = (samples[0] + frame[2]) & 0xFFFF  # stays a small int: no big-int growth
    samples[1] = len(frame)
    frame.free()


pool.run(control_loop, 100)
print("control loop ran with the heap locked; checksum", samples[0], "frame bytes", samples[1])


def collect(readings, n):
    # A list would reallocate on the GC heap as it grows; an LpVec grows in the pool.
    for i in range(n):
        readings.append((i * 37) % 101)
    readings.sort()
    lowest = readings.slice(0, 5)  # a new LpVec in the same pool
    print("readings:", len(readings), "min", readings[0], "max", readings[-1], "lowest", lowest)
    lowest.free()


readings = LpVec("h", capacity=8)  # 8 items to start with; it grows as needed
pool.run(collect, readings, 50)


# Build a message inside run(): an LpString is a stream, so print() and json.dump() write into it.
status = {"sensor": 7, "ok": True}  # made before run(): updating it allocates nothing


def build_message(msg, temps):
    msg.clear()
    print("sensor", status["sensor"], "temps", end=" ", file=msg)  # ints and strs: no heap
    json.dump(temps, msg)  # floats printed straight from the LpVec's storage, never boxed
    status["ok"] = len(temps) == 3
    msg += " "  # in place, no new object
    json.dump(status, msg)


message = LpString(capacity=64)
temps = LpVec("f", [21.5, 22.25, 19.75])
pool.run(build_message, message, temps)
print("message built with the heap locked:", message)
message.free()
temps.free()
readings.free()


def careless():
    return [1, 2, 3]  # a list is a GC-heap allocation  # lp-check: ignore[LP101] (on purpose)


try:
    pool.run(careless)
except MemoryError as e:
    print("stray allocation caught:", e)

# An ordered map whose nodes live in the pool: filled and read with the heap locked.
latest = LpBTreeMap()


def record(t):
    latest[t] = t * t % 97
    if len(latest) > 8:
        del latest[latest.min()]  # keep the 8 newest readings


for t in range(20):
    pool.run(record, t)
print("newest readings, in key order:", latest)
latest.free()

# A pool over your own memory, and what happens when it is full.
scratch = LpMemoryPool(bytearray(2048))
try:
    LpBuffer(4096, pool=scratch)
except AllocError as e:
    print("AllocError: wanted", e.requested, "bytes, largest free block", e.available)

with LpBuffer(64, pool=scratch) as buf:
    buf[0:5] = b"hello"
    print("buffer in the pool:", bytes(buf[0:5]), "objects now:", scratch.stats()["objects"])
print("after with: objects", scratch.stats()["objects"], "check", scratch.check())
scratch.close()

print(lp_pool.format_stats(pool))
