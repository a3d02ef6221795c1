"""The harness must report failing, hanging and wrong-output scripts as failures, with their output."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from harness.runners import Result, UnixRunner
from harness.verdict import FAIL, PASS, SKIP, judge

TESTS_DIR = Path(__file__).resolve().parents[1]


def run_harness(tmp_path: Path, files: dict[str, str], *extra: str):
    """Run pytest with the harness on a folder `mpy/` holding `files`; return (exit code, output)."""
    mpy = tmp_path / "mpy"
    mpy.mkdir()
    for name, text in files.items():
        (mpy / name).write_text(text)
    (tmp_path / "pytest.ini").write_text("[pytest]\n")
    env = dict(os.environ, PYTHONPATH=str(TESTS_DIR))
    argv = [
        sys.executable,
        "-m",
        "pytest",
        "-p",
        "harness.plugin",
        "-c",
        str(tmp_path / "pytest.ini"),
    ]
    argv += ["-rs", "--targets=unix", "-p", "no:cacheprovider", *extra, str(mpy)]
    proc = subprocess.run(argv, cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120)
    return proc.returncode, proc.stdout + proc.stderr


@pytest.fixture
def unix_available():
    UnixRunner().check_available()  # raises, naming the make target, when the binary is missing


def test_failing_script_is_reported_with_traceback(tmp_path, unix_available):
    code, out = run_harness(
        tmp_path,
        {
            "passes.py": "print('fine')\n",
            "fails.py": "def inner():\n    raise ValueError('deliberate failure 1234')\n\n\ninner()\n",
        },
    )
    assert code == 1, out
    assert "1 failed, 1 passed" in out, out
    assert "fails.py exited with status 1 on unix" in out
    assert "Traceback (most recent call last)" in out
    assert "line 2, in inner" in out
    assert "ValueError: deliberate failure 1234" in out


def test_expected_output_mismatch_shows_a_diff(tmp_path, unix_available):
    code, out = run_harness(
        tmp_path,
        {
            "counts.py": "for i in (1, 2, 4):\n    print(i)\n",
            "counts.py.exp": "1\n2\n3\n",
        },
    )
    assert code == 1, out
    assert "counts.py output differs from counts.py.exp on unix" in out
    assert "\n-3\n" in out and "\n+4\n" in out


def test_matching_expected_output_passes(tmp_path, unix_available):
    code, out = run_harness(tmp_path, {"counts.py": "print(1 + 1)\n", "counts.py.exp": "2\n"})
    assert code == 0, out
    assert "1 passed" in out


def test_hanging_script_times_out_with_its_output(tmp_path, unix_available):
    code, out = run_harness(
        tmp_path,
        {"hangs.py": "print('before the loop')\nwhile True:\n    pass\n"},
        "--script-timeout=1",
    )
    assert code == 1, out
    assert "hangs.py timed out on unix" in out
    assert "before the loop" in out


def test_skip_is_reported_with_its_reason(tmp_path, unix_available):
    code, out = run_harness(tmp_path, {"noskip.py": "print('SKIP: no threads on this target')\n"})
    assert code == 0, out
    assert "1 skipped" in out
    assert "unix: no threads on this target" in out


def test_unknown_target_is_a_usage_error(tmp_path):
    code, out = run_harness(tmp_path, {"x.py": "print(1)\n"}, "--targets=nosuchboard")
    assert code == 4, out
    assert "unknown target(s) ['nosuchboard']" in out


def test_missing_binary_fails_loudly_instead_of_skipping(tmp_path, monkeypatch):
    monkeypatch.setenv("LP_UNIX_BIN", str(tmp_path / "not-built" / "micropython"))
    code, out = run_harness(tmp_path, {"x.py": "print(1)\n"})
    assert code == 1, out
    assert "target unix cannot run" in out and "make unix" in out


def test_a_leg_whose_version_is_gone_is_skipped_and_said_in_the_summary(tmp_path, monkeypatch):
    # The Makefile leaves this note when Debian no longer carries the pinned 1.26.1 (mk/legs.mk).
    gone = tmp_path / "micropython-1.26.1.unavailable"
    gone.write_text(
        "fetch: error: Debian sid no longer carries MicroPython 1.26.1\nfetch: To move the pin: ...\n"
    )
    monkeypatch.setenv("LP_MPY_NEXT_GONE", str(gone))
    code, out = run_harness(tmp_path, {"x.py": "print(1)\n"}, "--targets=unix-1.26,unix-1.26-meta")
    assert code == 0, out
    assert "2 skipped" in out, out
    summary = out[out.index("LEGS SKIPPED") :]
    for leg in ("unix-1.26", "unix-1.26-meta"):
        assert (
            f"{leg}: leg {leg} skipped: error: Debian sid no longer carries MicroPython 1.26.1" in summary
        ), out


def test_a_leg_that_is_not_built_fails(tmp_path, monkeypatch):
    # Without the note, a missing 1.26.1 binary is a failure like any other.
    monkeypatch.setenv("LP_MPY_NEXT_GONE", str(tmp_path / "no-note"))
    monkeypatch.setenv("LP_UNIX_126_BIN", str(tmp_path / "not-built" / "micropython"))
    code, out = run_harness(tmp_path, {"x.py": "print(1)\n"}, "--targets=unix-1.26")
    assert code == 1, out
    assert "target unix-1.26 cannot run" in out and "make unix-1.26" in out
    assert "LEGS SKIPPED" not in out


@pytest.mark.parametrize(
    ("result", "status"),
    [
        (Result("ok\n", 0), PASS),
        (Result("Traceback (most recent call last):\n  x\nOSError: 5\n", 0), FAIL),
        (Result("SKIP\n", 0), SKIP),
        (Result("SKIP: no float\n", None), SKIP),
        (Result("SKIP\n", 1), FAIL),
        (Result("partial", None, timed_out=True), FAIL),
    ],
)
def test_judge(tmp_path, result, status):
    script = tmp_path / "s.py"
    script.write_text("")
    assert judge(script, result, "unix").status == status
