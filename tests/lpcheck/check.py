"""Runs the corpus on a target and compares lp-check's verdicts with what the VM did."""

import json
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path

from . import corpus

LP_ROOT = Path(__file__).resolve().parents[2]
HOST = LP_ROOT / "lp_pool_py" / "host"
if str(HOST) not in sys.path:
    sys.path.insert(0, str(HOST))

import lp_check  # noqa: E402
from lp_check.port import PRESETS, Port  # noqa: E402

PROBE = b"""import sys, micropython
def probe():
    x = [0.5]
    boxed = 0
    micropython.heap_lock()
    try:
        x[0] = x[0] * 3.0
    except MemoryError:
        boxed = 1
    micropython.heap_unlock()
    return boxed
v = sys.implementation.version
print('@probe', v[0], v[1], 64 if sys.maxsize > 2**32 else 32, probe())
"""


def probe_port(runner) -> Port:
    """The target's own facts: MicroPython version, word size, whether floats are boxed."""
    result = run_code(runner, PROBE)
    m = re.search(r"@probe (\d+) (\d+) (\d+) (\d)", result.output)
    if not m:
        raise AssertionError(f"the probe did not run on {runner.name}:\n{result.output}")
    major, minor, bits, boxed = (int(g) for g in m.groups())
    word = 64 if bits > 32 else 32
    return Port(runner.name, (major, minor), "A" if boxed else "C", word - 1, word)


def preset_for(port: Port) -> str:
    """The named preset with these facts (the tests check the presets are right)."""
    for name in ("unix", "qemu"):
        p = PRESETS[name]
        if (p.version, p.obj_repr, p.small_int_bits, p.word_bits) == (
            port.version,
            port.obj_repr,
            port.small_int_bits,
            port.word_bits,
        ):
            return name
    return ""


def run_code(runner, code: bytes):
    if hasattr(runner, "run_code"):
        return runner.run_code(code)
    # the unix runners take a file: run it from build/lpcheck (bare name, as the harness does)
    out_dir = LP_ROOT / "build" / "lpcheck"
    out_dir.mkdir(parents=True, exist_ok=True)
    script = out_dir / f"chunk_{runner.name}.py"
    script.write_bytes(code)
    return runner.run(script)


@dataclass
class Outcome:
    snippet: corpus.Snippet
    vm: corpus.VmResult
    verdict: str  # safe, may, allocates
    findings: list = field(default_factory=list)


def checker_verdict(snippet, port: Port):
    result = lp_check.check_sources({f"{snippet.id}.py": snippet.program()}, port)
    findings = [f for f in result.findings if f.verdict != lp_check.ERROR]
    if any(f.verdict == lp_check.ALLOCATES for f in findings):
        return "allocates", findings
    if findings:
        return "may", findings
    return "safe", findings


def run_corpus(runner, snippets, chunk_size=24):
    results = {}
    for i in range(0, len(snippets), chunk_size):
        chunk = snippets[i : i + chunk_size]
        code = corpus.chunk_script(chunk).encode()
        res = run_code(runner, code)
        got = corpus.parse_results(res.output)
        for s in chunk:
            if s.id not in got:
                got[s.id] = corpus.VmResult("missing", detail=res.output[-2000:])
        if "@@ done" not in res.output:
            # keep going: the snippets after the one that broke the run are tried again in a new run
            for s in chunk:
                if got[s.id].status == "missing":
                    got[s.id] = corpus.VmResult(
                        "missing",
                        detail=f"(run ended early{' by timeout' if res.timed_out else ''})\n"
                        + res.output[-1500:],
                    )
        results.update(got)
    return results


def compare(snippets, vm_results, port: Port):
    outcomes = []
    for s in snippets:
        verdict, findings = checker_verdict(s, port)
        outcomes.append(Outcome(s, vm_results[s.id], verdict, findings))
    return outcomes


def summarize(outcomes, target: str) -> dict:
    rules = {}
    for o in outcomes:
        if o.vm.status not in ("ok", "mem"):
            continue
        for code in sorted({f.code for f in o.findings}):
            r = rules.setdefault(code, {"flagged": 0, "false_alarms": 0})
            r["flagged"] += 1
            if o.vm.status == "ok":
                r["false_alarms"] += 1
    counted = [o for o in outcomes if o.vm.status in ("ok", "mem")]
    flagged = [o for o in counted if o.verdict != "safe"]
    topics = {}
    for o in outcomes:
        t = topics.setdefault(o.snippet.topic, {"snippets": 0, "allocated": 0, "skipped": 0})
        t["snippets"] += 1
        t["allocated"] += o.vm.status == "mem"
        t["skipped"] += o.vm.status == "skip"
    return {
        "target": target,
        "snippets": len(outcomes),
        "ran": len(counted),
        "allocated": sum(o.vm.status == "mem" for o in counted),
        "missed": sum(o.vm.status == "mem" and o.verdict == "safe" for o in counted),
        "flagged": len(flagged),
        "false_alarms": sum(o.vm.status == "ok" for o in flagged),
        "certain_false": sum(o.vm.status == "ok" and o.verdict == "allocates" for o in counted),
        "rules": rules,
        "topics": topics,
        "false_alarm_snippets": sorted(o.snippet.id for o in flagged if o.vm.status == "ok"),
    }


def write_report(summary: dict):
    out = LP_ROOT / "build" / "lpcheck"
    out.mkdir(parents=True, exist_ok=True)
    (out / f"report-{summary['target']}.json").write_text(json.dumps(summary, indent=2, sort_keys=True))
