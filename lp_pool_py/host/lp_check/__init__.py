"""lp-check: finds the lines that would allocate on MicroPython's GC heap where they must not.

Runs on CPython (3.11 and later) with the standard library only. See docs/lp-check.md.
"""

import re
from importlib import metadata
from pathlib import Path

from .analyzer import Analyzer, Entry, Finding
from .port import DEFAULT_PRESET, PRESETS, Port, parse_version
from .project import ModuleInfo, SourceError, find_sources
from .rules import ALLOCATES, ERROR, MAY, RULES


def _version() -> str:
    """lp-pool's one version: from lp_version.h when run from a checkout, else the installed wheel's."""
    header = Path(__file__).resolve().parents[3] / "usermod" / "lp_pool" / "lp_version.h"
    if header.is_file():
        return re.search(r'#define LP_POOL_VERSION "([^"]+)"', header.read_text()).group(1)
    try:
        return metadata.version("lp-pool-host")
    except metadata.PackageNotFoundError:
        return "unknown"


__version__ = _version()
__all__ = [
    "ALLOCATES",
    "DEFAULT_PRESET",
    "ERROR",
    "MAY",
    "PRESETS",
    "RULES",
    "Entry",
    "Finding",
    "Port",
    "Result",
    "SourceError",
    "check_paths",
    "check_sources",
    "no_alloc",
    "parse_version",
]


class Result:
    def __init__(self, analyzer: Analyzer, files: list[str]):
        self.findings: list[Finding] = analyzer.sorted_findings()
        self.entries: list[Entry] = analyzer.entries
        self.files = files
        self.port = analyzer.port


def check_sources(sources: dict[str, str], port: Port | None = None) -> Result:
    """Check {path: source text}; every file's functions can be followed from every other."""
    port = port or PRESETS[DEFAULT_PRESET]
    an = Analyzer(port)
    for path, text in sources.items():
        an.add_module(ModuleInfo(path, Path(path).stem, text))
    an.run()
    return Result(an, list(sources))


def check_paths(paths, port: Port | None = None, exclude=()) -> Result:
    files = find_sources(paths, exclude)
    sources = {}
    for f in files:
        try:
            sources[str(f)] = f.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as e:
            raise SourceError(f"{f}: cannot read: {e}") from None
    return check_sources(sources, port)


def no_alloc(fn):
    """The checker's mark for a function that must not allocate; does nothing at run time.

    On the board define the same one-liner (`def no_alloc(f): return f`) or use a comment:
    `# lp-check: no-alloc` on the line of the `def`.
    """
    return fn
