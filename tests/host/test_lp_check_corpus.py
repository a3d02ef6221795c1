"""lp-check against the VM: every corpus snippet runs with the GC heap locked on each target of
the run (--targets), and lp-check's verdict for it, with the port facts probed from that target,
must cover what the VM did: no snippet the checker calls safe raised MemoryError, and the line the
VM raised at carries a finding (or the checker said it could not follow a call there). False alarms
are counted per rule and written to build/lpcheck/report-<target>.json (docs/lp-check.md quotes
them)."""

import pytest
from lpcheck import check, corpus

SNIPPETS = corpus.load()


def pytest_generate_tests(metafunc):
    if "lp_runner" in metafunc.fixturenames:
        runners = metafunc.config._lp_runners
        metafunc.parametrize("lp_runner", runners, ids=[r.name for r in runners])


def test_corpus_is_large_and_valid():
    assert len(SNIPPETS) >= 300, len(SNIPPETS)
    names = [s.id for s in SNIPPETS]
    assert len(names) == len(set(names)), "snippet names must be unique"
    problems = [f"{s.id}: {p}" for s in SNIPPETS for p in corpus.validate(s)]
    assert not problems, "\n".join(problems)
    topics = {s.topic for s in SNIPPETS}
    for t in (
        "literals",
        "arith_int",
        "arith_float",
        "strings",
        "slicing",
        "calls",
        "closures",
        "generators",
        "exceptions",
        "globals_attrs",
        "bigint",
        "loops",
        "containers",
        "lp_pool",
    ):
        assert t in topics, t


def test_validator_rejects_what_could_hide_an_allocation():
    bad = corpus.Snippet(
        "t", "x", [], ["try:", "    y = [1]", "except MemoryError:", "    pass"], corpus.DRIVER, 1, 1
    )
    assert any("MemoryError" in p for p in corpus.validate(bad))
    bad.body = ["try:", "    y = [1]", "except (KeyError, Exception):", "    pass"]
    assert corpus.validate(bad)
    bad.body = ["try:", "    y = [1]", "except:", "    pass"]
    assert corpus.validate(bad)
    bad.body = ["micropython.heap_unlock()"]
    assert corpus.validate(bad)
    good = corpus.Snippet(
        "t", "x", [], ["try:", "    y = 1", "except KeyError:", "    pass"], corpus.DRIVER, 1, 1
    )
    assert corpus.validate(good) == []


def test_driver_reports_allocations_with_their_line(lp_runner):
    """The driver itself: a MemoryError under the lock is reported with its line, even from a callee,
    and a body without allocation is reported ok (so neither verdict is a default)."""
    cases = corpus.parse_file(_write_tmp_corpus(lp_runner))
    results = check.run_corpus(lp_runner, cases)
    alloc, free, callee = (results[c.id] for c in cases)
    assert alloc.status == "mem" and alloc.line == cases[0].body_range()[0] + 1, alloc
    assert free.status == "ok", free
    assert callee.status == "mem" and callee.line == corpus.PRELUDE_LINES + 2, callee


def _write_tmp_corpus(runner):
    path = check.LP_ROOT / "build" / "lpcheck" / f"tmp_{runner.name}.snip"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(
        "=== alloc\n---\nx = 1\ny = [x]\n"
        "=== free\na = 1\n---\nx = a + 1\n"
        "=== in_callee\ndef f():\n    return [1]\n---\ny = f()\n"
    )
    return path


def test_corpus_on_target(lp_runner):
    lp_runner.check_available()
    port = check.probe_port(lp_runner)
    if lp_runner.name.startswith("unix"):
        assert check.preset_for(port) == "unix", port
    elif lp_runner.name.startswith("qemu"):
        assert check.preset_for(port) == "qemu", port
    vm = check.run_corpus(lp_runner, SNIPPETS)
    broken = [
        f"{sid}: {r.status} {r.detail}"
        for sid, r in vm.items()
        if r.status in ("pool", "exc", "setup", "missing")
    ]
    broken += [f"{sid}: heap lock left unbalanced" for sid, r in vm.items() if "unbalanced" in r.detail]
    assert not broken, f"snippets that did not run as written on {lp_runner.name}:\n" + "\n".join(broken)
    skipped = [sid for sid, r in vm.items() if r.status == "skip"]
    assert len(skipped) <= 10, skipped
    outcomes = check.compare(SNIPPETS, vm, port)
    summary = check.summarize(outcomes, lp_runner.name)
    check.write_report(summary)
    missed = []
    for o in outcomes:
        if o.vm.status != "mem":
            continue
        where = o.snippet.corpus_line(o.vm.line) if o.vm.line else "?"
        if o.verdict == "safe":
            missed.append(f"{o.snippet.id} ({where}): the checker calls it safe, the VM raised MemoryError")
            continue
        lines = {f.line for f in o.findings}
        unfollowed = any(f.code in ("LP201", "LP202") for f in o.findings)
        if o.vm.line is not None and o.vm.line not in lines and not unfollowed:
            missed.append(f"{o.snippet.id} ({where}): MemoryError at a line without a finding")
    assert not missed, f"allocations lp-check missed on {lp_runner.name} ({port.describe()}):\n" + "\n".join(
        missed
    )
    # every topic exercises both sides (otherwise the topic proves nothing)
    for topic, t in summary["topics"].items():
        ran = t["snippets"] - t["skipped"]
        assert 0 < t["allocated"] < ran, (topic, t)
    assert summary["ran"] >= 300


@pytest.mark.parametrize("snippet", [s for s in SNIPPETS if s.topic == "lp_pool"][:3], ids=lambda s: s.name)
def test_corpus_program_shape(snippet):
    prog = snippet.program()
    assert prog.startswith(corpus.PRELUDE)
    assert corpus.BODY_DEF in prog
    assert snippet.corpus_line(corpus.PRELUDE_LINES + len(snippet.setup) + 2).startswith("lp_pool.snip:")
