"""Judge a script's result: MicroPython's conventions (`name.py.exp`, a `SKIP` line) plus exit code."""

import difflib
from dataclasses import dataclass
from pathlib import Path

from .runners import Result

PASS, FAIL, SKIP = "pass", "fail", "skip"


@dataclass
class Verdict:
    status: str
    message: str = ""


def skip_reason(output: str) -> str | None:
    """A script that cannot run on a target prints `SKIP` or `SKIP: reason` as its first line."""
    first = output.lstrip("\n").split("\n", 1)[0].strip()
    if first == "SKIP":
        return "script printed SKIP"
    if first.startswith("SKIP:"):
        return first[5:].strip() or "script printed SKIP"
    return None


def judge(script: Path, result: Result, target: str) -> Verdict:
    shown = f"--- output of {script.name} on {target} ---\n{result.output}--- end of output ---"
    if result.timed_out:
        return Verdict(FAIL, f"{script.name} timed out on {target}\n{shown}")
    reason = skip_reason(result.output)
    if reason is not None and result.returncode in (0, None):
        return Verdict(SKIP, f"{target}: {reason}")
    if result.returncode not in (0, None):
        return Verdict(
            FAIL,
            f"{script.name} exited with status {result.returncode} on {target}\n{shown}",
        )
    if "Traceback (most recent call last)" in result.output:
        return Verdict(FAIL, f"{script.name} raised on {target}\n{shown}")
    exp = script.with_name(script.name + ".exp")
    if exp.exists():
        want = exp.read_text().replace("\r\n", "\n")
        if result.output != want:
            diff = "".join(
                difflib.unified_diff(
                    want.splitlines(True),
                    result.output.splitlines(True),
                    str(exp.name),
                    "actual output",
                )
            )
            return Verdict(
                FAIL,
                f"{script.name} output differs from {exp.name} on {target}\n{diff}\n{shown}",
            )
    return Verdict(PASS)
