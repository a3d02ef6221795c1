"""The USER_C_MODULES route of docs/boards.md, taken as a user with their own MicroPython tree takes it:
the stock unix `standard` variant and the stock RPI_PICO board, built from a clean copy of the tree
with exactly the documented commands, lp-pool's module and package in.

The copy stands in for a git checkout after `make submodules`: the fetched release tree's empty
submodule folders are filled the way a checkout's would be (the rp2 port's pico-sdk, tinyusb and
mbedtls from Debian's sources, as `make rp2` uses them; a stand-in micropython-lib holding the
packages the stock manifests require)."""

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from harness.runners import BUILD_DIR, LP_ROOT, MICROPY_DIR

sys.path.insert(0, str(LP_ROOT / "tools"))
import size_report  # noqa: E402

pytestmark = pytest.mark.boards
DOC = LP_ROOT / "docs" / "boards.md"
RP2_SRC = BUILD_DIR / "cache" / "rp2-src"
# What the stock manifests of the unix standard variant and RPI_PICO require from micropython-lib:
# (library folder, package) pairs.
STAND_INS = [
    ("micropython", "mip-cmdline"),
    ("python-stdlib", "ssl"),
    ("micropython/drivers", "onewire"),
    ("micropython/drivers", "ds18x20"),
    ("micropython/drivers", "dht"),
    ("micropython/drivers", "neopixel"),
]


def documented(block_start: str) -> str:
    """The documented sh block of docs/boards.md whose first line starts with block_start."""
    for m in re.finditer(r"^```sh\n(.*?)^```", DOC.read_text(), re.S | re.M):
        if m.group(1).startswith(block_start):
            return m.group(1)
    pytest.fail(f"docs/boards.md has no sh block starting with {block_start!r}")


def clean_tree(tmp_path: Path) -> Path:
    tree = tmp_path / "micropython"
    shutil.copytree(MICROPY_DIR, tree, symlinks=True)
    lib = tree / "lib" / "micropython-lib"
    (lib / "README.md").write_text("A stand-in for micropython-lib in lp-pool's USER_C_MODULES test.\n")
    for folder, name in STAND_INS:
        pkg = lib / folder / name
        pkg.mkdir(parents=True, exist_ok=True)
        module = name.replace("-", "_") + "_standin.py"
        (pkg / module).write_text(f"# stands in for micropython-lib's {name} in this test\n")
        (pkg / "manifest.py").write_text(f'module("{module}")\n')
    return tree


def run_documented(block: str, tree: Path, lp: Path, env_extra: dict) -> None:
    """Run the documented commands with the doc's placeholders filled in."""
    script = block.replace("~/src/micropython", str(tree)).replace("/path/to/lp-pool", str(lp))
    # `make submodules` needs git; clean_tree() filled the submodule folders the way it would.
    script = "\n".join(line for line in script.splitlines() if "submodules" not in line)
    env = dict(os.environ, **env_extra)
    env.pop("MICROPY_DIR", None)
    env["MAKEFLAGS"] = "-j2"  # the machine's cores; not part of what the docs say to type
    proc = subprocess.run(
        ["bash", "-euo", "pipefail", "-c", script], capture_output=True, text=True, env=env, timeout=1200
    )
    assert proc.returncode == 0, f"$ {script}\n{proc.stdout[-4000:]}\n{proc.stderr[-4000:]}"


def write_manifest(block_start: str, tmp_path: Path) -> None:
    """The documented manifest (a python block in docs/boards.md) with the placeholder filled in."""
    for m in re.finditer(r"^```python[^\n]*\n(.*?)^```", DOC.read_text(), re.S | re.M):
        if m.group(1).startswith(block_start):
            (tmp_path / "my_manifest.py").write_text(m.group(1).replace("/path/to/lp-pool", str(LP_ROOT)))
            return
    pytest.fail(f"docs/boards.md has no python block starting with {block_start!r}")


def test_stock_unix_standard_variant(tmp_path):
    tree = clean_tree(tmp_path)
    write_manifest("# my_manifest.py for the unix port", tmp_path)
    block = documented("cd ~/src/micropython/ports/unix")
    # The release tree has no btree, ssl or ffi submodules: what docs/boards.md says to add then.
    block = block.replace(
        "make USER_C_MODULES",
        "make MICROPY_PY_BTREE=0 MICROPY_PY_SSL=0 MICROPY_SSL_MBEDTLS=0 MICROPY_PY_FFI=0 USER_C_MODULES",
    )
    block = block.replace("/path/to/my_manifest.py", str(tmp_path / "my_manifest.py"))
    run_documented(block, tree, LP_ROOT, {})
    binary = tree / "ports" / "unix" / "build-standard" / "micropython"
    code = (
        "import lp_pool, mip_cmdline_standin\n"
        "p = lp_pool.LpMemoryPool(bytearray(4096))\n"
        "v = lp_pool.LpVec('i', range(5), pool=p)\n"
        "print(lp_pool.arena_size(), p.run(sum, v), lp_pool.__file__)\n"
    )
    proc = subprocess.run([str(binary), "-c", code], capture_output=True, text=True, cwd=tmp_path, timeout=30)
    # No LP_POOL_ARENA_SIZE given: the unix port's default from lp_pool.h, 1 MiB.
    assert proc.stdout.strip() == f"{1024 * 1024} 10 lp_pool/__init__.py", proc.stdout + proc.stderr


def test_stock_rpi_pico_board(tmp_path):
    sdk = RP2_SRC / "pico-sdk-source" / "usr" / "src" / "pico-sdk"
    picotool = next((BUILD_DIR / "rp2" / "picotool-install").rglob("picotoolConfig.cmake"), None)
    if not sdk.is_dir() or picotool is None:
        pytest.fail("the rp2 sources or picotool are missing: `make rp2` fetches and builds them")
    tree = clean_tree(tmp_path)
    for name, src in (
        ("pico-sdk", sdk),
        ("tinyusb", RP2_SRC / "tinyusb-source" / "usr" / "src" / "tinyusb"),
        ("mbedtls", RP2_SRC / "mbedtls"),
    ):
        # Each folder's entries, as a checked-out submodule has them (Debian's pico-sdk package
        # leaves out the README.md the port's make looks for to tell a checked-out submodule).
        for entry in src.iterdir():
            (tree / "lib" / name / entry.name).symlink_to(entry)
        if not (tree / "lib" / name / "README.md").exists():
            (tree / "lib" / name / "README.md").write_text(f"{name}, from Debian's sources\n")
    write_manifest("# my_manifest.py for the rp2 port", tmp_path)
    block = documented("cd ~/src/micropython/ports/rp2")
    block = block.replace("/path/to/my_manifest.py", str(tmp_path / "my_manifest.py"))
    # picotool as an installed one would be found (a user's build fetches it from GitHub otherwise).
    run_documented(block, tree, LP_ROOT, {"picotool_DIR": str(picotool.parent)})
    elf = tree / "ports" / "rp2" / "build-RPI_PICO" / "firmware.elf"
    sizes = size_report.measure(str(elf))
    assert sizes["arena"] == 96 * 1024  # LP_POOL_ARENA_SIZE=98304 in the documented command
    strings = subprocess.run(["strings", str(elf)], capture_output=True, text=True).stdout
    for frozen in ("lp_pool/__init__.py", "onewire_standin.py", "asyncio/core.py"):
        assert frozen in strings, frozen
