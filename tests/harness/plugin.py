"""pytest plugin: every `.py` file under a folder named `mpy/` is a script run on each target.

`--targets=unix,qemu-arm` picks the runners; each (script, target) pair is one test item, so a
failure names both and shows the script's whole output.
"""

from pathlib import Path

import pytest

from .runners import RUNNERS, RunnerSkipped, RunnerUnavailable
from .verdict import FAIL, SKIP, judge


def pytest_addoption(parser):
    parser.addoption(
        "--targets",
        default="unix",
        help=f"comma-separated targets to run MicroPython scripts on: {', '.join(RUNNERS)}",
    )
    parser.addoption(
        "--script-timeout",
        type=float,
        default=None,
        help="seconds one script may take (default: each runner's own)",
    )


def pytest_configure(config):
    names = [t for t in config.getoption("targets").split(",") if t]
    unknown = [t for t in names if t not in RUNNERS]
    if unknown:
        raise pytest.UsageError(f"unknown target(s) {unknown}; known: {sorted(RUNNERS)}")
    config._lp_runners = [RUNNERS[t]() for t in names]
    config._lp_skipped_legs = {}  # target -> why its whole leg was skipped
    timeout = config.getoption("script_timeout")
    if timeout:
        for runner in config._lp_runners:
            runner.timeout = timeout


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    # A leg left out is said at the end in large letters, not only in the skip lines.
    legs = getattr(config, "_lp_skipped_legs", {})
    if legs:
        terminalreporter.section("LEGS SKIPPED", sep="!", yellow=True, bold=True)
        for name, why in sorted(legs.items()):
            terminalreporter.line(f"{name}: {why}", yellow=True, bold=True)


def pytest_unconfigure(config):
    for runner in getattr(config, "_lp_runners", ()):
        runner.close()  # e.g. stop a qemu board booted for the session


def pytest_collect_file(file_path: Path, parent):
    if file_path.suffix == ".py" and file_path.parent.name == "mpy" and not file_path.name.startswith("_"):
        return ScriptFile.from_parent(parent, path=file_path)
    return None


class ScriptFile(pytest.File):
    def collect(self):
        for runner in self.config._lp_runners:
            yield ScriptItem.from_parent(self, name=runner.name, runner=runner)


class ScriptFailure(Exception):
    pass


class ScriptItem(pytest.Item):
    def __init__(self, *, runner, **kwargs):
        super().__init__(**kwargs)
        self.runner = runner

    def runtest(self):
        try:
            self.runner.check_available()
        except RunnerSkipped as e:
            self.config._lp_skipped_legs[self.runner.name] = str(e)
            pytest.skip(str(e))
        except RunnerUnavailable as e:
            # Loud on purpose: a target asked for but not built is a failure, never a skip.
            raise ScriptFailure(f"target {self.runner.name} cannot run: {e}") from None
        verdict = judge(self.path, self.runner.run(self.path), self.runner.name)
        known = self.runner.known_failures.get(self.path.name)
        if verdict.status == SKIP:
            pytest.skip(verdict.message)
        if verdict.status == FAIL:
            if known:
                pytest.xfail(f"{self.runner.name}: known failure: {known}")
            raise ScriptFailure(verdict.message)
        if known:
            raise ScriptFailure(
                f"{self.path.name} now passes on {self.runner.name}: remove it from known_failures "
                f"in tests/harness/runners.py ({known})"
            )

    def repr_failure(self, excinfo):
        if isinstance(excinfo.value, ScriptFailure):
            return str(excinfo.value)
        return super().repr_failure(excinfo)

    def reportinfo(self):
        return self.path, 0, f"{self.path.name} on {self.runner.name}"
