#!/usr/bin/env bash
# Fetch source trees that lp-pool builds against, from Debian's archive, through a private apt
# configuration (own sources file, lists and cache under the build area); the system's apt setup
# is never touched and no root is needed.
#
#   tools/fetch_sources.sh micropython DEST [VERSION]   an upstream MicroPython tree (orig tarball,
#                                  sha256 checked): 1.25.0 from trixie (the default), 1.26.1 from sid
#   tools/fetch_sources.sh source PKG DEST    any trixie source package, unpacked upstream tree
#   tools/fetch_sources.sh deb PKG DEST       a trixie binary package, unpacked (dpkg-deb -x)
#
# Exit status 3: the archive no longer carries the pinned MicroPython version (the message says
# what it has and how to move the pin); 1: any other failure.
# Environment: LP_APT_DIR (private apt state, default build/cache/apt; suites other than trixie
# keep theirs in a subfolder named after the suite), LP_DEBIAN_URI.
set -euo pipefail

here=$(cd "$(dirname "$0")/.." && pwd)
apt_dir=${LP_APT_DIR:-$here/build/cache/apt}
uri=${LP_DEBIAN_URI:-}
suite=trixie
valid_until=
keyring=/usr/share/keyrings/debian-archive-keyring.gpg

# The MicroPython versions lp-pool is tested on, each pinned by the sha256 of Debian's orig tarball
# (the upstream tree; any Debian revision of that upstream version ships the same tarball).
# Sets mpy_suite, mpy_upstream (Debian's upstream version) and mpy_sha256 for version $1.
mpy_pin() {
    case $1 in
    1.25.0)
        mpy_suite=trixie
        mpy_upstream=1.25.0+ds
        mpy_sha256=7b25be99a502f070b2de81dafc08da7051d992325d6e67daa9045a918fffdbea
        ;;
    1.26.1)
        mpy_suite=sid
        mpy_upstream=1.26.1+ds
        mpy_sha256=f5ad2ec89d3e921f753d448955af98b6005655f84ba26087dde6ba0e8d062f34
        ;;
    *) die "no pin for MicroPython $1 (pinned: 1.25.0, 1.26.1; see mpy_pin in $0)" ;;
    esac
}

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
        -o APT::Sandbox::User=root $valid_until
}

# Suites other than trixie keep their whole apt state (lists, downloads) in a folder of their own.
use_suite() {
    suite=$1
    [ "$suite" = trixie ] || apt_dir="$apt_dir/$suite"
    # sid's Release file expires within days, and a mirror that is a snapshot serves it expired
    # ("Release file ... is expired"). What we take from sid is pinned by sha256, so a stale index
    # can't slip anything in: accept it.
    [ "$suite" = trixie ] || valid_until="-o Acquire::Check-Valid-Until=false"
}

# apt_update [force]: refresh the private lists when they are older than a day (or when forced).
apt_update() {
    need apt-get "lp-pool fetches sources with apt (Debian or Ubuntu). Set MICROPY_DIR to use your own MicroPython checkout."
    [ -r "$keyring" ] || die "Debian's archive keyring $keyring is missing (apt-get install debian-archive-keyring)."
    mkdir -p "$apt_dir/lists/partial" "$apt_dir/cache/archives/partial"
    touch "$apt_dir/status"
    local u
    u=$(debian_uri)
    printf 'deb-src [signed-by=%s] %s %s main\n' "$keyring" "$u" "$suite" >"$apt_dir/sources.list"
    # Binary packages come from trixie only (fetch_deb): other suites need no Packages index.
    [ "$suite" != trixie ] || printf 'deb [signed-by=%s] %s %s main\n' "$keyring" "$u" "$suite" >>"$apt_dir/sources.list"
    # One update per day is plenty: the lists are only an index to find the package.
    if [ "${1:-}" = force ] || [ -z "$(find "$apt_dir/lists" -maxdepth 1 -name '*Sources*' -mmin -1440 2>/dev/null)" ]; then
        say "updating private apt lists for $suite from $u"
        # shellcheck disable=SC2046
        apt-get $(apt_opts) update -q >"$apt_dir/update.log" 2>&1 || {
            cat "$apt_dir/update.log" >&2
            die "apt-get update failed (no network to the Debian archive?)"
        }
    fi
}

# The versions of source package $1 in the suite's lists, one a line.
source_versions() {
    # shellcheck disable=SC2046
    apt-cache $(apt_opts) showsrc "$1" 2>/dev/null | sed -n 's/^Version: //p' | sort -u
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

# The suite no longer has the pinned version: say what it has and how to move the pin (exit 3).
mpy_gone() {
    local version=$1 versions=$2 dl=$3
    echo "fetch: error: Debian $suite no longer carries MicroPython $version (source package micropython $mpy_upstream-*);" >&2
    echo "fetch:   it has: $(echo ${versions:-nothing} | tr '\n' ' ')" >&2
    echo "fetch: To move the pin: add the version it has to mpy_pin in tools/fetch_sources.sh, with the sha256" >&2
    echo "fetch:   of its micropython_<upstream>.orig.tar.xz (the Checksums-Sha256 line of its .dsc), and set" >&2
    echo "fetch:   MPY_NEXT_VERSION in the Makefile to it." >&2
    echo "fetch: To keep $version: put micropython_$mpy_upstream.orig.tar.xz (sha256 $mpy_sha256)," >&2
    echo "fetch:   from Debian's snapshot archive, into $dl/ and run again." >&2
    exit 3
}

# micropython DEST [VERSION]: the pinned upstream tree, unpacked into DEST.
fetch_micropython() {
    local dest=$1 version=${2:-1.25.0}
    mpy_pin "$version"
    if [ -f "$dest/py/mpconfig.h" ]; then
        return 0
    fi
    use_suite "$mpy_suite"
    local orig="micropython_$mpy_upstream.orig.tar.xz"
    local dl="$apt_dir/src/micropython"
    if [ ! -f "$dl/$orig" ]; then
        apt_update
        local versions pick tries
        for tries in 1 2; do
            versions=$(source_versions micropython)
            # Any Debian revision of the pinned upstream version ships the same orig tarball.
            pick=$(printf '%s\n' "$versions" | grep -F "$mpy_upstream-" | sort -V | tail -n1 || true)
            if [ -n "$pick" ]; then
                download_source "micropython=$pick" "$dl" || true
                [ -f "$dl/$orig" ] && break
            fi
            # Lists up to a day old may name what the archive has just dropped, or miss what it
            # just took: look once more with fresh ones.
            [ "$tries" = 1 ] && apt_update force
        done
        [ -n "$pick" ] || mpy_gone "$version" "$versions" "$dl"
        [ -f "$dl/$orig" ] || {
            cat "$dl/download.log" >&2
            die "could not download $orig (no network to the Debian archive?)"
        }
    fi
    say "checking sha256 of $orig"
    echo "$mpy_sha256  $dl/$orig" | sha256sum -c --quiet - || {
        rm -f "$dl/$orig"
        die "checksum mismatch for $orig (expected $mpy_sha256); the download was removed, run again"
    }
    unpack_orig "$dl/$orig" "$dest"
    local found
    found=$(sed -n 's/^#define MICROPY_VERSION_\(MAJOR\|MINOR\|MICRO\) \([0-9]*\)$/\2/p' "$dest/py/mpconfig.h" | paste -sd.)
    [ "$found" = "$version" ] || {
        rm -rf "$dest"
        die "$orig held MicroPython ${found:-of no version}, not $version"
    }
    say "MicroPython $version ready in $dest"
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
micropython) fetch_micropython "${2:?destination folder}" "${3:-}" ;;
source) fetch_source "${2:?package}" "${3:?destination folder}" ;;
deb) fetch_deb "${2:?package}" "${3:?destination folder}" ;;
*) die "usage: $0 micropython DEST [VERSION] | source PKG DEST | deb PKG DEST" ;;
esac
