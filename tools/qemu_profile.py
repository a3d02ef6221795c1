"""Where the instructions go: an instruction-exact profile of a MicroPython snippet on a qemu board.

    qemu_profile.py --board m0|arm [--top 30] [--calls N] script.py

The board runs QEMU one instruction per translation block (-singlestep) with its exec log switched
on through the QEMU monitor only around the measured part, so every log line is one guest
instruction, named by QEMU after the firmware's symbol. The script calls `profile(fn, *args)`
(defined in front of it) once: it hands control to the host, which switches the log on, then calls
fn(*args) between two calls of `_lp_bench.ticks_cpu` (the markers), and the host switches the log
off. Printed: instructions between the markers and a histogram by function (with --calls N, also per
call of the measured operation). The markers' own cost is about that of an empty `fn`: profile
one to see it.

Not a benchmark (tools/bench_mp.py is): the board runs without -icount, and the log makes it slow.
"""

import argparse
import os
import re
import socket
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

from harness.runners import QemuArmRunner, QemuM0Runner  # noqa: E402

PRELUDE = """
import sys
from _lp_bench import ticks_cpu as _marker


def profile(fn, *args):
    print("@@ready")
    sys.stdin.read(1)
    _marker()
    fn(*args)
    _marker()
    print("@@done")
"""

MARKER = "lp_bench_ticks_cpu"
TRACE = re.compile(r"^Trace \d+: \S+ \[[0-9a-f]+/([0-9a-f]+)/[0-9a-f]+/[0-9a-f]+\] ?(\S*)")


def runner_class(board, sock, log):
    base = {"arm": QemuArmRunner, "m0": QemuM0Runner}[board]

    class Profiled(base):
        qemu_args = (*base.qemu_args, "-singlestep", "-D", str(log), "-monitor", f"unix:{sock},server,nowait")
        timeout = 600.0

    return Profiled


def monitor(sock, command):
    with socket.socket(socket.AF_UNIX) as s:
        s.connect(str(sock))
        s.settimeout(5)
        s.sendall(command.encode() + b"\n")
        time.sleep(0.2)


def wait_for(serial, marker, data, timeout=600.0):
    deadline = time.monotonic() + timeout
    while marker not in data:
        n = serial.inWaiting()
        if n:
            data += serial.read(n)
        elif time.monotonic() > deadline:
            raise SystemExit(
                f"timed out waiting for {marker!r}; the board said:\n{data.decode(errors='replace')}"
            )
        else:
            time.sleep(0.01)
    return data


def analyse(log):
    """Instructions between the first and the last marker call, by function."""
    hist = Counter()
    inside = False
    pending = Counter()
    last_sym = None
    for line in open(log, errors="replace"):
        m = TRACE.match(line)
        if not m:
            continue
        sym = m.group(2) or f"0x{m.group(1)}"
        if sym == MARKER:
            if inside and last_sym != MARKER:
                hist.update(pending)  # what ran since the previous marker
                pending.clear()
            inside = True
            last_sym = sym
            continue
        last_sym = sym
        if inside:
            pending[sym] += 1
    return hist


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("script")
    ap.add_argument("--board", default="m0", choices=("m0", "arm"))
    ap.add_argument("--top", type=int, default=30)
    ap.add_argument("--calls", type=int, default=0, help="divide by this many operations")
    ap.add_argument("--keep", help="keep the exec log at this path")
    args = ap.parse_args()

    tmp = Path(tempfile.mkdtemp(prefix="lp_profile_"))
    sock, log = tmp / "monitor.sock", Path(args.keep or tmp / "exec.log")
    runner = runner_class(args.board, sock, log)()
    runner.check_available()
    code = PRELUDE + Path(args.script).read_text()
    try:
        runner._soft_reset()
        board = runner._board
        board.exec_raw_no_follow(code.encode())
        data = wait_for(board.serial, b"@@ready", bytearray())
        monitor(sock, "log exec,nochain")
        board.serial.write(b"x")
        data = wait_for(board.serial, b"@@done", data)
        monitor(sock, "log none")
        print(data.decode(errors="replace").replace("@@ready", "").split("@@done")[0].strip())
    finally:
        runner.close()
    hist = analyse(log)
    total = sum(hist.values())
    per = args.calls or 1
    print(
        f"instructions between the markers: {total:,}"
        + (f" ({total / per:.1f} per call)" if args.calls else "")
    )
    for sym, n in hist.most_common(args.top):
        share = f"{n / per:10.1f}" if args.calls else f"{n:10,}"
        print(f"{share}  {100 * n / total:5.1f}%  {sym}")
    if not args.keep:
        os.unlink(log)


if __name__ == "__main__":
    main()
