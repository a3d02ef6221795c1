# lp-check corpus driver: runs on MicroPython (unix and the boards). The host test appends one
# `_lp_snippet(name, source, lock, needs)` call per snippet and reads one result line per snippet:
#   @ name ok            the body ran under the heap lock without MemoryError
#   @ name mem LINE      MemoryError under the lock; LINE is the innermost line of the snippet program
#   @ name pool          AllocError (the pool, not the GC heap: a corpus bug)
#   @ name exc TYPE      another exception escaped the body (a corpus bug)
#   @ name skip REASON   the target lacks a module the snippet needs
#   @ name setup TYPE    the setup part failed (a corpus bug)
# The body runs with micropython.heap_lock() (or inside pool.run() for `lock: run` snippets); the
# driver's own code between the lock and the unlock allocates nothing (a preallocated result slot).
import gc
import sys

import micropython

try:
    import io
except ImportError:
    io = None

if hasattr(micropython, "alloc_emergency_exception_buf"):
    # room for the traceback of a MemoryError raised under the lock (the line it was raised at)
    micropython.alloc_emergency_exception_buf(256)

_slot = [None]


def _lp_line(e):
    if io is None:
        return "?"
    s = io.StringIO()
    sys.print_exception(e, s)
    text = s.getvalue()
    line = "?"
    # the innermost frame of the snippet program (exec'd as "<string>") is printed last
    for part in text.split("\n"):
        part = part.strip()
        if part.startswith('File "<string>", line '):
            line = part.split("line ", 1)[1].split(",", 1)[0]
    return line


def _lp_snippet(name, source, lock, needs):
    for mod in needs:
        try:
            __import__(mod)
        except ImportError:
            print("@", name, "skip", "no", mod)
            return
    ns = {"__name__": "snippet"}
    try:
        exec(source, ns)
    except Exception as e:  # noqa: BLE001 - reported, and the host test fails on it
        print("@", name, "setup", type(e).__name__, e)
        return
    body = ns["_lp_body"]
    gc.collect()
    _slot[0] = None
    if lock == "run":
        pool = ns["pool"]
        try:
            pool.run(body)
        except BaseException as e:  # noqa: BLE001 - classified below, with the heap unlocked
            _slot[0] = e
        depth = 0
    else:
        micropython.heap_lock()
        try:
            body()
        except BaseException as e:  # noqa: BLE001
            _slot[0] = e
        depth = micropython.heap_unlock()
    extra = 0
    while depth > 0:
        depth = micropython.heap_unlock()
        extra += 1
    e = _slot[0]
    _slot[0] = None
    if e is None:
        result = "ok"
    elif type(e) is MemoryError:
        result = "mem " + _lp_line(e)
    elif isinstance(e, MemoryError):
        result = "pool"
    else:
        result = "exc " + type(e).__name__ + " " + _lp_line(e)
    if extra:
        result += " unbalanced"
    print("@", name, result)
    ns.clear()
