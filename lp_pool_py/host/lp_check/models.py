"""What MicroPython (1.25 and on) allocates: operators, built-ins, library modules and lp_pool.

Every model below was read off the VM's sources (the file is named where it is not obvious) and
is checked against the VM by the corpus in tests/lpcheck/. Anything not modelled is "may allocate".
"""

import ast

from .project import ClassInfo, FuncInfo, ModuleInfo
from .rules import ALLOCATES, MAY
from .values import BOOL, LP_TYPES, NONE, UNKNOWN, V, const, int_range, is_pool_expr, join, join_all, of

EXCEPTIONS = frozenset(
    """BaseException Exception ArithmeticError AssertionError AttributeError EOFError GeneratorExit
    ImportError IndentationError IndexError KeyError KeyboardInterrupt LookupError MemoryError
    NameError NotImplementedError OSError OverflowError RuntimeError StopAsyncIteration StopIteration
    SyntaxError SystemExit TypeError UnicodeError ValueError ZeroDivisionError AllocError""".split()
)
TYPES = frozenset(
    """int float str bytes bytearray list tuple dict set frozenset bool object memoryview slice type
    complex range property staticmethod classmethod enumerate zip reversed map filter super""".split()
)
BUILTIN_FUNCS = frozenset(
    """len abs min max print isinstance issubclass id hash ord chr iter next sorted sum any all getattr
    setattr hasattr delattr callable repr divmod round pow globals locals dir input open exec eval
    compile bin hex oct format vars __import__ help""".split()
)
# Objects whose __enter__ returns themselves and whose __exit__ allocates nothing.
SELF_CONTEXT = ("LpVec", "LpString", "LpBuffer", "LpBox", "LpBTreeMap")
STACK_SLICE_KINDS = frozenset({"bytearray", "memoryview", "array", "LpVec"})
LP_FUNCS = {
    "guarded",
    "with_global_alloc",
    "current_pool",
    "format_stats",
    "print_memory_stats",
    "print_memory_stats_with",
    "arena_size",
    "guarded_step",
    "no_alloc",
    "_irq_call",
    "reset",
}
KNOWN_MODULES = {
    "lp_pool",
    "_lp_pool",
    "micropython",
    "time",
    "utime",
    "gc",
    "struct",
    "ustruct",
    "json",
    "ujson",
    "sys",
    "usys",
    "math",
    "array",
    "machine",
    "asyncio",
    "uasyncio",
}
ALIASES = {
    "utime": "time",
    "ustruct": "struct",
    "ujson": "json",
    "usys": "sys",
    "uasyncio": "asyncio",
    "_lp_pool": "lp_pool",
}
INT_TC = {"b": 8, "B": 8, "h": 16, "H": 16, "i": 32, "I": 32, "q": 64, "Q": 64}


def call_name(func) -> str:
    if isinstance(func, ast.Name):
        return func.id
    if isinstance(func, ast.Attribute):
        return func.attr
    return ""


# ---- names and modules -----------------------------------------------------------------------
def builtin_value(name: str, port) -> V:
    if name in BUILTIN_FUNCS:
        return of("builtin", ref=name)
    if name in TYPES or name in EXCEPTIONS:
        return of("type", ref=name)
    if name == "__name__":
        return of("str", nonempty=True)
    return UNKNOWN


def module_value(name: str, an) -> V:
    user = an.modules.get(name)
    if user is not None:
        return of("module", ref=user)
    return of("module", ref=ALIASES.get(name, name))


def import_from(mod: str, name: str, an) -> V:
    user = an.modules.get(mod)
    if user is not None:
        return user.facts.get(name, UNKNOWN)
    return module_attr(ALIASES.get(mod, mod), name)


def module_attr(mod: str, name: str) -> V:
    mod = ALIASES.get(mod, mod)
    if mod == "lp_pool":
        if name in LP_TYPES or name == "AllocError":
            return of("type", ref=name)
        if name in LP_FUNCS:
            return of("builtin", ref="lp_pool." + name)
        if name == "version":
            return of("str", nonempty=True)
        if name == "alloc_meta":
            return BOOL
        return UNKNOWN
    if mod == "machine":
        if name[:1].isupper():
            return of("type", ref="machine." + name)
        return of("builtin", ref="machine." + name)
    if mod == "math":
        if name in ("pi", "e", "inf", "nan", "tau"):
            return of("float")
        return of("builtin", ref="math." + name)
    if mod == "sys":
        if name in ("stdout", "stderr"):
            return of("stream", ref="sys." + name)
        if name == "maxsize":
            return of("int")
        if name in ("platform", "byteorder", "version"):
            return of("str", nonempty=True)
        if name == "implementation":
            return UNKNOWN
        return of("builtin", ref="sys." + name)
    if mod == "array" and name == "array":
        return of("type", ref="array")
    if mod in KNOWN_MODULES:
        return of("builtin", ref=mod + "." + name)
    return UNKNOWN


def from_annotation(node, port) -> V:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        try:
            node = ast.parse(node.value, mode="eval").body
        except SyntaxError:
            return UNKNOWN
    if isinstance(node, ast.Subscript):
        node = node.value
    name = call_name(node)
    simple = {
        "int": "int",
        "float": "float",
        "str": "str",
        "bytes": "bytes",
        "bytearray": "bytearray",
        "bool": "bool",
        "list": "list",
        "dict": "dict",
        "tuple": "tuple",
        "set": "set",
        "memoryview": "memoryview",
    }
    if name in simple:
        return of(simple[name])
    if name in LP_TYPES:
        return of(name)
    return UNKNOWN


# ---- item reads --------------------------------------------------------------------------------
def tc_item(frame, node, tc, what, each=False) -> V:
    """The value an LpVec/array item read makes; flags the boxing it may need. each: for every item
    of a loop (none when it is empty)."""
    port = frame.port
    if tc in ("f", "d"):
        if port.floats_boxed:
            frame.flag(
                node,
                "LP103",
                MAY if each else ALLOCATES,
                f"{what} of typecode {tc!r} returns a float, boxed on the GC heap",
            )
        return of("float")
    bits = INT_TC.get(tc)
    if tc in ("l", "L"):
        bits = port.word_bits
    if bits is None:
        frame.flag(node, "LP204", MAY, f"{what}: an item of unknown typecode may be a float or a big int")
        return UNKNOWN
    if tc.isupper():
        lo, hi = 0, (1 << bits) - 1
    else:
        lo, hi = -(1 << (bits - 1)), (1 << (bits - 1)) - 1
    if not port.is_small(lo, hi):
        frame.flag(
            node, "LP204", MAY, f"{what} of typecode {tc!r}: a value outside the small-int range is a big int"
        )
    return int_range(lo, hi)


def vec_item(frame, node, v: V, what, each=False) -> V:
    tc = v.ref if isinstance(v.ref, str) else None
    return tc_item(frame, node, tc, what, each)


def char_item(frame, node, v: V, what) -> V:
    if v.is_("LpString") and v.ascii:
        return of("str", nonempty=True, ascii=True)
    if v.is_("LpString"):
        frame.flag(
            node, "LP205", MAY, f"{what}: a non-ASCII character needs a new str (ASCII ones are in ROM)"
        )
    else:
        frame.flag(node, "LP205", MAY, f"{what}: a one-character str is made unless it exists as a qstr")
    return of("str", nonempty=True)


def stored_value(frame, node, elem: V | None, what) -> V:
    """Reading a value out of the pool (LpBox.value, map values and keys)."""
    e = elem if elem is not None else UNKNOWN
    if e.only("none", "bool"):
        return e
    if e.only("int", "bool", "none") and (not e.can_be("int") or frame.port.is_small(*e.int_bounds())):
        return e
    if e.only("float"):
        if frame.port.floats_boxed:
            frame.flag(node, "LP103", ALLOCATES, f"{what} returns a float, boxed on the GC heap")
        return e
    frame.flag(
        node,
        "LP204",
        MAY,
        f"{what}: the value is made as a Python object (a big int, float, str or bytes allocates)",
    )
    return e


# ---- operators ---------------------------------------------------------------------------------
_NUM = frozenset({"int", "bool"})


def _corners(op, a, b):
    vals = []
    for x in a:
        for y in b:
            vals.append(op(x, y))
    return min(vals), max(vals)


def int_binop(frame, node, op, a: V, b: V) -> V:
    port = frame.port
    alo, ahi = a.int_bounds()
    blo, bhi = b.int_bounds()
    known = None not in (alo, ahi, blo, bhi)
    opname = type(op).__name__
    big_a = known and not port.is_small(alo, ahi)
    big_b = known and not port.is_small(blo, bhi)
    if isinstance(op, ast.Div):
        if frame.port.floats_boxed:
            frame.flag(node, "LP103", ALLOCATES, "/ on ints returns a float, boxed on the GC heap")
        return of("float")
    if not known:
        frame.flag(
            node,
            "LP203",
            MAY,
            f"int {_OPSYM.get(opname, opname)}: an operand of unknown range may be a big int "
            "or the result may leave the small-int range",
        )
        if isinstance(op, ast.Pow):
            return of("int", "float")
        if isinstance(op, ast.Mod) and blo is not None and blo > 0 and bhi is not None:
            return int_range(0, bhi - 1)
        if isinstance(op, ast.BitAnd) and (
            (blo is not None and blo >= 0 and bhi is not None)
            or (alo is not None and alo >= 0 and ahi is not None)
        ):
            cands = [
                h for lo_, h in ((alo, ahi), (blo, bhi)) if lo_ is not None and lo_ >= 0 and h is not None
            ]
            return int_range(0, min(cands))
        return of("int")
    if (alo == ahi and not port.is_small(alo, ahi)) or (blo == bhi and not port.is_small(blo, bhi)):
        frame.flag(node, "LP104", ALLOCATES, "arithmetic on a big int makes a new big int")
        return of("int")
    A = (alo, ahi)
    B = (blo, bhi)
    lo = hi = None
    if isinstance(op, ast.Add):
        lo, hi = alo + blo, ahi + bhi
    elif isinstance(op, ast.Sub):
        lo, hi = alo - bhi, ahi - blo
    elif isinstance(op, ast.Mult):
        lo, hi = _corners(lambda x, y: x * y, A, B)
    elif isinstance(op, (ast.FloorDiv, ast.Mod)):
        if blo <= 0 <= bhi:
            # a zero divisor raises ZeroDivisionError (no allocation); the others as below
            parts = [p for p in ((blo, -1), (1, bhi)) if p[0] <= p[1]]
        else:
            parts = [B]
        if not parts:
            return of("int")
        los, his = [], []
        for p in parts:
            if isinstance(op, ast.FloorDiv):
                lo_, hi_ = _corners(lambda x, y: x // y, A, p)
            else:
                lo_, hi_ = (0, p[1] - 1) if p[0] > 0 else (p[0] + 1, 0)
                if p[0] > 0 and alo >= 0:
                    hi_ = min(hi_, ahi)
            los.append(lo_)
            his.append(hi_)
        lo, hi = min(los), max(his)
    elif isinstance(op, ast.Pow):
        if blo < 0:
            if port.floats_boxed:
                frame.flag(
                    node,
                    "LP103",
                    MAY if bhi >= 0 else ALLOCATES,
                    "** with a negative exponent returns a float, boxed on the GC heap",
                )
            if bhi < 0:
                return of("float")
        e_hi = max(bhi, 0)
        base = max(abs(alo), abs(ahi))
        if base > 1 and e_hi * base.bit_length() > 4 * port.small_int_bits:
            frame.flag(
                node,
                "LP104",
                ALLOCATES if min(abs(alo), abs(ahi)) > 1 and blo > port.small_int_bits else MAY,
                "** makes a big int",
            )
            return of("int")
        vals = [
            x**y for x in {alo, ahi, 0 if alo <= 0 <= ahi else alo} for y in {max(blo, 0), e_hi} if y >= 0
        ]
        if alo < 0 and e_hi >= 1:
            vals += [alo ** (e_hi - 1) if e_hi - 1 >= 0 else 1]
        lo, hi = min(vals), max(vals)
    elif isinstance(op, ast.LShift):
        if blo < 0:
            return of("int")  # ValueError: negative shift count
        if bhi > 4 * port.small_int_bits:
            bhi = 4 * port.small_int_bits
        lo, hi = _corners(lambda x, y: x << y, A, (max(blo, 0), bhi))
    elif isinstance(op, ast.RShift):
        if blo < 0:
            return of("int")
        lo, hi = _corners(lambda x, y: x >> min(y, 4 * port.small_int_bits), A, B)
    elif isinstance(op, (ast.BitAnd, ast.BitOr, ast.BitXor)):
        bits = max(abs(alo), abs(ahi), abs(blo), abs(bhi)).bit_length() + 1
        if isinstance(op, ast.BitAnd) and (alo >= 0 or blo >= 0):
            lo, hi = 0, min(h for lo_, h in (A, B) if lo_ >= 0)
        elif alo >= 0 and blo >= 0:
            lo, hi = 0, (1 << (bits - 1)) - 1
        else:
            lo, hi = -(1 << (bits - 1)), (1 << (bits - 1)) - 1
    else:
        frame.flag(node, "LP202", MAY, "an int operation the checker does not model")
        return of("int")
    if big_a or big_b:
        # an operand that may be a big int: the mpz path allocates its result
        frame.flag(node, "LP104", MAY, "an operand may be a big int: arithmetic on it makes a new big int")
        return int_range(lo, hi)
    if port.is_small(lo, hi):
        return int_range(lo, hi)
    if hi < port.small_min or lo > port.small_max:
        frame.flag(
            node, "LP104", ALLOCATES, "the result is outside the small-int range: a big int on the GC heap"
        )
    else:
        frame.flag(node, "LP203", MAY, f"the result ({lo}..{hi}) may leave the small-int range")
    return int_range(lo, hi)


_OPSYM = {
    "Add": "+",
    "Sub": "-",
    "Mult": "*",
    "Div": "/",
    "FloorDiv": "//",
    "Mod": "%",
    "Pow": "**",
    "LShift": "<<",
    "RShift": ">>",
    "BitAnd": "&",
    "BitOr": "|",
    "BitXor": "^",
    "MatMult": "@",
}
_DUNDER = {
    "Add": "add",
    "Sub": "sub",
    "Mult": "mul",
    "Div": "truediv",
    "FloorDiv": "floordiv",
    "Mod": "mod",
    "Pow": "pow",
    "LShift": "lshift",
    "RShift": "rshift",
    "BitAnd": "and",
    "BitOr": "or",
    "BitXor": "xor",
    "MatMult": "matmul",
}


def binop(frame, node, op, a: V, b: V, inplace: bool) -> V:
    port = frame.port
    name = type(op).__name__
    sym = _OPSYM.get(name, name)
    # instances of classes read from the files: their methods
    for side, other, prefix in ((a, b, "i" if inplace else ""), (b, a, "r")):
        if side.is_("inst") and isinstance(side.ref, ClassInfo):
            if side is b and a.is_("inst"):
                break
            dunder = f"__{prefix}{_DUNDER.get(name, name)}__"
            m, found, _ = frame.an.lookup_method(side.ref, dunder)
            if m is None and inplace and side is a:
                m, found, _ = frame.an.lookup_method(side.ref, f"__{_DUNDER.get(name, name)}__")
            if m is not None:
                return frame.call_user(node, m, [other], {}, self_value=side)
            frame.flag(node, "LP201", MAY, f"{side.ref.name} has no {dunder} the checker can see")
            return UNKNOWN
    # str % anything: formatting
    if isinstance(op, ast.Mod) and a.only("str", "bytes"):
        frame.flag(node, "LP102", ALLOCATES, "% formatting builds a new str")
        return of(*a.kinds)
    if a.unknown or b.unknown:
        frame.flag(node, "LP202", MAY, f"{sym} on a value of unknown type (a float or big int allocates)")
        return UNKNOWN
    if a.only("int", "bool") and b.only("int", "bool"):
        if a.only("bool") and b.only("bool") and isinstance(op, (ast.BitAnd, ast.BitOr, ast.BitXor)):
            return BOOL
        return int_binop(frame, node, op, a, b)
    if a.only("int", "bool", "float") and b.only("int", "bool", "float"):
        if isinstance(op, (ast.LShift, ast.RShift, ast.BitAnd, ast.BitOr, ast.BitXor)):
            return UNKNOWN  # TypeError on floats
        certain = a.only("float") or b.only("float") or isinstance(op, ast.Div)
        if port.floats_boxed:
            frame.flag(
                node,
                "LP103",
                ALLOCATES if certain else MAY,
                f"{sym} with a float operand makes a float, boxed on the GC heap",
            )
        if isinstance(op, ast.FloorDiv) or isinstance(op, ast.Mod):
            return of("float")
        return of("float")
    if a.only("complex") or b.only("complex"):
        frame.flag(node, "LP103", ALLOCATES, "complex arithmetic makes a complex object")
        return of("complex")
    text = ("str", "bytes")
    if a.only(*text) and b.only(*text) and isinstance(op, ast.Add):
        if (a.has_const and a.const in ("", b"")) or (b.has_const and b.const in ("", b"")):
            return b if a.has_const and a.const in ("", b"") else a
        verdict = ALLOCATES if (a.nonempty and b.nonempty) else MAY
        frame.flag(node, "LP102", verdict, "+ on str/bytes builds a new string (unless one side is empty)")
        return of(*(a.kinds | b.kinds), nonempty=a.nonempty or b.nonempty)
    if (
        a.only(*text)
        and b.only("int", "bool")
        and isinstance(op, ast.Mult)
        or (b.only(*text) and a.only("int", "bool") and isinstance(op, ast.Mult))
    ):
        s, n = (a, b) if a.only(*text) else (b, a)
        nlo, nhi = n.int_bounds()
        if nhi is not None and nhi <= 0:
            return const("") if s.only("str") else const(b"")
        frame.flag(
            node,
            "LP102",
            ALLOCATES if (nlo is not None and nlo > 1 and s.nonempty) else MAY,
            "* on a str/bytes builds a new string",
        )
        return of(*s.kinds)
    seqs = ("list", "tuple", "bytearray")
    if a.only(*seqs) and (
        b.only(*seqs) or b.only("int", "bool") or (a.only("bytearray") and b.only("bytes"))
    ):
        if inplace and a.only("list", "bytearray") and isinstance(op, (ast.Add, ast.Mult)):
            frame.flag(node, "LP206", MAY, f"{sym}= grows the {_kname(a)} in place: it reallocates when full")
            return a
        if a.only("tuple") and b.only("tuple") and isinstance(op, ast.Add):
            if (a.has_const and a.const == ()) or (b.has_const and b.const == ()):
                return b if a.has_const and a.const == () else a
            frame.flag(node, "LP106", MAY, "+ on tuples builds a new tuple (unless one is empty)")
            return of("tuple")
        frame.flag(node, "LP106", ALLOCATES, f"{sym} on a {_kname(a)} builds a new {_kname(a)}")
        return of(*a.kinds)
    if (
        a.only("int", "bool")
        and b.only("list", "tuple", "str", "bytes", "bytearray")
        and isinstance(op, ast.Mult)
    ):
        frame.flag(node, "LP106", ALLOCATES, f"* builds a new {_kname(b)}")
        return of(*b.kinds)
    if a.only("set", "frozenset", "dict") and b.only("set", "frozenset", "dict"):
        if inplace and a.only("set"):
            frame.flag(node, "LP206", MAY, f"{sym}= on a set may grow it")
            return a
        frame.flag(node, "LP106", ALLOCATES, f"{sym} on sets/dicts builds a new one")
        return of(*a.kinds)
    if (
        a.only("LpVec")
        and b.only("LpVec", "list", "tuple", "array", "bytes", "bytearray")
        and isinstance(op, ast.Add)
    ):
        return a if inplace else of("LpVec", ref=a.ref)  # a new LpVec takes a handle from the pool's reserve
    if a.only("LpString") and b.only("LpString", "str") and isinstance(op, ast.Add):
        return a if inplace else of("LpString", ascii=a.ascii and b.ascii)
    if a.only("LpVec", "LpString", "LpBuffer", "LpBox", "LpBTreeMap", "LpMemoryPool") or b.only(
        "LpVec", "LpString", "LpBuffer", "LpBox", "LpBTreeMap"
    ):
        return UNKNOWN  # TypeError: no allocation
    if a.only("none", "str", "bytes", "tuple", "list", "dict", "set") and b.only(
        "none", "int", "bool", "float"
    ):
        return UNKNOWN  # TypeError
    frame.flag(node, "LP202", MAY, f"{sym} on {_kname(a)} and {_kname(b)}")
    return UNKNOWN


def _kname(v: V) -> str:
    if v.kinds is None:
        return "an unknown type"
    return "/".join(sorted(v.kinds))


def unary(frame, node, op, v: V) -> V:
    port = frame.port
    if v.is_("inst") and isinstance(v.ref, ClassInfo):
        dunder = {"USub": "__neg__", "UAdd": "__pos__", "Invert": "__invert__"}[type(op).__name__]
        m, _, _ = frame.an.lookup_method(v.ref, dunder)
        if m is not None:
            return frame.call_user(node, m, [], {}, self_value=v)
        frame.flag(node, "LP201", MAY, f"{v.ref.name} has no {dunder} the checker can see")
        return UNKNOWN
    if v.unknown:
        frame.flag(node, "LP202", MAY, "a unary operator on a value of unknown type")
        return UNKNOWN
    if v.only("int", "bool"):
        lo, hi = v.int_bounds()
        if isinstance(op, ast.UAdd):
            return v if v.only("int") else int_range(lo, hi)
        if lo is None or hi is None:
            frame.flag(node, "LP203", MAY, "negating an int of unknown range may make a big int")
            return of("int")
        if isinstance(op, ast.USub):
            nlo, nhi = -hi, -lo
        else:
            nlo, nhi = ~hi, ~lo
        if not port.is_small(lo, hi):
            frame.flag(
                node, "LP104", ALLOCATES if lo == hi else MAY, "a unary operator on a big int makes a new one"
            )
        elif not port.is_small(nlo, nhi):
            frame.flag(node, "LP203", MAY, "the result may leave the small-int range")
        return int_range(nlo, nhi)
    if v.only("float"):
        if isinstance(op, ast.UAdd):
            return v
        if port.floats_boxed:
            frame.flag(node, "LP103", ALLOCATES, "negating a float makes a float, boxed on the GC heap")
        return v
    if v.only("int", "bool", "float"):
        if port.floats_boxed and not isinstance(op, ast.UAdd):
            frame.flag(node, "LP103", MAY, "negating a float makes a float, boxed on the GC heap")
        return of("int", "float")
    return UNKNOWN


def compare(frame, node, op, a: V, b: V):
    if isinstance(op, (ast.Is, ast.IsNot)):
        return
    if isinstance(op, (ast.In, ast.NotIn)):
        container, item = b, a
        if container.is_("inst") and isinstance(container.ref, ClassInfo):
            m, _, _ = frame.an.lookup_method(container.ref, "__contains__")
            if m is not None:
                frame.call_user(node, m, [item], {}, self_value=container)
                return
            frame.flag(
                node, "LP201", MAY, f"`in` on {container.ref.name} without a __contains__ the checker can see"
            )
            return
        if container.unknown:
            frame.flag(node, "LP202", MAY, "`in` on a value of unknown type")
            return
        if item.is_("inst"):
            _eq(frame, node, item, UNKNOWN)
        return
    for x, y in ((a, b), (b, a)):
        if x.is_("inst") and isinstance(x.ref, ClassInfo):
            _eq(frame, node, x, y, op)
            return
    if a.unknown or b.unknown:
        known = b if a.unknown else a
        if known.only("none"):
            return  # == None on an instance without __eq__ is identity; a class of yours is followed above
        frame.flag(
            node, "LP202", MAY, "comparing a value of unknown type (an instance may run __eq__/__lt__)"
        )


def _eq(frame, node, inst: V, other: V, op=None):
    name = {
        "Eq": "__eq__",
        "NotEq": "__ne__",
        "Lt": "__lt__",
        "LtE": "__le__",
        "Gt": "__gt__",
        "GtE": "__ge__",
    }.get(type(op).__name__ if op is not None else "Eq", "__eq__")
    m, found, certain = frame.an.lookup_method(inst.ref, name)
    if m is None and name == "__ne__":
        m, found, certain = frame.an.lookup_method(inst.ref, "__eq__")
    if m is not None:
        frame.call_user(node, m, [other], {}, self_value=inst)
    elif not certain:
        frame.flag(node, "LP201", MAY, f"comparing {inst.ref.name}: a base class the checker cannot see")


# ---- attributes --------------------------------------------------------------------------------
LP_ATTRS = {
    "LpVec": {
        "capacity": "int",
        "itemsize": "int",
        "typecode": "str",
        "pool": "LpMemoryPool",
        "freed": "bool",
    },
    "LpString": {"capacity": "int", "pool": "LpMemoryPool", "freed": "bool"},
    "LpBuffer": {"pool": "LpMemoryPool", "freed": "bool"},
    "LpBox": {"freed": "bool", "pool": "LpMemoryPool"},
    "LpBTreeMap": {"freed": "bool", "pool": "LpMemoryPool"},
    "LpMemoryPool": {"collect": "bool", "closed": "bool", "is_static": "bool", "size": "int"},
}


def attr_load(frame, node, base: V, attr: str, called: bool) -> V:
    port = frame.port
    if base.is_("module"):
        if isinstance(base.ref, ModuleInfo):
            return base.ref.facts.get(attr, UNKNOWN)
        return module_attr(base.ref, attr)
    if base.is_("inst") and isinstance(base.ref, ClassInfo):
        cls = base.ref
        m, found, certain = frame.an.lookup_method(cls, attr)
        if m is not None:
            if "property" in m.decorators:
                return frame.call_user(node, m, [], {}, self_value=base)
            if "staticmethod" in m.decorators:
                return of("func", ref=m)
            if not called:
                frame.flag(
                    node, "LP109", ALLOCATES, f"{cls.name}.{attr} without a call makes a bound method object"
                )
            return of("method", ref=(m, base))
        v = frame.an.inst_attr(cls, attr)
        if v is not None:
            return v
        if not certain or not found:
            frame.flag(node, "LP201", MAY, f"{cls.name}.{attr} is not assigned in the class the checker read")
        return UNKNOWN
    if base.is_("class") and isinstance(base.ref, ClassInfo):
        m, found, _ = frame.an.lookup_method(base.ref, attr)
        if m is not None:
            if "classmethod" in m.decorators and not called:
                frame.flag(
                    node, "LP109", ALLOCATES, f"{base.ref.name}.{attr} without a call makes a bound method"
                )
            return of("func", ref=m) if "classmethod" not in m.decorators else of("method", ref=(m, base))
        if attr in base.ref.class_attrs:
            return frame.an.inst_attr(base.ref, attr) or UNKNOWN
        return UNKNOWN
    if base.is_("type"):
        if base.ref in LP_TYPES or base.ref in TYPES or base.ref in EXCEPTIONS or base.ref == "array":
            if not called:
                return of("builtin", ref=f"{base.ref}.{attr}")
            return of("builtin", ref=f"{base.ref}.{attr}")
        if isinstance(base.ref, str) and base.ref.startswith("machine."):
            if attr.isupper():
                return of("int")  # Pin.OUT, Pin.IRQ_FALLING...: ints in the type's dict
            return of("builtin", ref=f"{base.ref}.{attr}")
        return UNKNOWN
    if base.kinds is not None and base.kinds - {"none"} and len(base.kinds - {"none"}) == 1:
        kind = next(iter(base.kinds - {"none"}))
        if kind in LP_ATTRS and attr in LP_ATTRS[kind]:
            k = LP_ATTRS[kind][attr]
            if k == "int":
                return int_range(0, port.small_max)
            return of(k)
        if kind == "LpBox" and attr == "value":
            return stored_value(frame, node, base.elem, "LpBox.value")
        if kind == "exc":
            if attr == "args":
                return of("tuple")
            if attr in ("requested", "available", "errno"):
                return of("int", "none")
            return UNKNOWN
        if kind in ("float", "complex") and attr in ("real", "imag"):
            if frame.port.floats_boxed:
                frame.flag(node, "LP103", MAY, f".{attr} may make a float")
            return of("float")
        if kind in METHODS or kind in LP_TYPES or kind in ("stream", "ext"):
            if not called and (kind not in ("ext",)):
                frame.flag(node, "LP109", ALLOCATES, f".{attr} without a call makes a bound method object")
                return of("method", ref=(kind, attr))
            if kind == "ext":
                frame.flag(node, "LP201", MAY, f"attribute .{attr} of a {base.ref} object")
            return UNKNOWN
    if base.kinds is not None and base.kinds <= {"func", "method", "builtin"}:
        return UNKNOWN
    frame.flag(
        node, "LP202", MAY, f".{attr} of a value of unknown type (a property or a bound method allocates)"
    )
    return UNKNOWN


def attr_store(frame, node, base: V, attr: str, value: V):
    if base.is_("inst") and isinstance(base.ref, ClassInfo):
        cls = base.ref
        m, _, _ = frame.an.lookup_method(cls, attr)
        if m is not None and "property" in m.decorators:
            frame.flag(node, "LP201", MAY, f"{cls.name}.{attr} is a property: its setter is not followed")
            return
        if not frame.an.has_attr(cls, attr):
            frame.flag(
                node,
                "LP206",
                MAY,
                f"{cls.name}.{attr} is not set in the class: a new attribute grows the instance's dict",
            )
        own = (
            frame.func is not None
            and frame.func.cls is not None
            and frame.func.params
            and isinstance(node, ast.Attribute)
            and isinstance(node.value, ast.Name)
            and node.value.id == frame.func.params[0]
        )
        if not own:  # self.x = ... in the class's own methods is read from the class (Analyzer.inst_attr)
            frame.an.inst_attr_store(cls, attr, value)
        return
    if base.is_("module") and isinstance(base.ref, ModuleInfo):
        if attr not in base.ref.facts:
            frame.flag(
                node,
                "LP208",
                MAY,
                f"{attr} is not a global of {base.ref.name}: storing it grows the module's dict",
            )
        return
    if base.is_("class") and isinstance(base.ref, ClassInfo):
        if attr not in base.ref.class_attrs:
            frame.flag(
                node, "LP206", MAY, f"{base.ref.name}.{attr} is not in the class: storing it grows its dict"
            )
        return
    if base.is_("LpBox") and attr == "value":
        return
    if base.is_("LpMemoryPool") and attr == "collect":
        return
    if base.kinds is not None and base.kinds <= set(LP_TYPES):
        return  # AttributeError: nothing allocated
    frame.flag(node, "LP202", MAY, f"setting .{attr} on a value of unknown type")


# ---- subscripts --------------------------------------------------------------------------------
def subscript(frame, node, base: V, index_node, mode, value=None, aug=False) -> V:
    if isinstance(index_node, ast.Slice):
        frame.eval(index_node)
        return _slice(frame, node, base, mode, aug)
    index = frame.eval(index_node)
    if base.is_("inst") and isinstance(base.ref, ClassInfo):
        name = {"load": "__getitem__", "store": "__setitem__", "delete": "__delitem__"}[mode]
        args = [index] if mode != "store" else [index, value]
        return frame.call_method_of_inst(node, base, name, args, {})
    if base.unknown or (base.kinds and len(base.kinds - {"none"}) != 1):
        frame.flag(
            node,
            "LP202",
            MAY,
            "indexing a value of unknown type (its item may be boxed, or its __getitem__ allocate)",
        )
        return UNKNOWN
    kind = next(iter(base.kinds - {"none"}))
    if mode == "load":
        if kind == "list":
            return frame.an.heap_elem(base)
        if kind == "tuple":
            items = frame.const_items(base)
            if items is not None and index.has_const and isinstance(index.const, int):
                try:
                    return items[index.const]
                except IndexError:
                    return UNKNOWN
            return base.elem or UNKNOWN
        if kind == "dict":
            if index.is_("inst"):
                _hash(frame, node, index)
            return frame.an.heap_elem(base)
        if kind in ("bytes", "bytearray", "LpBuffer"):
            return int_range(0, 255)
        if kind == "memoryview":
            if base.ref == "B":
                return int_range(0, 255)
            frame.flag(node, "LP204", MAY, "a memoryview item: a float or big int for some formats")
            return UNKNOWN
        if kind == "range":
            return base.elem or of("int")
        if kind == "str":
            return char_item(frame, node, base, "indexing a str")
        if kind in ("LpVec", "array"):
            return vec_item(frame, node, base, "an item read")
        if kind == "LpString":
            return char_item(frame, node, base, "indexing an LpString")
        if kind == "LpBTreeMap":
            return stored_value(frame, node, frame.an.heap_elem(base), "a map value read")
        if kind in ("type", "class"):
            return UNKNOWN  # list[int] etc.
        frame.flag(node, "LP202", MAY, f"indexing a {kind}")
        return UNKNOWN
    if mode == "store":
        if kind in ("list", "dict", "LpBTreeMap"):
            frame.an.heap_store(base, value if value is not None else UNKNOWN)
        if kind == "LpBTreeMap":
            frame.an.heap_store(map_keys(base), index)
        if kind == "dict":
            if base.keys is not None and index.has_const and index.const in base.keys:
                return NONE
            frame.flag(node, "LP206", MAY, "storing a key the dict may not have yet grows it")
            return NONE
        if kind in ("list", "bytearray", "memoryview", "LpVec", "LpBuffer", "array", "LpBTreeMap"):
            return NONE
        if kind in ("str", "tuple", "bytes", "LpString", "range"):
            return NONE  # TypeError
        frame.flag(node, "LP202", MAY, f"storing into a {kind}")
        return NONE
    # delete
    if kind == "list":
        frame.flag(
            node, "LP207", MAY, "del on a list item may shrink the list: a realloc fails under the heap lock"
        )
        return NONE
    if kind in ("dict", "LpVec", "LpBTreeMap", "array", "bytearray"):
        return NONE
    frame.flag(node, "LP202", MAY, f"deleting from a {kind}")
    return NONE


def _hash(frame, node, v):
    m, _, _ = frame.an.lookup_method(v.ref, "__hash__")
    if m is not None:
        frame.call_user(node, m, [], {}, self_value=v)


def _slice(frame, node, base: V, mode, aug=False) -> V:
    port = frame.port
    kinds = base.kinds - {"none"} if base.kinds else None
    kind = next(iter(kinds)) if kinds and len(kinds) == 1 else None
    if not port.stack_slices:
        frame.flag(
            node, "LP105", ALLOCATES, "a[i:j] builds a slice object on the GC heap (MicroPython < 1.26)"
        )
    elif mode == "delete" or aug:
        # the stack slice is used only when LOAD_SUBSCR or STORE_SUBSCR follows BUILD_SLICE at once
        # (py/vm.c): `del a[i:j]` (LOAD_NULL first) and `a[i:j] += x` (DUP_TOP_TWO) build one
        frame.flag(
            node, "LP105", ALLOCATES, "del a[i:j] and a[i:j] op= x build a slice object on the GC heap"
        )
    elif kind is None:
        frame.flag(
            node,
            "LP105",
            MAY,
            "a slice of a value of unknown type: a slice object unless the type takes stack slices",
        )
    elif kind not in STACK_SLICE_KINDS:
        frame.flag(
            node,
            "LP105",
            ALLOCATES,
            f"a {kind} slice builds a slice object (only bytearray, memoryview, "
            "array and LpVec take stack slices)",
        )
    if kind is None:
        return UNKNOWN
    if kind == "inst":
        name = {"load": "__getitem__", "store": "__setitem__", "delete": "__delitem__"}[mode]
        return frame.call_method_of_inst(
            node, base, name, [of("slice")] + ([UNKNOWN] if mode == "store" else []), {}
        )
    if mode == "load":
        if kind in ("list", "tuple", "str", "bytes", "bytearray", "memoryview", "array"):
            frame.flag(
                node,
                "LP105",
                ALLOCATES if kind != "tuple" else MAY,
                f"a {kind} slice copies into a new object",
            )
            return of(kind, elem=base.elem)
        if kind == "LpBuffer":
            frame.flag(node, "LP105", ALLOCATES, "a slice read of an LpBuffer returns bytes")
            return of("bytes")
        if kind in ("LpVec", "LpString", "range"):
            if kind == "range":
                frame.flag(node, "LP105", ALLOCATES, "a range slice makes a new range")
            return of(kind, ref=base.ref, ascii=base.ascii)
        return UNKNOWN
    if mode == "store":
        if kind in ("list", "bytearray", "array"):
            frame.flag(node, "LP206", MAY, f"slice assignment may resize the {kind}")
        return NONE
    if kind == "list":
        frame.flag(node, "LP207", MAY, "del of a list slice may shrink the list")
    return NONE


# ---- iteration ---------------------------------------------------------------------------------
def iterate(frame, node, it: V, what) -> V:
    """The item a for loop (or unpacking) gets from `it`; flags what each step allocates."""
    if it.is_("inst") and isinstance(it.ref, ClassInfo):
        iterator = frame.call_method_of_inst(node, it, "__iter__", [], {})
        if iterator.is_("inst") and isinstance(iterator.ref, ClassInfo):
            return frame.call_method_of_inst(node, iterator, "__next__", [], {})
        if iterator.is_("gen"):
            return _gen_items(frame, node, iterator)
        return iterate(frame, node, iterator, what) if not iterator.unknown else UNKNOWN
    if it.unknown or not it.kinds or len(it.kinds - {"none"}) != 1:
        frame.flag(node, "LP202", MAY, f"{what} a value of unknown type")
        return UNKNOWN
    kind = next(iter(it.kinds - {"none"}))
    if kind in ("list", "set"):
        return frame.an.heap_elem(it)
    if kind in ("tuple", "frozenset"):
        items = frame.const_items(it)
        if items:
            return join_all(items)
        return it.elem or UNKNOWN
    if kind == "dict":
        return UNKNOWN
    if kind in ("bytes", "bytearray", "LpBuffer"):
        return int_range(0, 255)
    if kind == "range":
        return it.elem or of("int")
    if kind == "str":
        return char_item(frame, node, it, f"{what} a str")
    if kind == "LpString":
        return char_item(frame, node, it, f"{what} an LpString")
    if kind in ("LpVec", "array"):
        return vec_item(frame, node, it, f"{what} an {kind}", each=True)
    if kind == "LpBTreeMap":
        return stored_value(frame, node, frame.an.heap_elem(map_keys(it)), f"{what} a map (its keys)")
    if kind == "lpview":
        view, m = it.ref if isinstance(it.ref, tuple) else (it.ref, of("LpBTreeMap"))
        keys = stored_value(frame, node, frame.an.heap_elem(map_keys(m)), f"{what} a map view (its keys)")
        if view == "keys":
            return keys
        values = stored_value(frame, node, frame.an.heap_elem(m), f"{what} a map view (its values)")
        if view == "values":
            return values
        # items() inside run() refills one preallocated pair (lp_btreemap_view.c)
        t = of("tuple", elem=join(keys, values))
        object.__setattr__(t, "_items", [keys, values])
        return t
    if kind == "dictview":
        if it.ref == "items":
            frame.flag(node, "LP111", ALLOCATES, "dict.items() makes a new tuple for every item")
            return of("tuple")
        return it.elem or UNKNOWN
    if kind == "iter":
        if it.ref in ("enumerate", "zip"):
            frame.flag(node, "LP106", ALLOCATES, f"{it.ref}() makes a new tuple for every item")
            return of("tuple")
        if it.ref == "map":
            frame.flag(node, "LP201", MAY, "map() calls its function for every item")
            return UNKNOWN
        return it.elem or UNKNOWN
    if kind == "gen":
        return _gen_items(frame, node, it)
    if kind == "memoryview":
        frame.flag(node, "LP204", MAY, f"{what} a memoryview: some formats make floats or big ints")
        return UNKNOWN
    frame.flag(node, "LP202", MAY, f"{what} a {kind}")
    return UNKNOWN


def _gen_items(frame, node, gen: V) -> V:
    ref = gen.ref
    if isinstance(ref, tuple) and isinstance(ref[0], FuncInfo):
        info, args = ref
        if frame.follow:
            frame.an.call_function(
                info,
                list(args),
                {},
                guarded=frame.guarded,
                quiet=frame.quiet,
                via=frame.via,
                depth=frame.depth + 1,
                site=node,
                caller=frame,
            )
        return UNKNOWN
    frame.flag(node, "LP201", MAY, "iterating a generator the checker cannot see")
    return UNKNOWN


def await_result(v: V) -> V:
    return UNKNOWN


# ---- printing ----------------------------------------------------------------------------------
def printable(frame, node, v: V, depth=0):
    """Flags what printing v (print, json.dump, str.format of it) may allocate."""
    port = frame.port
    if v.unknown:
        frame.flag(
            node, "LP209", MAY, "printing a value of unknown type (a big int or a __repr__ may allocate)"
        )
        return
    for kind in v.kinds:
        if kind == "int":
            if not port.is_small(v.lo, v.hi):
                frame.flag(
                    node, "LP209", MAY, "printing an int that may be big needs a buffer on the GC heap"
                )
        elif kind in ("list", "tuple", "set", "frozenset", "dict") and depth < 3:
            if v.elem is not None:
                printable(frame, node, v.elem, depth + 1)
            elif not v.has_const:
                frame.flag(node, "LP209", MAY, f"printing a {kind} whose items the checker cannot see")
        elif kind == "inst" and isinstance(v.ref, ClassInfo):
            for name in ("__str__", "__repr__"):
                m, found, certain = frame.an.lookup_method(v.ref, name)
                if m is not None:
                    frame.call_user(node, m, [], {}, self_value=v)
                    break
        elif (
            kind
            in ("str", "bool", "none", "float", "bytes", "bytearray", "exc", "type", "func", "class")
            + LP_TYPES
        ):
            continue
        else:
            frame.flag(node, "LP209", MAY, f"printing a {kind}")


def stream_ok(frame, node, v: V, what):
    if v.only("LpString", "stream"):
        return
    if v.is_("inst") and isinstance(v.ref, ClassInfo):
        frame.call_method_of_inst(node, v, "write", [of("str")], {})
        return
    frame.flag(node, "LP201", MAY, f"{what}: a stream the checker cannot see (its write() may allocate)")


# ---- calls ---------------------------------------------------------------------------------------
def eval_args(frame, n):
    args, kwargs, star = [], {}, False
    # the function given to run(), _irq_call() or as a hard IRQ handler does not escape
    entry_call = call_name(n.func) in ("run", "_irq_call", "guarded")
    hard = any(k.arg == "hard" for k in n.keywords)
    for i, a in enumerate(n.args):
        if isinstance(a, ast.Starred):
            frame.an.fn_escape(frame.eval(a.value))
            star = True
        else:
            v = frame.eval(a)
            if not (i == 0 and (entry_call or hard)):
                frame.an.fn_escape(v)
            args.append(v)
    for k in n.keywords:
        v = frame.eval(k.value)
        if not (hard and k.arg in ("handler", "callback")):
            frame.an.fn_escape(v)
        if k.arg is None:
            star = True
        else:
            kwargs[k.arg] = v
    if star:
        frame.flag(
            n, "LP110", ALLOCATES, "a call with *args or **kwargs builds the argument array on the GC heap"
        )
    return args, kwargs, star


def call(frame, n: ast.Call) -> V:
    func = n.func
    # super().method(...): compiled to LOAD_SUPER_METHOD, no super object
    if (
        isinstance(func, ast.Attribute)
        and isinstance(func.value, ast.Call)
        and call_name(func.value.func) == "super"
        and not func.value.args
    ):
        args, kwargs, _ = eval_args(frame, n)
        cls = frame.func.cls if frame.func else None
        if cls is not None:
            for base in frame.an.class_bases(cls):
                if isinstance(base, ClassInfo):
                    m, _, _ = frame.an.lookup_method(base, func.attr)
                    if m is not None:
                        return frame.call_user(n, m, args, kwargs, self_value=of("inst", ref=cls))
                elif base is None:
                    break
                else:
                    return UNKNOWN  # a built-in base: Exception.__init__ and the like
        frame.flag(n, "LP201", MAY, f"super().{func.attr}() of a base the checker cannot see")
        return UNKNOWN
    if isinstance(func, ast.Attribute):
        recv = frame.eval(func.value)
        args, kwargs, _ = eval_args(frame, n)
        _irq_entry(frame, n, args, kwargs)
        return method_call(frame, n, func.value, recv, func.attr, args, kwargs)
    callee = frame.eval(func)
    args, kwargs, _ = eval_args(frame, n)
    _irq_entry(frame, n, args, kwargs)
    return call_value(frame, n, callee, args, kwargs)


def _irq_entry(frame, n, args, kwargs):
    """`.irq(handler, hard=True)`, `Timer(callback=cb, hard=True)` and the like: a hard IRQ handler."""
    hard = [k for k in n.keywords if k.arg == "hard"]
    if not hard or not (isinstance(hard[0].value, ast.Constant) and hard[0].value.value is True):
        return
    handler = kwargs.get("handler") or kwargs.get("callback") or (args[0] if args else None)
    if handler is not None:
        _entry(frame, n, handler, [of("ext", ref="irq-source")], {}, "irq")


def _entry(frame, site, target: V, args, kwargs, kind):
    an = frame.an
    if frame.guarded:
        # nested: already checked code calls it
        call_value(frame, site, target, args, kwargs)
        return
    if not frame.scan:
        return
    an.mark_entry()
    if target.is_("func") and isinstance(target.ref, FuncInfo):
        an.entry_function(target.ref, kind, site, frame.module, args, kwargs, via=())
    elif target.is_("method") and isinstance(target.ref, tuple) and isinstance(target.ref[0], FuncInfo):
        an.entry_function(
            target.ref[0], kind, site, frame.module, args, kwargs, via=(), self_value=target.ref[1]
        )
    elif target.kinds is not None and target.kinds <= {"builtin", "type", "func"} and target.ref is not None:
        if not an.final:
            return
        saved = (frame.guarded, frame.quiet, frame.via)
        frame.guarded, frame.quiet = True, False
        frame.via = (f"{kind} at {frame.module.path}:{site.lineno}",)
        call_value(frame, site, target, args, kwargs)
        frame.guarded, frame.quiet, frame.via = saved
    elif an.final:
        an.report(
            frame.module, site, "LP201", MAY, f"{kind}: the function is not one the checker can see", ()
        )


def call_value(frame, n, callee: V, args, kwargs) -> V:
    if callee.kinds is not None and "none" in callee.kinds and len(callee.kinds) > 1:
        callee = V(callee.kinds - {"none"}, callee.lo, callee.hi, ref=callee.ref)  # calling None: TypeError
    if callee.is_("inst") and isinstance(callee.ref, ClassInfo):
        return frame.call_method_of_inst(n, callee, "__call__", args, kwargs)
    if callee.is_("func"):
        return frame.call_user(n, callee.ref, args, kwargs)
    if callee.is_("method") and isinstance(callee.ref, tuple):
        target, selfv = callee.ref
        if isinstance(target, FuncInfo):
            return frame.call_user(n, target, args, kwargs, self_value=selfv)
        kind, attr = target, selfv
        return method_call(frame, n, None, of(kind), attr, args, kwargs)
    if callee.is_("class") and isinstance(callee.ref, ClassInfo):
        cls = callee.ref
        frame.flag(n, "LP106", ALLOCATES, f"{cls.name}(...) creates an instance on the GC heap")
        inst = of("inst", ref=cls)
        init, found, certain = frame.an.lookup_method(cls, "__init__")
        if init is not None:
            frame.call_user(n, init, args, kwargs, self_value=inst)
        elif not certain:
            frame.flag(n, "LP201", MAY, f"{cls.name}'s base __init__ is not one the checker can see")
        return inst
    if callee.is_("type"):
        return type_call(frame, n, callee.ref, args, kwargs)
    if callee.is_("builtin"):
        return builtin_call(frame, n, callee.ref, args, kwargs)
    frame.flag(n, "LP201", MAY, "a call of something the checker cannot see")
    frame.an.escape(list(args) + list(kwargs.values()))
    return UNKNOWN


def type_call(frame, n, name, args, kwargs) -> V:
    port = frame.port
    a0 = args[0] if args else None
    if name in EXCEPTIONS:
        # a built-in exception under the heap lock is the VM's emergency exception object
        return of("exc", ref=name)
    if name == "LpVec":
        tc = a0 if a0 is not None else kwargs.get("typecode")
        tcv = tc.const if tc is not None and tc.has_const else ("i" if tc is None else None)
        if len(args) > 1:
            _iter_arg(frame, n, args[1])
        elif "initial" in kwargs:
            _iter_arg(frame, n, kwargs["initial"])
        return of("LpVec", ref=tcv)
    if name == "LpString":
        s = a0 if a0 is not None else kwargs.get("s")
        ascii_ = (
            s is None
            or (s.has_const and isinstance(s.const, str) and s.const.isascii())
            or bool(s and s.ascii)
        )
        return of("LpString", ascii=ascii_)
    if name == "LpBTreeMap":
        m = of(name, ref=("site", id(n)))
        if a0 is not None:
            if a0.only("dict", "LpBTreeMap"):
                frame.an.heap_store(m, frame.an.heap_elem(a0))
                frame.an.heap_store(map_keys(m), UNKNOWN)
            else:
                _iter_arg(frame, n, a0)
                frame.an.heap_store(m, UNKNOWN)
                frame.an.heap_store(map_keys(m), UNKNOWN)
        if kwargs:
            frame.an.heap_store(m, join_all(list(kwargs.values())))
            frame.an.heap_store(map_keys(m), of("str"))
        return m
    if name == "LpBuffer":
        return of(name)
    if name == "LpBox":
        return of("LpBox", elem=a0 if a0 is not None else NONE)
    if name == "LpMemoryPool":
        if a0 is None or a0.only("none"):
            return of("LpMemoryPool")
        frame.flag(n, "LP106", ALLOCATES, "LpMemoryPool(buf) makes a new pool object on the GC heap")
        return of("LpMemoryPool")
    if name == "int":
        if a0 is None:
            return const(0)
        if a0.only("int", "bool") and len(args) == 1:
            return a0 if a0.only("int") else int_range(0, 1)
        if a0.only("float"):
            frame.flag(n, "LP203", MAY, "int() of a float may make a big int")
            return of("int")
        frame.flag(n, "LP203", MAY, "int() may make a big int (or run __int__)")
        return of("int")
    if name == "float":
        if a0 is not None and a0.only("float"):
            return a0
        if port.floats_boxed:
            frame.flag(n, "LP103", ALLOCATES, "float() makes a float, boxed on the GC heap")
        return of("float")
    if name == "bool":
        if a0 is not None:
            frame.truth(n, a0)
        return BOOL
    if name == "str":
        if a0 is None:
            return const("")
        frame.flag(n, "LP102", ALLOCATES, "str() builds a new str")
        return of("str", nonempty=not a0.can_be("str", "bytes", "LpString"))
    if name == "tuple":
        if a0 is None:
            return const(())
        if a0.only("tuple"):
            return a0
        frame.flag(n, "LP106", ALLOCATES, "tuple() builds a new tuple")
        return of("tuple")
    if name in (
        "bytes",
        "bytearray",
        "list",
        "dict",
        "set",
        "frozenset",
        "memoryview",
        "slice",
        "object",
        "complex",
        "property",
        "staticmethod",
        "classmethod",
    ):
        if name == "bytes" and a0 is None:
            return const(b"")
        if (
            a0 is not None
            and not a0.unknown
            and name in ("list", "tuple", "set", "frozenset", "bytearray", "bytes", "dict")
            and not a0.only("int", "bool")
        ):
            _iter_arg(frame, n, a0)
        frame.flag(n, "LP106", ALLOCATES, f"{name}() makes a new {name} on the GC heap")
        if name == "memoryview":
            fmt = "B" if a0 is not None and a0.only("bytes", "bytearray", "LpBuffer", "LpString") else None
            return of("memoryview", ref=fmt)
        return of(name, elem=a0.elem if a0 is not None else None)
    if name == "range":
        frame.flag(n, "LP106", ALLOCATES, "range() outside `for x in range(...)` makes a range object")
        bounds = [a.int_bounds() for a in args]
        if bounds and all(None not in b for b in bounds):
            lo = min(b[0] for b in bounds)
            hi = max(b[1] for b in bounds)
            return of("range", elem=int_range(lo, hi))
        return of("range", elem=of("int"))
    if name in ("enumerate", "zip", "reversed", "map", "filter"):
        frame.flag(n, "LP106", ALLOCATES, f"{name}() makes an iterator object")
        if name == "reversed" and a0 is not None:
            return of("iter", ref=name, elem=a0.elem)
        return of("iter", ref=name)
    if name == "type":
        return of("type") if len(args) == 1 else UNKNOWN
    if name == "super":
        frame.flag(n, "LP106", ALLOCATES, "super() makes a super object")
        return UNKNOWN
    if name == "array":
        frame.flag(n, "LP106", ALLOCATES, "array() makes a new array")
        tc = a0.const if a0 is not None and a0.has_const else None
        return of("array", ref=tc)
    if name.startswith("machine."):
        frame.flag(n, "LP201", MAY, f"{name}() is not modelled: constructing it may allocate")
        return of("ext", ref=name)
    frame.flag(n, "LP201", MAY, f"calling {name} is not modelled")
    return UNKNOWN


def _iter_arg(frame, n, v: V):
    if v.only("none", "int", "bool"):
        return
    iterate(frame, n, v, "reading")


def _ticks(port):
    return int_range(0, port.small_max)


def builtin_call(frame, n, name: str, args, kwargs) -> V:
    port = frame.port
    a0 = args[0] if args else None
    handler = _BUILTIN_HANDLERS.get(name)
    if handler is not None:
        return handler(frame, n, args, kwargs)
    if name.startswith("time.") or name.startswith("utime."):
        fn = name.split(".", 1)[1]
        if fn in ("ticks_ms", "ticks_us", "ticks_cpu", "ticks_add"):
            return _ticks(port)
        if fn == "ticks_diff":
            return int_range(port.small_min, port.small_max)
        if fn in ("sleep_ms", "sleep_us", "sleep"):
            return NONE
        if fn in ("time", "time_ns"):
            frame.flag(n, "LP204", MAY, f"time.{fn}() may return a float or a big int")
            return UNKNOWN
        frame.flag(n, "LP201", MAY, f"{name}() is not modelled")
        return UNKNOWN
    if name.startswith("gc."):
        fn = name[3:]
        if fn in ("mem_free", "mem_alloc"):
            return int_range(0, port.small_max)
        if fn in ("collect", "enable", "disable", "isenabled", "threshold"):
            return UNKNOWN if fn != "collect" else NONE
    if name.startswith("micropython."):
        fn = name.split(".", 1)[1]
        if fn == "const":
            return a0 or UNKNOWN
        if fn in ("heap_lock", "heap_unlock", "heap_locked", "stack_use", "opt_level"):
            return int_range(0, port.small_max)
        if fn == "schedule":
            return NONE  # the queue is static; the function runs later, outside this code
        if fn == "kbd_intr":
            return NONE
    if name.startswith("struct."):
        fn = name[7:]
        if fn == "pack_into":
            return NONE
        if fn == "calcsize":
            return int_range(0, port.small_max)
        if fn in ("pack",):
            frame.flag(n, "LP102", ALLOCATES, "struct.pack() builds a new bytes; use pack_into() a buffer")
            return of("bytes")
        if fn in ("unpack", "unpack_from"):
            frame.flag(n, "LP106", ALLOCATES, f"struct.{fn}() builds a tuple")
            return of("tuple")
    if name.startswith("json."):
        fn = name[5:]
        if fn == "dump":
            if a0 is not None:
                printable(frame, n, a0)
            if len(args) > 1:
                stream_ok(frame, n, args[1], "json.dump()")
            return NONE
        if fn in ("dumps", "loads", "load"):
            frame.flag(n, "LP102", ALLOCATES, f"json.{fn}() builds new objects")
            return UNKNOWN
    if name.startswith("math."):
        fn = name[5:]
        if fn in ("isnan", "isinf", "isfinite"):
            return BOOL
        if fn in ("floor", "ceil", "trunc"):
            frame.flag(n, "LP203", MAY, f"math.{fn}() of a float may make a big int")
            return of("int")
        if port.floats_boxed:
            frame.flag(n, "LP103", ALLOCATES, f"math.{fn}() returns a float, boxed on the GC heap")
        return of("float")
    if name.startswith("sys."):
        fn = name[4:]
        if fn == "print_exception":
            return NONE
    if name.startswith("asyncio."):
        fn = name[8:]
        if fn == "sleep_ms":
            if a0 is not None and not a0.only("int", "bool"):
                frame.flag(n, "LP202", MAY, "asyncio.sleep_ms() of a non-int")
            return of("awaitable")
        if fn == "sleep":
            if a0 is not None and a0.only("float") and port.floats_boxed:
                frame.flag(
                    n, "LP103", ALLOCATES, "asyncio.sleep(seconds) multiplies a float: use sleep_ms(int)"
                )
            elif a0 is not None and not a0.only("int", "bool"):
                frame.flag(n, "LP202", MAY, "asyncio.sleep() of a value of unknown type")
            return of("awaitable")
        frame.flag(n, "LP201", MAY, f"asyncio.{fn}() is Python code the checker cannot see")
        return UNKNOWN
    if name.startswith("lp_pool."):
        return lp_call(frame, n, name[8:], args, kwargs)
    frame.flag(n, "LP201", MAY, f"{name}() is not modelled")
    frame.an.escape(list(args) + list(kwargs.values()))
    return UNKNOWN


def lp_call(frame, n, fn, args, kwargs) -> V:
    port = frame.port
    a0 = args[0] if args else None
    if fn == "current_pool":
        return of("LpMemoryPool", "none")
    if fn == "arena_size":
        return int_range(0, port.small_max)
    if fn == "with_global_alloc":
        # runs fn with the heap unlocked: it is not checked code
        if not args:
            return of("ctx")
        return UNKNOWN
    if fn == "guarded":
        if frame.guarded:
            frame.flag(
                n, "LP108", ALLOCATES, "guarded() is a generator: calling it creates a generator object"
            )
        if n.args and isinstance(n.args[0], ast.Call):
            inner = n.args[0]
            callee = frame.eval(inner.func) if not frame.guarded else None
            if callee is not None and callee.is_("func") and callee.ref.is_async and frame.scan:
                quiet = frame.quiet
                frame.quiet = True
                iargs = [frame.eval(a) for a in inner.args if not isinstance(a, ast.Starred)]
                ikw = {k.arg: frame.eval(k.value) for k in inner.keywords if k.arg}
                frame.quiet = quiet
                frame.an.entry_function(callee.ref, "guarded", n, frame.module, iargs, ikw, via=())
            elif callee is not None and callee.is_("method") and frame.scan:
                target, selfv = callee.ref
                if isinstance(target, FuncInfo) and target.is_async:
                    iargs = [frame.eval(a) for a in inner.args if not isinstance(a, ast.Starred)]
                    frame.an.entry_function(
                        target, "guarded", n, frame.module, iargs, {}, via=(), self_value=selfv
                    )
        return of("gen")
    if fn == "format_stats":
        frame.flag(n, "LP102", ALLOCATES, "format_stats() builds a str (and a dict)")
        return of("str")
    if fn == "print_memory_stats":
        f = args[1] if len(args) > 1 else kwargs.get("file")
        if f is None:
            return NONE
        stream_ok(frame, n, f, "print_memory_stats()")
        return NONE
    if fn == "print_memory_stats_with":
        if a0 is not None:
            call_value(frame, n, a0, [of("str")], {})
        return NONE
    if fn == "_irq_call":
        if a0 is not None:
            _entry(frame, n, a0, args[1:2], {}, "irq")
        return UNKNOWN
    if fn == "no_alloc":
        return a0 or UNKNOWN
    frame.flag(n, "LP201", MAY, f"lp_pool.{fn}() is not modelled")
    return UNKNOWN


# ---- built-in functions --------------------------------------------------------------------------
def _b_len(frame, n, args, kwargs):
    if args:
        v = args[0]
        if v.is_("inst") and isinstance(v.ref, ClassInfo):
            frame.call_method_of_inst(n, v, "__len__", [], {})
        elif v.unknown:
            frame.flag(n, "LP202", MAY, "len() of a value of unknown type (a __len__ may allocate)")
    return int_range(0, frame.port.small_max)


def _b_abs(frame, n, args, kwargs):
    if not args:
        return UNKNOWN
    return _abs(frame, n, args[0])


def _abs(frame, n, v):
    port = frame.port
    if v.only("int", "bool"):
        lo, hi = v.int_bounds()
        if lo is None or hi is None:
            frame.flag(n, "LP203", MAY, "abs() of an int of unknown range may make a big int")
            return of("int")
        r = (0 if lo <= 0 <= hi else min(abs(lo), abs(hi)), max(abs(lo), abs(hi)))
        if not port.is_small(*r) or not port.is_small(lo, hi):
            frame.flag(n, "LP203", MAY, "abs() may make a big int")
        return int_range(*r)
    if v.only("float"):
        if port.floats_boxed:
            frame.flag(n, "LP103", MAY, "abs() of a negative float makes a float, boxed on the GC heap")
        return v
    if v.is_("inst") and isinstance(v.ref, ClassInfo):
        return frame.call_method_of_inst(n, v, "__abs__", [], {})
    frame.flag(n, "LP202", MAY, "abs() of a value of unknown type")
    return UNKNOWN


def _b_minmax(frame, n, args, kwargs):
    if "key" in kwargs:
        call_value(frame, n, kwargs["key"], [UNKNOWN], {})
    if len(args) == 1:
        item = iterate(frame, n, args[0], "min()/max() over")
        if "default" in kwargs:
            item = join(item, kwargs["default"])
        return item
    for a in args:
        if a.unknown or a.is_("inst"):
            compare(frame, n, ast.Lt(), a, UNKNOWN)
            break
    return join_all(args) if args else UNKNOWN


def _b_print(frame, n, args, kwargs):
    for a in args:
        printable(frame, n, a)
    for k in ("sep", "end"):
        if k in kwargs and not kwargs[k].only("str", "none"):
            printable(frame, n, kwargs[k])
    f = kwargs.get("file")
    if f is not None and not f.only("none"):
        stream_ok(frame, n, f, "print(file=...)")
    return NONE


def _b_isinstance(frame, n, args, kwargs):
    return BOOL


def _b_id(frame, n, args, kwargs):
    frame.flag(n, "LP204", MAY, "id() is the address: a big int when it is beyond the small-int range")
    return of("int")


def _b_hash(frame, n, args, kwargs):
    if args and args[0].is_("inst"):
        _hash(frame, n, args[0])
    return of("int")


def _b_ord(frame, n, args, kwargs):
    return int_range(0, 0x10FFFF)


def _b_chr(frame, n, args, kwargs):
    frame.flag(n, "LP205", MAY, "chr() makes a one-character str unless it exists as a qstr")
    return of("str", nonempty=True)


def _b_iter(frame, n, args, kwargs):
    if args and args[0].only("gen", "iter"):
        return args[0]
    if args and args[0].is_("inst"):
        return frame.call_method_of_inst(n, args[0], "__iter__", [], {})
    frame.flag(
        n, "LP106", ALLOCATES, "iter() makes an iterator object (a for loop keeps its iterator on the stack)"
    )
    if args:
        v = args[0]
        return of("iter", ref="iter", elem=v.elem if not v.unknown else None)
    return of("iter")


def _b_next(frame, n, args, kwargs):
    if not args:
        return UNKNOWN
    it = args[0]
    if it.is_("inst"):
        return frame.call_method_of_inst(n, it, "__next__", [], {})
    if it.only("iter", "gen"):
        item = iterate(frame, n, it, "next() of")
        return join(item, args[1]) if len(args) > 1 else item
    frame.flag(n, "LP202", MAY, "next() of a value of unknown type")
    return UNKNOWN


def _b_sorted(frame, n, args, kwargs):
    frame.flag(n, "LP106", ALLOCATES, "sorted() builds a new list")
    if args:
        iterate(frame, n, args[0], "sorted() over")
    return of("list")


def _b_sum(frame, n, args, kwargs):
    if not args:
        return UNKNOWN
    item = iterate(frame, n, args[0], "sum() over")
    if item.only("float") and frame.port.floats_boxed:
        frame.flag(n, "LP103", ALLOCATES, "sum() of floats makes floats, boxed on the GC heap")
        return of("float")
    frame.flag(n, "LP203", MAY, "sum() may leave the small-int range (or add floats)")
    return of("int") if item.only("int", "bool") else UNKNOWN


def _b_anyall(frame, n, args, kwargs):
    if args:
        item = iterate(frame, n, args[0], "any()/all() over")
        frame.truth(n, item)
    return BOOL


def _b_getattr(frame, n, args, kwargs):
    if len(args) >= 2 and args[1].has_const and isinstance(args[1].const, str):
        v = attr_load(frame, n, args[0], args[1].const, called=False)
        return join(v, args[2]) if len(args) > 2 else v
    frame.flag(n, "LP202", MAY, "getattr() with a name the checker cannot see")
    return UNKNOWN


def _b_setattr(frame, n, args, kwargs):
    if len(args) >= 3 and args[1].has_const and isinstance(args[1].const, str):
        attr_store(frame, n, args[0], args[1].const, args[2])
        return NONE
    frame.flag(n, "LP202", MAY, "setattr() with a name the checker cannot see")
    return NONE


def _b_hasattr(frame, n, args, kwargs):
    return BOOL


def _b_callable(frame, n, args, kwargs):
    return BOOL


def _b_repr(frame, n, args, kwargs):
    frame.flag(n, "LP102", ALLOCATES, "repr() builds a new str")
    return of("str")


def _b_format(frame, n, args, kwargs):
    frame.flag(n, "LP102", ALLOCATES, "format() builds a new str")
    return of("str")


def _b_divmod(frame, n, args, kwargs):
    frame.flag(n, "LP106", ALLOCATES, "divmod() builds a tuple")
    return of("tuple")


def _b_round(frame, n, args, kwargs):
    port = frame.port
    v = args[0] if args else UNKNOWN
    if len(args) > 1 and not args[1].only("none"):
        if v.only("int", "bool"):
            return v
        if port.floats_boxed:
            frame.flag(n, "LP103", ALLOCATES if v.only("float") else MAY, "round(x, n) makes a float")
        return of("float")
    if v.only("int", "bool"):
        return v
    frame.flag(n, "LP203", MAY, "round() of a float may make a big int")
    return of("int")


def _b_pow(frame, n, args, kwargs):
    if len(args) == 3:
        m = args[2]
        lo, hi = m.int_bounds()
        if (
            lo is not None
            and lo > 0
            and frame.port.is_small(lo, hi)
            and all(a.only("int", "bool") for a in args[:2])
        ):
            a_lo, a_hi = args[0].int_bounds()
            if a_lo is not None and frame.port.is_small(a_lo, a_hi):
                # pow(a, b, m) with small ints still works through mpz temporaries on the heap
                frame.flag(n, "LP104", ALLOCATES, "pow(a, b, m) computes with big-int temporaries")
                return int_range(0, hi - 1)
        frame.flag(n, "LP104", MAY, "pow(a, b, m) may use big ints")
        return of("int")
    if len(args) == 2:
        return binop(frame, n, ast.Pow(), args[0], args[1], False)
    return UNKNOWN


def _b_bin(frame, n, args, kwargs):
    frame.flag(n, "LP102", ALLOCATES, "bin()/hex()/oct() builds a new str")
    return of("str")


def _b_globals(frame, n, args, kwargs):
    return of("dict")


def _b_unknown(frame, n, args, kwargs):
    frame.flag(n, "LP201", MAY, "a built-in that runs or loads code")
    return UNKNOWN


_BUILTIN_HANDLERS = {
    "len": _b_len,
    "abs": _b_abs,
    "min": _b_minmax,
    "max": _b_minmax,
    "print": _b_print,
    "isinstance": _b_isinstance,
    "issubclass": _b_isinstance,
    "id": _b_id,
    "hash": _b_hash,
    "ord": _b_ord,
    "chr": _b_chr,
    "iter": _b_iter,
    "next": _b_next,
    "sorted": _b_sorted,
    "sum": _b_sum,
    "any": _b_anyall,
    "all": _b_anyall,
    "getattr": _b_getattr,
    "setattr": _b_setattr,
    "hasattr": _b_hasattr,
    "delattr": _b_hasattr,
    "callable": _b_callable,
    "repr": _b_repr,
    "format": _b_format,
    "divmod": _b_divmod,
    "round": _b_round,
    "pow": _b_pow,
    "bin": _b_bin,
    "hex": _b_bin,
    "oct": _b_bin,
    "globals": _b_globals,
    "locals": _b_globals,
    "dir": _b_unknown,
    "input": _b_unknown,
    "open": _b_unknown,
    "exec": _b_unknown,
    "eval": _b_unknown,
    "compile": _b_unknown,
    "__import__": _b_unknown,
    "vars": _b_unknown,
    "help": _b_unknown,
}


# ---- methods of built-in and lp_pool types -------------------------------------------------------
def _free(result=None):
    return ("free", result)


def _alloc(code, msg, result=None):
    return ("alloc", code, msg, result)


def _may(code, msg, result=None):
    return ("may", code, msg, result)


_STR_BUILD = "builds a new str"
METHODS = {
    "list": {
        "append": _may("LP206", "list.append() reallocates the list when it is full"),
        "insert": _may("LP206", "list.insert() reallocates the list when it is full"),
        "extend": _may("LP206", "list.extend() reallocates the list when it runs out of room"),
        "pop": _may(
            "LP207",
            "list.pop() shrinks the list when it is half empty: a realloc, which fails under the heap lock",
            "elem",
        ),
        "remove": _may("LP207", "list.remove() shrinks the list when it is half empty"),
        "clear": _alloc("LP207", "list.clear() reallocates the list's storage: fails under the heap lock"),
        "index": _free("idx"),
        "count": _free("idx"),
        "reverse": _free(),
        "sort": "sort",
        "copy": _alloc("LP106", "list.copy() builds a new list", "same"),
    },
    "dict": {
        "get": "dict_get",
        "setdefault": _may("LP206", "dict.setdefault() of a new key grows the dict", "elem"),
        "pop": _free("elem"),
        "popitem": _alloc("LP106", "dict.popitem() builds a tuple", "tuple"),
        "items": _alloc("LP111", "dict.items() makes a view object", "view:items"),
        "keys": _alloc("LP111", "dict.keys() makes a view object", "view:keys"),
        "values": _alloc("LP111", "dict.values() makes a view object", "view:values"),
        "update": _may("LP206", "dict.update() grows the dict for new keys"),
        "clear": _free(),
        "copy": _alloc("LP106", "dict.copy() builds a new dict", "same"),
        "fromkeys": _alloc("LP106", "dict.fromkeys() builds a new dict", "same"),
    },
    "set": {
        "add": _may("LP206", "set.add() of a new item grows the set"),
        "update": _may("LP206", "set.update() grows the set"),
        "remove": _free(),
        "discard": _free(),
        "pop": _free(),
        "clear": _free(),
        "copy": _alloc("LP106", "set.copy() builds a new set", "same"),
        "union": _alloc("LP106", "builds a new set", "same"),
        "intersection": _alloc("LP106", "builds a new set", "same"),
        "difference": _alloc("LP106", "builds a new set", "same"),
        "symmetric_difference": _alloc("LP106", "builds a new set", "same"),
        "issubset": _free("bool"),
        "issuperset": _free("bool"),
        "isdisjoint": _free("bool"),
    },
    "tuple": {"index": _free("idx"), "count": _free("idx")},
    "str": {
        "find": _free("idx"),
        "rfind": _free("idx"),
        "index": _free("idx"),
        "rindex": _free("idx"),
        "count": _free("idx"),
        "startswith": _free("bool"),
        "endswith": _free("bool"),
        "isdigit": _free("bool"),
        "isalpha": _free("bool"),
        "isspace": _free("bool"),
        "isupper": _free("bool"),
        "islower": _free("bool"),
        "format": "str_format",
        "join": _alloc("LP102", "str.join() " + _STR_BUILD, "same"),
        "split": _alloc("LP102", "split() builds a list of new strings", "list"),
        "rsplit": _alloc("LP102", "rsplit() builds a list of new strings", "list"),
        "splitlines": _alloc("LP102", "splitlines() builds a list of new strings", "list"),
        "partition": _alloc("LP102", "partition() builds a tuple of new strings", "tuple"),
        "rpartition": _alloc("LP102", "rpartition() builds a tuple of new strings", "tuple"),
        "upper": _alloc("LP102", "upper() " + _STR_BUILD, "same"),
        "lower": _alloc("LP102", "lower() " + _STR_BUILD, "same"),
        "center": _alloc("LP102", "center() " + _STR_BUILD, "same"),
        "strip": "strip",
        "lstrip": "strip",
        "rstrip": "strip",
        "replace": "replace",
        "encode": _alloc("LP102", "encode() builds a new bytes", "bytes"),
        "decode": _may("LP102", "decode() builds a new str (unless the text is an existing qstr)", "str"),
        "hex": _alloc("LP102", "hex() builds a new str", "str"),
    },
    "bytearray": {
        "append": _may("LP206", "bytearray.append() reallocates when the bytearray has no spare room"),
        "extend": _may("LP206", "bytearray.extend() reallocates when the bytearray has no spare room"),
        "decode": _may("LP102", "decode() builds a new str (unless the text is an existing qstr)", "str"),
        "hex": _alloc("LP102", "hex() builds a new str", "str"),
    },
    "int": {"to_bytes": _alloc("LP102", "to_bytes() builds a new bytes", "bytes")},
    "LpVec": {
        "append": _free(),
        "extend": "lp_extend",
        "insert": _free(),
        "pop": "vec_item",
        "remove": _free(),
        "index": _free("idx"),
        "count": _free("idx"),
        "clear": _free(),
        "reverse": _free(),
        "sort": _free(),
        "copy": _free("same"),
        "slice": _free("same"),
        "reserve": _free(),
        "shrink_to_fit": _free(),
        "free": _free(),
        "tolist": _alloc("LP106", "tolist() builds a list (and boxes floats/big ints)", "list"),
    },
    "LpString": {
        "append": _free(),
        "extend": "lp_extend",
        "insert": _free(),
        "pop": "char",
        "clear": _free(),
        "truncate": _free(),
        "write": _free("idx"),
        "find": _free("idx"),
        "rfind": _free("idx"),
        "index": _free("idx"),
        "rindex": _free("idx"),
        "count": _free("idx"),
        "startswith": _free("bool"),
        "endswith": _free("bool"),
        "slice": _free("same"),
        "strip": _free("same"),
        "lstrip": _free("same"),
        "rstrip": _free("same"),
        "lower": _free("same"),
        "upper": _free("same"),
        "replace": _free("same"),
        "reserve": _free(),
        "free": _free(),
    },
    "LpBuffer": {"resize": _free(), "free": _free()},
    "LpBox": {"free": _free()},
    "LpBTreeMap": {
        "get": "map_value",
        "pop": "map_value",
        "setdefault": "map_value",
        "update": "lp_extend",
        "clear": _free(),
        "free": _free(),
        "keys": _free("lpview:keys"),
        "values": _free("lpview:values"),
        "items": _free("lpview:items"),
        "range": _free("lpview:keys"),
        "min": "map_key",
        "max": "map_key",
        "floor": "map_key",
        "ceiling": "map_key",
        "pop_min": _alloc("LP106", "pop_min() builds a (key, value) tuple", "tuple"),
        "pop_max": _alloc("LP106", "pop_max() builds a (key, value) tuple", "tuple"),
        "get_into": _free("idx"),
        "_check": _free("bool"),
    },
    "LpMemoryPool": {
        "stats": _alloc("LP106", "pool.stats() builds a dict", "dict"),
        "check": _free("bool"),
        "reserve": _free("idx"),  # raises RuntimeError under the heap lock (lp_mempool.c): no allocation
        "close": _free(),
        "buffer": _free("LpBuffer"),
        # under the heap lock meta() raises RuntimeError (or NotImplementedError without tracking)
        "meta": _free("list"),
        "scope": _may(
            "LP106", "pool.scope() makes a context object on builds with allocation tracking", "ctxv"
        ),
        "run": "run",
    },
    "stream": {"write": _free("idx"), "flush": _free()},
    "exc": {},
    "iter": {},
    "gen": {"send": "gen_send", "close": _free(), "throw": "gen_send"},
    "bytes": None,  # filled below from str
}
METHODS["bytes"] = {k: v for k, v in METHODS["str"].items() if k not in ("encode", "format")}
METHODS["bytes"]["decode"] = _may(
    "LP102", "decode() builds a new str (unless the text is an existing qstr)", "str"
)


def method_call(frame, n, recv_node, recv: V, attr: str, args, kwargs) -> V:
    # pool.run(fn, ...)
    if attr == "run" and recv_node is not None and is_pool_expr(recv_node, recv):
        if args:
            _entry(frame, n, args[0], args[1:], {k: v for k, v in kwargs.items() if k != "scope"}, "run")
        return UNKNOWN
    if recv.is_("module"):
        if isinstance(recv.ref, ModuleInfo):
            target = recv.ref.facts.get(attr, UNKNOWN)
        else:
            target = module_attr(recv.ref, attr)
        return call_value(frame, n, target, args, kwargs)
    if recv.is_("inst") and isinstance(recv.ref, ClassInfo):
        m, found, certain = frame.an.lookup_method(recv.ref, attr)
        if m is not None:
            if "staticmethod" in m.decorators:
                return frame.call_user(n, m, args, kwargs)
            if "classmethod" in m.decorators:
                return frame.call_user(n, m, args, kwargs, self_value=of("class", ref=recv.ref))
            return frame.call_user(n, m, args, kwargs, self_value=recv)
        v = frame.an.inst_attr(recv.ref, attr)
        if v is not None and not v.unknown:
            return call_value(frame, n, v, args, kwargs)
        frame.flag(n, "LP201", MAY, f"{recv.ref.name}.{attr}() is not a method the checker can see")
        return UNKNOWN
    if recv.is_("class") and isinstance(recv.ref, ClassInfo):
        m, found, certain = frame.an.lookup_method(recv.ref, attr)
        if m is not None:
            if "classmethod" in m.decorators:
                return frame.call_user(n, m, args, kwargs, self_value=recv)
            return frame.call_user(n, m, args, kwargs)
        frame.flag(n, "LP201", MAY, f"{recv.ref.name}.{attr}() is not a method the checker can see")
        return UNKNOWN
    if recv.is_("type"):
        return builtin_call(frame, n, f"{recv.ref}.{attr}", args, kwargs)
    if recv.kinds is None or len(recv.kinds - {"none"}) != 1:
        frame.flag(n, "LP201", MAY, f".{attr}() on a value of unknown type")
        frame.an.escape(list(args) + list(kwargs.values()))
        return UNKNOWN
    kind = next(iter(recv.kinds - {"none"}))
    if kind == "ext":
        return ext_method(frame, n, recv, attr, args, kwargs)
    table = METHODS.get(kind)
    if table is None or attr not in table:
        frame.flag(n, "LP201", MAY, f"{kind}.{attr}() is not modelled")
        return UNKNOWN
    spec = table[attr]
    return _apply_method(frame, n, recv, kind, attr, spec, args, kwargs)


def map_keys(m: V) -> V:
    """The keys of an LpBTreeMap, kept as a container fact of their own."""
    if isinstance(m.ref, tuple) and m.ref and m.ref[0] == "site":
        return of("LpBTreeMap", ref=m.ref + ("keys",))
    return of("LpBTreeMap")


def _result(frame, recv: V, kind, tag):
    port = frame.port
    if tag is None:
        return NONE
    if tag == "idx":
        return int_range(-1, port.small_max)
    if tag == "bool":
        return BOOL
    if tag == "elem":
        return frame.an.heap_elem(recv) if recv.only("list", "dict", "set") else (recv.elem or UNKNOWN)
    if tag == "same":
        return of(kind, ref=recv.ref, elem=recv.elem, ascii=recv.ascii)
    if tag.startswith("view:"):
        return of("dictview", ref=tag[5:], elem=recv.elem)
    if tag.startswith("lpview:"):
        return of("lpview", ref=(tag[7:], recv))
    if tag == "ctxv":
        return of("ctx")
    return of(tag)


def _apply_method(frame, n, recv, kind, attr, spec, args, kwargs):
    if kind in ("list", "dict", "set") and attr in (
        "append",
        "insert",
        "extend",
        "setdefault",
        "update",
        "add",
    ):
        if attr in ("append", "add") and args:
            frame.an.heap_store(recv, args[0])
        elif attr == "insert" and len(args) > 1:
            frame.an.heap_store(recv, args[1])
        elif attr == "setdefault" and len(args) > 1:
            frame.an.heap_store(recv, args[1])
        else:
            frame.an.heap_store(recv, UNKNOWN)
    if isinstance(spec, tuple):
        if spec[0] == "free":
            return _result(frame, recv, kind, spec[1])
        verdict = ALLOCATES if spec[0] == "alloc" else MAY
        frame.flag(n, spec[1], verdict, spec[2])
        return _result(frame, recv, kind, spec[3])
    if spec == "sort":
        if "key" in kwargs:
            call_value(frame, n, kwargs["key"], [recv.elem or UNKNOWN], {})
        return NONE
    if spec == "dict_get":
        v = frame.an.heap_elem(recv)
        return join(v, args[1]) if len(args) > 1 else join(v, NONE)
    if spec == "str_format":
        frame.flag(n, "LP102", ALLOCATES, "str.format() builds a new str")
        return of("str")
    if spec == "strip":
        if recv.has_const and all(a.has_const for a in args):
            try:
                out = getattr(recv.const, attr)(*[a.const for a in args])
            except (TypeError, ValueError):
                return UNKNOWN
            if out == recv.const or out == "":
                return recv
        frame.flag(n, "LP102", MAY, f"{attr}() builds a new str unless there is nothing to strip")
        return of(kind)
    if spec == "replace":
        frame.flag(n, "LP102", MAY, "replace() builds a new str unless nothing is replaced")
        return of(kind)
    if spec == "vec_item":
        return vec_item(frame, n, recv, "pop()")
    if spec == "char":
        return char_item(frame, n, recv, "pop()")
    if spec == "lp_extend" and kind == "LpBTreeMap":
        frame.an.heap_store(recv, UNKNOWN if args else join_all(list(kwargs.values())))
        frame.an.heap_store(map_keys(recv), UNKNOWN)
    if spec == "lp_extend":
        if args:
            a = args[0]
            if not a.only(
                "LpVec",
                "LpString",
                "str",
                "bytes",
                "bytearray",
                "memoryview",
                "list",
                "tuple",
                "dict",
                "LpBTreeMap",
                "LpBuffer",
                "array",
            ):
                _iter_arg(frame, n, a)
        return NONE
    if spec == "map_value":
        if attr == "setdefault" and len(args) > 1:
            frame.an.heap_store(recv, args[1])
            frame.an.heap_store(map_keys(recv), args[0])
        v = frame.an.heap_elem(recv)
        if attr in ("get", "pop") and len(args) > 1:
            v = join(v, args[1])
        elif attr == "get":
            v = join(v, NONE)
        return stored_value(frame, n, v, f"{attr}() (the value)")
    if spec == "map_key":
        k = stored_value(frame, n, frame.an.heap_elem(map_keys(recv)), f"{attr}() (a key)")
        return join(k, NONE) if attr in ("floor", "ceiling") else k
    if spec == "gen_send":
        return _gen_items(frame, n, recv)
    frame.flag(n, "LP201", MAY, f"{kind}.{attr}() is not modelled")
    return UNKNOWN


# machine objects: methods read off ports/rp2 and ports/esp32 (machine_pin.c, machine_adc.c,
# machine_uart.c, machine_i2c.c, machine_spi.c, machine_pwm.c) that return None, a bool or a small
# int and allocate nothing. Not checked by the corpus (the unix and qemu ports lack these types).
EXT_FREE = {
    "value": "idx",
    "on": None,
    "off": None,
    "toggle": None,
    "high": None,
    "low": None,
    "read_u16": "u16",
    "duty_u16": "u16",
    "duty_ns": "idx",
    "freq": "idx",
    "write": "idx",
    "readinto": "idx",
    "any": "idx",
    "write_readinto": None,
    "readfrom_into": None,
    "writeto": "idx",
    "readfrom_mem_into": None,
    "writeto_mem": None,
    "flush": None,
    "txdone": "bool",
    "irq": None,
}


def ext_method(frame, n, recv, attr, args, kwargs):
    if attr in EXT_FREE:
        tag = EXT_FREE[attr]
        if (
            attr == "write"
            and args
            and not args[0].only(
                "bytes", "bytearray", "LpBuffer", "LpString", "LpVec", "memoryview", "str", "array"
            )
        ):
            frame.flag(n, "LP202", MAY, "write() of a value of unknown type")
        if tag == "u16":
            return int_range(0, 65535)
        if tag == "bool":
            return BOOL
        if tag == "idx":
            return of("int", "none", lo=-1, hi=frame.port.small_max)
        return NONE
    frame.flag(n, "LP201", MAY, f".{attr}() of a {recv.ref or 'library'} object is not modelled")
    return UNKNOWN
