"""Fixtures the host tests share."""

import os
import shutil
import subprocess
import time

import pytest
from harness.runners import LP_ROOT, UnixRunner


@pytest.fixture
def board(tmp_path):
    """Start the stand-in board with tmp_path/fs as its filesystem; yield (pty path, fs folder)."""
    runner = UnixRunner()
    runner.check_available()
    if shutil.which("socat") is None:
        pytest.fail("socat is missing: `make deps-mpremote` installs it")
    fs = tmp_path / "fs"
    fs.mkdir()
    procs = []

    def start():
        tty = tmp_path / f"tty{len(procs)}"
        cmd = f"exec:{runner.binary} {LP_ROOT / 'tools' / 'unix_board.py'},pty,raw,echo=0,setsid,stderr"
        proc = subprocess.Popen(
            ["socat", f"pty,raw,echo=0,link={tty}", cmd],
            cwd=fs,
            env=dict(os.environ, MICROPYPATH=".frozen"),
        )
        procs.append(proc)
        deadline = time.monotonic() + 10
        while not tty.exists():
            assert time.monotonic() < deadline, "socat made no pty"
            time.sleep(0.02)
        return str(tty)

    yield start, fs
    for proc in procs:
        proc.kill()
        proc.wait()
