"""Checks of the build itself: board settings reach the binary, build lists stay in step."""

import os
import re
import subprocess

import pytest
from harness.runners import LP_ROOT, UnixRunner, built_from

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


def make_env() -> dict[str, str]:
    # A make of its own, not a part of the make that may be running these tests.
    return {k: v for k, v in os.environ.items() if not k.startswith("MAKE") and k != "MFLAGS"}


@pytest.mark.make
def test_second_build_is_incremental():
    """`make unix` right after a build compiles nothing, relinks nothing and downloads nothing."""
    folder = LP_ROOT / "build" / "unix"
    binary = folder / "micropython"
    before = binary.stat().st_mtime_ns
    # The tree this build was made from, named as the session did (another would rebuild it).
    tree = built_from(folder)
    assert tree is not None, f"{folder} has no .lp-tree stamp: build it with make unix"
    proc = subprocess.run(
        ["make", "-C", str(LP_ROOT), "unix", f"MICROPY_DIR={tree}"],
        capture_output=True,
        text=True,
        env=make_env(),
        timeout=300,
    )
    out = proc.stdout + proc.stderr
    assert proc.returncode == 0, out
    log = (folder / "build.log").read_text()
    assert "Including User C Module" in log, log  # the log is the port's, from this very run
    assert not re.search(r"^(CC|LINK) ", log, re.M), log
    assert not re.search(r"^(fetch:|built )", out, re.M), out
    assert binary.stat().st_mtime_ns == before


@pytest.mark.make
def test_switching_allocation_tracking_or_tree_rebuilds(tmp_path):
    """A build folder made with the other LP_POOL_ALLOC_META, or from another MicroPython tree,
    starts afresh: the port's make rebuilds nothing when only a flag changes (`make unix
    LP_POOL_ALLOC_META=1` after `make unix` linked the old objects and printed nothing wrong).

    In a build area of its own (BUILD_DIR), so the session's binaries stay as they are.
    """
    folder = LP_ROOT / "build" / "unix"
    tree = built_from(folder)
    assert tree is not None, f"{folder} has no .lp-tree stamp: build it with make unix"
    unix = tmp_path / "unix"
    unix.mkdir()
    # What a tracking-free build from another tree leaves.
    (unix / ".lp-tree").write_text("/elsewhere/micropython\n")
    (unix / ".lp-alloc-meta").write_text("0\n")
    (unix / ".lp-flags").write_text("\n")
    (unix / "micropython").write_text("stale")
    mpy_cross = LP_ROOT / "build" / "mpy-cross" / "mpy-cross"
    argv = ["make", "-C", str(LP_ROOT), "unix", f"BUILD_DIR={tmp_path}", f"MICROPY_DIR={tree}"]
    argv += [f"MPY_CROSS={mpy_cross}", "-o", "mpy-cross", "LP_POOL_ALLOC_META=1"]
    proc = subprocess.run(argv, capture_output=True, text=True, env=make_env(), timeout=900)
    out = proc.stdout + proc.stderr
    assert proc.returncode == 0, out
    assert f"{unix}: built from /elsewhere/micropython, now from {tree}: building afresh" in out, out
    assert f"{unix}: LP_POOL_ALLOC_META is now 1, building afresh" in out, out
    code = "import lp_pool; print(lp_pool.alloc_meta)"
    got = subprocess.run([str(unix / "micropython"), "-c", code], capture_output=True, text=True, timeout=10)
    assert got.stdout.strip() == "True", got.stdout + got.stderr
    assert (unix / ".lp-tree").read_text().strip() == str(tree)
    # Settings unchanged: nothing starts afresh, nothing is compiled.
    proc = subprocess.run(argv, capture_output=True, text=True, env=make_env(), timeout=300)
    assert proc.returncode == 0 and "afresh" not in proc.stdout + proc.stderr, proc.stdout + proc.stderr
    assert not re.search(r"^(CC|LINK) ", (unix / "build.log").read_text(), re.M)


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
