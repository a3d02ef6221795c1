"""Real preemption (issue 23): tests/mpy/preempt.py at length on the qemu boards, and its negative control.

The boards' timer fires a Python hard IRQ handler at random instants (usermod/lp_pool/lp_preempt.c);
under `-icount` the timer counts instructions, so a seed lands its interrupts on the same
instructions every run. The script runs here with more seeds and interrupts than in the plain
`tests/mpy` pass, and on two builds where it must fail, which shows it catches what it claims:
- `make qemu-arm-nosection`: MPS2_AN385 with MicroPython's no-op atomic section;
- `make qemu-arm-oldreserve`: MPS2_AN385 whose reserve lets a taken handle go (LP_POOL_TEST_OLD_RESERVE),
  so a handle a handler takes during a collection is swept while in use.
"""

import pytest
from harness.runners import BUILD_DIR, LP_ROOT, QemuArmRunner, QemuM0Runner, QemuRv32Runner
from harness.verdict import FAIL, PASS, judge

pytestmark = pytest.mark.boards

SCRIPT = LP_ROOT / "tests" / "mpy" / "preempt.py"
# The regression seeds first: on the old reserve (make qemu-arm-oldreserve, under -icount) seeds 1,
# 5, 6 and 7 have the handler find another object where its own was (the collection swept a handle
# it took, and the heap reused the memory) at interrupts 151, 73, 131 and 352; 2 and 3 hard-fault.
SEEDS = (1, 5, 6, 7, 2, 3)
PER_SEED = 4000  # 6 x 4,000 = 24,000 interrupts: about 10 s per board under -icount
ICOUNT = ("-icount", "shift=0")  # one instruction per virtual ns


def icount(cls):
    class Deterministic(cls):
        qemu_args = (*cls.qemu_args, *ICOUNT)
        timeout = 240.0

    return Deterministic


def code(seeds=SEEDS, per_seed=PER_SEED) -> bytes:
    return f"SEEDS = {tuple(seeds)!r}\nPER_SEED = {per_seed}\n".encode() + SCRIPT.read_bytes()


BOARDS = {"MPS2_AN385": QemuArmRunner, "MICROBIT": QemuM0Runner, "VIRT_RV32": QemuRv32Runner}


@pytest.fixture(params=sorted(BOARDS))
def runner(request):
    runner = icount(BOARDS[request.param])()
    runner.check_available()
    yield runner
    runner.close()


def test_pool_survives_hard_irqs_on_any_instruction(runner):
    result = runner.run_code(code())
    verdict = judge(SCRIPT, result, runner.name + " -icount")
    assert verdict.status == PASS, verdict.message


# Not VIRT_RV32: its CLINT compares against mtime, absolute virtual time in 100 ns ticks, so where the
# first delay starts within a tick depends on how long the REPL polled before the script, and a
# seed's first interrupt moves by up to 100 instructions. The ARM boards' timers count from their start.
@pytest.mark.parametrize("board", ["MPS2_AN385", "MICROBIT"])
def test_a_seed_repeats_exactly_under_icount(board):
    # The handler's rng and the timer's delays depend on the seed only: the main program gets
    # through the same operations (the pool's allocation count) between the same interrupts, twice.
    # Each run on a board booted afresh: a soft reset keeps what a program left in RAM (words of the
    # C stack the collector scans conservatively, static state), so two programs run one after the
    # other in one session need not start alike, and their interrupts can land elsewhere.
    probe = b"\nprint('served', total, 'allocs', W[P].stats()['allocs'], 'refused', hstate[1])\n"
    outs = []
    for _ in range(2):
        runner = icount(BOARDS[board])()
        runner.check_available()
        try:
            outs.append(runner.run_code(code((7,), 1500) + probe).output)
        finally:
            runner.close()
    assert outs[0] == outs[1] and "served" in outs[0], outs


@pytest.mark.parametrize(
    "build, caught",
    [
        # the allocator's free lists or counters, changed under the main program's feet
        ("qemu-arm-nosection", ("pool is corrupted", "Uncaught exception in IRQ", "HardFault")),
        # the handle the collection swept while the handler's list held it: the handler finds a
        # freed or another object in its place, or the board faults
        ("qemu-arm-oldreserve", ("Uncaught exception in IRQ", "HardFault")),
    ],
)
def test_negative_controls_fail(build, caught):
    elf = BUILD_DIR / build / "firmware.elf"
    runner = icount(QemuArmRunner)(elf)
    runner.timeout = 60.0  # a corrupted heap may also hang the board after printing the fault
    try:
        runner.check_available()
        result = runner.run_code(code())
    finally:
        runner.close()
    verdict = judge(SCRIPT, result, build)
    assert verdict.status == FAIL, f"the negative control passed on {build}:\n{result.output}"
    assert any(c in result.output for c in caught), result.output
