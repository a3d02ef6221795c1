"""The RP2040 firmware build and its size report, and a review of the ESP32 board folder."""

import contextlib
import io
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
from harness.runners import BUILD_DIR, LP_ROOT, MICROPY_DIR

RP2_ELF = BUILD_DIR / "rp2" / "firmware.elf"
BOARDS = LP_ROOT / "boards"


def arena_macro(header) -> int:
    text = header.read_text()
    expr = re.search(r"#define LP_POOL_ARENA_SIZE \(([\d *]+)\)", text).group(1)
    return eval(expr, {})  # a plain product such as 64 * 1024


@pytest.fixture(scope="module")
def rp2_sizes():
    if not RP2_ELF.is_file():
        pytest.fail(f"{RP2_ELF} is missing: build it with `make rp2`")
    proc = subprocess.run(
        [sys.executable, str(LP_ROOT / "tools" / "size_report.py"), str(RP2_ELF), "--json"],
        capture_output=True,
        text=True,
    )
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)


@pytest.mark.boards
def test_rp2_firmware_has_the_uf2_and_the_board_arena(rp2_sizes):
    assert (BUILD_DIR / "rp2" / "firmware.uf2").stat().st_size > 100_000
    assert rp2_sizes["arena"] == arena_macro(BOARDS / "LP_RPI_PICO" / "mpconfigboard.h")
    assert rp2_sizes["bss"] >= rp2_sizes["arena"]  # the arena is static RAM, in .bss


@pytest.mark.boards
def test_rp2_leaves_the_gc_heap_enough_ram(rp2_sizes):
    # The port's linker script refuses less than 32 KiB; keep well above it.
    assert rp2_sizes["gc_heap"] >= 96 * 1024, rp2_sizes
    assert rp2_sizes["static_ram"] + rp2_sizes["gc_heap"] == rp2_sizes["ram_total"] == 256 * 1024
    assert rp2_sizes["text"] < 1024 * 1024  # the Pico's 2 MiB flash also holds a 1408 KiB filesystem


def elf_strings(elf) -> str:
    if not elf.is_file():
        pytest.fail(f"{elf} is missing: build it with `make {elf.parent.name}`")
    return subprocess.run(["strings", str(elf)], capture_output=True, text=True).stdout


# The table's title is in the firmware exactly when allocation tracking is compiled in.
TRACKING_MARK = "Memory Statistics by Type and Scope"


@pytest.mark.boards
def test_rp2_firmware_froze_the_package():
    strings = elf_strings(RP2_ELF)
    assert "lp_pool/__init__.py" in strings
    assert "Raspberry Pi Pico (lp-pool)" in strings
    assert TRACKING_MARK not in strings


@pytest.mark.boards
def test_rp2_firmware_with_allocation_tracking():
    # make rp2-meta: LP_POOL_ALLOC_META=1 through the cmake build, which scans qstrs with its own
    # list of definitions (the tracking names were missing from it once, and the build failed).
    strings = elf_strings(BUILD_DIR / "rp2-meta" / "firmware.elf")
    assert TRACKING_MARK in strings
    assert "lp_pool/__init__.py" in strings
    assert "Raspberry Pi Pico (lp-pool)" in strings


# ---- ESP32: checked by review, ESP-IDF cannot run here ----------------------------------------
ESP32 = BOARDS / "LP_ESP32_GENERIC"


def test_esp32_board_folder_follows_the_port_conventions():
    for name in ("mpconfigboard.cmake", "mpconfigboard.h", "manifest.py", "board.json"):
        assert (ESP32 / name).is_file(), name
    cmake = (ESP32 / "mpconfigboard.cmake").read_text()
    assert "boards/sdkconfig.base" in cmake and "boards/sdkconfig.ble" in cmake
    assert "set(MICROPY_FROZEN_MANIFEST ${MICROPY_BOARD_DIR}/manifest.py)" in cmake
    board = json.loads((ESP32 / "board.json").read_text())
    # Each variant board.json names has its cmake file, and each sdkconfig it adds is the port's.
    port = MICROPY_DIR / "ports" / "esp32"
    for variant in board["variants"]:
        text = (ESP32 / f"mpconfigvariant_{variant}.cmake").read_text()
        for sdkconfig in re.findall(r"^\s+(boards/\S+)$", text, re.M):
            assert (port / sdkconfig).is_file(), (variant, sdkconfig)
    # What it points a reader at exists.
    for deploy in board["deploy"]:
        doc, _, anchor = deploy.partition("#")
        assert (ESP32 / doc).is_file(), deploy
        assert not anchor or f"## {anchor.upper()}" in (ESP32 / doc).read_text().upper(), deploy


def frozen_by(manifest: Path, port: str, lib: Path) -> tuple[set[str], str]:
    """What MicroPython's own manifest tool freezes for `manifest` (and what it prints), as the port's
    build would run it, with `lib` as micropython-lib."""
    sys.path.insert(0, str(MICROPY_DIR / "tools"))
    import manifestfile

    path_vars = {
        "MPY_DIR": str(MICROPY_DIR),
        "MPY_LIB_DIR": str(lib),
        "PORT_DIR": str(MICROPY_DIR / "ports" / port),
        "BOARD_DIR": str(manifest.parent),
    }
    m = manifestfile.ManifestFile(manifestfile.MODE_FREEZE, path_vars)
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        m.execute(str(manifest))
    return {f.target_path for f in m.files()}, out.getvalue()


def stand_in_lib(tmp_path: Path, names) -> Path:
    lib = tmp_path / "micropython-lib"
    for name in names:
        pkg = lib / "micropython" / name
        pkg.mkdir(parents=True)
        module = name.replace("-", "_").replace(".", "_") + ".py"
        (pkg / module).write_text("")
        (pkg / "manifest.py").write_text(f'module("{module}")\n')
    return lib


ESP32_STOCK = (
    "bundle-networking",
    "aioespnow",
    "dht",
    "ds18x20",
    "onewire",
    "umqtt.robust",
    "umqtt.simple",
    "upysh",
)


def test_esp32_manifest_freezes_apa106_only_with_neopixel(tmp_path):
    # Without micropython-lib (a release tarball): the boot modules, asyncio and lp_pool, never the
    # apa106 driver, whose `import neopixel` would fail on the board; each missing module is named.
    files, said = frozen_by(ESP32 / "manifest.py", "esp32", tmp_path / "empty")
    assert {"_boot.py", "inisetup.py", "flashbdev.py", "lp_pool/__init__.py", "asyncio/core.py"} <= files
    assert "apa106.py" not in files and "neopixel" in said
    for name in ESP32_STOCK:
        assert f"not frozen (no micropython-lib): {name} " in said, name
    # With micropython-lib: everything ESP32_GENERIC's stock manifest freezes, apa106 included.
    lib = stand_in_lib(tmp_path, ESP32_STOCK + ("neopixel",))
    files, said = frozen_by(ESP32 / "manifest.py", "esp32", lib)
    assert {"apa106.py", "neopixel.py", "umqtt_robust.py", "upysh.py", "lp_pool/__init__.py"} <= files
    assert "not frozen" not in said
    stock, _ = frozen_by(MICROPY_DIR / "ports" / "esp32" / "boards" / "manifest.py", "esp32", lib)
    assert stock <= files, stock - files


@pytest.mark.parametrize("board", ["LP_RPI_PICO", "LP_RPI_PICO2"])
def test_pico_manifest_freezes_what_stock_firmware_does(tmp_path, board):
    names = ("onewire", "ds18x20", "dht", "neopixel")
    stock, _ = frozen_by(
        MICROPY_DIR / "ports" / "rp2" / "boards" / "manifest.py", "rp2", stand_in_lib(tmp_path, names)
    )
    files, said = frozen_by(BOARDS / board / "manifest.py", "rp2", tmp_path / "micropython-lib")
    assert stock <= files and "lp_pool/__init__.py" in files and "not frozen" not in said
    files, said = frozen_by(BOARDS / board / "manifest.py", "rp2", tmp_path / "empty")
    assert "lp_pool/__init__.py" in files
    for name in names:
        assert f"{name} -> on the board: mpremote mip install {name}" in said


def test_esp32_arena_fits_static_dram():
    arena = arena_macro(ESP32 / "mpconfigboard.h")
    # With sdkconfig.ble static DRAM (.data + .bss) gets about 122 KiB, shared with ESP-IDF's own.
    assert 8 * 1024 <= arena <= 48 * 1024 and arena % 8 == 0


def test_every_board_sets_an_arena_and_freezes_the_package():
    for folder in ("LP_RPI_PICO", "LP_RPI_PICO2", "LP_RPI_PICO_W", "LP_ESP32_GENERIC"):
        assert arena_macro(BOARDS / folder / "mpconfigboard.h") > 0
        assert "lp_pool_py/manifest.py" in (BOARDS / folder / "manifest.py").read_text()
    assert "lp_pool_py/manifest.py" in (BOARDS / "qemu" / "manifest.py").read_text()


def make_esp32(micropy_dir: Path):
    env = {"PATH": "/usr/bin:/bin", "HOME": "/tmp"}
    return subprocess.run(
        [
            "make",
            "-s",
            "-C",
            str(LP_ROOT),
            "-f",
            str(LP_ROOT / "Makefile"),
            "esp32",
            "-o",
            "mpy-cross",
            f"MICROPY_DIR={micropy_dir}",
        ],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )


def test_make_esp32_names_the_missing_submodules():
    # The fetched release tree has neither submodule the port needs.
    proc = make_esp32(MICROPY_DIR)
    assert proc.returncode != 0
    assert "lib/berkeley-db-1.xx lib/micropython-lib" in proc.stderr, proc.stderr
    assert "git -C <checkout> submodule update --init lib/berkeley-db-1.xx lib/micropython-lib" in proc.stderr
    assert "ports/esp32 BOARD_DIR=" in proc.stderr and "submodules" in proc.stderr


def test_make_esp32_without_idf_says_what_to_do(tmp_path):
    # A tree with both submodules: then what is missing is ESP-IDF, with the versions to choose from.
    tree = tmp_path / "mp"
    (tree / "py").mkdir(parents=True)
    (tree / "py" / "mpconfig.h").write_text("")
    for lib in ("berkeley-db-1.xx", "micropython-lib"):
        (tree / "lib" / lib).mkdir(parents=True)
        (tree / "lib" / lib / "README.md").write_text("")
    proc = make_esp32(tree)
    assert proc.returncode != 0
    assert "needs ESP-IDF" in proc.stderr and "export.sh" in proc.stderr, proc.stderr
    assert "1.25: v5.2, v5.2.2, v5.3 or v5.4" in proc.stderr
