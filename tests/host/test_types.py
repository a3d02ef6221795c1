"""The type stub (lp_pool_py/lp_pool/__init__.pyi) type-checks ordinary code: mypy --strict and
pyright (strict), both pinned in tests/requirements.txt, over examples/ and tests/types/sample.py,
which uses every public name of lp_pool and also runs on the unix port.

pyright comes with Node.js as a wheel (its [nodejs] extra) and its JavaScript inside the PyPI
package, so neither a system nodejs nor the network is needed once the venv is made.
"""

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from harness.runners import BUILD_DIR, LP_ROOT, UnixMetaRunner, UnixRunner

BIN = Path(sys.executable).parent
STUB = LP_ROOT / "lp_pool_py" / "lp_pool" / "__init__.pyi"
SAMPLE = LP_ROOT / "tests" / "types" / "sample.py"
PYRIGHT_CONFIG = LP_ROOT / "tests" / "types" / "pyrightconfig.json"


def run(argv, **env):
    proc = subprocess.run(
        argv, cwd=LP_ROOT, capture_output=True, text=True, timeout=300, env=dict(os.environ, **env)
    )
    return proc.returncode, proc.stdout + proc.stderr


def test_mypy_strict():
    code, out = run(
        [
            str(BIN / "mypy"),
            "--strict",
            "--python-version",
            "3.11",
            "--cache-dir",
            str(BUILD_DIR / "mypy-cache"),
            str(STUB),
            str(SAMPLE),
            str(LP_ROOT / "examples"),
        ],
        MYPYPATH=str(LP_ROOT / "lp_pool_py"),
    )
    assert code == 0 and "Success: no issues found in" in out, out


def test_pyright_strict():
    # No version check against PyPI at run time: the pinned version is the one that counts.
    code, out = run([str(BIN / "pyright"), "-p", str(PYRIGHT_CONFIG)], PYRIGHT_PYTHON_IGNORE_WARNINGS="1")
    assert code == 0 and "0 errors" in out, out
    # The config checks what it should: the stub, the sample and every example.
    code, out = run(
        [str(BIN / "pyright"), "-p", str(PYRIGHT_CONFIG), "--verbose"], PYRIGHT_PYTHON_IGNORE_WARNINGS="1"
    )
    examples = len(list((LP_ROOT / "examples").glob("*.py")))
    assert f"Found {examples + 2} source files" in out, out


def test_a_mistake_is_reported(tmp_path):
    # The checkers see the stub's types: an int vector's item is an int, not a str.
    bad = tmp_path / "bad.py"
    bad.write_text('from lp_pool import LpVec\n\nitem: str = LpVec("i")[0]\n')
    code, out = run(
        [str(BIN / "mypy"), "--strict", "--no-incremental", str(bad)], MYPYPATH=str(LP_ROOT / "lp_pool_py")
    )
    assert code == 1 and 'expression has type "int", variable has type "str"' in out, out
    config = tmp_path / "pyrightconfig.json"
    config.write_text(json.dumps({"include": ["bad.py"], "extraPaths": [str(LP_ROOT / "lp_pool_py")]}))
    code, out = run([str(BIN / "pyright"), "-p", str(config)], PYRIGHT_PYTHON_IGNORE_WARNINGS="1")
    assert code == 1 and '"int" is not assignable to declared type "str"' in out, out


@pytest.mark.parametrize("runner_class", [UnixRunner, UnixMetaRunner], ids=["unix", "unix-meta"])
def test_the_sample_runs(runner_class):
    runner = runner_class()
    runner.check_available()
    result = runner.run(SAMPLE)
    assert result.returncode == 0 and result.output.endswith("sample ok\n"), result.output


def test_the_stub_and_the_sample_cover_every_public_name():
    runner = UnixMetaRunner()
    runner.check_available()
    proc = subprocess.run(
        [str(runner.binary), "-c", "import lp_pool\nprint(' '.join(n for n in dir(lp_pool) if n[0] != '_'))"],
        capture_output=True,
        text=True,
        env=dict(os.environ, MICROPYPATH=".frozen"),
        timeout=30,
    )
    public = set(proc.stdout.split()) - {"guarded_step"}  # guarded()'s engine, not for programs
    assert {"LpVec", "reset", "print_memory_stats"} <= public, proc.stdout + proc.stderr
    stub = STUB.read_text()
    declared = set(re.findall(r"^(?:def|class) (\w+)|^(\w+): ", stub, re.M))
    declared = {a or b for a, b in declared}
    assert public <= declared, f"not in the stub: {sorted(public - declared)}"
    sample = SAMPLE.read_text()
    assert all(re.search(rf"\b{name}\b", sample) for name in public), [n for n in public if n not in sample]
