"""Markdown tables from the lp-check corpus reports (build/lpcheck/report-<target>.json, written by
tests/host/test_lp_check_corpus.py): per target, and false alarms per rule. docs/lp-check.md quotes
them; run this after `make test` to refresh the figures."""

import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "lp_pool_py" / "host"))

from lp_check.rules import RULES  # noqa: E402

REPORTS = Path(__file__).resolve().parents[1] / "build" / "lpcheck"


def main():
    reports = {}
    for f in sorted(REPORTS.glob("report-*.json")):
        d = json.loads(f.read_text())
        reports[d["target"]] = d
    if not reports:
        print("no reports: run tests/host/test_lp_check_corpus.py first (make test)", file=sys.stderr)
        return 1
    order = {"unix": 0, "unix-meta": 1}
    targets = sorted(reports, key=lambda t: (order.get(t, 2), t))
    reports = {t: reports[t] for t in targets}
    print(
        "| target | snippets run | allocated on the VM | missed by lp-check | flagged | false alarms | rate |"
    )
    print("| --- | --- | --- | --- | --- | --- | --- |")
    for t, d in reports.items():
        rate = 100 * d["false_alarms"] / d["flagged"] if d["flagged"] else 0
        print(
            f"| {t} | {d['ran']} | {d['allocated']} | {d['missed']} | {d['flagged']} | {d['false_alarms']} | "
            f"{rate:.0f}% |"
        )
    print()
    print("| rule | " + " | ".join(f"{t}: false / flagged" for t in targets) + " |")
    print("| --- | " + " | ".join("---" for _ in targets) + " |")
    for code in RULES:
        cells = []
        seen = False
        for t in targets:
            r = reports[t]["rules"].get(code)
            if r:
                seen = True
                cells.append(f"{r['false_alarms']} / {r['flagged']}")
            else:
                cells.append("–")
        if seen:
            print(f"| {code} | " + " | ".join(cells) + " |")
    print()
    first = reports[targets[0]]
    print("| topic | snippets | allocated on " + targets[0] + " |")
    print("| --- | --- | --- |")
    for topic, t in sorted(first["topics"].items()):
        print(f"| {topic} | {t['snippets']} | {t['allocated']} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
