"""`make dist`'s artefacts (build/dist/): firmware named by version, the mip package installed the way
mip installs it, sizes, checksums; and the one place the version is written."""

import hashlib
import http.server
import json
import re
import threading
from pathlib import Path

import pytest
from harness.mpremote import mpremote
from harness.runners import BUILD_DIR, LP_ROOT

pytestmark = pytest.mark.boards
DIST = BUILD_DIR / "dist"
BOARDS = LP_ROOT / "boards"


def version() -> str:
    text = (LP_ROOT / "usermod" / "lp_pool" / "lp_version.h").read_text()
    return re.search(r'#define LP_POOL_VERSION "([^"]+)"', text).group(1)


@pytest.fixture(scope="module")
def dist() -> Path:
    if not (DIST / "SHA256SUMS").is_file():
        pytest.fail(f"{DIST} is missing: build it with `make dist`")
    return DIST


def arena_macro(header: Path) -> int:
    expr = re.search(r"#define LP_POOL_ARENA_SIZE \(([^)]*)\)", header.read_text()).group(1)
    return eval(expr, {})  # a plain arithmetic expression such as 64 * 1024


def test_firmware_is_named_by_version_and_board(dist):
    ver = version()
    sizes = json.loads((dist / "sizes.json").read_text())
    for board, board_dir, ram in (("RPI_PICO", "LP_RPI_PICO", 256), ("RPI_PICO2", "LP_RPI_PICO2", 508)):
        uf2 = dist / f"lp-pool-{ver}-{board}.uf2"
        data = uf2.read_bytes()
        # UF2 blocks of 512 bytes, each with the two start magic numbers and the end one.
        assert len(data) > 100_000 and len(data) % 512 == 0, uf2
        assert data[:8] == b"UF2\n\x57\x51\x5d\x9e" and data[508:512] == b"\x30\x6f\xb1\x0a", uf2
        assert sizes[board]["arena"] == arena_macro(BOARDS / board_dir / "mpconfigboard.h")
        assert sizes[board]["ram_total"] == ram * 1024
        assert sizes[board]["gc_heap"] > 100 * 1024
        assert f"| {board} | {sizes[board]['text']:,} |" in (dist / "SIZES.md").read_text()
    # The Pico W needs libraries no Debian package carries: either it was built (a git checkout
    # with submodules) or make said why it wasn't.
    pico_w = dist / f"lp-pool-{ver}-RPI_PICO_W.uf2"
    why = BUILD_DIR / "dist-LP_RPI_PICO_W.why"
    assert pico_w.is_file() or "lib/cyw43-driver" in why.read_text()


def test_the_host_wheel_is_there(dist):
    # lp-check and the PEP 561 stubs (tests/host/test_lp_check_wheel.py installs and runs it).
    wheels = sorted(dist.glob("lp_pool_host-*.whl"))
    assert [w.name for w in wheels] == [f"lp_pool_host-{version()}-py3-none-any.whl"]


def test_checksums_cover_every_file(dist):
    listed = {}
    for line in (dist / "SHA256SUMS").read_text().splitlines():
        digest, name = line.split("  ", 1)
        listed[name] = digest
    files = {str(p.relative_to(dist)) for p in dist.rglob("*") if p.is_file() and p.name != "SHA256SUMS"}
    assert set(listed) == files
    for name, digest in listed.items():
        assert hashlib.sha256((dist / name).read_bytes()).hexdigest() == digest, name
    assert (dist / "LICENSE").read_text().startswith("MIT License")
    assert (
        f"## {version()}" in (dist / "CHANGELOG.md").read_text()
        or "## Unreleased" in (dist / "CHANGELOG.md").read_text()
    )


def test_mip_package_lists_its_files(dist):
    package = json.loads((dist / "mip" / "package.json").read_text())
    assert package["version"] == version()
    assert package["deps"] == []
    sources = sorted((LP_ROOT / "lp_pool_py" / "lp_pool").glob("*.py"))
    assert [dest for dest, _ in package["urls"]] == [f"lp_pool/{p.stem}.mpy" for p in sources]
    for _dest, url in package["urls"]:
        data = (dist / "mip" / url).read_bytes()
        assert data[0:1] == b"M" and data[1] == 6, url  # .mpy, format 6 (MicroPython 1.19 and newer)


@pytest.fixture
def http_server(dist):
    """The mip folder on http://127.0.0.1:<port>/, as a web server would give it to mip."""
    handler_cls = type("Quiet", (http.server.SimpleHTTPRequestHandler,), {"log_message": lambda *a: None})
    handler = lambda *a, **kw: handler_cls(*a, directory=str(dist / "mip"), **kw)  # noqa: E731
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_mpremote_mip_installs_the_package_over_http(board, http_server):
    # mpremote fetches package.json, then each file relative to it, and writes them to the board.
    start, fs = board
    out = mpremote(start(), "mip", "install", "--target", "lib", f"{http_server}/package.json")
    assert "Installing" in out and "Done" in out, out
    assert (fs / "lib" / "lp_pool" / "__init__.mpy").is_file()
    # The stand-in board's path is a Pico's: '', .frozen, lib. Without the frozen copy, as in
    # firmware built through USER_C_MODULES without freezing the package, lib/ is where it is found.
    code = (
        "import sys; sys.path.remove('.frozen'); import lp_pool; "
        "print(lp_pool.__file__, lp_pool.version, lp_pool.LpVec('i', [1, 2]) == [1, 2])"
    )
    out = mpremote(start(), "exec", code)
    assert out.strip() == f"lib/lp_pool/__init__.mpy {version()} True", out
