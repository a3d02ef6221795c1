"""Write the fuzzer's seed corpus (tests/core/corpus/): a few short operation sequences.

Run once by hand when the input format changes: python3 tests/core/make_corpus.py
"""

import random
import struct
from pathlib import Path

OPS = {"alloc": 0, "free": 1, "realloc": 2, "aligned": 3, "bad_free": 4, "largest": 5, "huge": 6}


def record(op, slot, size, arg=0):
    raw = size if size < 512 else 0x8000 | min(size, 0x7FFF)
    return bytes([OPS[op], slot]) + struct.pack("<H", raw) + bytes([arg])


def sequence(seed, region, count):
    rnd = random.Random(seed)
    out = bytearray([region | (rnd.randrange(8) << 3)])
    for _ in range(count):
        op = rnd.choice(list(OPS))
        size = rnd.choice([0, 1, 8, 12, 13, 16, 24, 100, 256, 511, 1000, 5000])
        out += record(op, rnd.randrange(16), size, rnd.randrange(256))
    return bytes(out)


def main():
    corpus = Path(__file__).resolve().parent / "corpus"
    corpus.mkdir(exist_ok=True)
    seeds = {
        "empty-min-region": bytes([0]),
        "alloc-free-coalesce": bytes([6])
        + b"".join(record("alloc", s, 40) for s in range(4))
        + b"".join(record("free", s, 0) for s in (1, 3, 0, 2)),
        "double-free": bytes([6])
        + record("alloc", 0, 64)
        + record("free", 0, 0)
        + record("bad_free", 0, 0, 0),
        "aligned-all": bytes([7]) + b"".join(record("aligned", s, 24 * s, s) for s in range(13)),
        "realloc-grow": bytes([7]) + b"".join(record("realloc", 0, 8 << k) for k in range(12)),
        # Slot 1 grows backwards into slot 0's freed block (and forwards into slot 2's).
        "realloc-backwards": bytes([6])
        + b"".join(record("alloc", s, 100) for s in range(4))
        + record("free", 0, 0)
        + record("free", 2, 0)
        + record("realloc", 1, 300)
        + record("realloc", 1, 330),
        "huge-and-largest": bytes([5])
        + record("largest", 0, 0)
        + record("huge", 0, 0, 4)
        + record("huge", 1, 0, 2),
    }
    for i, region in enumerate((1, 3, 4, 6, 7)):
        seeds[f"random-{i}"] = sequence(i, region, 60)
    for name, data in seeds.items():
        (corpus / name).write_bytes(data)


if __name__ == "__main__":
    main()
