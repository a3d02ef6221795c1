"""Runners execute one MicroPython script on one target and return what it printed.

Adding a target means adding a Runner subclass here and listing it in RUNNERS; the scripts and the
verdict logic stay the same for every target.
"""

import os
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

LP_ROOT = Path(__file__).resolve().parents[2]
BUILD_DIR = LP_ROOT / "build"


def built_from(folder: Path) -> Path | None:
    """The MicroPython tree a build folder was made from (the Makefile's .lp-tree stamp)."""
    try:
        return Path((folder / ".lp-tree").read_text().strip())
    except OSError:
        return None


# The MicroPython tree the firmware was built from: the Makefile exports LP_MICROPY_DIR; pytest run
# by hand goes by build/unix's stamp.
MICROPY_DIR = Path(
    os.environ.get("LP_MICROPY_DIR")
    or built_from(BUILD_DIR / "unix")
    or BUILD_DIR / "cache" / "micropython-1.25.0"
)


@dataclass
class Result:
    output: str
    returncode: int | None  # None when the target does not report one
    timed_out: bool = False


class RunnerUnavailable(Exception):
    """The target cannot run here (binary not built, tool missing): the test fails with this."""


class RunnerSkipped(Exception):
    """The target's whole leg was left out on purpose, for a reason outside the project (the archive
    no longer has its MicroPython version): its tests are skipped with the reason, and the session's
    summary says so in large letters."""


class Runner:
    name = "?"
    timeout = 10.0  # seconds for one script, boot included
    known_failures: dict[str, str] = {}  # script name -> why it fails on this target (xfail, strict)

    def check_available(self) -> None:
        """Raise RunnerUnavailable saying what to build or install."""

    def run(self, script: Path) -> Result:
        raise NotImplementedError

    def close(self) -> None:
        """Release what the runner keeps between scripts (a booted board); the plugin calls it last."""


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

    binary_env = "LP_UNIX_BIN"
    env: dict[str, str] = {}  # set for the binary's runs

    def __init__(self, binary: Path | None = None):
        self.binary = Path(os.environ.get(self.binary_env) or binary or BUILD_DIR / self.name / "micropython")

    def check_available(self) -> None:
        if not os.access(self.binary, os.X_OK):
            raise RunnerUnavailable(f"{self.binary} is missing: build it with `make {self.name}`")

    def run(self, script: Path) -> Result:
        env = dict(os.environ, **self.env)
        # Only the frozen package and the script's own folder: never a stray lp_pool from disk.
        env["MICROPYPATH"] = ".frozen"
        # The script by its bare name from its own folder: the path string is on the GC heap, so an
        # absolute one would make the heap's layout, and with it which block a stale word on the
        # conservatively scanned C stack happens to name, depend on where the checkout lives.
        return run_process([str(self.binary), script.name], self.timeout, cwd=script.parent, env=env)


class UnixMetaRunner(UnixRunner):
    """The unix port with allocation tracking (LP_POOL_ALLOC_META=1), built by `make unix-meta`."""

    name = "unix-meta"
    binary_env = "LP_UNIX_META_BIN"


# Legs of the unix port built other ways (mk/legs.mk), each in its own build folder.


class Unix126Runner(UnixRunner):
    """The unix port from MicroPython 1.26.1 (Debian sid's source package), `make unix-1.26`."""

    name = "unix-1.26"
    binary_env = "LP_UNIX_126_BIN"

    def check_available(self) -> None:
        # The Makefile leaves this note when the archive no longer has the pinned version.
        gone = Path(os.environ.get("LP_MPY_NEXT_GONE") or BUILD_DIR / "micropython-1.26.1.unavailable")
        if gone.is_file():
            why = " ".join(line.removeprefix("fetch:").strip() for line in gone.read_text().splitlines())
            raise RunnerSkipped(f"leg {self.name} skipped: {why}")
        super().check_available()


class Unix126MetaRunner(Unix126Runner):
    """MicroPython 1.26.1 with allocation tracking, `make unix-1.26-meta`."""

    name = "unix-1.26-meta"
    binary_env = "LP_UNIX_126_META_BIN"


class UnixO2Runner(UnixRunner):
    """-O2 with setjmp-based NLR (MICROPY_NLR_SETJMP=1), as ESP32 builds: `make unix-o2`."""

    name = "unix-o2"
    binary_env = "LP_UNIX_O2_BIN"


def _symbolizer() -> dict[str, str]:
    """ASan names functions and lines in its reports when it finds an llvm-symbolizer."""
    found = shutil.which("llvm-symbolizer") or next(
        iter(sorted(Path("/usr/bin").glob("llvm-symbolizer-*"))), None
    )
    return {"ASAN_SYMBOLIZER_PATH": str(found)} if found else {}


class UnixAsanRunner(UnixRunner):
    """ASan + UBSan (upstream CI's flags, plus alignment): `make unix-asan`. A report ends the
    process with a non-zero status and is shown with the script's output."""

    name = "unix-asan"
    binary_env = "LP_UNIX_ASAN_BIN"
    timeout = 30.0  # instrumented code runs 2 to 5 times slower
    # The GC heap and the arenas are never freed: leak reports would be noise.
    env = {"ASAN_OPTIONS": "detect_leaks=0", "UBSAN_OPTIONS": "print_stacktrace=1", **_symbolizer()}


class UnixAsanMetaRunner(UnixAsanRunner):
    """ASan + UBSan with allocation tracking: `make unix-asan-meta`."""

    name = "unix-asan-meta"
    binary_env = "LP_UNIX_ASAN_META_BIN"


# Scripts known to fail on the MCU ports, with the reason: strict xfail, so a fix shows up. None today.
QEMU_KNOWN_FAILURES: dict[str, str] = {}


class QemuRunner(Runner):
    """A MicroPython `qemu` port board under qemu-system-*, driven over a pty with the tree's pyboard.py.

    The board boots once per test session (about 1 s) and each script then runs after a soft reset
    through the raw REPL (tens of ms), as `mpremote run` would on real hardware: the interpreter
    starts afresh, static C state persists, exactly as on a real board. If the board stops answering
    or a script times out, the board is killed and the next script boots it again.
    """

    board = "?"
    elf_env = "?"
    # Scripts that fail on this target for a reason outside the harness, reported and awaiting a fix:
    # recorded as xfail with the reason, and as a failure once they pass (then remove the entry).
    known_failures = QEMU_KNOWN_FAILURES
    qemu = "?"
    qemu_args: tuple[str, ...] = ()
    timeout = 20.0  # seconds for one script, not counting the board's boot
    boot_timeout = 20.0

    def __init__(self, elf: Path | None = None):
        self.elf = Path(os.environ.get(self.elf_env) or elf or BUILD_DIR / self.name / "firmware.elf")
        self._board = None  # pyboard.Pyboard while the board is up

    def check_available(self) -> None:
        if not self.elf.is_file():
            raise RunnerUnavailable(f"{self.elf} is missing: build it with `make {self.name}`")
        if shutil.which(self.qemu) is None:
            raise RunnerUnavailable(f"{self.qemu} is not installed: `make {self.name}` installs it")
        if not (MICROPY_DIR / "tools" / "pyboard.py").is_file():
            raise RunnerUnavailable(f"no tools/pyboard.py in {MICROPY_DIR}: run `make micropython`")

    def command(self) -> str:
        args = [self.qemu, *self.qemu_args, "-nographic", "-monitor", "null", "-semihosting"]
        return " ".join([*args, "-serial", "pty", "-kernel", str(self.elf)])

    def _pyboard(self):
        if str(MICROPY_DIR / "tools") not in sys.path:
            sys.path.insert(0, str(MICROPY_DIR / "tools"))
        import pyboard  # MicroPython's own tool, found in the tree only

        return pyboard

    def _boot(self):
        pyboard = self._pyboard()
        try:
            board = pyboard.Pyboard("execpty:" + self.command())
        except SystemExit:  # pyboard.py exits when qemu prints no pty line
            raise RunnerUnavailable(f"{self.qemu} did not start: try `{self.command()}`") from None
        deadline = time.monotonic() + self.boot_timeout
        while True:
            try:
                board.enter_raw_repl(soft_reset=False)
                return board
            except pyboard.PyboardError:
                if time.monotonic() > deadline:
                    board.close()
                    raise RunnerUnavailable(
                        f"{self.name} did not reach its REPL: `{self.command()}`"
                    ) from None

    def close(self) -> None:
        board, self._board = self._board, None
        if board is not None:
            board.close()  # SIGTERM to qemu's process group
            proc = getattr(board.serial, "subp", None)
            if proc is not None:
                try:
                    proc.wait(timeout=5)
                except subprocess.TimeoutExpired:
                    proc.kill()

    def _alive(self) -> bool:
        proc = getattr(self._board.serial, "subp", None)
        return proc is None or proc.poll() is None

    def _read_result(self, deadline: float) -> tuple[bytes, str]:
        """What the board prints up to the raw REPL's second 0x04: (bytes, "done"/"timeout"/"died")."""
        serial, data = self._board.serial, bytearray()
        while data.count(b"\x04") < 2:
            try:
                waiting = serial.inWaiting()
                if waiting:
                    data += serial.read(waiting)
                    continue
            except OSError:  # the pty closed under us: qemu is gone
                return bytes(data), "died"
            if not self._alive():
                return bytes(data), "died"
            if time.monotonic() > deadline:
                return bytes(data), "timeout"
            time.sleep(0.005)
        return bytes(data), "done"

    def _soft_reset(self) -> None:
        """Boot the board if it is down, then soft-reset it into the raw REPL."""
        if self._board is None:
            self._board = self._boot()
        self._board.enter_raw_repl(soft_reset=True)

    def run(self, script: Path) -> Result:
        return self.run_code(script.read_bytes())

    def run_code(self, code: bytes) -> Result:
        pyboard = self._pyboard()
        if self._board is not None and not self._alive():
            self.close()  # the script before this one stopped the board
        try:
            self._soft_reset()
        except (pyboard.PyboardError, OSError):
            # The script before left the board unable to reset (qemu exits on a fatal error, e.g.
            # a soft reset with the heap still locked): boot it again, once.
            self.close()
            self._soft_reset()
        try:
            self._board.exec_raw_no_follow(code)
        except (pyboard.PyboardError, OSError) as e:
            self.close()
            return Result(f"[{self.name}: the board did not take the script: {e}]\n", 1)
        # The raw REPL prints the script's output, 0x04, its traceback if any, 0x04, then a prompt.
        data, status = self._read_result(time.monotonic() + self.timeout)
        out, _, rest = data.partition(b"\x04")
        err = rest.partition(b"\x04")[0]
        text = (out + err).decode("utf-8", "replace").replace("\r\n", "\n")
        if status == "timeout":
            self.close()  # a hung board is rebooted for the next script
            return Result(text, None, timed_out=True)
        if status == "died":
            self.close()
            return Result(text + f"\n[{self.name}: the board stopped (qemu exited) during the script]\n", 1)
        return Result(text, None)


class QemuArmRunner(QemuRunner):
    """MPS2_AN385 (Cortex-M3) built by `make qemu-arm`."""

    name = "qemu-arm"
    board = "MPS2_AN385"
    elf_env = "LP_QEMU_ARM_ELF"
    qemu = "qemu-system-arm"
    qemu_args = ("-machine", "mps2-an385")


class QemuRv32Runner(QemuRunner):
    """VIRT_RV32 (RISC-V rv32imac) built by `make qemu-rv32`."""

    name = "qemu-rv32"
    board = "VIRT_RV32"
    elf_env = "LP_QEMU_RV32_ELF"
    qemu = "qemu-system-riscv32"
    qemu_args = ("-machine", "virt", "-bios", "none")


class QemuM0Runner(QemuRunner):
    """MICROBIT (nRF51, Cortex-M0: armv6m, the RP2040's instruction set) built by `make qemu-m0`.

    The port's own QEMU_ARGS for the board: the nRF51's SRAM raised to 256 KiB, flash to 1 MiB.
    """

    name = "qemu-m0"
    board = "MICROBIT"
    elf_env = "LP_QEMU_M0_ELF"
    qemu = "qemu-system-arm"
    qemu_args = (
        "-machine",
        "microbit",
        "-global",
        "nrf51-soc.flash-size=1048576",
        "-global",
        "nrf51-soc.sram-size=262144",
    )


class QemuArmMetaRunner(QemuArmRunner):
    """MPS2_AN385 with allocation tracking (LP_POOL_ALLOC_META=1), built by `make qemu-arm-meta`."""

    name = "qemu-arm-meta"
    elf_env = "LP_QEMU_ARM_META_ELF"


RUNNERS = {
    cls.name: cls
    for cls in (
        UnixRunner,
        UnixMetaRunner,
        Unix126Runner,
        Unix126MetaRunner,
        UnixO2Runner,
        UnixAsanRunner,
        UnixAsanMetaRunner,
        QemuArmRunner,
        QemuArmMetaRunner,
        QemuRv32Runner,
        QemuM0Runner,
    )
}
