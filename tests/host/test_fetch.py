"""tools/fetch_sources.sh fails clearly: a corrupted download, no apt, a wrong tree."""

import os
import shutil
import subprocess
from pathlib import Path

from harness.runners import LP_ROOT

FETCH = LP_ROOT / "tools" / "fetch_sources.sh"
ORIG = "micropython_1.25.0+ds.orig.tar.xz"


def fetch(tmp_path: Path, *args: str, path: str | None = None):
    env = dict(os.environ, LP_APT_DIR=str(tmp_path / "apt"))
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
