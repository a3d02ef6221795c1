"""LpString against CPython's str: random operation sequences over ASCII and multi-byte text,
compared result by result (values, exception types, the final text) with a model built on str.

Where LpString deliberately differs from str, the model says so: it is mutable (append, +=, insert,
extend, pop, truncate, clear), lower()/upper() change ASCII letters only (as MicroPython's str),
text arguments must be str or LpString, and write() takes UTF-8 bytes, holding back a character
split across writes (CPython's incremental UTF-8 decoder is the model for that). Text results are
compared as their UTF-8 bytes, since MicroPython's repr of non-ASCII text differs from CPython's.
Seeds are fixed; LP_DIFF_SEED=n reruns one seed, LP_DIFF_RUNS=k adds k more.
"""

import os

import lp_difftest
import pytest
from harness.runners import QemuArmRunner, QemuM0Runner, QemuRv32Runner, UnixRunner

TARGET_SETUP = """
from lp_pool import LpMemoryPool, LpString

pool = LpMemoryPool(bytearray({pool_bytes}))


def new():
    return LpString(pool=pool)


def make(x):
    return LpString(x, pool=pool)


def check():
    if not pool.check():
        raise RuntimeError("pool check failed")


def finish(s):
    s.free()
    st = pool.stats()
    return "CLEAN " + str(pool.check() and st["objects"] == 0 and st["used"] == 0)
"""

MODEL_SETUP = """
import codecs


def _int(i):
    if isinstance(i, bool) or not isinstance(i, int):
        raise TypeError
    return i


def _opt_int(i):
    return None if i is None else _int(i)


def _text(x):
    if isinstance(x, Str):
        return x.s
    if not isinstance(x, str):
        raise TypeError
    return x


def _size(n):
    if isinstance(n, bool) or not isinstance(n, int):
        raise TypeError
    if n < 0:
        raise ValueError
    return n


class Str:
    def __init__(self, s=""):
        self.s = s
        self.pending = b""

    def free(self):
        pass

    def __str__(self):
        return self.s

    def __len__(self):
        return len(self.s)

    def __bool__(self):
        return bool(self.s)

    def append(self, x):
        x = _text(x)
        if self.pending:
            raise UnicodeError
        self.s += x

    def extend(self, it):
        if isinstance(it, (str, Str)):
            return self.append(it)
        if self.pending:
            raise UnicodeError
        items = list(it)
        for x in items:
            _text(x)  # all or nothing
        for x in items:
            self.s += _text(x)  # in order: an item that is this string has grown by then

    def __iadd__(self, x):
        self.append(x)
        return self

    def __add__(self, x):
        return Str(self.s + _text(x))

    def insert(self, i, x):
        i = _int(i)
        n = len(self.s)
        i = max(i + n, 0) if i < 0 else min(i, n)
        if i == n:
            return self.append(x)
        self.s = self.s[:i] + _text(x) + self.s[i:]

    def pop(self, *i):
        if not self.s:
            raise IndexError
        k = _int(i[0]) if i else -1
        c = self.s[k]
        k = k + len(self.s) if k < 0 else k
        self.s = self.s[:k] + self.s[k + 1 :]
        return c

    def clear(self):
        self.s = ""
        self.pending = b""

    def truncate(self, n):
        self.s = self.s[: _size(n)]
        self.pending = b""

    def reserve(self, n):
        _size(n)

    def write(self, b):
        dec = codecs.getincrementaldecoder("utf-8")()
        try:
            text = dec.decode(self.pending + bytes(b), final=False)
        except UnicodeDecodeError:
            raise UnicodeError from None
        self.pending = dec.getstate()[0]
        self.s += text
        return len(b)

    def __getitem__(self, i):
        if isinstance(i, slice):
            return Str(self.s[i])
        return self.s[_int(i)]

    def slice(self, a, b, c=None):
        return self[a:b:c]

    def _range(self, a, b):
        return _opt_int(a), _opt_int(b)

    def find(self, x, a=None, b=None):
        x = _text(x)
        return self.s.find(x, *self._range(a, b))

    def rfind(self, x, a=None, b=None):
        x = _text(x)
        return self.s.rfind(x, *self._range(a, b))

    def index(self, x, a=None, b=None):
        x = _text(x)
        return self.s.index(x, *self._range(a, b))

    def rindex(self, x, a=None, b=None):
        x = _text(x)
        return self.s.rindex(x, *self._range(a, b))

    def count(self, x, a=None, b=None):
        x = _text(x)
        return self.s.count(x, *self._range(a, b))

    def _affix(self, x, a, b, fn):
        a, b = self._range(a, b)
        items = x if isinstance(x, tuple) else (x,)
        for p in items:
            if not isinstance(p, (str, Str)):
                raise TypeError
            if fn(self.s, _text(p), a, b):
                return True
        return False

    def startswith(self, x, a=None, b=None):
        return self._affix(x, a, b, str.startswith)

    def endswith(self, x, a=None, b=None):
        return self._affix(x, a, b, str.endswith)

    def strip(self, c=None):
        return Str(self.s.strip(None if c is None else _text(c)))

    def lstrip(self, c=None):
        return Str(self.s.lstrip(None if c is None else _text(c)))

    def rstrip(self, c=None):
        return Str(self.s.rstrip(None if c is None else _text(c)))

    def lower(self):
        return Str("".join(chr(ord(c) | 32) if "A" <= c <= "Z" else c for c in self.s))

    def upper(self):
        return Str("".join(chr(ord(c) & ~32) if "a" <= c <= "z" else c for c in self.s))

    def replace(self, old, new, *n):
        old, new = _text(old), _text(new)
        return Str(self.s.replace(old, new, _int(n[0]) if n else -1))

    def format_into(self, fmt, *args):
        # fmt % args appended, for the subset format_into takes (the generator stays inside it,
        # apart from errors whose type CPython shares).
        if not isinstance(fmt, str):
            raise TypeError
        if self.pending:
            raise UnicodeError
        self.s += fmt % args

    def __contains__(self, x):
        return _text(x) in self.s

    def __iter__(self):
        return iter(self.s)

    def __eq__(self, x):
        return isinstance(x, (str, Str)) and self.s == _text(x)

    def __ne__(self, x):
        return not self == x

    def __lt__(self, x):
        return self.s < _text(x)

    def __le__(self, x):
        return self.s <= _text(x)

    def __gt__(self, x):
        return self.s > _text(x)

    def __ge__(self, x):
        return self.s >= _text(x)


def new():
    return Str()


def make(x):
    # LpString(x): text, or a buffer of strict UTF-8
    if isinstance(x, Str):
        return Str(x.s)
    if isinstance(x, (bytes, bytearray)):
        try:
            return Str(bytes(x).decode())
        except UnicodeDecodeError:
            raise UnicodeError from None
    if not isinstance(x, str):
        raise TypeError
    return Str(x)


def check():
    pass


def finish(s):
    return "CLEAN True"
"""

SHARED = """
def _iadd(s, x):
    w = s
    w += x
    return w is s


def _with_lp(s, x, fn):
    # x as an LpString in the same pool (the model's Str on CPython), freed afterwards.
    o = make(x)
    try:
        return fn(s, o)
    finally:
        o.free()


def _cmp(s, op, x):
    if op == "eq":
        return s == x
    if op == "ne":
        return s != x
    if op == "lt":
        return s < x
    if op == "le":
        return s <= x
    if op == "gt":
        return s > x
    return s >= x


def _write_split(s, b, k):
    return (s.write(b[:k]), s.write(b[k:]))


APPLY = dict(
    append=lambda s, x: s.append(x),
    append_lp=lambda s, x: _with_lp(s, x, lambda s, o: s.append(o)),
    extend=lambda s, x: s.extend(x),
    extend_self=lambda s: s.extend([s, "|", s]),
    iadd=_iadd,
    iadd_self=lambda s: _iadd(s, s),
    add=lambda s, x: s + x,
    insert=lambda s, i, x: s.insert(i, x),
    insert_self=lambda s, i: s.insert(i, s),
    pop=lambda s: s.pop(),
    pop_at=lambda s, i: s.pop(i),
    clear=lambda s: s.clear(),
    truncate=lambda s, n: s.truncate(n),
    reserve=lambda s, n: s.reserve(n),
    write=lambda s, b: s.write(b),
    write_split=_write_split,
    getitem=lambda s, i: s[i],
    getslice=lambda s, a, b, c: s[a:b:c],
    slice=lambda s, a, b, c: s.slice(a, b, c),
    find=lambda s, x, a, b: s.find(x, a, b),
    rfind=lambda s, x, a, b: s.rfind(x, a, b),
    index=lambda s, x, a, b: s.index(x, a, b),
    rindex=lambda s, x, a, b: s.rindex(x, a, b),
    count=lambda s, x, a, b: s.count(x, a, b),
    find1=lambda s, x: s.find(x),
    count1=lambda s, x: s.count(x),
    startswith=lambda s, x, a, b: s.startswith(x, a, b),
    endswith=lambda s, x, a, b: s.endswith(x, a, b),
    startswith1=lambda s, x: s.startswith(x),
    endswith_tuple=lambda s, x, y: s.endswith((x, y)),
    find_lp=lambda s, x: _with_lp(s, x, lambda s, o: s.find(o)),
    strip=lambda s, c: s.strip(c),
    lstrip=lambda s, c: s.lstrip(c),
    rstrip=lambda s, c: s.rstrip(c),
    strip0=lambda s: s.strip(),
    lower=lambda s: s.lower(),
    upper=lambda s: s.upper(),
    replace=lambda s, a, b: s.replace(a, b),
    replace_n=lambda s, a, b, n: s.replace(a, b, n),
    format_into=lambda s, fmt, args: s.format_into(fmt, *args),
    contains=lambda s, x: x in s,
    cmp=lambda s, op, x: _cmp(s, op, x),
    cmp_lp=lambda s, op, x: _with_lp(s, x, lambda s, o: _cmp(s, op, o)),
    len=lambda s: len(s),
    bool=lambda s: bool(s),
    iter=lambda s: [c for c in s],
    str=lambda s: str(s),
    _final=lambda s: str(s),
)


def _t(x):
    return "T" + repr(x.encode())


def canon(r, obj):
    if r is obj:
        return "SELF"
    if isinstance(r, str):
        return _t(r)
    if isinstance(r, (list, tuple)):
        return "[" + ",".join([canon(x, obj) for x in r]) + "]"
    if hasattr(r, "free"):
        t = str(r)
        r.free()
        return "S" + _t(t)
    return repr(r)
"""

# Text the generator draws from: ASCII (letters of both cases, space, punctuation, control
# characters), 2-, 3- and 4-byte characters, and whitespace beyond ASCII (for strip()).
ALPHABET = "abcABZ z.,\t\n" + "éñÉ" + "€☃" + "😀" + "\u00a0\u2003\u3000\x1f"


def text(rng, n=None):
    n = rng.randint(0, 5) if n is None else n
    return "".join(rng.choice(ALPHABET) for _ in range(n))


def string_collection(pool_bytes: int) -> lp_difftest.Collection:
    def sub(rng, s):
        r = rng.random()
        if r < 0.45 and len(s):
            a = rng.randint(0, len(s))
            return s.s[a : a + rng.randint(0, 3)]  # often found
        if r < 0.95:
            return text(rng, rng.randint(0, 2))
        return rng.choice((5, None, b"a"))

    def arg(rng, s):
        return text(rng) if rng.random() > 0.05 else rng.choice((7, None, b"x", ["a"]))

    def index(rng, s):
        if rng.random() < 0.04:
            return rng.choice(("a", 1.5, None))
        return rng.randint(-len(s) - 2, len(s) + 1)

    def bound(rng, s):
        if rng.random() < 0.02:
            return "x"
        return rng.choice((None, rng.randint(-len(s) - 3, len(s) + 3)))

    def step(rng):
        return rng.choice((None, None, 1, 1, 2, -1, -2, 3) if rng.random() > 0.02 else (0,))

    def data(rng, s):
        # UTF-8 bytes: whole text, text cut inside a character, the rest of a waiting character,
        # or invalid sequences (overlong, surrogate, beyond U+10FFFF, stray bytes).
        r = rng.random()
        b = text(rng).encode()
        if r < 0.5:
            return (b,)
        if r < 0.7:
            return (b[: rng.randint(0, len(b))],)
        if r < 0.85 and s.pending:
            lead = s.pending[0]
            need = 2 if lead < 0xE0 else 3 if lead < 0xF0 else 4
            rest = "ñ€😀"[need - 2].encode()[len(s.pending) :]
            return (rest + b,)
        bad = rng.choice(
            (b"\xff", b"\x80", b"\xc0\x80", b"\xe0\x80\x80", b"\xed\xa0\x80", b"\xf4\x90\x80\x80")
        )
        k = rng.randint(0, len(b))
        return (b[:k] + bad + b[k:],)

    def split(rng, s):
        b = text(rng, rng.randint(1, 4)).encode()
        return (b, rng.randint(0, len(b)))

    cmp_ops = ("eq", "ne", "lt", "le", "gt", "ge")

    def spec(rng, conv):
        # Flags, width and precision for one conversion; '*' takes them from the arguments.
        # '#' only for ints: MicroPython's float printer has no alternate form (documented).
        flags = "".join(rng.sample("-+ 0#" if conv in "diuoxX" else "-+ 0", rng.randint(0, 2)))
        if conv in "csr":
            flags = rng.choice(("", "-"))
        width = rng.choice(("", "", "1", "3", "7", "*"))
        prec = rng.choice(("", "", ".0", ".2", ".4", ".*")) if conv in "diuoxXeEfFgGsr" else ""
        if conv in "eEfFgG" and prec == ".0":
            prec = ".2"  # no ties to round: binary halves round differently in the two printers
        low = 2 if conv in "eEfFgG" else 0
        star = [rng.choice((4, -4, 0)) for _ in range(width == "*")] + [
            rng.randint(low, 5) for _ in range(prec == ".*")
        ]
        return "%" + flags + width + prec + conv, star

    def fmt_arg(rng, conv):
        if conv in "dixXou":
            return rng.choice((0, 7, -42, 255, 2**31, -(2**40), True))
        if conv in "eEfFgG":
            # No ties at the precisions drawn (>= 2): CPython rounds them half-even, MicroPython not.
            return rng.choice((0.0, 1.0, -2.0, 100.0, 12346.0, 0.5, -0.75, 3))
        if conv == "c":
            return rng.choice((65, 0xE9, 0x20AC, 0x1F600, "é", "z", "😀"))
        if conv == "r":
            return rng.choice(("ab", 12, None, True, -1.5, [1, "x"]))
        return rng.choice((text(rng), 5, None, -2.25, True))

    def format_into(rng, s):
        parts, args = [], []
        for _ in range(rng.randint(0, 3)):
            parts.append(text(rng, rng.randint(0, 2)))
            conv = rng.choice("dixXoueEfFgGcsrs%")
            if conv == "%":
                parts.append("%%")
                continue
            f, star = spec(rng, conv)
            parts.append(f)
            args += star + [fmt_arg(rng, conv)]
        r = rng.random()
        if r < 0.04:
            args.append(1)  # one too many
        elif r < 0.08 and args:
            args.pop()  # one too few
        elif r < 0.11:
            parts.append(rng.choice(("%", "%q", "%5")))  # incomplete or unsupported
        elif r < 0.13:
            parts.append("%d")
            args.append(rng.choice(("x", None, [1])))  # not a number
        elif r < 0.15:
            parts.append(rng.choice(("%c", "%x")))
            args.append(rng.choice((0x110000, -1, 1.5, "ab")))
        return ("".join(parts), args)

    def cmp_arg(rng, s):
        op = rng.choice(cmp_ops)
        r = rng.random()
        if r < 0.3:
            return (op, s.s)
        if r < 0.5 and s.s:
            return (op, s.s[:-1] + rng.choice(ALPHABET))
        if r < 0.95:
            return (op, text(rng))
        return (op, rng.choice((3, None, b"x")))

    ops = {
        "append": (10, lambda rng, s: (arg(rng, s),)),
        "append_lp": (2, lambda rng, s: (text(rng),)),
        "extend": (3, lambda rng, s: ([arg(rng, s) for _ in range(rng.randint(0, 3))],)),
        "extend_self": (1, lambda rng, s: ()),
        "iadd": (5, lambda rng, s: (arg(rng, s),)),
        "iadd_self": (1, lambda rng, s: ()),
        "add": (2, lambda rng, s: (arg(rng, s),)),
        "insert": (5, lambda rng, s: (index(rng, s), arg(rng, s))),
        "insert_self": (1, lambda rng, s: (index(rng, s),)),
        "pop": (3, lambda rng, s: ()),
        "pop_at": (3, lambda rng, s: (index(rng, s),)),
        "clear": (1, lambda rng, s: ()),
        "truncate": (2, lambda rng, s: (rng.choice((rng.randint(0, len(s) + 2), -1, "a")),)),
        "reserve": (1, lambda rng, s: (rng.choice((0, 10, 100, -1, "a")),)),
        "write": (6, data),
        "write_split": (3, split),
        "getitem": (6, lambda rng, s: (index(rng, s),)),
        "getslice": (5, lambda rng, s: (bound(rng, s), bound(rng, s), step(rng))),
        "slice": (2, lambda rng, s: (bound(rng, s), bound(rng, s), step(rng))),
        "find": (4, lambda rng, s: (sub(rng, s), bound(rng, s), bound(rng, s))),
        "rfind": (3, lambda rng, s: (sub(rng, s), bound(rng, s), bound(rng, s))),
        "index": (2, lambda rng, s: (sub(rng, s), bound(rng, s), bound(rng, s))),
        "rindex": (2, lambda rng, s: (sub(rng, s), bound(rng, s), bound(rng, s))),
        "count": (3, lambda rng, s: (sub(rng, s), bound(rng, s), bound(rng, s))),
        "find1": (3, lambda rng, s: (sub(rng, s),)),
        "count1": (2, lambda rng, s: (sub(rng, s),)),
        "startswith": (3, lambda rng, s: (sub(rng, s), bound(rng, s), bound(rng, s))),
        "endswith": (3, lambda rng, s: (sub(rng, s), bound(rng, s), bound(rng, s))),
        "startswith1": (2, lambda rng, s: (s.s[: rng.randint(0, 3)] if rng.random() < 0.5 else sub(rng, s),)),
        "endswith_tuple": (2, lambda rng, s: (sub(rng, s), sub(rng, s))),
        "find_lp": (2, lambda rng, s: (sub(rng, s) if rng.random() < 0.9 else "x",)),
        "strip": (2, lambda rng, s: (rng.choice((None, text(rng, 2), " \u3000", 1)),)),
        "lstrip": (1, lambda rng, s: (rng.choice((None, text(rng, 2))),)),
        "rstrip": (1, lambda rng, s: (rng.choice((None, text(rng, 2))),)),
        "strip0": (2, lambda rng, s: ()),
        "lower": (1, lambda rng, s: ()),
        "upper": (1, lambda rng, s: ()),
        "replace": (2, lambda rng, s: (sub(rng, s), text(rng, rng.randint(0, 2)))),
        "replace_n": (2, lambda rng, s: (sub(rng, s), text(rng, 1), rng.randint(-1, 3))),
        "format_into": (6, format_into),
        "contains": (3, lambda rng, s: (sub(rng, s),)),
        "cmp": (5, cmp_arg),
        "cmp_lp": (2, lambda rng, s: (rng.choice(cmp_ops), rng.choice((s.s, text(rng))))),
        "len": (2, lambda rng, s: ()),
        "bool": (1, lambda rng, s: ()),
        "iter": (2, lambda rng, s: ()),
        "str": (1, lambda rng, s: ()),
    }
    return lp_difftest.Collection(
        name="LpString",
        target_setup=TARGET_SETUP,
        model_setup=MODEL_SETUP,
        shared=SHARED,
        ops=ops,
        pick=lambda rng, s, names, weights: (
            rng.choice(("pop", "pop_at", "truncate", "clear"))
            if len(s) > 60
            else rng.choices(names, weights)[0]
        ),
        extra={"pool_bytes": pool_bytes},
    )


def seeds() -> list[int]:
    if os.environ.get("LP_DIFF_SEED"):
        return [int(os.environ["LP_DIFF_SEED"])]
    return [4242 + k for k in range(2 + int(os.environ.get("LP_DIFF_RUNS", "0")))]


def run_diff(runner, n_ops: int, pool_bytes: int, tmp_path) -> None:
    runner.check_available()
    coll = string_collection(pool_bytes)
    for seed in seeds():
        seq = lp_difftest.generate(coll, seed, n_ops)
        lp_difftest.compare(coll, seq, lp_difftest.run_target(coll, seq, runner, tmp_path), runner.name)


def test_string_matches_cpython_on_unix(tmp_path):
    run_diff(UnixRunner(), 4000, 65536, tmp_path)


@pytest.mark.boards
@pytest.mark.parametrize(
    "runner_cls", [QemuArmRunner, QemuRv32Runner, QemuM0Runner], ids=["qemu-arm", "qemu-rv32", "qemu-m0"]
)
def test_string_matches_cpython_on_qemu(runner_cls, tmp_path):
    runner = runner_cls()
    try:
        run_diff(runner, 400, 16384, tmp_path)
    finally:
        runner.close()


def test_generator_is_deterministic_and_covers_the_errors():
    coll = string_collection(4096)
    a, b = lp_difftest.generate(coll, 7, 1500), lp_difftest.generate(coll, 7, 1500)
    assert a.ops == b.ops and a.expected == b.expected
    assert a.expected[-1] == "CLEAN True"
    outcomes = " ".join(a.expected)
    for exc in ("!IndexError", "!TypeError", "!ValueError", "!UnicodeError"):
        assert exc in outcomes, exc
    # Text beyond ASCII and a character split across writes both occur.
    assert any(op[0] == "write_split" for op in a.ops)
    assert any(ord(c) > 0xFFFF for op in a.ops for x in op[1:] if isinstance(x, str) for c in x)
