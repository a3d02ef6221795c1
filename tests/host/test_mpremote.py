"""The mpremote workflow end to end without a board: the unix binary on a pty (socat), driven by
mpremote as a board would be (tools/unix_board.py gives it the raw REPL mpremote speaks)."""

import pytest
from harness.mpremote import mpremote
from harness.runners import LP_ROOT

pytestmark = pytest.mark.boards


def test_copy_a_file_run_an_example_read_its_output(board, tmp_path):
    start, fs = board
    helper = tmp_path / "lp_helper.py"
    helper.write_text("import lp_pool\n\ndef arena():\n    return lp_pool.arena_size()\n")
    out = mpremote(
        start(),
        "cp",
        str(helper),
        ":lp_helper.py",
        "+",
        "run",
        str(LP_ROOT / "examples" / "quickstart.py"),
        "+",
        "exec",
        "import lp_helper; print('arena via copied file:', lp_helper.arena())",
    )
    assert (fs / "lp_helper.py").read_text() == helper.read_text()
    assert "lp_pool " in out and "static arena of" in out, out
    assert "arena via copied file: " in out, out
    # A second connection (a new board process, as after a reset) still finds the copied file.
    out = mpremote(start(), "ls", "+", "exec", "import lp_helper; print(lp_helper.arena() > 0)")
    # mpremote does not promise the order of the listing and the exec output (it differs between
    # Python versions): assert each on its own.
    lines = [line.strip() for line in out.splitlines()]
    assert any(line.endswith(" lp_helper.py") for line in lines), out
    assert "True" in lines, out


def test_deploy_layout_shadows_the_frozen_package(board, tmp_path):
    # make deploy copies the package to the filesystem root: '' is before .frozen on sys.path.
    start, fs = board
    pkg = tmp_path / "__init__.py"
    pkg.write_text((LP_ROOT / "lp_pool_py" / "lp_pool" / "__init__.py").read_text() + "deployed = True\n")
    out = mpremote(
        start(),
        "mkdir",
        ":lp_pool",
        "+",
        "cp",
        str(pkg),
        ":lp_pool/__init__.py",
        "+",
        "exec",
        "import lp_pool; print('deployed copy:', lp_pool.deployed, lp_pool.arena_size() > 0)",
    )
    assert (fs / "lp_pool" / "__init__.py").is_file()
    assert "deployed copy: True True" in out, out
