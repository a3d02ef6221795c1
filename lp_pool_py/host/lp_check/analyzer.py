"""The checker: finds the code that runs with the GC heap locked and walks it with abstract values.

Code that must not allocate (a *guarded region*): a function given to `pool.run()`, the body of
`with pool:`, a coroutine given to `guarded()`, a hard IRQ handler, a function marked
`@no_alloc` or `# lp-check: no-alloc`. Inside one, every expression is evaluated over abstract
values (values.py) and each construct that allocates on the GC heap, or may, becomes a finding.
Calls into functions read from the files are followed with the argument values of the call.
"""

import ast
from dataclasses import dataclass

from . import models
from .port import Port
from .project import ClassInfo, FuncInfo, ModuleInfo
from .rules import ALLOCATES, ERROR, MAY, RULES
from .values import (
    BOOL,
    NONE,
    UNKNOWN,
    V,
    const,
    int_range,
    is_pool_expr,
    join,
    join_all,
    of,
    widen,
)

MAX_DEPTH = 24  # calls followed from an entry
MAX_CONTEXTS = 6  # argument signatures analysed per function before they are merged
LOOP_ROUNDS = 4  # loop iterations before bounds that still move are widened


@dataclass(frozen=True)
class Finding:
    path: str
    line: int
    col: int
    code: str
    verdict: str
    message: str
    via: tuple = ()

    @property
    def hint(self) -> str:
        return RULES[self.code].hint

    def key(self):
        return (self.path, self.line, self.col, self.code)


@dataclass
class Entry:
    kind: str  # run, with, guarded, irq, marked
    path: str
    line: int
    target: str


class Analyzer:
    def __init__(self, port: Port):
        self.port = port
        self.modules: dict[str, ModuleInfo] = {}
        self.findings: dict = {}
        self.entries: list[Entry] = []
        self._memo: dict = {}
        self._contexts: dict = {}
        self._active: set = set()
        self._done_entries: set = set()
        self._defaults_cache: dict = {}
        self.final = False
        self._escaped_before = (set(), set())
        self._units: dict = {}
        self._unit = None
        self._escape_changed = True
        # Element values of the lists/dicts/sets made at each display, joined over every store the
        # walk sees; a container handed to code the checker cannot see loses them.
        self.heap: dict = {}
        self._attr_extra: dict = {}
        # Closed world: a function the files only call (directly, through run(), as an IRQ handler)
        # is scanned with the join of the arguments of those calls; one that escapes (stored, passed
        # elsewhere, returned) or is never called is scanned with unknown arguments.
        self.callsites: dict = {}
        self.fn_escaped: set = set()  # (class, attribute) -> values stored from outside the class
        self.escaped: set = set()
        self._heap_next: dict = {}
        self._callsites_next: dict = {}
        self._extra_next: dict = {}
        # What each function returns, from its own walk in the previous round: quiet walks use it
        # instead of following the call (each function body is walked once per round).
        self.summaries: dict = {}
        self._summaries_next: dict = {}

    # ---- loading
    def add_module(self, module: ModuleInfo):
        name = module.name
        if name in self.modules:  # two files with one stem: keep both, the second under its path
            name = module.path
        self.modules[name] = module

    # ---- findings
    def report(self, module: ModuleInfo, node, code: str, verdict: str, message: str, via):
        line = getattr(node, "lineno", 1)
        col = getattr(node, "col_offset", 0) + 1
        if module.ignored(line, code):
            return
        f = Finding(module.path, line, col, code, verdict, message, tuple(via))
        old = self.findings.get(f.key())
        if old is None or (old.verdict == MAY and verdict == ALLOCATES):
            self.findings[f.key()] = f

    def sorted_findings(self) -> list[Finding]:
        return sorted(self.findings.values(), key=lambda f: (f.path, f.line, f.col, f.code))

    # ---- the passes
    def run(self):
        for _ in range(2):  # twice: imports between the files read see each other's globals
            for module in self.modules.values():
                module.facts = {}
                self._module_facts(module)
        for module in self.modules.values():
            self._global_rebinds(module)
        # Facts about the whole program (containers' element values, call-site arguments, attributes
        # stored from outside a class) are read from the previous walk and written anew in each walk,
        # until a walk writes what it read; bounds that keep moving are widened. The last walk's
        # findings are the answer.
        # Rounds that only walk every scope quietly compute the facts; checked code (the entries) is
        # walked once, in the last round, with the facts of the fixpoint.
        self.final = False
        for round_ in range(12):
            self._round()
            new = (self._heap_next, self._callsites_next, self._extra_next, self._summaries_next)
            old = (self.heap, self.callsites, self._attr_extra, self.summaries)
            if self.final:
                break
            if new == old and self._escaped_before == (self.escaped, self.fn_escaped):
                self.final = True
                continue
            if round_ >= 3:
                new = tuple(_widen_facts(o, n) for o, n in zip(old, new, strict=True))
            self.heap, self.callsites, self._attr_extra, self.summaries = new
            if round_ == 10:
                self.final = True

    def _round(self):
        for module in self.modules.values():
            for cls in module.classes.values():
                cls.__dict__.pop("_attr_cache", None)
        self.findings = {}
        self.entries = []
        self._memo = {}
        self._contexts = {}
        self._done_entries = set()
        self._defaults_cache = {}
        self._heap_next, self._callsites_next, self._extra_next = {}, {}, {}
        self._summaries_next = {}
        now = (set(self.escaped), set(self.fn_escaped))
        self._escape_changed = now != self._escaped_before
        self._escaped_before = now
        for module in self.modules.values():
            self._scan(module)

    # ---- container element facts
    def heap_elem(self, v: V) -> V:
        site = v.ref if isinstance(v.ref, tuple) and v.ref and v.ref[0] == "site" else None
        if site is None:
            return v.elem or UNKNOWN
        # the display's own items until a walk saw stores
        return self._read(("h", site, v.elem))

    def heap_store(self, v: V, value: V):
        site = v.ref if isinstance(v.ref, tuple) and v.ref and v.ref[0] == "site" else None
        if site is None:
            return
        self._write(("h", site, v.elem, value))

    def _compute_attr(self, c: ClassInfo, name: str) -> V:
        """Join of every `self.name = ...` in the class. Assignments that read the attribute itself
        start from the others and are iterated; bounds that keep moving are widened."""

        def refers(node):
            return any(isinstance(n, ast.Attribute) and n.attr == name for n in ast.walk(node))

        assigns = [(m, v) for m, v in c.inst_attrs[name] if v is not None]
        cache = c.__dict__.setdefault("_attr_cache", {})

        def evaluate(method, value):
            frame = Frame(self, c.module, method, {}, guarded=False, quiet=True)
            frame.follow = False
            frame.bind_unknown_params()
            if method not in self.fn_escaped and method in self.callsites:
                frame.env.update(self.callsites[method])
            frame.env[method.params[0]] = of("inst", ref=c)
            if isinstance(value, tuple):  # self.x op= value
                aug = value[1]
                cur = cache.get(name, UNKNOWN)
                return models.binop(frame, aug, aug.op, cur, frame.eval(aug.value), True)
            return frame.eval(value)

        plain = [(m, v) for m, v in assigns if not isinstance(v, tuple) and not refers(v)]
        base = join_all([evaluate(m, v) for m, v in plain]) if plain else UNKNOWN
        rest = [(m, v) for m, v in assigns if (m, v) not in plain]

        def step(est):
            cache[name] = est
            new = base
            for m, v in rest:
                new = join(new, evaluate(m, v))
            return new

        est = base
        for round_ in range(5):
            new = join(est, step(est))
            if new == est:
                break
            est = widen(est, new) if round_ >= 2 else new
        # narrowing: a widened bound that the assignments themselves bound again (x = (...) & 0xFFFF)
        for _ in range(2):
            cand = step(est)
            if cand != est and join(cand, est) == est and join(cand, step(cand)) == cand:
                est = cand
            else:
                break
        cache[name] = est
        return est

    def inst_attr_store(self, cls: ClassInfo, name: str, value: V):
        self._write(("x", (id(cls), name), value))

    def record_call(self, info: FuncInfo, args, kwargs, self_value=None):
        if self_value is not None:
            args = [self_value] + list(args)
        self._write(("c", info, self._bind(info, args, kwargs)))

    def fn_escape(self, v: V):
        if v.kinds is not None and "func" in v.kinds and isinstance(v.ref, FuncInfo):
            self.fn_escaped.add(v.ref)
        if (
            v.kinds is not None
            and "method" in v.kinds
            and isinstance(v.ref, tuple)
            and isinstance(v.ref[0], FuncInfo)
        ):
            self.fn_escaped.add(v.ref[0])

    def escape(self, values):
        for v in values:
            if isinstance(v, V) and isinstance(v.ref, tuple) and v.ref and v.ref[0] == "site":
                self.escaped.add(v.ref)

    def _module_facts(self, module: ModuleInfo):
        frame = Frame(self, module, module.module_scope, {}, guarded=False, quiet=True)
        frame.module_pass = True
        frame.exec_block(module.tree.body)

    def _global_rebinds(self, module: ModuleInfo):
        """Globals that functions rebind (`global x; x += 1`): their facts widen accordingly."""
        for info in module.funcs.values():
            if not info.globals or isinstance(info.node, ast.Lambda):
                continue
            before = {name: module.facts.get(name) for name in info.globals}
            for _ in range(3):
                frame = Frame(self, module, info, {}, guarded=False, quiet=True)
                frame.follow = False
                frame.fact_only = True
                frame.bind_unknown_params()
                frame.exec_block(info.node.body)
            for name in info.globals:
                old = before[name]
                if name in module.facts and old is not None:
                    module.facts[name] = widen(old, module.facts[name])

    def _scan(self, module: ModuleInfo):
        """Walk every scope quietly: entries (run, with pool, guarded, irq) are found where they are.

        Each scope is a unit: what it read of the facts and what it wrote are kept, and a unit whose
        reads are unchanged is not walked again: its writes are replayed (in the last round, units
        that hold entries are walked, so the entries are checked)."""
        if self._unit_walk(module.name):
            frame = Frame(self, module, module.module_scope, dict(module.facts), guarded=False, quiet=True)
            frame.scan = True
            frame.exec_block(module.tree.body)
            self._unit_done()
        for info in list(module.funcs.values()):
            if self._is_marked(info):
                # with the arguments of the calls the files make, like every function (closed world)
                known = None if info in self.fn_escaped else self.callsites.get(info)
                self.entry_function(info, "marked", info.node, module, [], dict(known or {}), via=())
            if isinstance(info.node, ast.Lambda):
                continue
            if not self._unit_walk(info):
                continue
            frame = Frame(self, module, info, {}, guarded=False, quiet=True)
            frame.scan = True
            frame.bind_unknown_params()
            if info.cls is not None and info.params and not info.decorators:
                frame.env[info.params[0]] = of("inst", ref=info.cls)
            if info.parent is None and self._read(("c", info)) is not None:
                frame.env.update(self.callsites[info])
            frame.exec_block(info.node.body)
            result = frame.returns if frame.returns is not None else NONE
            if frame.returns is not None and not _terminates(info.node.body):
                result = join(result, NONE)
            if info.is_gen or info.is_async:
                result = UNKNOWN
            self._write(("s", info, result))
            self._unit_done()

    # ---- units: reads and writes of the facts, per scope
    def _unit_walk(self, key) -> bool:
        """True: walk this scope now (with reads and writes recorded). False: its writes were replayed."""
        unit = self._units.get(key)
        if (
            unit is not None
            and not self._escape_changed
            and not (self.final and unit["entries"])
            and all(self._current(k) == v for k, v in unit["reads"].items())
        ):
            for w in unit["writes"]:
                self._apply(w)
            return False
        self._unit = self._units[key] = {"reads": {}, "writes": [], "entries": False}
        return True

    def _unit_done(self):
        self._unit = None

    def _current(self, key):
        kind = key[0]
        if kind == "h":
            _, site, default = key
            if site in self.escaped:
                return UNKNOWN
            return self.heap.get(site, default or UNKNOWN)
        if kind == "c":
            info = key[1]
            return None if info in self.fn_escaped else self.callsites.get(info)
        if kind == "s":
            return self.summaries.get(key[1], UNKNOWN)
        if kind == "a":
            return self.inst_attr(key[1], key[2], record=False)
        raise KeyError(key)

    def _read(self, key):
        value = self._current(key)
        if self._unit is not None:
            self._unit["reads"].setdefault(key, value)
        return value

    def _write(self, w):
        if self._unit is not None:
            self._unit["writes"].append(w)
        self._apply(w)

    def _apply(self, w):
        kind = w[0]
        if kind == "h":
            _, site, default, value = w
            old = self._heap_next.get(site, default)
            self._heap_next[site] = value if old is None else join(old, value)
        elif kind == "c":
            _, info, bound = w
            old = self._callsites_next.get(info)
            self._callsites_next[info] = (
                bound if old is None else {k: join(old[k], v) if k in old else v for k, v in bound.items()}
            )
        elif kind == "x":
            _, key, value = w
            old = self._extra_next.get(key)
            self._extra_next[key] = value if old is None else join(old, value)
        elif kind == "s":
            _, info, value = w
            self._summaries_next[info] = value

    def mark_entry(self):
        if self._unit is not None:
            self._unit["entries"] = True

    def _is_marked(self, info: FuncInfo) -> bool:
        node = info.node
        if isinstance(node, ast.Lambda):
            return False
        if "no_alloc" in info.decorators:
            return True
        first = min([node.lineno] + [d.lineno for d in node.decorator_list])
        lines = {node.lineno, first - 1, first}
        lines.update(range(first, node.lineno + 1))
        return bool(lines & info.module.marks)

    # ---- entries
    def entry_function(self, info: FuncInfo, kind, site, site_module, args, kwargs, via, self_value=None):
        if kind != "marked":  # a mark is not a call: its arguments are those of the calls seen
            self.record_call(info, args, kwargs, self_value)
            self.mark_entry()
        if not self.final:
            return
        key = (id(info), kind, _sig(args), _sig_kw(kwargs))
        if key in self._done_entries:
            return
        self._done_entries.add(key)
        self.entries.append(Entry(kind, site_module.path, getattr(site, "lineno", 0), info.qualname))
        if info.is_gen and kind in ("run", "with"):
            self.report(
                site_module,
                site,
                "LP401",
                ERROR,
                f"{info.qualname}() is a generator: run() raises TypeError; never yield inside the guard",
                via,
            )
            return
        if info.is_async and kind == "run":
            self.report(
                site_module,
                site,
                "LP401",
                ERROR,
                f"{info.qualname}() is async: run() raises TypeError; use guarded(coro, pool)",
                via,
            )
            return
        label = {
            "run": "run()",
            "irq": "a hard IRQ",
            "guarded": "guarded()",
            "marked": "no-alloc mark",
            "with": "with pool",
        }[kind]
        chain = tuple(via) + (
            f"{info.qualname} via {label} at {site_module.path}:{getattr(site, 'lineno', 0)}",
        )
        self.call_function(
            info,
            args,
            kwargs,
            guarded=True,
            quiet=False,
            via=chain,
            depth=0,
            self_value=self_value,
            entry_kind=kind,
        )

    def call_function(
        self,
        info: FuncInfo,
        args,
        kwargs,
        guarded,
        quiet,
        via,
        depth,
        self_value=None,
        entry_kind=None,
        site=None,
        caller=None,
    ) -> V:
        """Analyse a call of `info` with these argument values; returns what it returns."""
        if self_value is not None:
            args = [self_value] + list(args)
        bound = self._bind(info, args, kwargs)
        sig = tuple(sorted((k, v) for k, v in bound.items()))
        key = (id(info), sig, guarded, quiet, entry_kind == "guarded")
        if key in self._memo:
            return self._memo[key]
        if key in self._active or depth > MAX_DEPTH:
            if guarded and not quiet and caller is not None and depth > MAX_DEPTH:
                caller.flag(site, "LP201", MAY, f"call chain to {info.qualname}() too deep to follow")
            return UNKNOWN
        ctx_key = (id(info), guarded, quiet)
        seen = self._contexts.setdefault(ctx_key, [])
        if sig not in seen:
            if len(seen) >= MAX_CONTEXTS:
                bound = {k: UNKNOWN for k in bound}
                sig = tuple(sorted((k, v) for k, v in bound.items()))
                key = (id(info), sig, guarded, quiet, entry_kind == "guarded")
                if key in self._memo:
                    return self._memo[key]
            else:
                seen.append(sig)
        self._active.add(key)
        try:
            frame = Frame(
                self, info.module, info, dict(bound), guarded=guarded, quiet=quiet, via=via, depth=depth
            )
            frame.coroutine = info.is_async
            frame.follow = depth < MAX_DEPTH
            if isinstance(info.node, ast.Lambda):
                result = frame.eval(info.node.body)
            else:
                frame.exec_block(info.node.body)
                result = frame.returns if frame.returns is not None else NONE
                if frame.returns is not None and not _terminates(info.node.body):
                    result = join(result, NONE)
        finally:
            self._active.discard(key)
        self._memo[key] = result
        return result

    def _bind(self, info: FuncInfo, args, kwargs) -> dict:
        bound = {}
        params = info.params
        defaults = self._defaults(info)
        for i, name in enumerate(params):
            if i < len(args):
                bound[name] = args[i]
            elif name in kwargs:
                bound[name] = kwargs[name]
            elif name in defaults:
                bound[name] = defaults[name]
            else:
                bound[name] = UNKNOWN
        for name in info.kwonly:
            bound[name] = kwargs.get(name, defaults.get(name, UNKNOWN))
        if info.vararg:
            extra = args[len(params) :]
            bound[info.vararg] = of("tuple", elem=join_all(extra)) if extra else of("tuple", const=())
        if info.kwarg:
            bound[info.kwarg] = of("dict")
        node = info.node
        if not isinstance(node, ast.Lambda):
            for a in node.args.posonlyargs + node.args.args + node.args.kwonlyargs:
                if a.annotation is not None and bound.get(a.arg, UNKNOWN).unknown:
                    bound[a.arg] = models.from_annotation(a.annotation, self.port)
        return bound

    def _defaults(self, info: FuncInfo) -> dict:
        cached = self._defaults_cache.get(info)
        if cached is not None:
            return cached
        out = self._defaults_cache[info] = {}
        node = info.node
        args = node.args
        positional = args.posonlyargs + args.args
        scope = info.parent or info.module.module_scope
        frame = Frame(self, info.module, scope, {}, guarded=False, quiet=True)
        frame.follow = False
        for a, d in zip(positional[len(positional) - len(args.defaults) :], args.defaults, strict=True):
            out[a.arg] = frame.eval(d)
        for a, d in zip(args.kwonlyargs, args.kw_defaults, strict=True):
            if d is not None:
                out[a.arg] = frame.eval(d)
        return out

    # ---- classes
    def class_bases(self, cls: ClassInfo) -> list:
        if cls.bases is None:
            cls.bases = []
            frame = Frame(self, cls.module, cls.module.module_scope, {}, guarded=False, quiet=True)
            frame.follow = False
            for b in cls.node.bases:
                v = frame.eval(b)
                if v.is_("class") and isinstance(v.ref, ClassInfo):
                    cls.bases.append(v.ref)
                elif v.is_("type"):
                    cls.bases.append(v.ref)
                else:
                    cls.bases.append(None)  # unknown base
        return cls.bases

    def mro(self, cls: ClassInfo) -> list:
        out, todo = [], [cls]
        while todo:
            c = todo.pop(0)
            if c in out:
                continue
            out.append(c)
            if isinstance(c, ClassInfo):
                todo.extend(self.class_bases(c))
        return out

    def lookup_method(self, cls: ClassInfo, name: str):
        """(FuncInfo or None, found: bool, certain: bool). certain is False when a base is unknown."""
        certain = True
        for c in self.mro(cls):
            if isinstance(c, ClassInfo):
                if name in c.methods:
                    return c.methods[name], True, certain
                if name in c.class_attrs:
                    return None, True, certain
            elif c is None:
                certain = False
            elif name.startswith("__") and name not in ("__init__",):
                # a built-in base (Exception, object...) has the slot natively
                continue
        return None, False, certain

    def is_exception_class(self, cls: ClassInfo) -> bool:
        return any(isinstance(c, str) and c in models.EXCEPTIONS for c in self.mro(cls))

    def has_attr(self, cls: ClassInfo, name: str) -> bool:
        return any(
            isinstance(c, ClassInfo) and (name in c.inst_attrs or name in c.class_attrs)
            for c in self.mro(cls)
        )

    def inst_attr(self, cls: ClassInfo, name: str, record=True) -> V | None:
        """The value of an instance attribute assigned as self.name somewhere in the class, or None."""
        if record and self._unit is not None:
            return self._read(("a", cls, name))
        for c in self.mro(cls):
            if not isinstance(c, ClassInfo):
                continue
            if name in c.inst_attrs:
                cache = getattr(c, "_attr_cache", None)
                if cache is None:
                    cache = c._attr_cache = {}
                if name not in cache:
                    cache[name] = self._compute_attr(c, name)
                return (
                    self._attr_extra.get((id(c), name), cache[name])
                    if (id(c), name) not in self._attr_extra
                    else join(cache[name], self._attr_extra[(id(c), name)])
                )
            if name in c.class_attrs:
                frame = Frame(self, c.module, c.module.module_scope, {}, guarded=False, quiet=True)
                frame.follow = False
                return frame.eval(c.class_attrs[name])
        return None


def _sig(args):
    return tuple(args)


def _sig_kw(kwargs):
    return tuple(sorted(kwargs.items()))


class Frame:
    """One function (or module) being walked, with its environment of abstract values."""

    def __init__(
        self,
        an: Analyzer,
        module: ModuleInfo,
        func: FuncInfo,
        env: dict,
        guarded: bool,
        quiet: bool,
        via=(),
        depth=0,
    ):
        self.an = an
        self.port = an.port
        self.module = module
        self.func = func
        self.env = env
        self.guarded = guarded
        self.quiet = quiet
        self.via = via
        self.depth = depth
        self.returns: V | None = None
        self.falls_off = True
        self.coroutine = False
        self.module_pass = False  # collecting module facts
        self.fact_only = False  # only recording global rebinds
        self.scan = False  # looking for entries
        self.follow = True  # follow calls into functions read from the files
        self.pool_with = 0  # depth of `with pool:` blocks around the current statement

    # ---- findings
    def flag(self, node, code, verdict, message):
        if self.guarded and not self.quiet and node is not None:
            self.an.report(self.module, node, code, verdict, message, self.via)

    def bind_unknown_params(self):
        info = self.func
        for name in info.params + info.kwonly:
            self.env[name] = UNKNOWN
        if info.vararg:
            self.env[info.vararg] = of("tuple")
        if info.kwarg:
            self.env[info.kwarg] = of("dict")

    # ---- names
    def lookup(self, name: str, node=None) -> V:
        info = self.func
        if self.module_pass:
            if name in self.env:
                return self.env[name]
            return models.builtin_value(name, self.port)
        if info is not self.module.module_scope and name in info.locals:
            return self.env.get(name, UNKNOWN)
        if name in info.nonlocals or (info is not self.module.module_scope and name not in info.globals):
            scope = info.parent
            while scope is not None:
                if name in scope.locals:
                    return scope.local_facts.get(name, UNKNOWN)
                scope = scope.parent
        if info is self.module.module_scope and name in self.env:
            return self.env[name]
        if name in self.module.facts:
            return self.module.facts[name]
        if name in self.module.bound:
            return UNKNOWN
        return models.builtin_value(name, self.port)

    def store_name(self, name: str, value: V, node):
        info = self.func
        if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            self.an.fn_escape(value)
        if self.module_pass:
            self.env[name] = value
            old = self.module.facts.get(name)
            self.module.facts[name] = value if old is None else join(old, value)
            return
        if info is self.module.module_scope or name in info.globals:
            if name in info.globals:
                if name not in self.module.bound:
                    self.flag(
                        node,
                        "LP208",
                        MAY,
                        f"global {name} is not assigned at module level: the first store adds it "
                        "to the module's dict",
                    )
                if self.fact_only:
                    old = self.module.facts.get(name)
                    self.module.facts[name] = value if old is None else join(old, value)
            else:
                self.env[name] = value
            return
        if name in info.nonlocals:
            return
        self.env[name] = value
        old = info.local_facts.get(name)
        info.local_facts[name] = value if old is None else join(old, value)

    # ---- statements
    def exec_block(self, stmts):
        for stmt in stmts:
            self.exec(stmt)

    def exec(self, s):
        method = _S_DISPATCH.get(type(s))
        if method is not None:
            method(self, s)
            return
        method = getattr(self, "s_" + type(s).__name__, None)
        if method is None:
            for child in ast.iter_child_nodes(s):
                if isinstance(child, ast.expr):
                    self.eval(child)
            return
        method(s)

    def s_Expr(self, s):
        self.eval(s.value)

    def s_Pass(self, s):
        pass

    def s_Break(self, s):
        pass

    def s_Continue(self, s):
        pass

    def s_Global(self, s):
        pass

    def s_Nonlocal(self, s):
        pass

    def s_Assign(self, s):
        # a, b = b, a (and three names) swap on the stack: no tuple is built (py/compile.c,
        # MICROPY_COMP_DOUBLE_TUPLE_ASSIGN / TRIPLE_TUPLE_ASSIGN)
        if (
            len(s.targets) == 1
            and isinstance(s.targets[0], (ast.Tuple, ast.List))
            and isinstance(s.value, ast.Tuple)
            and len(s.value.elts) == len(s.targets[0].elts) in (2, 3)
            and not any(isinstance(e, ast.Starred) for e in s.value.elts + s.targets[0].elts)
        ):
            values = [self.eval(e) for e in s.value.elts]
            for t, v in zip(s.targets[0].elts, values, strict=True):
                self.store(t, v, s)
            return
        value = self.eval(s.value)
        for t in s.targets:
            self.store(t, value, s)

    def s_AnnAssign(self, s):
        if s.value is None:
            return
        value = self.eval(s.value)
        if value.unknown:
            value = models.from_annotation(s.annotation, self.port)
        self.store(s.target, value, s)

    def s_AugAssign(self, s):
        target = s.target
        if isinstance(target, ast.Name):
            cur = self.lookup(target.id, target)
        elif isinstance(target, ast.Subscript):
            base = self.eval(target.value)
            cur = self.subscript_load(target, base, target.slice, aug=True)
        elif isinstance(target, ast.Attribute):
            base = self.eval(target.value)
            cur = self.attr_load(target, base, target.attr, called=False)
        else:
            cur = UNKNOWN
        rhs = self.eval(s.value)
        result = self.binop(s, s.op, cur, rhs, inplace=True)
        if isinstance(target, ast.Name):
            self.store_name(target.id, result, s)
        elif isinstance(target, ast.Subscript):
            self.subscript_store(target, base, target.slice, result, aug=True)
        elif isinstance(target, ast.Attribute):
            self.attr_store(target, base, target.attr, result)

    def store(self, target, value: V, stmt):
        if isinstance(target, ast.Name):
            self.store_name(target.id, value, stmt)
        elif isinstance(target, (ast.Tuple, ast.List)):
            self.unpack(target, value, stmt)
        elif isinstance(target, ast.Subscript):
            base = self.eval(target.value)
            self.subscript_store(target, base, target.slice, value)
        elif isinstance(target, ast.Attribute):
            base = self.eval(target.value)
            self.attr_store(target, base, target.attr, value)
        elif isinstance(target, ast.Starred):
            self.flag(target, "LP101", ALLOCATES, "a starred target builds a list")
            self.store(target.value, of("list"), stmt)

    def unpack(self, target, value: V, stmt):
        elts = target.elts
        starred = any(isinstance(e, ast.Starred) for e in elts)
        if starred:
            self.flag(target, "LP101", ALLOCATES, "unpacking with a starred target builds a list")
        if value.only("tuple", "list"):
            items = self.const_items(value)
            for i, e in enumerate(elts):
                v = (
                    items[i]
                    if items is not None and i < len(items) and not starred
                    else (value.elem or UNKNOWN)
                )
                self.store(e, v, stmt)
            return
        item = self.iter_item(target, value, what="unpacking")
        for e in elts:
            self.store(e, item, stmt)

    def const_items(self, value: V):
        if value.has_const and isinstance(value.const, tuple):
            return [const(c) for c in value.const]
        items = getattr(value, "_items", None)
        return items

    def s_Delete(self, s):
        for t in s.targets:
            if isinstance(t, ast.Subscript):
                base = self.eval(t.value)
                self.subscript_delete(t, base, t.slice)
            elif isinstance(t, ast.Attribute):
                base = self.eval(t.value)
                if not base.only("inst", "module", "class"):
                    self.unknown_op(t, base, "deleting an attribute of")

    def s_Return(self, s):
        v = self.eval(s.value) if s.value is not None else NONE
        self.an.fn_escape(v)
        self.returns = v if self.returns is None else join(self.returns, v)

    def s_If(self, s):
        # `if False:` / `if True:` and constant tests: the compiler drops the dead branch
        if isinstance(s.test, ast.Constant):
            self.exec_block(s.body if s.test.value else s.orelse)
            return
        self.eval(s.test)
        before = dict(self.env)
        self.narrow(s.test)
        self.exec_block(s.body)
        after_body = self.env
        self.env = dict(before)
        self.narrow(s.test, positive=False)
        self.exec_block(s.orelse)
        self.env = _join_env(after_body, self.env)

    def loop(self, body_fn, trips=None):
        """Walk a loop body to a fixpoint. With a known trip count, ints that grow by the same
        amount every iteration are bounded by that count instead of being widened."""
        entry = dict(self.env)
        if trips is not None and trips <= 1_000_000:
            states = [entry]
            for _ in range(3):
                self.env = dict(states[-1])
                body_fn()
                states.append(_join_env(states[-1], self.env))
                if states[-1] == states[-2]:
                    self.env = states[-1]
                    return
            found = self._accelerate(states, trips)
            if found is not None:
                accel, deltas = found
                self.env = dict(accel)
                body_fn()
                after = self.env
                # the last iteration must not grow faster than the first three did; otherwise the
                # growth is not linear (x += x >> 10) and the loop is widened instead
                if all(_grows_within(accel[k], after.get(k), d) for k, d in deltas.items()):
                    self.env = _join_env(accel, after)
                    return
        state = dict(entry)
        for round_ in range(LOOP_ROUNDS + 4):
            self.env = dict(state)
            body_fn()
            new = _join_env(state, self.env)
            if round_ >= LOOP_ROUNDS:
                new = {k: (widen(state[k], v) if k in state else v) for k, v in new.items()}
            if new == state:
                break
            state = new
        else:
            state = {k: (v if v == entry.get(k) else _lose(v)) for k, v in state.items()}
        self.env = state

    def _accelerate(self, states, trips):
        """The loop-head state before the last of `trips` iterations, when every changing int grows
        linearly over the first three iterations; None otherwise."""
        s0, s1, s2, s3 = states
        head = dict(s3)
        deltas = {}
        for k, v3 in s3.items():
            v0, v1, v2 = s0.get(k), s1.get(k), s2.get(k)
            if v0 == v3:
                continue
            if v0 is None or v1 is None or v2 is None:
                continue
            if not (v3.only("int", "bool") and v0.only("int", "bool")):
                if v1 == v2 == v3:
                    continue
                return None
            bounds = [v.int_bounds() for v in (v0, v1, v2, v3)]
            if any(b[0] is None or b[1] is None for b in bounds):
                return None
            lo_d = [bounds[i][0] - bounds[i + 1][0] for i in range(3)]
            hi_d = [bounds[i + 1][1] - bounds[i][1] for i in range(3)]
            if len(set(lo_d)) != 1 or len(set(hi_d)) != 1:
                if bounds[1] == bounds[2] == bounds[3]:
                    continue
                return None
            n = max(trips - 1, 0)
            head[k] = int_range(bounds[0][0] - lo_d[0] * n, bounds[0][1] + hi_d[0] * n)
            deltas[k] = (lo_d[0], hi_d[0])
        return head, deltas

    def narrow(self, test, positive=True):
        """`while n < 10:` and `if n < 10:`: the names' bounds inside the branch."""
        if not (isinstance(test, ast.Compare) and len(test.ops) == 1):
            return
        left, op, right = test.left, test.ops[0], test.comparators[0]
        flip = {ast.Lt: ast.Gt, ast.Gt: ast.Lt, ast.LtE: ast.GtE, ast.GtE: ast.LtE}
        if not isinstance(left, ast.Name) and isinstance(right, ast.Name) and type(op) in flip:
            left, right, op = right, left, flip[type(op)]()
        if not isinstance(left, ast.Name) or left.id not in self.env:
            return
        cur = self.env[left.id]
        if not cur.only("int"):
            return
        quiet, self.quiet = self.quiet, True
        other = self.eval(right)
        self.quiet = quiet
        if not other.only("int", "bool"):
            return
        olo, ohi = other.int_bounds()
        lo, hi = cur.lo, cur.hi
        if not positive:
            op = {ast.Lt: ast.GtE, ast.GtE: ast.Lt, ast.Gt: ast.LtE, ast.LtE: ast.Gt}.get(
                type(op), type(None)
            )()
        if isinstance(op, ast.Lt) and ohi is not None:
            hi = ohi - 1 if hi is None else min(hi, ohi - 1)
        elif isinstance(op, ast.LtE) and ohi is not None:
            hi = ohi if hi is None else min(hi, ohi)
        elif isinstance(op, ast.Gt) and olo is not None:
            lo = olo + 1 if lo is None else max(lo, olo + 1)
        elif isinstance(op, ast.GtE) and olo is not None:
            lo = olo if lo is None else max(lo, olo)
        else:
            return
        if lo is not None and hi is not None and lo > hi:
            return
        self.env[left.id] = int_range(lo, hi)

    def s_While(self, s):
        def body():
            self.eval(s.test)
            self.narrow(s.test)
            self.exec_block(s.body)

        self.eval(s.test)
        self.loop(body)
        self.exec_block(s.orelse)

    def s_For(self, s):
        self.for_loop(s, is_async=False)

    def s_AsyncFor(self, s):
        self.for_loop(s, is_async=True)

    def for_loop(self, s, is_async):
        it = s.iter
        rng = self.optimised_range(s)
        trips = None
        if rng is not None:
            item = rng
            if rng.only("int") and rng.lo is not None and rng.hi is not None:
                trips = rng.hi - rng.lo + 1
        else:
            iterable = self.eval(it)
            item = self.iter_item(it, iterable, what="a for loop over", node_for_iter=s)

        def body():
            self.store(s.target, item, s)
            self.exec_block(s.body)

        self.loop(body, trips)
        self.exec_block(s.orelse)

    def optimised_range(self, s):
        """`for i in range(...)` compiles to a counter with no range object (py/compile.c
        compile_for_stmt_optimised_range): 1-3 positional args, a constant non-zero step, a name."""
        it = s.iter
        if not (
            isinstance(s.target, ast.Name)
            and isinstance(it, ast.Call)
            and isinstance(it.func, ast.Name)
            and it.func.id == "range"
            and 1 <= len(it.args) <= 3
            and not it.keywords
            and not any(isinstance(a, ast.Starred) for a in it.args)
        ):
            return None
        step = 1
        if len(it.args) == 3:
            sv = self.eval(it.args[2])
            if not (
                sv.has_const
                and isinstance(sv.const, int)
                and not isinstance(sv.const, bool)
                and sv.const != 0
                and self.port.small_min <= sv.const <= self.port.small_max
                and _is_const_expr(it.args[2])
            ):
                return None
            step = sv.const
        if len(it.args) == 1:
            start, stop = const(0), self.eval(it.args[0])
        else:
            start, stop = self.eval(it.args[0]), self.eval(it.args[1])
        slo, shi = self._ints(start, it)
        elo, ehi = self._ints(stop, it)
        small = self.port
        # The counter is incremented by the VM: it stays a small int while the bounds are small ints.
        if step > 0:
            lo, hi = slo, (ehi - 1 if ehi is not None else None)
            last = (ehi + step - 1) if ehi is not None else None
        else:
            lo, hi = (elo + 1 if elo is not None else None), shi
            last = (elo + step + 1) if elo is not None else None
        bounded = all(b is not None for b in (slo, shi, elo, ehi))
        if not bounded or not small.is_small(min(slo, elo), max(shi, ehi)) or not small.is_small(last, last):
            self.flag(
                s,
                "LP203",
                MAY,
                "the range's bounds may not be small ints: the loop counter may become a big int",
            )
            return of("int")
        if hi is not None and lo is not None and hi < lo:
            hi = lo
        return int_range(lo, hi)

    def _ints(self, v: V, node):
        if v.unknown:
            self.flag(node, "LP202", MAY, "range() bound of unknown type")
            return None, None
        return v.int_bounds()

    def s_With(self, s):
        self.with_stmt(s, is_async=False)

    def s_AsyncWith(self, s):
        self.with_stmt(s, is_async=True)

    def with_stmt(self, s, is_async):
        entered_guard = False
        global_alloc = False
        for item in s.items:
            expr = item.context_expr
            v = self.eval(expr)
            if is_pool_expr(expr, v):
                entered_guard = True
                continue
            if (
                isinstance(expr, ast.Call)
                and models.call_name(expr.func) == "with_global_alloc"
                and not expr.args
            ):
                global_alloc = True
                continue
            entered = self.context_enter(expr, v)
            if item.optional_vars is not None:
                self.store(item.optional_vars, entered, s)
        if global_alloc:
            saved = self.guarded
            self.guarded = False
            self.exec_block(s.body)
            self.guarded = saved
            return
        if entered_guard:
            if not self.guarded:
                self.an.mark_entry()
            if not self.guarded and self.scan and self.an.final:
                self.an.entries.append(Entry("with", self.module.path, s.lineno, "with pool"))
                # the block's body is checked in place, with this frame's values so far
                saved = (self.guarded, self.quiet, self.via)
                self.guarded, self.quiet = True, False
                self.via = (f"with pool at {self.module.path}:{s.lineno}",)
                self.pool_with += 1
                self.exec_block(s.body)
                self.pool_with -= 1
                self.guarded, self.quiet, self.via = saved
                return
            self.pool_with += 1
            self.exec_block(s.body)
            self.pool_with -= 1
            return
        self.exec_block(s.body)

    def context_enter(self, expr, v: V) -> V:
        if v.only(*models.SELF_CONTEXT):
            return v
        if v.only("inst") and isinstance(v.ref, ClassInfo):
            enter = self.call_method_of_inst(expr, v, "__enter__", [], {})
            self.call_method_of_inst(expr, v, "__exit__", [NONE, NONE, NONE], {})
            return enter
        if v.unknown or not v.only(*models.SELF_CONTEXT):
            self.flag(
                expr, "LP201", MAY, "a context manager of unknown type: its __enter__/__exit__ may allocate"
            )
        return UNKNOWN

    def s_Try(self, s):
        before = dict(self.env)
        self.exec_block(s.body)
        self.exec_block(s.orelse)
        after = self.env
        for h in s.handlers:
            self.env = _join_env(before, after)
            if h.type is not None:
                if isinstance(h.type, ast.Tuple):
                    # a tuple of names is built at run time (BUILD_TUPLE), when an exception gets here
                    self.flag(
                        h.type,
                        "LP101",
                        MAY,
                        "except (A, B) builds the tuple when an exception reaches the handler",
                    )
                    for e in h.type.elts:
                        self.eval(e)
                else:
                    self.eval(h.type)
            if h.name:
                self.store_name(h.name, of("exc"), h)
            self.exec_block(h.body)
            after = _join_env(after, self.env)
        self.env = after
        self.exec_block(s.finalbody)

    s_TryStar = s_Try

    def s_Raise(self, s):
        if s.exc is not None:
            v = self.eval(s.exc)
            # A built-in exception made under the heap lock is the VM's emergency exception object
            # (py/objexcept.c): no MemoryError, so no finding. A class of yours is an instance.
            if v.is_("class") and isinstance(v.ref, ClassInfo):
                self.flag(s.exc, "LP106", ALLOCATES, f"raising {v.ref.name} creates an instance of it")
        if s.cause is not None:
            self.eval(s.cause)

    def s_Assert(self, s):
        self.eval(s.test)
        if s.msg is not None:
            self.eval(s.msg)

    def s_Import(self, s):
        for a in s.names:
            name = (a.asname or a.name).split(".")[0] if a.asname is None else a.asname
            self.store_name(
                name, models.module_value(a.name if a.asname else a.name.split(".")[0], self.an), s
            )
        if self.func is not self.module.module_scope or self.guarded:
            self.flag(s, "LP210", MAY, "import inside checked code: loads the module unless it is loaded")

    def s_ImportFrom(self, s):
        mod = s.module or ""
        for a in s.names:
            if a.name == "*":
                continue
            self.store_name(a.asname or a.name, models.import_from(mod, a.name, self.an), s)
        if self.func is not self.module.module_scope or self.guarded:
            self.flag(s, "LP210", MAY, "import inside checked code: loads the module unless it is loaded")

    def s_FunctionDef(self, s):
        info = self.module.funcs.get(s)
        for d in s.decorator_list:
            self.eval(d)
        for d in s.args.defaults + [d for d in s.args.kw_defaults if d is not None]:
            self.eval(d)
        if self.guarded:
            self.flag(s, "LP107", ALLOCATES, f"def {s.name} inside checked code makes a function object")
        value = of("func", ref=info)
        if s.decorator_list:
            names = info.decorators if info else []
            if any(n not in ("no_alloc", "staticmethod", "classmethod", "property") for n in names):
                value = UNKNOWN
        self.store_name(s.name, value, s)

    s_AsyncFunctionDef = s_FunctionDef

    def s_ClassDef(self, s):
        info = self.module.classes.get(s)
        for b in s.bases:
            self.eval(b)
        if self.guarded:
            self.flag(s, "LP107", ALLOCATES, f"class {s.name} inside checked code makes a class object")
        self.store_name(s.name, of("class", ref=info), s)

    # ---- expressions
    def eval(self, node) -> V:
        if node is None:
            return NONE
        method = _E_DISPATCH.get(type(node))
        if method is not None:
            return method(self, node)
        method = getattr(self, "e_" + type(node).__name__, None)
        if method is None:
            for child in ast.iter_child_nodes(node):
                if isinstance(child, ast.expr):
                    self.eval(child)
            return UNKNOWN
        return method(node)

    def e_Constant(self, n):
        # Constants, big ints and floats included, are objects made when the code is compiled.
        return const(n.value)

    def e_Name(self, n):
        return self.lookup(n.id, n)

    def e_NamedExpr(self, n):
        v = self.eval(n.value)
        self.store_name(n.target.id, v, n)
        return v

    def e_Tuple(self, n):
        if _is_const_expr(n):
            return const(_const_value(n))
        vals = [self.eval(e) for e in n.elts]
        if any(isinstance(e, ast.Starred) for e in n.elts):
            self.flag(n, "LP101", ALLOCATES, "a tuple display with * unpacking builds a tuple")
            return of("tuple")
        self.flag(n, "LP101", ALLOCATES, "a tuple of non-constant items is built on the GC heap")
        t = of("tuple", elem=join_all(vals) if vals else None)
        object.__setattr__(t, "_items", vals)
        return t

    def e_List(self, n):
        vals = [self.eval(e) for e in n.elts]
        self.flag(n, "LP101", ALLOCATES, "a list display builds a new list")
        return of("list", elem=join_all(vals) if vals else None, ref=("site", id(n)))

    def e_Set(self, n):
        for e in n.elts:
            self.eval(e)
        self.flag(n, "LP101", ALLOCATES, "a set display builds a new set")
        return of("set", ref=("site", id(n)))

    def e_Dict(self, n):
        keys = []
        vals = []
        for k, v in zip(n.keys, n.values, strict=True):
            if k is not None:
                kv = self.eval(k)
                if kv.has_const:
                    keys.append(kv.const)
            vals.append(self.eval(v))
        self.flag(n, "LP101", ALLOCATES, "a dict display builds a new dict")
        all_const = all(k is not None and _is_const_expr(k) for k in n.keys)
        return of(
            "dict",
            elem=join_all(vals) if vals else None,
            keys=frozenset(keys) if all_const else None,
            ref=("site", id(n)),
        )

    def comprehension(self, n, what):
        self.flag(n, "LP101", ALLOCATES, f"a {what} builds a new object (and a function for its scope)")
        saved = dict(self.env)
        for g in n.generators:
            it = self.eval(g.iter)
            item = self.iter_item(g.iter, it, what="a comprehension over")
            self.store(g.target, item, n)
            for c in g.ifs:
                self.eval(c)
        if isinstance(n, ast.DictComp):
            self.eval(n.key)
            self.eval(n.value)
        else:
            self.eval(n.elt)
        self.env = saved

    def e_ListComp(self, n):
        self.comprehension(n, "list comprehension")
        return of("list")

    def e_SetComp(self, n):
        self.comprehension(n, "set comprehension")
        return of("set")

    def e_DictComp(self, n):
        self.comprehension(n, "dict comprehension")
        return of("dict")

    def e_GeneratorExp(self, n):
        self.comprehension(n, "generator expression")
        return of("gen")

    def e_Lambda(self, n):
        self.flag(n, "LP107", ALLOCATES, "a lambda makes a function object")
        return of("func", ref=self.module.funcs.get(n))

    def e_JoinedStr(self, n):
        for part in n.values:
            if isinstance(part, ast.FormattedValue):
                self.eval(part.value)
                if part.format_spec is not None:
                    self.eval(part.format_spec)
        self.flag(n, "LP102", ALLOCATES, "an f-string is a str.format() call that builds a new str")
        return of("str")

    def e_FormattedValue(self, n):
        self.eval(n.value)
        return of("str")

    def e_IfExp(self, n):
        self.eval(n.test)
        return join(self.eval(n.body), self.eval(n.orelse))

    def e_BoolOp(self, n):
        return join_all([self.eval(v) for v in n.values])

    def e_Await(self, n):
        if self.pool_with:
            self.flag(
                n, "LP401", ERROR, "await inside `with pool:` keeps the heap locked while other tasks run"
            )
        v = self.eval(n.value)
        if v.is_("coro") and isinstance(v.ref, tuple) and self.follow:
            # `await coro()` runs the coroutine's body here, in the same guarded step
            info, args, kwargs = v.ref
            via = self.via + (f"{info.qualname}() awaited at {self.module.path}:{n.lineno}",)
            return self.an.call_function(
                info,
                list(args),
                dict(kwargs),
                guarded=self.guarded,
                quiet=self.quiet,
                via=via,
                depth=self.depth + 1,
                site=n,
                caller=self,
            )
        return models.await_result(v)

    def e_Yield(self, n):
        if self.pool_with:
            self.flag(n, "LP401", ERROR, "yield inside `with pool:` keeps the heap locked for the caller")
        if n.value is not None:
            self.eval(n.value)
        return UNKNOWN

    def e_YieldFrom(self, n):
        if self.pool_with:
            self.flag(n, "LP401", ERROR, "yield inside `with pool:` keeps the heap locked for the caller")
        self.eval(n.value)
        return UNKNOWN

    def e_Starred(self, n):
        return self.eval(n.value)

    def e_Slice(self, n):
        for part in (n.lower, n.upper, n.step):
            if part is not None:
                self.eval(part)
        return of("slice")

    def e_UnaryOp(self, n):
        v = self.eval(n.operand)
        if isinstance(n.op, ast.Not):
            self.truth(n.operand, v)
            return BOOL
        return models.unary(self, n, n.op, v)

    def truth(self, node, v: V):
        if v.only("inst") and isinstance(v.ref, ClassInfo):
            for name in ("__bool__", "__len__"):
                m, found, _ = self.an.lookup_method(v.ref, name)
                if m is not None:
                    self.call_user(node, m, [], {}, self_value=v)
                    return

    def e_BinOp(self, n):
        a = self.eval(n.left)
        b = self.eval(n.right)
        return self.binop(n, n.op, a, b)

    def binop(self, node, op, a: V, b: V, inplace=False) -> V:
        return models.binop(self, node, op, a, b, inplace)

    def e_Compare(self, n):
        left = self.eval(n.left)
        for op, right_node in zip(n.ops, n.comparators, strict=True):
            right = self.eval(right_node)
            models.compare(self, n, op, left, right)
            left = right
        return BOOL

    def e_Attribute(self, n):
        base = self.eval(n.value)
        return self.attr_load(n, base, n.attr, called=False)

    def attr_load(self, node, base: V, attr: str, called: bool) -> V:
        return models.attr_load(self, node, base, attr, called)

    def attr_store(self, node, base: V, attr: str, value: V):
        models.attr_store(self, node, base, attr, value)

    def e_Subscript(self, n):
        base = self.eval(n.value)
        return self.subscript_load(n, base, n.slice)

    def subscript_load(self, node, base, index_node, aug=False):
        return models.subscript(self, node, base, index_node, "load", aug=aug)

    def subscript_store(self, node, base, index_node, value, aug=False):
        models.subscript(self, node, base, index_node, "store", value, aug=aug)

    def subscript_delete(self, node, base, index_node):
        models.subscript(self, node, base, index_node, "delete")

    def iter_item(self, node, iterable: V, what="iterating", node_for_iter=None) -> V:
        return models.iterate(self, node, iterable, what)

    def e_Call(self, n):
        return models.call(self, n)

    def unknown_op(self, node, v: V, what: str):
        self.flag(node, "LP202", MAY, f"{what} a value of unknown type")

    # ---- calls into code read from the files
    def call_user(self, node, info: FuncInfo, args, kwargs, self_value=None) -> V:
        if info is None:
            self.flag(node, "LP201", MAY, "a call the checker cannot follow")
            return UNKNOWN
        if info.is_gen or info.is_async:
            what = "async function" if info.is_async else "generator function"
            self.flag(
                node, "LP108", ALLOCATES, f"calling the {what} {info.qualname}() creates a generator object"
            )
            if info.is_async:
                args_ = ([self_value] if self_value is not None else []) + list(args)
                return of("coro", ref=(info, tuple(args_), tuple(sorted(kwargs.items()))))
            args_ = ([self_value] if self_value is not None else []) + list(args)
            return of("gen", ref=(info, tuple(args_)))
        if info.kwarg:
            self.flag(
                node, "LP110", ALLOCATES, f"{info.qualname}() takes **{info.kwarg}: each call builds a dict"
            )
        if info.vararg:
            n_pos = len(args) + (1 if self_value is not None else 0)
            if n_pos > len(info.params):
                self.flag(
                    node,
                    "LP110",
                    ALLOCATES,
                    f"{info.qualname}() takes *{info.vararg}: the extra arguments become a tuple",
                )
        self.an.record_call(info, args, kwargs, self_value)
        if self.scan and not self.guarded:
            return self.an._read(("s", info))
        if not self.follow:
            return UNKNOWN
        via = (
            self.via + (f"{info.qualname}() called at {self.module.path}:{getattr(node, 'lineno', 0)}",)
            if self.guarded and not self.quiet
            else self.via
        )
        return self.an.call_function(
            info,
            args,
            kwargs,
            guarded=self.guarded,
            quiet=self.quiet,
            via=via,
            depth=self.depth + 1,
            self_value=self_value,
            site=node,
            caller=self,
        )

    def call_method_of_inst(self, node, inst: V, name: str, args, kwargs) -> V:
        m, found, certain = self.an.lookup_method(inst.ref, name)
        if m is None:
            if not found or not certain:
                self.flag(node, "LP201", MAY, f"{inst.ref.name}.{name} is not found in the files read")
            return UNKNOWN
        if "staticmethod" in m.decorators:
            return self.call_user(node, m, args, kwargs)
        if "classmethod" in m.decorators:
            return self.call_user(node, m, args, kwargs, self_value=of("class", ref=inst.ref))
        return self.call_user(node, m, args, kwargs, self_value=inst)


def _is_const_expr(node) -> bool:
    if isinstance(node, ast.Constant):
        return True
    if isinstance(node, ast.Tuple):
        return all(_is_const_expr(e) for e in node.elts)
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd, ast.Invert)):
        return isinstance(node.operand, ast.Constant) and isinstance(
            node.operand.value, (int, float, complex)
        )
    return False


def _const_value(node):
    if isinstance(node, ast.Constant):
        return node.value
    if isinstance(node, ast.Tuple):
        return tuple(_const_value(e) for e in node.elts)
    if isinstance(node, ast.UnaryOp):
        v = node.operand.value
        if isinstance(node.op, ast.USub):
            return -v
        if isinstance(node.op, ast.Invert):
            return ~v
        return v
    raise ValueError(node)


_E_DISPATCH = {
    getattr(ast, n[2:]): f for n, f in vars(Frame).items() if n.startswith("e_") and hasattr(ast, n[2:])
}
_S_DISPATCH = {
    getattr(ast, n[2:]): f for n, f in vars(Frame).items() if n.startswith("s_") and hasattr(ast, n[2:])
}


def _grows_within(head: V, after: V | None, delta) -> bool:
    if after is None or not after.only("int", "bool"):
        return False
    lo, hi = head.int_bounds()
    alo, ahi = after.int_bounds()
    if None in (lo, hi, alo, ahi):
        return False
    return alo >= lo - delta[0] and ahi <= hi + delta[1]


def _widen_facts(old: dict, new: dict) -> dict:
    out = {}
    for k, v in new.items():
        if k not in old:
            out[k] = v
        elif isinstance(v, dict):
            out[k] = {p: (widen(old[k][p], x) if p in old[k] else x) for p, x in v.items()}
        else:
            out[k] = widen(old[k], v)
    return out


def _terminates(stmts) -> bool:
    """Whether a block always ends in return or raise (so its function never returns None implicitly)."""
    if not stmts:
        return False
    last = stmts[-1]
    if isinstance(last, (ast.Return, ast.Raise)):
        return True
    if isinstance(last, ast.If):
        return _terminates(last.body) and _terminates(last.orelse)
    if isinstance(last, ast.Try):
        if _terminates(last.finalbody):
            return True
        return _terminates(last.body + last.orelse) and all(_terminates(h.body) for h in last.handlers)
    if isinstance(last, ast.While):
        return (
            isinstance(last.test, ast.Constant)
            and bool(last.test.value)
            and not any(isinstance(n, ast.Break) for n in ast.walk(last))
        )
    if isinstance(last, ast.With):
        return _terminates(last.body)
    return False


def _join_env(a: dict, b: dict) -> dict:
    out = dict(a)
    for k, v in b.items():
        out[k] = join(out[k], v) if k in out else v
    return out


def _lose(v: V) -> V:
    """A value whose loop fixpoint was not reached: keep its kinds, drop what else is known."""
    if v.kinds is None:
        return v
    return V(v.kinds, ref=v.ref)
