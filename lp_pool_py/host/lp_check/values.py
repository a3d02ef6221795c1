"""Abstract values: what the checker knows about a value at one point of the program.

A value is a set of possible kinds (None: any kind at all) plus what is known beyond the kind: an
int interval, an exact constant, the function/class/module it refers to, the typecode of an LpVec,
the element value of a container.
"""

# Kinds. Built-in types by their Python names; lp_pool types by theirs; and a few of the checker's:
#   func (a Python function read from the files), class (a class read from the files), inst (an
#   instance of one), module, builtin (a built-in or library function the checker models), type (a
#   built-in type or class it models, e.g. LpVec, int), method (a bound method value), gen, stream,
#   ext (an object of a library type it knows by name only, e.g. machine.Pin).
import ast

NUMBERS = frozenset({"int", "bool"})
LP_TYPES = ("LpVec", "LpString", "LpBuffer", "LpBox", "LpBTreeMap", "LpMemoryPool")


class _NoValue:
    __slots__ = ()

    def __repr__(self):
        return "NO_VALUE"


NO_VALUE = _NoValue()  # "const" when no exact constant is known


class V:
    """Immutable by convention (never assign to a V after it is made); compared and hashed by value."""

    __slots__ = ("kinds", "lo", "hi", "const", "ref", "elem", "keys", "nonempty", "ascii", "_h", "_items")

    def __init__(
        self,
        kinds=None,
        lo=None,
        hi=None,
        const=NO_VALUE,
        ref=None,
        elem=None,
        keys=None,
        nonempty=False,
        ascii=False,
    ):
        self.kinds = kinds
        self.lo = lo
        self.hi = hi
        self.const = const
        self.ref = ref
        self.elem = elem
        self.keys = keys
        self.nonempty = nonempty
        self.ascii = ascii
        self._h = None
        self._items = None

    def _key(self):
        c = self.const
        return (
            self.kinds,
            self.lo,
            self.hi,
            type(c),
            c,
            self.ref,
            self.elem,
            self.keys,
            self.nonempty,
            self.ascii,
        )

    def __eq__(self, other):
        if self is other:
            return True
        if not isinstance(other, V):
            return NotImplemented
        return self._key() == other._key()

    def __hash__(self):
        h = self._h
        if h is None:
            try:
                h = hash(self._key())
            except TypeError:
                h = hash((self.kinds, self.lo, self.hi))
            self._h = h
        return h

    def __repr__(self):
        c = "" if self.const is NO_VALUE else f", const={self.const!r}"
        return f"V({self.kinds and sorted(self.kinds)}, {self.lo}..{self.hi}{c}, ref={self.ref!r})"

    # ---- queries
    @property
    def unknown(self) -> bool:
        return self.kinds is None

    def only(self, *kinds) -> bool:
        ks = self.kinds
        if ks is None:
            return False
        for k in ks:
            if k not in kinds:
                return False
        return True

    def can_be(self, *kinds) -> bool:
        ks = self.kinds
        if ks is None:
            return True
        for k in kinds:
            if k in ks:
                return True
        return False

    def is_(self, kind) -> bool:
        ks = self.kinds
        return ks is not None and len(ks) == 1 and kind in ks

    @property
    def has_const(self) -> bool:
        return self.const is not NO_VALUE

    def int_bounds(self) -> tuple[int | None, int | None]:
        """The interval of the value as an int (bools are 0..1)."""
        if self.kinds is None:
            return None, None
        lo, hi = None, None
        first = True
        for k in self.kinds:
            if k == "bool":
                klo, khi = 0, 1
            elif k == "int":
                klo, khi = self.lo, self.hi
            else:
                continue
            if first:
                lo, hi, first = klo, khi, False
            else:
                lo = None if lo is None or klo is None else min(lo, klo)
                hi = None if hi is None or khi is None else max(hi, khi)
        return lo, hi


def of(*kinds, **kw) -> V:
    return V(frozenset(kinds), **kw)


UNKNOWN = V()
NONE = of("none", const=None)
BOOL = of("bool")


def int_range(lo, hi) -> V:
    if lo is not None and lo == hi:
        return V(frozenset(("int",)), lo, hi, const=lo)
    return V(frozenset(("int",)), lo, hi)


def const(value) -> V:
    if value is None:
        return NONE
    if isinstance(value, bool):
        return of("bool", const=value)
    if isinstance(value, int):
        return int_range(value, value)
    if isinstance(value, float):
        return of("float", const=value)
    if isinstance(value, complex):
        return of("complex", const=value)
    if isinstance(value, str):
        return of("str", const=value, nonempty=bool(value), ascii=value.isascii())
    if isinstance(value, bytes):
        return of("bytes", const=value, nonempty=bool(value))
    if isinstance(value, tuple):
        items = [const(v) for v in value]
        e = join_all(items) if items else None
        return of("tuple", const=value, elem=e)
    return UNKNOWN


def _join_bound(a, b, pick):
    if a is None or b is None:
        return None
    return pick(a, b)


def join(a: V, b: V) -> V:
    if a is b or a == b:
        return a
    if a.kinds is None or b.kinds is None:
        return UNKNOWN
    kinds = a.kinds | b.kinds
    a_int = "int" in a.kinds
    b_int = "int" in b.kinds
    if a_int and b_int:
        lo = _join_bound(a.lo, b.lo, min)
        hi = _join_bound(a.hi, b.hi, max)
    elif a_int:
        lo, hi = a.lo, a.hi
    elif b_int:
        lo, hi = b.lo, b.hi
    else:
        lo = hi = None
    c = (
        a.const
        if (a.has_const and b.has_const and a.const == b.const and type(a.const) is type(b.const))
        else NO_VALUE
    )
    ref = _join_ref(a, b)
    elem = None
    if a.elem is not None and b.elem is not None:
        elem = join(a.elem, b.elem)
    elif a.elem is not None and not (b.kinds & _ELEM_KINDS):
        elem = a.elem
    elif b.elem is not None and not (a.kinds & _ELEM_KINDS):
        elem = b.elem
    keys = a.keys & b.keys if a.keys is not None and b.keys is not None else None
    nonempty = _both(a, b, "nonempty")
    ascii_ = _both(a, b, "ascii")
    return V(kinds, lo, hi, c, ref, elem, keys, nonempty, ascii_)


_REF_KINDS = frozenset({"func", "class", "inst", "module", "builtin", "type", "LpVec", "method", "ext"})
_ELEM_KINDS = frozenset({"list", "tuple", "dict", "set", "LpVec", "LpBTreeMap"})
_TEXT = frozenset({"str", "bytes", "LpString"})


def _join_ref(a: V, b: V):
    if a.ref == b.ref:
        return a.ref
    # Optional[LpVec('h')] keeps its typecode: the other side has no ref of its own.
    if b.ref is None and not (b.kinds & _REF_KINDS):
        return a.ref
    if a.ref is None and not (a.kinds & _REF_KINDS):
        return b.ref
    return None


def _both(a: V, b: V, attr: str) -> bool:
    # A property of text values holds for the join when every text side has it.
    a_text = bool(a.kinds & _TEXT)
    b_text = bool(b.kinds & _TEXT)
    if a_text and b_text:
        return getattr(a, attr) and getattr(b, attr)
    if a_text:
        return getattr(a, attr)
    if b_text:
        return getattr(b, attr)
    return False


def join_all(values) -> V:
    values = list(values)
    if not values:
        return UNKNOWN
    out = values[0]
    for v in values[1:]:
        out = join(out, v)
    return out


def widen(old: V, new: V) -> V:
    """Join for loops: a bound that keeps moving is dropped, so a loop's fixpoint is reached."""
    j = join(old, new)
    if j.kinds is None or "int" not in j.kinds or old.kinds is None or "int" not in old.kinds:
        return j
    lo, hi = j.lo, j.hi
    if lo != old.lo:
        lo = None
    if hi != old.hi:
        hi = None
    if (lo, hi) == (j.lo, j.hi):
        return j
    return V(j.kinds, lo, hi, NO_VALUE, j.ref, j.elem, j.keys, j.nonempty, j.ascii)


def is_pool_expr(node, value: V) -> bool:
    """A pool: an LpMemoryPool value, current_pool(), or a name/attribute that says pool."""
    if value.is_("LpMemoryPool"):
        return True
    if value.kinds is not None and "LpMemoryPool" in value.kinds:
        return True
    if not value.unknown:
        return False
    name = None
    if isinstance(node, ast.Name):
        name = node.id
    elif isinstance(node, ast.Attribute):
        name = node.attr
    elif isinstance(node, ast.Call):
        callee = node.func
        if isinstance(callee, ast.Name) and callee.id in ("LpMemoryPool", "current_pool"):
            return True
        if isinstance(callee, ast.Attribute) and callee.attr in ("LpMemoryPool", "current_pool"):
            return True
    return name is not None and "pool" in name.lower()
