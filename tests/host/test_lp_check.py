"""lp-check on the host: what it finds (the sample with known allocations, each kind of checked
code), the command line (exit codes, presets, options, output), the examples, the rules table in
docs/lp-check.md, and that it needs only the standard library."""

import ast
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
from harness.runners import LP_ROOT

HOST = LP_ROOT / "lp_pool_py" / "host"
sys.path.insert(0, str(HOST))

import lp_check  # noqa: E402
from lp_check.port import PRESETS  # noqa: E402

SAMPLE = LP_ROOT / "tests" / "lpcheck" / "sample_allocations.py"
DOC = LP_ROOT / "docs" / "lp-check.md"


def lp_check_cli(*args, cwd=LP_ROOT):
    env = {"PYTHONPATH": str(HOST), "PATH": "/usr/bin:/bin"}
    return subprocess.run(
        [sys.executable, "-m", "lp_check", *map(str, args)], capture_output=True, text=True, cwd=cwd, env=env
    )


def check(src: str, port="rp2"):
    return lp_check.check_sources({"t.py": src}, PRESETS[port]).findings


def codes(src: str, port="rp2"):
    return sorted((f.line, f.code, f.verdict) for f in check(src, port))


def expected_from_comments(path: Path):
    out = []
    for no, line in enumerate(path.read_text().splitlines(), 1):
        m = re.search(r"# expect: ([^#]*)", line)
        if not m:
            continue
        for item in m.group(1).split(","):
            code, verdict = item.strip().split(" ", 1)
            out.append((no, code, verdict.strip()))
    return sorted(out)


def test_sample_reports_exactly_its_known_allocations():
    result = lp_check.check_paths([SAMPLE], PRESETS["rp2"])
    got = sorted((f.line, f.code, f.verdict) for f in result.findings)
    want = expected_from_comments(SAMPLE)
    assert len(want) >= 14
    assert got == want
    kinds = {e.kind for e in result.entries}
    assert kinds == {"run", "with", "guarded", "irq", "marked"}, kinds


def test_examples_check_clean():
    proc = lp_check_cli("examples/")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert proc.stdout == ""


def test_cli_exit_codes_and_output(tmp_path):
    proc = lp_check_cli(SAMPLE)
    assert proc.returncode == 1
    first = proc.stdout.splitlines()[0]
    assert re.match(
        r"^.*sample_allocations\.py:\d+:\d+: LP\d{3} (allocates|may allocate|error): .+", first
    ), first
    assert "    hint: " in proc.stdout and "    via: " in proc.stdout
    # only certain verdicts fail with --fail-on allocates; a file with only "may" passes then
    maybe = tmp_path / "maybe.py"
    maybe.write_text(
        "import lp_pool\npool = lp_pool.LpMemoryPool()\nlst = []\ndef f():\n    lst.append(1)\npool.run(f)\n"
    )
    assert lp_check_cli(maybe).returncode == 1
    assert lp_check_cli(maybe, "--fail-on", "allocates").returncode == 0
    assert lp_check_cli(maybe, "--ignore", "LP206").returncode == 0
    assert lp_check_cli(maybe, "--select", "LP101").returncode == 0
    bad = tmp_path / "bad.py"
    bad.write_text("def f(:\n")
    proc = lp_check_cli(bad)
    assert proc.returncode == 2 and "syntax error" in proc.stderr
    assert lp_check_cli(tmp_path / "missing.py").returncode == 2
    assert lp_check_cli(maybe, "--select", "LP999").returncode == 2
    assert lp_check_cli().returncode == 2
    assert lp_check_cli(maybe, "--mpy-version", "one").returncode == 2
    version = lp_check_cli("--version")
    assert version.returncode == 0 and version.stdout.strip() == f"lp-check {lp_check.__version__}"


def test_json_output_and_rule_list():
    proc = lp_check_cli(SAMPLE, "--format", "json")
    data = json.loads(proc.stdout)
    assert data["findings"] and {"path", "line", "col", "code", "verdict", "message", "hint", "via"} <= set(
        data["findings"][0]
    )
    listed = lp_check_cli("--list-rules").stdout
    for code in lp_check.RULES:
        assert code in listed


def test_entry_kinds():
    base = "from lp_pool import LpMemoryPool, guarded\nimport machine\npool = LpMemoryPool()\n"
    assert codes(base + "def f():\n    return [1]\npool.run(f)\n") == [(5, "LP101", "allocates")]
    assert codes(base + "def f():\n    with pool:\n        x = [1]\n") == [(6, "LP101", "allocates")]
    assert codes(base + "async def c():\n    x = [1]\nasync def m():\n    await guarded(c(), pool)\n") == [
        (5, "LP101", "allocates")
    ]
    irq = "def h(p):\n    x = [1]\nmachine.Pin(1).irq(h, hard=True)\n"
    assert codes(base + irq) == [(5, "LP101", "allocates")]
    # a soft IRQ handler runs with the heap free: not checked
    assert codes(base + irq.replace("hard=True", "hard=False")) == []
    assert codes(base + "def no_alloc(f):\n    return f\n@no_alloc\ndef f():\n    return [1]\n") == [
        (8, "LP101", "allocates")
    ]
    assert codes(base + "def f():  # lp-check: no-alloc\n    return [1]\n") == [(5, "LP101", "allocates")]
    # code that is never checked, and the escape hatch
    assert codes(base + "def f():\n    return [1]\n") == []
    src = (
        base
        + "from lp_pool import with_global_alloc\ndef f():\n    with with_global_alloc():\n        x = [1]\n"
    )
    assert codes(src + "pool.run(f)\n") == []


def test_calls_are_followed_into_the_files_read():
    src = (
        "from lp_pool import LpMemoryPool\npool = LpMemoryPool()\n"
        "def inner(n):\n    return n * 1000\n"
        "def outer(n):\n    return inner(n) + 1\n"
        "pool.run(outer, 10)\npool.run(outer, 10**7)\n"
    )
    got = check(src)
    # 10**7 * 1000 is not a 31-bit small int, and neither is that plus one
    assert [(f.line, f.code, f.verdict) for f in got] == [
        (4, "LP104", "allocates"),
        (6, "LP104", "allocates"),
    ]
    assert any("outer" in v for v in got[0].via)
    assert codes(src, "unix") == []  # 63-bit small ints on unix


def test_port_options_change_verdicts(tmp_path):
    src = tmp_path / "p.py"
    src.write_text(
        "from lp_pool import LpMemoryPool\npool = LpMemoryPool()\nba = bytearray(8)\nf = 1.5\n"
        "def g():\n    ba[0:2] = b'xy'\n    y = f * 2.0\npool.run(g)\n"
    )
    out = lp_check_cli(src, "--no-hints").stdout
    assert "LP105" in out and "LP103" in out
    out = lp_check_cli(src, "--no-hints", "--mpy-version", "1.26").stdout
    assert "LP105" not in out and "LP103" in out
    out = lp_check_cli(src, "--no-hints", "--obj-repr", "C").stdout
    assert "LP105" in out and "LP103" not in out
    out = lp_check_cli(src, "--no-hints", "--mpy-version", "1.26", "--obj-repr", "C").stdout
    assert "LP105" not in out and "LP103" not in out


def test_presets_describe_the_ports():
    for name in ("rp2", "esp32", "qemu"):
        p = PRESETS[name]
        assert (p.version, p.obj_repr, p.small_int_bits, p.word_bits) == ((1, 25), "A", 31, 32)
        assert (p.small_min, p.small_max) == (-(2**30), 2**30 - 1)
    u = PRESETS["unix"]
    assert (u.small_int_bits, u.word_bits, u.small_max) == (63, 64, 2**62 - 1)


def test_suppression_comment():
    src = "from lp_pool import LpMemoryPool\npool = LpMemoryPool()\ndef f():\n    return [1]{}\npool.run(f)\n"
    assert codes(src.format("")) == [(4, "LP101", "allocates")]
    assert codes(src.format("  # lp-check: ignore")) == []
    assert codes(src.format("  # lp-check: ignore[LP101]")) == []
    assert codes(src.format("  # lp-check: ignore[LP102]")) == [(4, "LP101", "allocates")]


def test_yield_in_guard_is_an_error():
    src = "from lp_pool import LpMemoryPool\npool = LpMemoryPool()\n"
    src += "async def c():\n    with pool:\n        await x()\n"
    assert (5, "LP401", "error") in codes(src)


def test_standard_library_only():
    allowed = set(sys.stdlib_module_names)
    for f in (HOST / "lp_check").glob("*.py"):
        for node in ast.walk(ast.parse(f.read_text())):
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0:
                names = [node.module]
            else:
                continue
            for n in names:
                assert n.split(".")[0] in allowed, f"{f.name} imports {n}"


def test_docs_rules_table_matches_the_rules():
    text = DOC.read_text()
    rows = dict(re.findall(r"^\| (LP\d{3}) \| ([^|\d][^|]*) \|", text, re.M))
    assert set(rows) == set(lp_check.RULES), set(rows) ^ set(lp_check.RULES)
    for code, rule in lp_check.RULES.items():
        assert rule.source.split(" ")[0] in text, f"{code}: cite {rule.source} in the docs"


@pytest.mark.parametrize("lines", [400])
def test_benchmark_script_runs(lines):
    proc = subprocess.run(
        [
            sys.executable,
            str(LP_ROOT / "tools" / "bench_lp_check.py"),
            "--lines",
            str(lines),
            "--repeat",
            "1",
        ],
        capture_output=True,
        text=True,
    )
    assert proc.returncode == 0, proc.stderr
    assert re.search(r"lp-check on \d+ lines .* s CPU", proc.stdout), proc.stdout


def test_docs_python_blocks_run_on_unix(tmp_path):
    """Every ```python block of docs/lp-check.md runs on the unix port (board-only ones say why)."""
    from harness.runners import UnixRunner

    runner = UnixRunner()
    runner.check_available()
    blocks = re.findall(r"^```python([^\n]*)\n(.*?)^```", DOC.read_text(), re.M | re.S)
    assert blocks
    for i, (info, code) in enumerate(blocks):
        if info.strip().startswith("board-only:"):
            continue
        script = tmp_path / f"doc_block_{i}.py"
        script.write_text(code)
        result = runner.run(script)
        assert result.returncode == 0 and "Traceback" not in result.output, (
            f"block {i}:\n{code}\n{result.output}"
        )
        # and lp-check finds nothing to report in it
        assert lp_check.check_paths([script], PRESETS["rp2"]).findings == [], code


def test_calls_across_files_and_awaited_coroutines(tmp_path):
    (tmp_path / "util.py").write_text("def helper(x):\n    return [x]\n\n\ndef safe(x):\n    return x + 1\n")
    (tmp_path / "app.py").write_text(
        "import util\nfrom util import safe\nfrom lp_pool import LpMemoryPool, guarded\n"
        "pool = LpMemoryPool()\n"
        "def f(n):\n    y = safe(n)\n    return util.helper(y)\npool.run(f, 3)\n"
        "async def inner(n):\n    return (n, [n])\nasync def outer():\n    x = await inner(3)\n"
        "async def main():\n    await guarded(outer(), pool)\n"
    )
    result = lp_check.check_paths([tmp_path], PRESETS["rp2"])
    got = sorted((Path(f.path).name, f.line, f.code) for f in result.findings)
    assert got == [
        ("app.py", 10, "LP101"),
        ("app.py", 10, "LP101"),
        ("app.py", 12, "LP108"),
        ("util.py", 2, "LP101"),
    ]


def test_loop_bounds_follow_the_trip_count():
    head = "from lp_pool import LpMemoryPool\npool = LpMemoryPool()\n"
    linear = (
        head + "def f():\n    t = 0\n    for i in range(100):\n        t += i\n    return t\npool.run(f)\n"
    )
    assert codes(linear) == []
    over = linear.replace("range(100)", "range(100000)").replace("t += i", "t += 100000")
    assert codes(over) == [(6, "LP104", "may allocate")]  # t may pass 2**30 on the way
    nonlinear = linear.replace("range(100)", "range(100000)").replace("t += i", "t = t + 1 + (t >> 10)")
    assert (6, "LP203", "may allocate") in codes(nonlinear)
