#!/usr/bin/env bash
# Make sure clang can link a libFuzzer + ASan + UBSan binary (the allocator's fuzz target).
#
# Debian ships clang's runtime libraries apart from clang: libclang-rt-<major>-dev (Debian 12:
# clang 14, Debian 13: clang 19). The package name is derived from the clang that is installed, and
# the check is a real link, so a machine that has the libraries some other way passes too.
#
#   tools/ensure_fuzz_toolchain.sh [CLANG]
set -euo pipefail
clang=${1:-clang}
here=$(dirname "$(readlink -f "$0")")

probe() {
    local dir
    dir=$(mktemp -d)
    printf '#include <stddef.h>\n#include <stdint.h>\nint LLVMFuzzerTestOneInput(const uint8_t *d, size_t n) { (void)d; (void)n; return 0; }\n' >"$dir/p.c"
    local rc=0
    "$clang" -fsanitize=fuzzer,address,undefined "$dir/p.c" -o "$dir/p" >"$dir/log" 2>&1 || rc=1
    rm -rf "$dir"
    return $rc
}

command -v "$clang" >/dev/null 2>&1 || "$here/ensure_deps.sh" clang
probe && exit 0

major=$("$clang" -dumpversion 2>/dev/null | cut -d. -f1)
if [ -z "$major" ]; then
    echo "deps: error: cannot tell the version of $clang, so cannot name its runtime package" >&2
    exit 1
fi
pkg=libclang-rt-$major-dev
"$here/ensure_deps.sh" "$pkg"
if ! probe; then
    echo "deps: error: $clang still cannot link -fsanitize=fuzzer,address,undefined after installing $pkg" >&2
    exit 1
fi
