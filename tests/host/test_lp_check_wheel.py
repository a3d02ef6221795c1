"""The lp-pool-host wheel: `make host-wheel` builds it offline into build/host/, and it installs
into a fresh virtual environment (no system site-packages) with a working `lp-check` command and
the lp_pool stubs taken from lp_pool_py/lp_pool/__init__.pyi."""

import re
import subprocess
import sys
import zipfile

import pytest
from harness.runners import LP_ROOT

STUB = LP_ROOT / "lp_pool_py" / "lp_pool" / "__init__.pyi"
VERSION_H = LP_ROOT / "usermod" / "lp_pool" / "lp_version.h"


@pytest.fixture(scope="module")
def wheel():
    proc = subprocess.run(["make", "-s", "-C", str(LP_ROOT), "host-wheel"], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    wheels = sorted((LP_ROOT / "build" / "host").glob("lp_pool_host-*.whl"))
    assert len(wheels) == 1, wheels
    # the build leaves nothing behind in the source tree
    assert not list((LP_ROOT / "lp_pool_py" / "host").glob("*.egg-info"))
    assert not (LP_ROOT / "lp_pool_py" / "host" / "build").exists()
    return wheels[0]


def test_wheel_contents(wheel):
    with zipfile.ZipFile(wheel) as z:
        names = set(z.namelist())
        assert "lp_pool-stubs/__init__.pyi" in names
        assert z.read("lp_pool-stubs/__init__.pyi") == STUB.read_bytes()
        assert {"lp_check/__init__.py", "lp_check/cli.py", "lp_check/analyzer.py"} <= names
        entry = next(n for n in names if n.endswith("entry_points.txt"))
        assert "lp-check = lp_check.cli:main" in z.read(entry).decode()


def test_installs_into_a_fresh_venv_and_runs(wheel, tmp_path):
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    pip = [
        str(venv / "bin" / "python"),
        "-m",
        "pip",
        "install",
        "-q",
        "--no-index",
        "--no-deps",
        "--disable-pip-version-check",
        str(wheel),
    ]
    proc = subprocess.run(pip, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    cmd = venv / "bin" / "lp-check"
    out = subprocess.run([str(cmd), "--version"], capture_output=True, text=True, cwd=tmp_path)
    version = re.search(r'#define LP_POOL_VERSION "([^"]+)"', VERSION_H.read_text()).group(1)
    assert out.returncode == 0 and out.stdout.strip() == f"lp-check {version}", out.stdout + out.stderr
    assert wheel.name.startswith(f"lp_pool_host-{version}-"), wheel.name
    src = tmp_path / "app.py"
    src.write_text(
        "from lp_pool import LpMemoryPool\npool = LpMemoryPool()\ndef f():\n    return [1]\npool.run(f)\n"
    )
    out = subprocess.run([str(cmd), str(src)], capture_output=True, text=True, cwd=tmp_path)
    assert out.returncode == 1 and ":4:12: LP101 allocates" in out.stdout, out.stdout + out.stderr
    # the installed checker is the wheel's, not the source tree's
    where = subprocess.run(
        [str(venv / "bin" / "python"), "-c", "import lp_check, sys; print(lp_check.__file__)"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
    )
    assert str(venv) in where.stdout, where.stdout
    stubs = list(venv.glob("lib/python*/site-packages/lp_pool-stubs/__init__.pyi"))
    assert len(stubs) == 1 and stubs[0].read_bytes() == STUB.read_bytes()
