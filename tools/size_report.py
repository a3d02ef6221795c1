#!/usr/bin/env python3
"""Size report of an rp2 firmware ELF: where its flash and RAM go, and what is left to the GC heap.

    tools/size_report.py build/rp2/firmware.elf [--json]

text/data/bss come from arm-none-eabi-size (Berkeley format: on the rp2 port, code and data copied to
RAM at boot count as text). The arena is the `lp_arena` symbol's size; the GC heap is what the port's
linker script hands to gc_init(): __GcHeapStart to __GcHeapEnd, i.e. the RAM after .bss and the C heap.
"""

import argparse
import json
import shutil
import subprocess
import sys

TOOLS = "arm-none-eabi-"
RAM_START = 0x20000000


def run(tool: str, *args: str) -> str:
    exe = shutil.which(TOOLS + tool)
    if exe is None:
        sys.exit(f"size_report: {TOOLS}{tool} not found (Debian: binutils-arm-none-eabi)")
    return subprocess.run([exe, *args], capture_output=True, text=True, check=True).stdout


def measure(elf: str) -> dict[str, int]:
    fields = run("size", elf).splitlines()[1].split()
    report = {"text": int(fields[0]), "data": int(fields[1]), "bss": int(fields[2])}
    symbols = {}
    for line in run("nm", "-S", elf).splitlines():
        parts = line.split()
        if len(parts) == 4:  # address size type name
            symbols[parts[3]] = (int(parts[0], 16), int(parts[1], 16))
        elif len(parts) == 3:  # address type name
            symbols[parts[2]] = (int(parts[0], 16), 0)
    if "lp_arena" not in symbols:
        sys.exit("size_report: no lp_arena symbol in the ELF: is the lp-pool module linked in?")
    report["arena"] = symbols["lp_arena"][1]
    report["gc_heap"] = symbols["__GcHeapEnd"][0] - symbols["__GcHeapStart"][0]
    report["static_ram"] = symbols["__bss_end__"][0] - RAM_START
    report["ram_total"] = symbols["__GcHeapEnd"][0] - RAM_START
    return report


def kib(n: int) -> str:
    return f"{n:>8} B  {n / 1024:7.1f} KiB"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("elf")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = parser.parse_args()
    r = measure(args.elf)
    if args.json:
        print(json.dumps(r))
        return
    print(f"size report for {args.elf}")
    print(f"  text (flash)            {kib(r['text'])}")
    print(f"  data                    {kib(r['data'])}")
    print(f"  bss                     {kib(r['bss'])}")
    print(f"  lp-pool arena (in bss)  {kib(r['arena'])}")
    print(f"  static RAM in use       {kib(r['static_ram'])}  (.data, RAM code, .bss)")
    print(f"  RAM left to GC heap     {kib(r['gc_heap'])}  (of {r['ram_total'] // 1024} KiB main RAM)")


if __name__ == "__main__":
    main()
