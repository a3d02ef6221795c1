"""The qemu boards: board settings reach the firmware, and the harness's qemu runner behaves."""

import re

import pytest
from harness.runners import LP_ROOT, QemuArmRunner, QemuRv32Runner
from harness.verdict import FAIL, PASS, SKIP, judge

pytestmark = pytest.mark.boards

RUNNERS = {"MPS2_AN385": QemuArmRunner, "VIRT_RV32": QemuRv32Runner}


def board_arena_size(board: str) -> int:
    text = (LP_ROOT / "boards" / "qemu" / board / "mpconfigboard.mk").read_text()
    return int(re.search(r"^LP_POOL_ARENA_SIZE \?= (\d+)$", text, re.M).group(1))


@pytest.fixture(scope="module", params=sorted(RUNNERS))
def runner(request):
    runner = RUNNERS[request.param]()
    runner.check_available()
    yield runner
    runner.close()


def test_arena_size_comes_from_the_board_folder(runner):
    result = runner.run_code(b"import lp_pool\nprint(lp_pool.arena_size())\n")
    assert result.output == f"{board_arena_size(runner.board)}\n", result.output


def test_pointer_size_is_32_bits(runner):
    result = runner.run_code(b"import sys\nprint(sys.maxsize == 2**31 - 1, sys.platform)\n")
    assert result.output == "True qemu\n", result.output


def test_traceback_skip_and_soft_reset(runner, tmp_path):
    script = tmp_path / "s.py"
    script.write_text("")
    result = runner.run_code(b"leftover = 1\ndef f():\n    raise ValueError('deliberate 99')\nf()\n")
    assert "ValueError: deliberate 99" in result.output
    assert judge(script, result, runner.name).status == FAIL
    # Each script starts from a soft reset: nothing from the one before is left.
    result = runner.run_code(b"print('leftover' in globals())\n")
    assert result.output == "False\n"
    result = runner.run_code(b"print('SKIP: no threads here')\nraise SystemExit\n")
    assert judge(script, result, runner.name).status == SKIP
    assert runner.run_code(b"print(1 + 1)\n").output == "2\n"


def test_hung_script_times_out_and_the_board_comes_back(runner, tmp_path):
    saved, runner.timeout = runner.timeout, 1.0
    try:
        result = runner.run_code(b"print('before the loop')\nwhile True:\n    pass\n")
    finally:
        runner.timeout = saved
    assert result.timed_out and "before the loop" in result.output
    script = tmp_path / "s.py"
    script.write_text("")
    result = runner.run_code(b"print('back')\n")
    assert result.output == "back\n" and judge(script, result, runner.name).status == PASS
