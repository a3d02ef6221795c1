#!/usr/bin/env bash
# Fetch source trees that lp-pool builds against, from Debian's archive, through a private apt
# configuration (own sources file, lists and cache under the build area); the system's apt setup
# is never touched and no root is needed.
#
#   tools/fetch_sources.sh micropython DEST   upstream MicroPython 1.25.0 tree (orig tarball, sha256 checked)
#   tools/fetch_sources.sh source PKG DEST    any trixie source package, unpacked upstream tree
#   tools/fetch_sources.sh deb PKG DEST       a trixie binary package, unpacked (dpkg-deb -x)
#
# Environment: LP_APT_DIR (private apt state, default build/cache/apt), LP_DEBIAN_URI.
set -euo pipefail

here=$(cd "$(dirname "$0")/.." && pwd)
apt_dir=${LP_APT_DIR:-$here/build/cache/apt}
uri=${LP_DEBIAN_URI:-}
suite=trixie
keyring=/usr/share/keyrings/debian-archive-keyring.gpg
MPY_VERSION=1.25.0+ds-1
MPY_ORIG=micropython_1.25.0+ds.orig.tar.xz
MPY_SHA256=7b25be99a502f070b2de81dafc08da7051d992325d6e67daa9045a918fffdbea

say() { echo "fetch: $*" >&2; }
die() {
    echo "fetch: error: $*" >&2
    exit 1
}

need() {
    command -v "$1" >/dev/null 2>&1 || die "'$1' not found. $2"
}

# The machine's own Debian archive URI, so we use the same mirror the system trusts.
debian_uri() {
    [ -n "$uri" ] && {
        echo "$uri"
        return
    }
    local u
    u=$(grep -hsE '^(URIs:|deb )' /etc/apt/sources.list.d/*.sources /etc/apt/sources.list.d/*.list \
        /etc/apt/sources.list 2>/dev/null | grep -oE 'https?://[^ ]+/debian/?' | grep -v security | head -n1)
    echo "${u:-http://deb.debian.org/debian}"
}

apt_opts() {
    echo -o "Dir::Etc::SourceList=$apt_dir/sources.list" -o Dir::Etc::SourceParts=/dev/null \
        -o "Dir::State::Lists=$apt_dir/lists" -o "Dir::Cache=$apt_dir/cache" \
        -o "Dir::State::status=$apt_dir/status" -o Debug::NoLocking=1 \
        -o APT::Sandbox::User=root
}

apt_update() {
    need apt-get "lp-pool fetches sources with apt (Debian or Ubuntu). Set MICROPY_DIR to use your own MicroPython checkout."
    [ -r "$keyring" ] || die "Debian's archive keyring $keyring is missing (apt-get install debian-archive-keyring)."
    mkdir -p "$apt_dir/lists/partial" "$apt_dir/cache/archives/partial"
    touch "$apt_dir/status"
    local u
    u=$(debian_uri)
    printf 'deb-src [signed-by=%s] %s %s main\ndeb [signed-by=%s] %s %s main\n' \
        "$keyring" "$u" "$suite" "$keyring" "$u" "$suite" >"$apt_dir/sources.list"
    # One update per day is plenty: the lists are only an index to find the package.
    if [ -z "$(find "$apt_dir/lists" -maxdepth 1 -name '*Sources*' -mmin -1440 2>/dev/null)" ]; then
        say "updating private apt lists for $suite from $u"
        # shellcheck disable=SC2046
        apt-get $(apt_opts) update -q >"$apt_dir/update.log" 2>&1 || {
            cat "$apt_dir/update.log" >&2
            die "apt-get update failed (no network to the Debian archive?)"
        }
    fi
}

# apt-get source --download-only PKG=VERSION into DIR.
download_source() {
    local pkg=$1 dir=$2
    mkdir -p "$dir"
    say "downloading source package $pkg"
    # shellcheck disable=SC2046
    (cd "$dir" && apt-get $(apt_opts) source --download-only -q "$pkg" >"$dir/download.log" 2>&1) || {
        say "apt-get source $pkg reported an error (log: $dir/download.log)"
        return 1
    }
}

unpack_orig() {
    local tarball=$1 dest=$2
    local tmp="$dest.tmp"
    rm -rf "$tmp"
    mkdir -p "$tmp"
    say "unpacking $(basename "$tarball")"
    tar -xf "$tarball" -C "$tmp"
    local top
    top=$(find "$tmp" -mindepth 1 -maxdepth 1 -type d | head -n1)
    [ -n "$top" ] || die "$tarball holds no folder"
    rm -rf "$dest"
    mv "$top" "$dest"
    rm -rf "$tmp"
}

fetch_micropython() {
    local dest=$1
    if [ -f "$dest/py/mpconfig.h" ]; then
        return 0
    fi
    local dl="$apt_dir/src/micropython"
    if [ ! -f "$dl/$MPY_ORIG" ]; then
        apt_update
        download_source "micropython=$MPY_VERSION" "$dl" || true
        [ -f "$dl/$MPY_ORIG" ] || {
            cat "$dl/download.log" >&2
            die "could not download $MPY_ORIG (no network to the Debian archive?)"
        }
    fi
    say "checking sha256 of $MPY_ORIG"
    echo "$MPY_SHA256  $dl/$MPY_ORIG" | sha256sum -c --quiet - || {
        rm -f "$dl/$MPY_ORIG"
        die "checksum mismatch for $MPY_ORIG (expected $MPY_SHA256); the download was removed, run again"
    }
    unpack_orig "$dl/$MPY_ORIG" "$dest"
    grep -qE 'define MICROPY_VERSION_MINOR 25$' "$dest/py/mpconfig.h" || {
        rm -rf "$dest"
        die "$MPY_ORIG did not hold MicroPython 1.25"
    }
    say "MicroPython 1.25.0 ready in $dest"
}

fetch_source() {
    local pkg=$1 dest=$2
    [ -f "$dest/.lp-fetched" ] && return 0
    local dl="$apt_dir/src/$pkg"
    local orig
    orig=$(ls "$dl"/*.orig.tar.* 2>/dev/null | grep -v '\.asc$' | head -n1 || true)
    if [ -z "$orig" ]; then
        apt_update
        # Only the upstream tarball is used: if a Debian part of the package fails to download
        # (the mirror has answered 404 for some .dsc files) but the tarball arrived, go on.
        download_source "$pkg" "$dl" || true
        orig=$(ls "$dl"/*.orig.tar.* 2>/dev/null | grep -v '\.asc$' | head -n1 || true)
        [ -n "$orig" ] || {
            cat "$dl/download.log" >&2
            die "apt-get source $pkg failed (package not in $suite, or no network)"
        }
    fi
    unpack_orig "$orig" "$dest"
    touch "$dest/.lp-fetched"
    say "$pkg source ready in $dest"
}

fetch_deb() {
    local pkg=$1 dest=$2
    [ -f "$dest/.lp-fetched" ] && return 0
    local dl="$apt_dir/deb/$pkg"
    mkdir -p "$dl"
    if ! ls "$dl"/*.deb >/dev/null 2>&1; then
        apt_update
        say "downloading binary package $pkg"
        # shellcheck disable=SC2046
        (cd "$dl" && apt-get $(apt_opts) download -q "$pkg" >"$dl/download.log" 2>&1) || {
            cat "$dl/download.log" >&2
            die "apt-get download $pkg failed"
        }
    fi
    need dpkg-deb "it unpacks .deb files"
    rm -rf "$dest"
    mkdir -p "$dest"
    dpkg-deb -x "$(ls "$dl"/*.deb | head -n1)" "$dest"
    touch "$dest/.lp-fetched"
    say "$pkg unpacked in $dest"
}

case "${1:-}" in
micropython) fetch_micropython "${2:?destination folder}" ;;
source) fetch_source "${2:?package}" "${3:?destination folder}" ;;
deb) fetch_deb "${2:?package}" "${3:?destination folder}" ;;
*) die "usage: $0 micropython DEST | source PKG DEST | deb PKG DEST" ;;
esac
