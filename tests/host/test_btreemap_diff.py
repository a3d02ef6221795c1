"""Differential tests of LpBTreeMap against CPython's dict plus sorted().

A seeded generator makes random operation sequences (random, ascending and descending insertion,
deletion sweeps, lookups, ranges, pops, errors). The same interpreter runs them on the target
against an LpBTreeMap and here against `SortedModel`, a dict with the ordered extras done with
sorted(); every printed result and exception type must match. After every batch the target walks
the tree (`m._check()`) and both sides print every entry. Set LP_BTREE_SEED=n to rerun one seed.
"""

import os
import random

import pytest
from harness.runners import QemuArmRunner, QemuM0Runner, UnixRunner

# The interpreter both sides run: OPS is one operation per line, "name arg arg..." with each
# argument in repr() form. Results are printed, exceptions by type name.
BODY = r"""
def _args(text):
    return eval("(" + text + ",)") if text else ()


def _run(m, ops):
    for line in ops.split("\n"):
        if not line:
            continue
        name, _, rest = line.partition(" ")
        a = _args(rest)
        try:
            if name == "set":
                m[a[0]] = a[1]
                r = None
            elif name == "get":
                r = m.get(*a)
            elif name == "item":
                r = m[a[0]]
            elif name == "del":
                del m[a[0]]
                r = None
            elif name == "pop":
                r = m.pop(*a)
            elif name == "setdefault":
                r = m.setdefault(*a)
            elif name == "in":
                r = a[0] in m
            elif name == "len":
                r = len(m)
            elif name == "min":
                r = m.min()
            elif name == "max":
                r = m.max()
            elif name == "pop_min":
                r = m.pop_min()
            elif name == "pop_max":
                r = m.pop_max()
            elif name == "floor":
                r = m.floor(a[0])
            elif name == "ceiling":
                r = m.ceiling(a[0])
            elif name == "range":
                r = list(m.range(*a))
            elif name == "update":
                m.update(a[0])
                r = len(m)
            elif name == "clear":
                m.clear()
                r = len(m)
            elif name == "eq":
                d = dict(m.items())
                r = [m == d, m == {}, m == 5]
                if d:
                    k = next(iter(d))
                    d[k] = "changed"
                    r.append(m == d)
            elif name == "check":
                r = [m._check(), len(m), list(m.items()), list(m.values()) == [v for _, v in m.items()]]
            else:
                r = "unknown op " + name
            print(name, _repr(r))
        except Exception as e:
            print(name, type(e).__name__)
"""

# CPython's side: dict + sorted(), with LpBTreeMap's rules for key kinds and machine words.
MODEL = r"""
_repr = ascii  # the target escapes non-ASCII text in repr() the same way (TARGET_PRELUDE)


class SortedModel:
    def __init__(self):
        self.d = {}

    @staticmethod
    def _kind(k):
        if type(k) is int:
            if not -(2**31) < k < 2**31:
                raise OverflowError
            return int
        if type(k) in (str, bytes):
            return type(k)
        raise TypeError

    def _key(self, k):
        kind = self._kind(k)
        if self.d and kind is not type(next(iter(self.d))):
            raise TypeError
        return k

    @staticmethod
    def _value(v):
        if v is None or type(v) in (bool, float, str, bytes):
            return v
        if type(v) is int:
            if not -(2**31) < v < 2**31:
                raise OverflowError
            return v
        raise TypeError

    def __setitem__(self, k, v):
        k = self._key(k)  # the key's errors before the value's, as a dict's own would come first
        self.d[k] = self._value(v)

    def __getitem__(self, k):
        return self.d[self._key(k)]

    def __delitem__(self, k):
        del self.d[self._key(k)]

    def get(self, k, default=None):
        return self.d.get(self._key(k), default)

    def pop(self, k, *default):
        return self.d.pop(self._key(k), *default)

    def setdefault(self, k, v=None):
        k = self._key(k)
        if k not in self.d:
            self[k] = v
        return self.d[k]

    def __contains__(self, k):
        return self._key(k) in self.d

    def __len__(self):
        return len(self.d)

    def _sorted(self):
        return sorted(self.d)

    def min(self):
        return min(self.d)  # ValueError when empty, as the builtin

    def max(self):
        return max(self.d)

    def pop_min(self):
        if not self.d:
            raise KeyError  # as dict.popitem()
        k = self.min()
        return (k, self.d.pop(k))

    def pop_max(self):
        if not self.d:
            raise KeyError
        k = self.max()
        return (k, self.d.pop(k))

    def floor(self, k):
        k = self._key(k)
        below = [x for x in self._sorted() if x <= k]
        return below[-1] if below else None

    def ceiling(self, k):
        k = self._key(k)
        above = [x for x in self._sorted() if x >= k]
        return above[0] if above else None

    def range(self, lo=None, hi=None):
        lo = None if lo is None else self._key(lo)
        hi = None if hi is None else self._key(hi)
        return [k for k in self._sorted() if (lo is None or k >= lo) and (hi is None or k < hi)]

    def update(self, other):
        for k, v in other.items():
            self[k] = v

    def clear(self):
        self.d.clear()

    def items(self):
        return [(k, self.d[k]) for k in self._sorted()]

    def values(self):
        return [self.d[k] for k in self._sorted()]

    def __eq__(self, other):
        return isinstance(other, dict) and self.d == other

    def _check(self):
        return True
"""

TARGET_PRELUDE = """
import gc
from lp_pool import LpBTreeMap, LpMemoryPool

pool = LpMemoryPool()
m = LpBTreeMap(pool=pool)


def _repr(x):
    # repr() with non-ASCII text escaped, as CPython's ascii() (the model's) and MicroPython before
    # 1.29 print it; from 1.29 MicroPython's repr() shows such text as it is.
    r = repr(x)
    if len(r.encode()) == len(r):  # ASCII already: the usual case, quick
        return r
    return "".join(c if ord(c) < 128 else ("\\\\x%02x" if ord(c) < 256 else "\\\\u%04x") % ord(c) for c in r)
"""

TARGET_END = """
_run(m, OPS)
m.free()
gc.collect()
print("end", pool.check(), pool.stats()["used"])
"""

MODEL_END = """
_run(SortedModel(), OPS)
print("end", True, 0)
"""

TEXT = "abcxyz\u00e9\u20ac"


def gen_key(rng, kind, width):
    if kind == "int":
        if rng.random() < 0.02:
            return rng.choice([2**30 - 1, -(2**30), 2**31 - 1, -(2**31 - 1), 2**30])
        return rng.randint(-width // 4, width)
    s = "".join(rng.choice(TEXT) for _ in range(rng.randint(0, 4)))
    return s if kind == "str" else s.encode()


def gen_value(rng):
    r = rng.random()
    if r < 0.45:
        return rng.randint(-1000, 10**6)
    if r < 0.5:
        return rng.choice([2**31 - 1, -(2**31 - 1), 2**30])
    if r < 0.6:
        return rng.randint(-400, 400) / 4
    if r < 0.75:
        return "".join(rng.choice(TEXT) for _ in range(rng.choice([0, 1, 3, 8, 40])))
    if r < 0.85:
        return bytes(rng.randrange(256) for _ in range(rng.choice([0, 2, 9])))
    return rng.choice([True, False, None])


def gen_ops(seed, n_ops, kind):
    """A list of op lines: batches of random, ascending, descending and deleting operations."""
    rng = random.Random(seed)
    width = max(40, n_ops // 4)
    other = {"int": "x", "str": 1, "bytes": "x"}[kind]
    ops = []
    while len(ops) < n_ops:
        style = rng.choice(["random", "random", "ascending", "descending", "sweep", "pops"])
        size = rng.randint(10, 60)
        if style in ("ascending", "descending") and kind == "int":
            start = rng.randint(-width, width)
            keys = range(start, start + size) if style == "ascending" else range(start + size, start, -1)
            ops += [f"set {k!r}, {gen_value(rng)!r}" for k in keys]
        elif style in ("ascending", "descending"):
            keys = sorted({gen_key(rng, kind, width) for _ in range(size)}, reverse=style == "descending")
            ops += [f"set {k!r}, {gen_value(rng)!r}" for k in keys]
        elif style == "sweep":
            ops += [f"pop {gen_key(rng, kind, width)!r}, None" for _ in range(size)]
        elif style == "pops":
            ops += [rng.choice(["pop_min", "pop_max", "min", "max", "len"]) for _ in range(size // 3)]
        else:
            for _ in range(size):
                k = gen_key(rng, kind, width)
                r = rng.random()
                if r < 0.4:
                    ops.append(f"set {k!r}, {gen_value(rng)!r}")
                elif r < 0.5:
                    ops.append(f"get {k!r}")
                elif r < 0.55:
                    ops.append(f"item {k!r}")
                elif r < 0.65:
                    ops.append(f"del {k!r}")
                elif r < 0.68:
                    ops.append(f"setdefault {k!r}, {gen_value(rng)!r}")
                elif r < 0.72:
                    ops.append(f"in {k!r}")
                elif r < 0.76:
                    ops.append(f"floor {k!r}")
                elif r < 0.8:
                    ops.append(f"ceiling {k!r}")
                elif r < 0.84:
                    lo, hi = sorted([k, gen_key(rng, kind, width)])
                    ops.append(f"range {rng.choice([lo, None])!r}, {rng.choice([hi, None])!r}")
                elif r < 0.86:
                    ops.append(
                        f"update {dict((gen_key(rng, kind, width), gen_value(rng)) for _ in range(3))!r}"
                    )
                elif r < 0.88:
                    ops.append("eq")
                elif r < 0.9:
                    # Errors: a key of another kind, an unsupported key, a value of no storable type,
                    # an int key beyond any machine word.
                    bad = rng.choice(
                        [f"set {other!r}, 1", "set 1.5, 1", f"set {k!r}, [1]", "item 2**70", f"in {other!r}"]
                    )
                    ops.append(bad)
                elif r < 0.905:
                    ops.append("clear")
                else:
                    ops.append(rng.choice(["pop_min", "pop_max", "min", "max", "len"]))
        ops.append("check")
    return ops


def scripts(seed, n_ops, kind):
    ops = "\n".join(gen_ops(seed, n_ops, kind))
    data = f"OPS = {ops!r}\n"
    return TARGET_PRELUDE + data + BODY + TARGET_END, data + BODY + MODEL + MODEL_END


def expected_output(code):
    import contextlib
    import io

    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        exec(compile(code, "<model>", "exec"), {})
    return out.getvalue()


def compare(runner, seed, n_ops, kind, tmp_path):
    target_code, model_code = scripts(seed, n_ops, kind)
    want = expected_output(model_code)
    path = tmp_path / f"btree_{kind}_{seed}.py"
    path.write_text(target_code)
    result = runner.run(path)
    got = result.output
    if got != want:
        got_lines, want_lines = got.splitlines(), want.splitlines()
        same = [g == w for g, w in zip(got_lines, want_lines, strict=False)]
        i = same.index(False) if False in same else len(same)
        pytest.fail(
            f"seed {seed} ({kind} keys, {n_ops} ops, {runner.name}): first difference at line {i + 1}\n"
            f"  target: {got_lines[i] if i < len(got_lines) else '<missing>'}\n"
            f"  CPython: {want_lines[i] if i < len(want_lines) else '<missing>'}\n"
            f"rerun with LP_BTREE_SEED={seed}; script kept at {path}\n"
            f"target tail:\n" + "\n".join(got_lines[max(0, i - 3) : i + 5])
        )


def seeds(default):
    env = os.environ.get("LP_BTREE_SEED")
    return [int(env)] if env else default


@pytest.fixture(scope="module")
def unix():
    runner = UnixRunner()
    runner.check_available()
    runner.timeout = 60.0
    return runner


@pytest.mark.parametrize("seed", seeds([1, 2, 3, 4]))
def test_int_keys_unix(unix, seed, tmp_path):
    compare(unix, seed, 3000, "int", tmp_path)


@pytest.mark.parametrize("seed", seeds([11, 12]))
@pytest.mark.parametrize("kind", ["str", "bytes"])
def test_text_keys_unix(unix, seed, kind, tmp_path):
    compare(unix, seed, 1500, kind, tmp_path)


def test_the_model_catches_a_wrong_answer(unix, tmp_path):
    # The comparison can fail: a target that answers differently is reported with the seed.
    target_code, _ = scripts(5, 200, "int")
    path = tmp_path / "wrong.py"
    path.write_text(target_code.replace("print(name, _repr(r))", 'print(name, repr(r) + "!")'))
    result = unix.run(path)
    _, model_code = scripts(5, 200, "int")
    assert result.output != expected_output(model_code)


# The Cortex-M3 and the Cortex-M0 (armv6m, the RP2040's instruction set); each boots once.
@pytest.fixture(scope="module", params=[QemuArmRunner, QemuM0Runner], ids=["qemu-arm", "qemu-m0"])
def qemu_board(request):
    runner = request.param()
    runner.check_available()
    runner.timeout = 120.0
    yield runner
    runner.close()


@pytest.mark.boards
@pytest.mark.parametrize("seed", seeds([21]))
@pytest.mark.parametrize("kind", ["int", "str"])
def test_qemu(qemu_board, seed, kind, tmp_path):
    compare(qemu_board, seed, 400, kind, tmp_path)
