"""The qemu boards: board settings reach the firmware, and the harness's qemu runner behaves."""

import re
import subprocess

import pytest
from harness.runners import LP_ROOT, QemuArmRunner, QemuM0Runner, QemuRv32Runner
from harness.verdict import FAIL, PASS, SKIP, judge

pytestmark = pytest.mark.boards

RUNNERS = {"MPS2_AN385": QemuArmRunner, "VIRT_RV32": QemuRv32Runner, "MICROBIT": QemuM0Runner}


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


# An unaligned 32-bit load: one LDR from byte 5 of a bytearray (GC blocks are 16-byte aligned), in
# assembly (_lp_pool._load32), so no compiler fixes it up.
UNALIGNED = b"""import _lp_pool
b = bytearray(range(16))
print(hex(_lp_pool._load32(b, 4)))
print("unaligned load next")
print(hex(_lp_pool._load32(b, 5)))
print("the board went on")
"""


def symbol(elf, name):
    """(address, size) of a function in the firmware, from its symbol table."""
    out = subprocess.run(["arm-none-eabi-nm", "-S", str(elf)], capture_output=True, text=True, check=True)
    for line in out.stdout.splitlines():
        parts = line.split()
        if len(parts) == 4 and parts[3] == name:
            return int(parts[0], 16), int(parts[1], 16)
    raise AssertionError(f"{name} not in {elf}")


def test_unaligned_word_load_faults_on_the_m0():
    """The Cortex-M0 board traps an unaligned LDR as armv6m silicon (the RP2040) does: a HardFault
    at that instruction, which MicroPython's qemu port reports with the registers and then halts."""
    runner = QemuM0Runner()
    runner.check_available()
    runner.timeout = 3.0  # the fault handler halts the board: the script never ends
    try:
        result = runner.run_code(UNALIGNED)
    finally:
        runner.close()
    out = result.output
    assert out.startswith("0x7060504\nunaligned load next\nHardFault exception caught:\n"), out
    assert "the board went on" not in out and result.timed_out  # the handler halts the board
    regs = dict(re.findall(r"(R\d+|xPSR):\s+([0-9A-F]{8})", out))
    start, size = symbol(runner.elf, "lp_mod_load32")
    pc, addr = int(regs["R15"], 16), int(regs["R0"], 16)
    assert start <= pc < start + size, (hex(pc), hex(start))  # the LDR in _load32 faulted
    assert addr % 4 == 1, hex(addr)  # on the unaligned address (bytearray data + 5)


def test_unaligned_word_load_works_on_the_m3():
    """The Cortex-M3 board performs the same load (armv7m allows unaligned LDR): the M0 board is the
    one that shows alignment faults."""
    runner = QemuArmRunner()
    runner.check_available()
    try:
        result = runner.run_code(UNALIGNED)
    finally:
        runner.close()
    assert result.output == "0x7060504\nunaligned load next\n0x8070605\nthe board went on\n", result.output
