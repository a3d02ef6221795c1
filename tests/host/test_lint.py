"""All Python in the repository is formatted and linted with ruff (tools/ruff.toml)."""

import subprocess
import sys
from pathlib import Path

from harness.runners import LP_ROOT

RUFF = Path(sys.executable).with_name("ruff")
CONFIG = LP_ROOT / "tools" / "ruff.toml"
PATHS = [str(LP_ROOT / d) for d in ("lp_pool_py", "tests", "tools", "examples")]


def ruff(*args):
    proc = subprocess.run([str(RUFF), *args, "--config", str(CONFIG), *PATHS], capture_output=True, text=True)
    return proc.returncode, proc.stdout + proc.stderr


def test_ruff_format():
    code, out = ruff("format", "--check")
    assert code == 0, f"run `make format`:\n{out}"


def test_ruff_check():
    code, out = ruff("check")
    assert code == 0, out
