"""The allocator core's C tests (tests/core/), built by `make core-tests core-fuzz-bin`.

Every C test binary runs as its own test, for -m64 and -m32 with the exact pointer check
(LP_ALLOC_EXACT_FREE=1) and for -m32 without it ("plain_m32", the configuration the MicroPython
module uses), and for -m32 with block tags (LP_ALLOC_TAG=1, "tag_m32", what LP_POOL_ALLOC_META=1
builds); all are ASan + UBSan builds. The stress test runs with several seeds; the fuzzer runs
for LP_FUZZ_SECONDS (default 60) on a copy of the seed corpus. A missing binary is a failure that
names the make target building it, never a skip.
"""

import os
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
BUILD = ROOT / "build" / "core"
CORPUS = ROOT / "tests" / "core" / "corpus"
ARCHES = ["m64", "m32", "plain_m32", "tag_m32"]
STRESS_SEEDS = [1, 2, 3, 20240601]
FUZZ_SECONDS = int(os.environ.get("LP_FUZZ_SECONDS", "60"))


def binary(name, target):
    path = BUILD / name
    if not path.is_file():
        pytest.fail(f"{path.relative_to(ROOT)} is missing: build it with `make {target}`", pytrace=False)
    return path


def run(cmd, timeout, **kwargs):
    try:
        done = subprocess.run(
            [str(c) for c in cmd], capture_output=True, text=True, timeout=timeout, **kwargs
        )
    except subprocess.TimeoutExpired as e:
        pytest.fail(f"{cmd[0]} timed out after {timeout} s\n{e.stdout or ''}{e.stderr or ''}", pytrace=False)
    output = done.stdout + done.stderr
    if done.returncode != 0:
        pytest.fail(f"{' '.join(map(str, cmd))} exited with {done.returncode}:\n{output}", pytrace=False)
    return output


@pytest.mark.parametrize("arch", ARCHES)
def test_unit(arch):
    output = run([binary(f"test_core_{arch}", "core-tests")], timeout=120)
    assert output.rstrip().splitlines()[-1].endswith(" 0 failed"), output


@pytest.mark.parametrize("seed", STRESS_SEEDS)
@pytest.mark.parametrize("arch", ARCHES)
def test_stress(arch, seed):
    # 6 fresh pools of 6,000 random operations each, lp_alloc_check() after every operation.
    output = run([binary(f"stress_{arch}", "core-tests"), seed, 6000, 6], timeout=300)
    assert output.rstrip().endswith(" 0 failed"), output


@pytest.mark.parametrize("arch", ARCHES)
def test_stress_local_checks(arch):
    # The fuzzer's checking mode: the cheap local check after each operation, the full walk every
    # 16th operation and at the end.
    output = run([binary(f"stress_{arch}", "core-tests"), 7, 20000, 6, 16], timeout=300)
    assert output.rstrip().endswith(" 0 failed"), output


def test_fuzz(tmp_path):
    fuzzer = binary("fuzz_core", "core-fuzz-bin")
    corpus = tmp_path / "corpus"
    shutil.copytree(CORPUS, corpus)
    artifacts = tmp_path / "artifacts"
    artifacts.mkdir()
    cmd = [
        fuzzer,
        f"-max_total_time={FUZZ_SECONDS}",
        "-max_len=2000",
        f"-artifact_prefix={artifacts}/",
        corpus,
    ]
    run(cmd, timeout=FUZZ_SECONDS + 120)
    found = sorted(p.name for p in artifacts.iterdir())
    assert not found, f"the fuzzer saved failing inputs: {found}"
