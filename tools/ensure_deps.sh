#!/usr/bin/env bash
# Make sure the Debian packages a target needs are installed. Checks first and installs nothing
# that is already there; as root it installs the missing ones with apt-get, otherwise it stops and
# prints the one command to run.
#
#   tools/ensure_deps.sh PKG...
set -euo pipefail

missing=()
for pkg in "$@"; do
    status=$(dpkg-query -W -f='${db:Status-Status}' "$pkg" 2>/dev/null || true)
    [ "$status" = installed ] || missing+=("$pkg")
done
[ ${#missing[@]} -eq 0 ] && exit 0

if ! command -v apt-get >/dev/null 2>&1; then
    echo "deps: error: missing packages: ${missing[*]}, and this is not a Debian-like system." >&2
    echo "deps: install their equivalents with your package manager and run make again." >&2
    exit 1
fi
if [ "$(id -u)" != 0 ]; then
    echo "deps: error: missing packages: ${missing[*]}" >&2
    echo "deps: run this once, then make again:" >&2
    echo "    sudo apt-get update && sudo apt-get install -y --no-install-recommends ${missing[*]}" >&2
    exit 1
fi
echo "deps: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
# The package lists on a fresh machine may be stale or absent: refresh them once per run.
apt-get update -q >/dev/null || {
    echo "deps: error: apt-get update failed (no network to the package archive?)" >&2
    exit 1
}
apt-get install -y -q --no-install-recommends "${missing[@]}" >/dev/null || {
    echo "deps: error: apt-get install ${missing[*]} failed" >&2
    exit 1
}
echo "deps: installed ${missing[*]}" >&2
