"""Reading the files: modules, functions, classes, scopes, and the `# lp-check:` comments."""

import ast
import io
import re
import tokenize
from dataclasses import dataclass, field
from pathlib import Path

IGNORE_RE = re.compile(r"#\s*lp-check:\s*ignore\b(?:\[([A-Za-z0-9_,\s]*)\])?")
MARK_RE = re.compile(r"#\s*lp-check:\s*no-alloc\b")


class SourceError(Exception):
    """A file the checker cannot read or parse (exit status 2)."""


@dataclass(eq=False)
class FuncInfo:
    node: ast.AST
    module: "ModuleInfo"
    name: str
    parent: "FuncInfo | None"
    cls: "ClassInfo | None"  # the class whose body defines it
    params: list = field(default_factory=list)  # positional-or-keyword names, in order
    posonly: int = 0
    vararg: str | None = None
    kwonly: list = field(default_factory=list)
    kwarg: str | None = None
    locals: set = field(default_factory=set)
    globals: set = field(default_factory=set)
    nonlocals: set = field(default_factory=set)
    is_gen: bool = False
    is_async: bool = False
    decorators: list = field(default_factory=list)  # decorator names (last dotted part)
    local_facts: dict = field(default_factory=dict)  # name -> V, joined over every binding seen

    @property
    def qualname(self) -> str:
        owner = self.cls.name + "." if self.cls is not None else ""
        return owner + self.name

    def __hash__(self):
        return id(self)

    def __repr__(self):
        return f"<func {self.qualname} {self.module.path}:{self.node.lineno}>"


@dataclass(eq=False)
class ClassInfo:
    node: ast.ClassDef
    module: "ModuleInfo"
    name: str
    methods: dict = field(default_factory=dict)  # name -> FuncInfo
    class_attrs: dict = field(default_factory=dict)  # name -> value node
    inst_attrs: dict = field(default_factory=dict)  # name -> list of value nodes (self.X = ...)
    bases: list | None = None  # resolved lazily: list of ClassInfo or builtin type names

    def __hash__(self):
        return id(self)

    def __repr__(self):
        return f"<class {self.name}>"


class ModuleInfo:
    def __init__(self, path: str, name: str, source: str):
        self.path = path
        self.name = name
        self.source = source
        try:
            self.tree = ast.parse(source, filename=path)
        except SyntaxError as e:
            raise SourceError(f"{path}:{e.lineno or 0}:{e.offset or 0}: syntax error: {e.msg}") from None
        self.ignores: dict[int, set | None] = {}
        self.marks: set[int] = set()
        self._scan_comments()
        self.funcs: dict[ast.AST, FuncInfo] = {}
        self.classes: dict[ast.AST, ClassInfo] = {}
        self.module_scope = FuncInfo(self.tree, self, "<module>", None, None)
        self.facts: dict = {}  # global name -> V over every binding
        self.bound: set[str] = set()  # names bound at module level
        _collect_scope(self.module_scope, self.tree.body)
        self.bound = set(self.module_scope.locals)
        self._index(self.tree.body, None, None)

    def _scan_comments(self):
        # Only lines that mention lp-check are tokenized (tokenizing every file costs more than
        # checking it): a `# lp-check:` inside a string literal is not a comment.
        for line_no, text in enumerate(self.source.splitlines(), 1):
            if "lp-check:" not in text:
                continue
            comment = _comment_of(text)
            if comment is None:
                continue
            m = IGNORE_RE.search(comment)
            if m:
                codes = m.group(1)
                if codes is None or not codes.strip():
                    self.ignores[line_no] = None
                else:
                    wanted = {c.strip().upper() for c in codes.split(",") if c.strip()}
                    old = self.ignores.get(line_no, set())
                    self.ignores[line_no] = None if old is None else old | wanted
            if MARK_RE.search(comment):
                self.marks.add(line_no)

    def ignored(self, line: int, code: str) -> bool:
        if line not in self.ignores:
            return False
        codes = self.ignores[line]
        return codes is None or code in codes

    def _index(self, body, parent: FuncInfo | None, cls: ClassInfo | None):
        for node in body:
            self._index_node(node, parent, cls)

    def _index_node(self, node, parent, cls):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
            name = getattr(node, "name", "<lambda>")
            info = FuncInfo(node, self, name, parent, cls)
            _fill_params(info, node.args)
            info.is_async = isinstance(node, ast.AsyncFunctionDef)
            if isinstance(node, ast.Lambda):
                body = [ast.Return(node.body)]
            else:
                body = node.body
                info.decorators = [_dotted_last(d) for d in node.decorator_list]
            self_name = (
                info.params[0]
                if cls is not None and info.params and not isinstance(node, ast.Lambda)
                else None
            )
            _collect_scope(info, body, cls if self_name else None, self_name)
            self.funcs[node] = info
            if cls is not None and not isinstance(node, ast.Lambda):
                cls.methods[name] = info
            if isinstance(node, ast.Lambda):
                self._index_children(node.body, info)
            else:
                for d in node.decorator_list:
                    self._index_children(d, parent)
                for d in node.args.defaults + [d for d in node.args.kw_defaults if d is not None]:
                    self._index_children(d, parent)
                self._index(node.body, info, None)
            return
        if isinstance(node, ast.ClassDef):
            info = ClassInfo(node, self, node.name)
            self.classes[node] = info
            for stmt in node.body:
                if isinstance(stmt, ast.Assign):
                    for t in stmt.targets:
                        if isinstance(t, ast.Name):
                            info.class_attrs[t.id] = stmt.value
                elif isinstance(stmt, ast.AnnAssign) and isinstance(stmt.target, ast.Name) and stmt.value:
                    info.class_attrs[stmt.target.id] = stmt.value
            for stmt in node.body:
                self._index_node(stmt, parent, info)
            return
        self._index_children(node, parent)

    def _index_children(self, node, parent):
        for child in ast.iter_child_nodes(node):
            if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef)):
                self._index_node(child, parent, None)
            else:
                self._index_children(child, parent)


def _comment_of(line: str) -> str | None:
    try:
        for tok in tokenize.generate_tokens(io.StringIO(line).readline):
            if tok.type == tokenize.COMMENT:
                return tok.string
    except (tokenize.TokenError, SyntaxError, IndentationError):
        i = line.find("#")
        return line[i:] if i >= 0 else None
    return None


def _dotted_last(node) -> str:
    if isinstance(node, ast.Call):
        node = node.func
    if isinstance(node, ast.Attribute):
        return node.attr
    if isinstance(node, ast.Name):
        return node.id
    return ""


def _fill_params(info: FuncInfo, args: ast.arguments):
    info.params = [a.arg for a in args.posonlyargs + args.args]
    info.posonly = len(args.posonlyargs)
    info.vararg = args.vararg.arg if args.vararg else None
    info.kwonly = [a.arg for a in args.kwonlyargs]
    info.kwarg = args.kwarg.arg if args.kwarg else None
    info.locals.update(info.params, info.kwonly)
    if info.vararg:
        info.locals.add(info.vararg)
    if info.kwarg:
        info.locals.add(info.kwarg)


_SCOPES = (
    ast.FunctionDef,
    ast.AsyncFunctionDef,
    ast.Lambda,
    ast.ClassDef,
    ast.ListComp,
    ast.SetComp,
    ast.DictComp,
    ast.GeneratorExp,
)


def _walk_scope(node):
    """ast.walk that stays in one scope: nested functions, lambdas, classes and comprehensions
    are not entered (their names and yields are their own); their names, decorators, defaults and
    bases belong to this scope."""
    todo = [node]
    while todo:
        n = todo.pop()
        if isinstance(n, _SCOPES):
            if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                yield _Binding(n.name)
            if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef)):
                todo.extend(n.decorator_list)
                todo.extend(n.args.defaults)
                todo.extend(d for d in n.args.kw_defaults if d is not None)
            elif isinstance(n, ast.Lambda):
                todo.extend(n.args.defaults)
            elif isinstance(n, ast.ClassDef):
                todo.extend(n.bases)
                todo.extend(n.decorator_list)
            else:
                todo.append(n.generators[0].iter)
            continue
        yield n
        for name in n._fields:
            v = getattr(n, name, None)
            if isinstance(v, ast.AST):
                todo.append(v)
            elif type(v) is list:
                todo.extend(x for x in v if isinstance(x, ast.AST))


class _Binding:
    def __init__(self, name):
        self.name = name


def _collect_scope(info: FuncInfo, body, cls=None, self_name=None):
    """One walk of a scope: its local, global and nonlocal names, whether it yields, and (for a
    method) the attributes it assigns on self."""
    locals_, globals_, nonlocals = info.locals, info.globals, info.nonlocals
    for stmt in body:
        for n in _walk_scope(stmt):
            t = type(n)
            if t is _Binding:
                locals_.add(n.name)
            elif t is ast.Name:
                if type(n.ctx) is not ast.Load:
                    locals_.add(n.id)
            elif t is ast.Global:
                globals_.update(n.names)
            elif t is ast.Nonlocal:
                nonlocals.update(n.names)
            elif t is ast.Import or t is ast.ImportFrom:
                for a in n.names:
                    locals_.add((a.asname or a.name).split(".")[0])
            elif t is ast.ExceptHandler:
                if n.name:
                    locals_.add(n.name)
            elif t is ast.Yield or t is ast.YieldFrom:
                info.is_gen = True
            if self_name is not None and (t is ast.Assign or t is ast.AnnAssign or t is ast.AugAssign):
                if t is ast.Assign:
                    pairs = [(x, n.value) for x in n.targets]
                elif t is ast.AnnAssign:
                    pairs = [(n.target, n.value)]
                else:
                    pairs = [(n.target, ("aug", n))]  # the new value is not the right-hand side
                for x, value in pairs:
                    if type(x) is ast.Attribute and type(x.value) is ast.Name and x.value.id == self_name:
                        cls.inst_attrs.setdefault(x.attr, []).append((info, value))
    locals_ -= globals_
    locals_ -= nonlocals


def module_name_for(path: Path) -> str:
    return path.stem


def find_sources(paths, exclude=()) -> list[Path]:
    """Python files under the given paths, in a stable order."""
    out = []
    for p in paths:
        p = Path(p)
        if p.is_dir():
            for f in sorted(p.rglob("*.py")):
                parts = set(f.relative_to(p).parts)
                if parts & {"__pycache__", ".venv", ".git", "build"}:
                    continue
                if any(f.match(x) for x in exclude):
                    continue
                out.append(f)
        elif p.exists():
            out.append(p)
        else:
            raise SourceError(f"{p}: no such file or directory")
    return out
