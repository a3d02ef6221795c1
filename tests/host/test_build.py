"""Checks of the build itself: board settings reach the binary, build lists stay in step."""

import os
import re
import subprocess

from harness.runners import LP_ROOT, UnixRunner

USERMOD = LP_ROOT / "usermod" / "lp_pool"


def mk_sources():
    text = (USERMOD / "micropython.mk").read_text()
    return sorted(re.findall(r"\$\(LP_POOL_MOD_DIR\)/(\S+\.c)", text))


def cmake_sources():
    text = (USERMOD / "micropython.cmake").read_text()
    return sorted(re.findall(r"\$\{CMAKE_CURRENT_LIST_DIR\}/(\S+\.c)", text))


def test_make_and_cmake_build_the_same_sources():
    assert mk_sources(), "no sources found in micropython.mk"
    assert mk_sources() == cmake_sources()
    for name in mk_sources():
        assert (USERMOD / name).is_file(), name


def test_every_c_file_of_the_module_is_built():
    on_disk = sorted(p.name for p in USERMOD.glob("*.c"))
    assert on_disk == mk_sources()


def run_unix(code: str) -> str:
    runner = UnixRunner()
    runner.check_available()
    proc = subprocess.run([str(runner.binary), "-c", code], capture_output=True, text=True, timeout=10)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return proc.stdout.strip()


def test_arena_size_comes_from_the_unix_board():
    text = (LP_ROOT / "boards" / "unix" / "mpconfigvariant.h").read_text()
    expr = re.search(r"#define LP_POOL_ARENA_SIZE \(([^)]*)\)", text).group(1)
    expected = eval(expr, {})  # a plain arithmetic expression such as 1024 * 1024
    assert int(run_unix("import lp_pool; print(lp_pool.arena_size())")) == expected


def test_version_comes_from_its_one_place():
    text = (USERMOD / "lp_version.h").read_text()
    version = re.search(r'#define LP_POOL_VERSION "([^"]+)"', text).group(1)
    assert run_unix("import lp_pool; print(lp_pool.version)") == version
    # Nothing else in the repository writes it down (package.json and the wheel get it at build time).
    for path in [*LP_ROOT.glob("lp_pool_py/**/*.json"), *LP_ROOT.glob("lp_pool_py/**/pyproject.toml")]:
        assert version not in path.read_text(), path


def test_lp_pool_is_frozen_not_read_from_disk(tmp_path):
    # Run from an empty folder with only frozen modules on the path: the import can only be frozen.
    runner = UnixRunner()
    runner.check_available()
    env = dict(os.environ, MICROPYPATH=".frozen")
    code = "import lp_pool; print(lp_pool.__file__)"
    proc = subprocess.run(
        [str(runner.binary), "-c", code],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env=env,
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "lp_pool/__init__.py", proc.stdout


def test_second_build_is_incremental():
    """`make unix` right after a build compiles nothing, relinks nothing and downloads nothing."""
    binary = UnixRunner().binary
    before = binary.stat().st_mtime_ns
    env = {k: v for k, v in os.environ.items() if not k.startswith("MAKE") and k != "MFLAGS"}
    proc = subprocess.run(
        ["make", "-C", str(LP_ROOT), "unix"], capture_output=True, text=True, env=env, timeout=300
    )
    out = proc.stdout + proc.stderr
    assert proc.returncode == 0, out
    log = (LP_ROOT / "build" / "unix" / "build.log").read_text()
    assert "Including User C Module" in log, log  # the log is the port's, from this very run
    assert not re.search(r"^(CC|LINK) ", log, re.M), log
    assert not re.search(r"^(fetch:|built )", out, re.M), out
    assert binary.stat().st_mtime_ns == before


def test_switching_allocation_tracking_rebuilds():
    """`make unix LP_POOL_ALLOC_META=1` after `make unix` gives a tracking binary, and back again.

    The port's make rebuilds nothing when only a flag changes: without the Makefile's stamp the
    first command linked the old objects and printed nothing wrong.
    """
    env = {k: v for k, v in os.environ.items() if not k.startswith("MAKE") and k != "MFLAGS"}
    for meta in ("1", "0"):
        proc = subprocess.run(
            ["make", "-C", str(LP_ROOT), "unix", f"LP_POOL_ALLOC_META={meta}"],
            capture_output=True,
            text=True,
            env=env,
            timeout=600,
        )
        out = proc.stdout + proc.stderr
        assert proc.returncode == 0, out
        assert f"LP_POOL_ALLOC_META is now {meta}, building afresh" in out, out
        assert run_unix("import lp_pool; print(lp_pool.alloc_meta)") == str(meta == "1")


def test_stub_lists_every_public_name():
    # The .pyi stub must name everything the package exports, and nothing it does not.
    import ast

    stub = ast.parse((LP_ROOT / "lp_pool_py" / "lp_pool" / "__init__.pyi").read_text())
    names = set()
    for node in stub.body:
        if isinstance(node, ast.ClassDef | ast.FunctionDef):
            names.add(node.name)
        elif isinstance(node, ast.AnnAssign):
            names.add(node.target.id)
    names = {n for n in names if not n.startswith("_")}
    code = "import lp_pool; print(' '.join(sorted(n for n in dir(lp_pool) if not n.startswith('_'))))"
    exported = set(run_unix(code).split())
    assert names == exported


def test_wrapped_function_layout_lp_run_relies_on():
    # lp_run.c unwraps bound methods and closures by reading the word after the base: check the
    # MicroPython tree still lays both out that way.
    from harness.runners import MICROPY_DIR

    for name, field in (("objboundmeth.c", "meth"), ("objclosure.c", "fun")):
        text = (MICROPY_DIR / "py" / name).read_text()
        assert re.search(
            r"typedef struct _mp_obj_\w+_t \{\s*mp_obj_base_t base;\s*mp_obj_t " + field + ";", text
        ), name
