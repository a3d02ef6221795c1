"""tools/fetch_sources.sh fails clearly: a corrupted download, no apt, a wrong tree."""

import os
import shutil
import subprocess
from pathlib import Path

from harness.runners import LP_ROOT

FETCH = LP_ROOT / "tools" / "fetch_sources.sh"
ORIG = "micropython_1.25.0+ds.orig.tar.xz"


def fetch(tmp_path: Path, *args: str, path: str | None = None):
    env = dict(os.environ, LP_APT_DIR=str(tmp_path / "apt"), LP_DEBIAN_URI="http://archive.invalid/debian")
    if path is not None:
        env["PATH"] = path
    proc = subprocess.run(["bash", str(FETCH), *args], capture_output=True, text=True, env=env, timeout=120)
    return proc.returncode, proc.stdout + proc.stderr


def test_checksum_mismatch_is_reported_and_the_download_removed(tmp_path):
    cached = tmp_path / "apt" / "src" / "micropython" / ORIG
    cached.parent.mkdir(parents=True)
    cached.write_bytes(b"not the MicroPython tarball")
    code, out = fetch(tmp_path, "micropython", str(tmp_path / "tree"))
    assert code == 1, out
    assert "checksum mismatch" in out and "7b25be99a502f070" in out, out
    assert not cached.exists()
    assert not (tmp_path / "tree").exists()


def test_missing_apt_is_reported(tmp_path):
    # A PATH with the basic tools but no apt-get.
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    for tool in ("bash", "dirname", "mkdir", "grep", "find", "touch", "cat", "head", "ls"):
        found = shutil.which(tool)
        if found:
            (bin_dir / tool).symlink_to(found)
    code, out = fetch(tmp_path, "micropython", str(tmp_path / "tree"), path=str(bin_dir))
    assert code == 1, out
    assert "'apt-get' not found" in out, out


def test_usage_error(tmp_path):
    code, out = fetch(tmp_path, "nonsense")
    assert code == 1
    assert "usage:" in out


def test_an_existing_tree_is_used_as_it_is(tmp_path):
    tree = tmp_path / "tree"
    (tree / "py").mkdir(parents=True)
    (tree / "py" / "mpconfig.h").write_text("#define MICROPY_VERSION_MINOR 25\n")
    code, out = fetch(tmp_path, "micropython", str(tree))
    assert code == 0, out
    assert out == ""  # nothing downloaded, nothing said


def fake_apt(tmp_path: Path, versions: list[str]) -> str:
    """A PATH whose apt-cache lists `versions` of micropython and whose apt-get records its calls
    (and downloads a tarball that is not MicroPython's): the archive as it may be one day."""
    bin_dir = tmp_path / "fakebin"
    bin_dir.mkdir()
    log = tmp_path / "apt-calls"
    lines = "".join(f"echo 'Version: {v}'; " for v in versions)
    (bin_dir / "apt-cache").write_text(f'#!/bin/sh\necho apt-cache "$*" >>{log}\n{lines}\n')
    (bin_dir / "apt-get").write_text(
        f'#!/bin/sh\necho apt-get "$*" >>{log}\n'
        'case "$*" in *" source "*) v=${*##*micropython=}; v=${v%-*};\n'
        '    echo fake >"micropython_$v.orig.tar.xz";; esac\n'
    )
    for tool in bin_dir.iterdir():
        tool.chmod(0o755)
    return f"{bin_dir}:{os.environ['PATH']}"


def test_a_version_the_archive_dropped_says_so_and_how_to_move_the_pin(tmp_path):
    code, out = fetch(
        tmp_path, "micropython", str(tmp_path / "tree"), "1.26.1", path=fake_apt(tmp_path, ["1.27.0+ds-1"])
    )
    assert code == 3, out
    assert (
        "Debian sid no longer carries MicroPython 1.26.1 (source package micropython 1.26.1+ds-*)" in out
    ), out
    assert "it has: 1.27.0+ds-1" in out, out
    assert "mpy_pin in tools/fetch_sources.sh" in out and "MPY_NEXT_VERSION in the Makefile" in out, out
    assert "micropython_1.26.1+ds.orig.tar.xz (sha256 f5ad2ec89d3e921f" in out, out
    # The lists were refreshed once more before concluding.
    assert (tmp_path / "apt-calls").read_text().count(" update") == 2
    assert not (tmp_path / "tree").exists()


def test_another_debian_revision_of_the_pinned_version_is_taken(tmp_path):
    # Same upstream tarball, a newer Debian revision: fetched, then held to the pinned sha256.
    path = fake_apt(tmp_path, ["1.26.1+ds-1", "1.26.1+ds-2", "1.27.0+ds-1"])
    code, out = fetch(tmp_path, "micropython", str(tmp_path / "tree"), "1.26.1", path=path)
    assert "source --download-only -q micropython=1.26.1+ds-2" in (tmp_path / "apt-calls").read_text()
    assert code == 1, out
    assert "checksum mismatch for micropython_1.26.1+ds.orig.tar.xz" in out, out


def test_an_unpinned_version_is_refused(tmp_path):
    code, out = fetch(tmp_path, "micropython", str(tmp_path / "tree"), "1.24.0")
    assert code == 1
    assert "no pin for MicroPython 1.24.0 (pinned: 1.25.0, 1.26.1" in out


def test_make_test_skips_the_legs_of_a_version_the_archive_dropped(tmp_path):
    # What `make test` does when sid has moved on (LP_LEG_GONE_OK=1, set by make test): the fetch's
    # message is kept for the harness's summary and the builds are skipped; by hand it fails.
    env = {k: v for k, v in os.environ.items() if not k.startswith("MAKE") and k != "MFLAGS"}
    env.update(
        PATH=fake_apt(tmp_path, ["1.27.0+ds-1"]),
        LP_APT_DIR=str(tmp_path / "apt"),
        LP_DEBIAN_URI="http://archive.invalid/debian",
    )
    build = tmp_path / "build"
    argv = ["make", "-s", "-C", str(LP_ROOT), f"CACHE_DIR={tmp_path / 'cache'}", f"BUILD_DIR={build}"]
    proc = subprocess.run(
        [*argv, "unix-1.26", "LP_LEG_GONE_OK=1"], capture_output=True, text=True, env=env, timeout=120
    )
    out = proc.stdout + proc.stderr
    assert proc.returncode == 0, out
    assert "*** MicroPython 1.26.1 is not to be had: the unix-1.26 legs are not built" in out, out
    assert "*** unix-1.26 skipped" in out, out
    note = (build / "micropython-1.26.1.unavailable").read_text()
    assert "no longer carries MicroPython 1.26.1" in note and "To move the pin" in note, note
    assert not (build / "unix-1.26").exists()
    proc = subprocess.run([*argv, "unix-1.26"], capture_output=True, text=True, env=env, timeout=120)
    assert proc.returncode != 0, proc.stdout + proc.stderr
    assert "no longer carries MicroPython 1.26.1" in proc.stderr
