# Run by the unix port's micropython: make it answer on its terminal like a board's serial REPL,
# so mpremote can drive it (tests/host/test_mpremote.py puts it on a pty with socat).
#
# The unix port's own REPL has no raw REPL, which is all mpremote speaks: this script provides the
# raw REPL (Ctrl-A in, code, Ctrl-D; "OK", output, 0x04, traceback, 0x04), declines raw-paste mode
# so mpremote falls back to plain raw REPL, and treats Ctrl-D at an empty raw prompt as a soft
# reset (a fresh namespace, the process goes on). Files mpremote copies land in the current folder,
# which plays the board's filesystem.
import sys

# A board's import path (rp2, esp32): its filesystem root, then frozen modules, then lib/.
sys.path[:] = ["", ".frozen", "lib"]
stdin = sys.stdin.buffer
out = sys.stdout.buffer

BANNER = b"raw REPL; CTRL-B to exit\r\n"


def write(data):
    out.write(data)
    if hasattr(out, "flush"):
        out.flush()


def read_code():
    """Bytes up to Ctrl-D; None when the host asks for raw-paste mode (declined)."""
    code = bytearray()
    while True:
        c = stdin.read(1)
        if not c:
            raise SystemExit(0)
        if c == b"\x04":
            return bytes(code)
        if c == b"\x03":
            code = bytearray()
        elif c == b"\x05" and not code:
            stdin.read(2)  # "A\x01": raw-paste request
            return None
        elif c == b"\x02" and not code:
            return b"\x02"
        elif c == b"\x01" and not code:
            continue
        else:
            code += c


def settle():
    """What a board's REPL does after each command (docs/recovery.md): a `with pool:` block the
    command left open keeps no pool current and the heap locked for the next one."""
    lp = sys.modules.get("_lp_pool")
    if lp is not None:
        lp.reset()


def run(code, namespace):
    write(b"OK")
    try:
        exec(code, namespace)
        settle()
        write(b"\x04")
    except BaseException as e:  # everything the script raises is the host's to see
        settle()
        write(b"\x04")
        sys.print_exception(e)
    write(b"\x04")


def raw_repl():
    namespace = {"__name__": "__main__"}
    write(BANNER + b">")
    while True:
        code = read_code()
        if code is None:
            write(b"R\x00")  # declined: the host goes on in plain raw REPL
        elif code == b"\x02":
            write(b"\r\nMicroPython (unix, lp-pool board stand-in)\r\n>>> ")
            return
        elif code == b"":
            settle()
            namespace = {"__name__": "__main__"}
            write(b"OK\r\nMPY: soft reboot\r\n" + BANNER + b">")
        else:
            run(code, namespace)
            write(b">")


def main():
    write(b"\r\n>>> ")
    while True:
        c = stdin.read(1)
        if not c:
            return
        if c == b"\x01":
            raw_repl()
        elif c == b"\x03":
            write(b"\r\n>>> ")


main()
