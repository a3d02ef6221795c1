"""Every Python code block in README.md and docs/*.md runs, on the unix port, and does what it says.

A block's info string says how it runs:

    ```python                      runs on `unix` and must finish without an exception
    ```python raises=MemoryError   must end with that exception (a documented mistake)
    ```python tracking             runs on `unix-meta` (built with allocation tracking)
    ```python board-only: why      not run here; the reason is required

A block of the form ```output right after a Python block is its exact expected output. Each block
runs on its own in a fresh interpreter, after a prelude that gives it the board objects examples
talk to (`uart`, `adc`, `read_adc`), so an example reads as it would on a board.
"""

import re
from pathlib import Path

import pytest
from harness.runners import LP_ROOT, UnixMetaRunner, UnixRunner

DOCS = [LP_ROOT / "README.md", *sorted((LP_ROOT / "docs").glob("*.md"))]

# Stand-ins for a board's peripherals: they take and give what the real ones do, without allocating.
PRELUDE = """\
class _Uart:
    def write(self, buf):
        return len(buf)


class _Adc:
    def read_u16(self):
        return 0x5A5A


uart = _Uart()
adc = _Adc()


def read_adc():
    return 0x5A5


del _Uart, _Adc
"""

FENCE = re.compile(r"^```([^\n]*)\n(.*?)^```[ \t]*$", re.S | re.M)


def blocks():
    """(doc, line, info, code, expected output or None) for each Python block of the docs."""
    found = []
    for doc in DOCS:
        text = doc.read_text()
        fences = list(FENCE.finditer(text))
        for i, m in enumerate(fences):
            info = m.group(1).strip()
            if info.split(" ", 1)[0] != "python":
                continue
            expected = None
            after = fences[i + 1] if i + 1 < len(fences) else None
            if (
                after is not None
                and after.group(1).strip() == "output"
                and not text[m.end() : after.start()].strip()
            ):
                expected = after.group(2)
            line = text.count("\n", 0, m.start()) + 1
            found.append((doc, line, info[len("python") :].strip(), m.group(2), expected))
    return found


BLOCKS = blocks()


def test_the_docs_have_python_blocks():
    assert len(BLOCKS) >= 10, [f"{d.name}:{n}" for d, n, *_ in BLOCKS]


@pytest.mark.parametrize(
    "doc,line,info,code,expected", BLOCKS, ids=[f"{b[0].relative_to(LP_ROOT)}:{b[1]}" for b in BLOCKS]
)
def test_doc_block(tmp_path: Path, doc, line, info, code, expected):
    where = f"{doc.relative_to(LP_ROOT)}:{line}"
    if info.startswith("board-only"):
        reason = info.partition(":")[2].strip()
        assert reason, f"{where}: a board-only block must say why (```python board-only: reason)"
        pytest.skip(f"{where}: board only: {reason}")
    raises = None
    runner = UnixRunner()
    for word in info.split():
        if word.startswith("raises="):
            raises = word.partition("=")[2]
        elif word == "tracking":
            runner = UnixMetaRunner()
        else:
            pytest.fail(f"{where}: unknown word {word!r} in the block's info string")
    runner.check_available()
    script = tmp_path / "doc_block.py"
    script.write_text(PRELUDE + "\n" + code)
    result = runner.run(script)
    out = result.output
    assert not result.timed_out, f"{where} timed out:\n{out}"
    if raises is None:
        assert result.returncode == 0 and "Traceback" not in out, f"{where} failed:\n{out}"
    else:
        last = out.rstrip().splitlines()[-1] if out.strip() else ""
        assert result.returncode != 0 and last.startswith(raises), f"{where} should raise {raises}:\n{out}"
    if expected is not None:
        assert out == expected, f"{where} printed:\n{out}\nexpected:\n{expected}"
