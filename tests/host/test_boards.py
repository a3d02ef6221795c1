"""The RP2040 firmware build and its size report, and a review of the ESP32 board folder."""

import json
import re
import subprocess
import sys

import pytest
from harness.runners import BUILD_DIR, LP_ROOT

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
    manifest = (ESP32 / "manifest.py").read_text()
    assert 'freeze("$(PORT_DIR)/modules")' in manifest  # _boot.py, inisetup.py: the filesystem
    assert 'include("../../lp_pool_py/manifest.py")' in manifest
    json.loads((ESP32 / "board.json").read_text())


def test_esp32_arena_fits_static_dram():
    arena = arena_macro(ESP32 / "mpconfigboard.h")
    # ESP32 static DRAM (.data + .bss) is capped near 160 KiB and ESP-IDF with Wi-Fi/BLE uses most.
    assert 8 * 1024 <= arena <= 48 * 1024 and arena % 8 == 0


def test_every_board_sets_an_arena_and_freezes_the_package():
    for folder in ("LP_RPI_PICO", "LP_ESP32_GENERIC"):
        assert arena_macro(BOARDS / folder / "mpconfigboard.h") > 0
        assert "lp_pool_py/manifest.py" in (BOARDS / folder / "manifest.py").read_text()
    assert "lp_pool_py/manifest.py" in (BOARDS / "qemu" / "manifest.py").read_text()


def test_make_esp32_without_idf_says_what_to_do():
    env = {"PATH": "/usr/bin:/bin", "HOME": "/tmp"}
    proc = subprocess.run(
        ["make", "-s", "-C", str(LP_ROOT), "-f", str(LP_ROOT / "Makefile"), "esp32", "-o", "mpy-cross"],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )
    assert proc.returncode != 0
    assert "needs ESP-IDF" in proc.stderr and "export.sh" in proc.stderr
