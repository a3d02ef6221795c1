"""Runners execute one MicroPython script on one target and return what it printed.

Adding a target means adding a Runner subclass here and listing it in RUNNERS; the scripts and the
verdict logic stay the same for every target.
"""

import os
import subprocess
from dataclasses import dataclass
from pathlib import Path

LP_ROOT = Path(__file__).resolve().parents[2]
BUILD_DIR = LP_ROOT / "build"


@dataclass
class Result:
    output: str
    returncode: int | None  # None when the target does not report one
    timed_out: bool = False


class RunnerUnavailable(Exception):
    """The target cannot run here (binary not built, tool missing): the test fails with this."""


class Runner:
    name = "?"
    timeout = 10.0  # seconds for one script, boot included

    def check_available(self) -> None:
        """Raise RunnerUnavailable saying what to build or install."""

    def run(self, script: Path) -> Result:
        raise NotImplementedError


def run_process(argv, timeout, cwd=None, env=None, stdin=None) -> Result:
    """Run argv, merging stderr into stdout; on timeout kill it and keep what it printed."""
    proc = subprocess.Popen(
        argv,
        cwd=cwd,
        env=env,
        stdin=subprocess.DEVNULL if stdin is None else subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        out, _ = proc.communicate(stdin, timeout=timeout)
        timed_out = False
    except subprocess.TimeoutExpired:
        proc.kill()
        out, _ = proc.communicate()
        timed_out = True
    text = out.decode("utf-8", "replace").replace("\r\n", "\n")
    return Result(text, None if timed_out else proc.returncode, timed_out)


class UnixRunner(Runner):
    """The unix port binary built by `make unix`."""

    name = "unix"
    timeout = 10.0

    def __init__(self, binary: Path | None = None):
        self.binary = Path(os.environ.get("LP_UNIX_BIN") or binary or BUILD_DIR / "unix" / "micropython")

    def check_available(self) -> None:
        if not os.access(self.binary, os.X_OK):
            raise RunnerUnavailable(f"{self.binary} is missing: build it with `make unix`")

    def run(self, script: Path) -> Result:
        env = dict(os.environ)
        # Only the frozen package and the script's own folder: never a stray lp_pool from disk.
        env["MICROPYPATH"] = ".frozen"
        return run_process([str(self.binary), str(script)], self.timeout, cwd=script.parent, env=env)


RUNNERS = {cls.name: cls for cls in (UnixRunner,)}
