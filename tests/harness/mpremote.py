"""mpremote, as the host tests drive it against the stand-in board (the `board` fixture)."""

import subprocess
import sys
from pathlib import Path

MPREMOTE = Path(sys.executable).with_name("mpremote")


def mpremote(tty, *args):
    proc = subprocess.run(
        [str(MPREMOTE), "connect", tty, "resume", *args], capture_output=True, text=True, timeout=60
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return proc.stdout
