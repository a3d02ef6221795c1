"""The `lp-check` command."""

import argparse
import json
import sys
import time

from . import __version__, check_paths
from .port import DEFAULT_PRESET, PRESETS, parse_version
from .project import SourceError
from .rules import ALLOCATES, ERROR, MAY, RULES

EXIT_CLEAN, EXIT_FINDINGS, EXIT_USAGE = 0, 1, 2
LEVELS = {"error": (ERROR,), "allocates": (ERROR, ALLOCATES), "may": (ERROR, ALLOCATES, MAY)}


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="lp-check",
        description="Report the lines of MicroPython code that allocate on the GC heap where they must not: "
        "functions given to pool.run(), `with pool:` bodies, guarded() coroutines, hard IRQ handlers and "
        "functions marked @no_alloc or `# lp-check: no-alloc`.",
        epilog="exit status: 0 clean, 1 findings at or above --fail-on, 2 usage error or a file "
        "that cannot be read or parsed",
    )
    p.add_argument("paths", nargs="*", help="files and folders (*.py under folders)")
    p.add_argument("--version", action="version", version=f"lp-check {__version__}")
    p.add_argument(
        "--port",
        choices=sorted(PRESETS),
        default=DEFAULT_PRESET,
        help=f"port preset (default {DEFAULT_PRESET}): MicroPython version, object representation, "
        "small-int width",
    )
    p.add_argument("--mpy-version", metavar="X.Y", help="MicroPython version of the target (preset: 1.25)")
    p.add_argument("--obj-repr", choices=("A", "C"), help="MICROPY_OBJ_REPR: A boxes floats, C does not")
    p.add_argument(
        "--small-int-bits", type=int, metavar="N", help="bits of a small int, sign included (31 or 63)"
    )
    p.add_argument("--word-bits", type=int, choices=(32, 64), help="machine word (C long) bits")
    p.add_argument(
        "--fail-on",
        choices=sorted(LEVELS),
        default="may",
        help="lowest verdict that makes the exit status 1 (default: may)",
    )
    p.add_argument("--select", metavar="CODES", help="report only these codes (comma-separated)")
    p.add_argument("--ignore", metavar="CODES", help="do not report these codes (comma-separated)")
    p.add_argument("--exclude", action="append", default=[], metavar="GLOB", help="skip files matching GLOB")
    p.add_argument("--format", choices=("text", "json"), default="text")
    p.add_argument("--no-hints", action="store_true", help="one line per finding, without hint and call path")
    p.add_argument("--entries", action="store_true", help="also list the checked entry points")
    p.add_argument("--list-rules", action="store_true", help="print the rules and exit")
    p.add_argument("--stats", action="store_true", help="print files, lines and time to stderr")
    return p


def _codes(text):
    return {c.strip().upper() for c in text.split(",") if c.strip()} if text else None


def main(argv=None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.list_rules:
        for r in RULES.values():
            print(f"{r.code}  {r.title}\n       hint: {r.hint}\n       VM: {r.source}")
        return EXIT_CLEAN
    if not args.paths:
        parser.print_usage(sys.stderr)
        print("lp-check: error: give the files or folders to check", file=sys.stderr)
        return EXIT_USAGE
    port = PRESETS[args.port]
    try:
        version = parse_version(args.mpy_version) if args.mpy_version else None
    except ValueError as e:
        print(f"lp-check: error: {e}", file=sys.stderr)
        return EXIT_USAGE
    if args.small_int_bits is not None and not 8 <= args.small_int_bits <= 64:
        print("lp-check: error: --small-int-bits must be between 8 and 64", file=sys.stderr)
        return EXIT_USAGE
    port = port.with_options(version, args.obj_repr, args.small_int_bits, args.word_bits)
    select, ignore = _codes(args.select), _codes(args.ignore)
    unknown = [c for c in (select or set()) | (ignore or set()) if c not in RULES]
    if unknown:
        print(
            f"lp-check: error: unknown code(s) {', '.join(sorted(unknown))} (see --list-rules)",
            file=sys.stderr,
        )
        return EXIT_USAGE
    t0 = time.perf_counter()
    try:
        result = check_paths(args.paths, port, exclude=args.exclude)
    except SourceError as e:
        print(f"lp-check: error: {e}", file=sys.stderr)
        return EXIT_USAGE
    elapsed = time.perf_counter() - t0
    findings = [
        f
        for f in result.findings
        if (select is None or f.code in select) and (ignore is None or f.code not in ignore)
    ]
    failing = [f for f in findings if f.verdict in LEVELS[args.fail_on]]
    if args.format == "json":
        out = {
            "version": __version__,
            "port": port.describe(),
            "files": len(result.files),
            "findings": [
                {
                    "path": f.path,
                    "line": f.line,
                    "col": f.col,
                    "code": f.code,
                    "verdict": f.verdict,
                    "message": f.message,
                    "hint": f.hint,
                    "via": list(f.via),
                }
                for f in findings
            ],
            "entries": [e.__dict__ for e in result.entries],
        }
        print(json.dumps(out, indent=2))
    else:
        for f in findings:
            print(f"{f.path}:{f.line}:{f.col}: {f.code} {f.verdict}: {f.message}")
            if not args.no_hints:
                print(f"    hint: {f.hint}")
                if f.via:
                    print(f"    via: {' -> '.join(f.via)}")
        if args.entries:
            for e in result.entries:
                print(f"entry: {e.path}:{e.line}: {e.kind}: {e.target}")
        counts = {v: sum(1 for f in findings if f.verdict == v) for v in (ERROR, ALLOCATES, MAY)}
        if findings or args.entries:
            print(
                f"lp-check: {len(findings)} finding(s): {counts[ERROR]} error, "
                f"{counts[ALLOCATES]} allocates, "
                f"{counts[MAY]} may allocate ({port.describe()})",
                file=sys.stderr,
            )
    if args.stats:
        lines = sum(len(open(p, encoding="utf-8").read().splitlines()) for p in result.files)
        print(
            f"lp-check: {len(result.files)} files, {lines} lines, {len(result.entries)} entries in "
            f"{elapsed:.3f} s",
            file=sys.stderr,
        )
    return EXIT_FINDINGS if failing else EXIT_CLEAN
