#!/usr/bin/env python3
"""Assemble build/dist/: what a user flashes or installs, named by lp-pool's version.

    tools/dist.py --out build/dist --mpy-cross build/mpy-cross/mpy-cross [--wheel-dir DIR]

`make dist` builds the firmware first and then runs this. It collects:

- lp-pool-<version>-<BOARD>.uf2 for each Pico board whose firmware was built (build/rp2,
  build/rp2-pico2, build/rp2-pico-w), and says loudly which one was not and why (the build's own
  reason, saved by make in build/dist-<board>.why);
- mip/: the lp_pool package compiled to .mpy, with the package.json `mpremote mip install` reads;
- the host wheel (lp-check and the lp_pool stubs: `pip install` it) from --wheel-dir;
- SIZES.md and sizes.json: text, bss, arena and GC heap left of each firmware;
- CHANGELOG.md, LICENSE and SHA256SUMS.

The version comes from usermod/lp_pool/lp_version.h, the one place it is written.
"""

import argparse
import hashlib
import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tools"))
import size_report  # noqa: E402

# Firmware in build/dist: (board name in the file name, where make rp2 leaves it, lp-pool board dir).
FIRMWARE = (
    ("RPI_PICO", "rp2", "LP_RPI_PICO"),
    ("RPI_PICO2", "rp2-pico2", "LP_RPI_PICO2"),
    ("RPI_PICO_W", "rp2-pico-w", "LP_RPI_PICO_W"),
)


def version() -> str:
    text = (ROOT / "usermod" / "lp_pool" / "lp_version.h").read_text()
    m = re.search(r'^#define LP_POOL_VERSION "([0-9A-Za-z.+-]+)"$', text, re.M)
    if m is None:
        sys.exit("dist: no LP_POOL_VERSION in usermod/lp_pool/lp_version.h")
    return m.group(1)


def say(msg: str) -> None:
    print(f"dist: {msg}", file=sys.stderr)


def firmware(out: Path, build: Path, ver: str) -> tuple[dict, list[str]]:
    sizes, missing = {}, []
    for board, folder, board_dir in FIRMWARE:
        uf2 = build / folder / "firmware.uf2"
        if not uf2.is_file():
            why_file = build / f"dist-{board_dir}.why"
            why = why_file.read_text().strip() if why_file.is_file() else "it was not built"
            missing.append(f"{board}: {why}")
            continue
        name = f"lp-pool-{ver}-{board}"
        shutil.copyfile(uf2, out / f"{name}.uf2")
        sizes[board] = size_report.measure(str(build / folder / "firmware.elf"))
        say(f"{name}.uf2 ({uf2.stat().st_size} bytes)")
    return sizes, missing


def mip_package(out: Path, mpy_cross: Path, ver: str) -> None:
    """lp_pool as .mpy files plus the package.json mip reads, with relative URLs."""
    src = ROOT / "lp_pool_py" / "lp_pool"
    mip = out / "mip"
    urls = []
    for py in sorted(src.glob("*.py")):
        rel = f"lp_pool/{py.stem}.mpy"
        dest = mip / rel
        dest.parent.mkdir(parents=True, exist_ok=True)
        # -s keeps the source name short in tracebacks, as a frozen module's.
        proc = subprocess.run(
            [str(mpy_cross), "-s", f"lp_pool/{py.name}", "-o", str(dest), str(py)],
            capture_output=True,
            text=True,
        )
        if proc.returncode != 0:
            sys.exit(f"dist: mpy-cross failed on {py}:\n{proc.stdout}{proc.stderr}")
        urls.append([rel, rel])
    package = {"urls": urls, "deps": [], "version": ver}
    (mip / "package.json").write_text(json.dumps(package, indent=2) + "\n")
    say(f"mip/package.json ({len(urls)} files, version {ver})")


def size_table(sizes: dict) -> str:
    rows = [
        "# Firmware sizes",
        "",
        "| firmware | text (flash) | bss | lp-pool arena | GC heap left | main RAM |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    for board, r in sizes.items():
        cells = [board] + [f"{r[key]:,}" for key in ("text", "bss", "arena", "gc_heap", "ram_total")]
        rows.append("| " + " | ".join(cells) + " |")
    return "\n".join(rows) + "\n"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, default=ROOT / "build" / "dist")
    ap.add_argument("--build", type=Path, default=ROOT / "build")
    ap.add_argument("--mpy-cross", type=Path, required=True)
    ap.add_argument("--wheel-dir", type=Path, default=None)
    args = ap.parse_args()
    ver = version()
    out = args.out
    if out.exists():
        shutil.rmtree(out)
    out.mkdir(parents=True)

    sizes, missing = firmware(out, args.build, ver)
    if not sizes:
        sys.exit("dist: no firmware was built: run `make dist`, which builds it first")
    mip_package(out, args.mpy_cross, ver)
    if args.wheel_dir is not None:
        wheels = sorted(args.wheel_dir.glob(f"*-{ver}-*.whl"))
        if not wheels:
            sys.exit(f"dist: no wheel of version {ver} in {args.wheel_dir}")
        for wheel in wheels:
            shutil.copyfile(wheel, out / wheel.name)
            say(wheel.name)
    (out / "sizes.json").write_text(json.dumps(sizes, indent=2, sort_keys=True) + "\n")
    (out / "SIZES.md").write_text(size_table(sizes))
    for doc in ("CHANGELOG.md", "LICENSE"):
        shutil.copyfile(ROOT / doc, out / doc)

    files = sorted(p for p in out.rglob("*") if p.is_file())
    sums = "".join(f"{hashlib.sha256(p.read_bytes()).hexdigest()}  {p.relative_to(out)}\n" for p in files)
    (out / "SHA256SUMS").write_text(sums)
    print(size_table(sizes))
    say(f"lp-pool {ver}: {len(files)} files in {out}, checksums in SHA256SUMS")
    for line in missing:
        # Loud, but not a failure: a board whose sources no registry carries can't be built here.
        say(f"NOT BUILT: {line}")


if __name__ == "__main__":
    main()
