"""The lp-check corpus: snippets run under the heap lock on the VM, and checked by lp-check.

A corpus file (`corpus/<topic>.snip`) holds snippets:

    === name
    #! needs: time            (optional: modules the target must have, else the snippet is skipped)
    #! lock: run              (optional: run the body with pool.run() instead of heap_lock())
    setup lines               (module level, run with the heap unlocked)
    ---
    body lines                (the body of `def _lp_body():`, run with the heap locked)

Lines before the first `===` are comments. A snippet without `---` has no setup. Every snippet
program starts with PRELUDE. The body must not be able to swallow a MemoryError: `validate()`
rejects handlers that could catch one and other ways to hide an allocation from the driver.
"""

import ast
import re
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
CORPUS_DIR = HERE / "corpus"
DRIVER = HERE / "driver.py"

PRELUDE = (
    "import micropython\n"
    "from lp_pool import LpBox, LpBTreeMap, LpBuffer, LpMemoryPool, LpString, LpVec\n"
    "pool = LpMemoryPool()\n"
)
PRELUDE_LINES = PRELUDE.count("\n")
BODY_DEF = "def _lp_body():  # lp-check: no-alloc\n"

_SWALLOWERS = {"Exception", "BaseException", "MemoryError"}


@dataclass
class Snippet:
    topic: str
    name: str
    setup: list
    body: list
    file: Path
    setup_line: int  # corpus-file line of the first setup line
    body_line: int  # corpus-file line of the first body line
    needs: list = field(default_factory=list)
    lock: str = "heap"
    separated: bool = False

    @property
    def id(self) -> str:
        return f"{self.topic}/{self.name}"

    def program(self) -> str:
        body = self.body or ["pass"]
        return (
            PRELUDE
            + "".join(line + "\n" for line in self.setup)
            + BODY_DEF
            + "".join(("    " + line if line.strip() else "") + "\n" for line in body)
        )

    def corpus_line(self, program_line: int) -> str:
        """Where a line of program() comes from, as file:line."""
        n = program_line - PRELUDE_LINES
        if n <= 0:
            return f"<prelude>:{program_line}"
        if n <= len(self.setup):
            return f"{self.file.name}:{self.setup_line + n - 1}"
        n -= len(self.setup) + 1
        if n <= 0:
            return f"{self.file.name}:{self.body_line - 1}"
        return f"{self.file.name}:{self.body_line + n - 1}"

    def body_range(self) -> range:
        start = PRELUDE_LINES + len(self.setup) + 2
        return range(start, start + max(1, len(self.body)))


def parse_file(path: Path) -> list:
    topic = path.stem
    out = []
    cur = None
    section = None
    for no, raw in enumerate(path.read_text().splitlines(), 1):
        line = raw.rstrip()
        m = re.match(r"^=== (\S+)\s*$", line)
        if m:
            cur = Snippet(topic, m.group(1), [], [], path, no + 1, no + 1)
            out.append(cur)
            section = "setup"
            continue
        if cur is None:
            continue
        if line == "---" and section == "setup":
            section = "body"
            cur.body_line = no + 1
            cur.separated = True
            continue
        d = re.match(r"^#! (\w+): (.*)$", line)
        if d and section == "setup" and not cur.setup:
            key, value = d.group(1), d.group(2).strip()
            if key == "needs":
                cur.needs = value.split()
            elif key == "lock":
                cur.lock = value
            else:
                raise ValueError(f"{path}:{no}: unknown directive {key}")
            cur.setup_line = no + 1
            continue
        if section == "setup":
            cur.setup.append(line)
        else:
            cur.body.append(line)
    for s in out:
        if not s.separated:
            # no `---`: everything is the body
            s.body, s.setup = s.setup, []
            s.body_line = s.setup_line
        while s.body and not s.body[-1].strip():
            s.body.pop()
        while s.setup and not s.setup[-1].strip():
            s.setup.pop()
    return out


def load(corpus_dir: Path = CORPUS_DIR) -> list:
    snippets = []
    for f in sorted(corpus_dir.glob("*.snip")):
        snippets.extend(parse_file(f))
    return snippets


def validate(s: Snippet) -> list:
    """Reasons this snippet could hide an allocation from the driver (empty: fine)."""
    problems = []
    try:
        tree = ast.parse(s.program())
    except SyntaxError as e:
        return [f"syntax error at program line {e.lineno}: {e.msg}"]
    for node in ast.walk(tree):
        if isinstance(node, ast.ExceptHandler):
            names = []
            if node.type is None:
                problems.append("a bare `except:` could swallow MemoryError")
            elif isinstance(node.type, ast.Tuple):
                names = [e.id for e in node.type.elts if isinstance(e, ast.Name)]
            elif isinstance(node.type, ast.Name):
                names = [node.type.id]
            else:
                problems.append("an except clause the validator cannot read")
            bad = [n for n in names if n in _SWALLOWERS]
            if bad:
                problems.append(f"`except {', '.join(bad)}` could swallow MemoryError")
        if isinstance(node, ast.FunctionDef) and node.name == "__exit__":
            for sub in ast.walk(node):
                if (
                    isinstance(sub, ast.Return)
                    and sub.value is not None
                    and not (isinstance(sub.value, ast.Constant) and sub.value.value in (None, False))
                ):
                    problems.append("an __exit__ that may return true swallows exceptions")
        if isinstance(node, ast.Attribute) and node.attr in ("heap_unlock", "throw"):
            problems.append(f".{node.attr} could hide an allocation from the lock")
        if isinstance(node, ast.Name) and node.id in ("with_global_alloc",) and s.lock != "run":
            problems.append("with_global_alloc needs `#! lock: run`")
    # names used in except clauses must not be rebound to MemoryError
    for node in ast.walk(tree):
        if isinstance(node, ast.ClassDef):
            for b in node.bases:
                if isinstance(b, ast.Name) and b.id == "MemoryError":
                    problems.append(f"class {node.name} derives from {b.id}")
    return problems


def chunk_script(snippets) -> str:
    lines = [DRIVER.read_text()]
    for s in snippets:
        lines.append(f"_lp_snippet({s.id!r}, {s.program()!r}, {s.lock!r}, {s.needs!r})\n")
    lines.append("print('@@ done')\n")
    return "".join(lines)


@dataclass
class VmResult:
    status: str  # ok, mem, pool, exc, skip, setup, missing
    line: int | None = None
    detail: str = ""


def parse_results(output: str) -> dict:
    out = {}
    for line in output.splitlines():
        if not line.startswith("@ ") or line.startswith("@@"):
            continue
        parts = line.split(" ")
        name, status = parts[1], parts[2]
        rest = parts[3:]
        res = VmResult(status, detail=" ".join(rest))
        if status == "mem" and rest and rest[0].isdigit():
            res.line = int(rest[0])
        if status == "exc" and len(rest) > 1 and rest[1].isdigit():
            res.line = int(rest[1])
        out[name] = res
    return out
