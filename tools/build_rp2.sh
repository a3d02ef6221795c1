#!/usr/bin/env bash
# Build MicroPython's rp2 port for the Raspberry Pi Pico with lp-pool (boards/LP_RPI_PICO), from
# Debian's sources only: pico-sdk and tinyusb (trixie binary packages pico-sdk-source,
# tinyusb-source), picotool and mbedtls (trixie source packages).
#
#   tools/build_rp2.sh MICROPY_DIR OUT_DIR MPY_CROSS [JOBS [DEST_DIR]]
#
# firmware.uf2 and firmware.elf land in DEST_DIR (default OUT_DIR); LP_POOL_ALLOC_META=1 in the
# environment builds them with allocation tracking.
# The rp2 port wants lib/tinyusb and lib/mbedtls inside the MicroPython tree, and release trees ship
# them empty. Rather than write into anyone's tree, this builds from an overlay under OUT_DIR/tree:
# links to every folder of MICROPY_DIR, with lib/tinyusb and lib/mbedtls pointing at the fetched
# sources. picotool is built once from source (no libusb: the SDK only needs it to make the UF2).
# Every step is skipped when its result is there, so a second run only hands over to the build.
set -euo pipefail

mpy=$(cd "${1:?MICROPY_DIR}" && pwd)
out=${2:?OUT_DIR}
mpy_cross=$(realpath "${3:?MPY_CROSS}")
jobs=${4:-2}
root=$(cd "$(dirname "$0")/.." && pwd)
src=$root/build/cache/rp2-src # fetched sources survive `make clean`
mkdir -p "$out" "$src"
out=$(cd "$out" && pwd)
dest=${5:-$out}

say() { echo "rp2: $*" >&2; }
die() {
    echo "rp2: error: $*" >&2
    exit 1
}

# ---- sources ----------------------------------------------------------------------------------
fetch() {
    "$root/tools/fetch_sources.sh" "$@" || die "could not fetch $2 from Debian trixie"
}
fetch deb pico-sdk-source "$src/pico-sdk-source"
fetch deb tinyusb-source "$src/tinyusb-source"
fetch source picotool "$src/picotool"
fetch source mbedtls "$src/mbedtls"
sdk=$src/pico-sdk-source/usr/src/pico-sdk
tinyusb=$src/tinyusb-source/usr/src/tinyusb
[ -f "$sdk/pico_sdk_init.cmake" ] || die "no pico-sdk in $sdk"
[ -f "$tinyusb/src/tusb.h" ] || die "no tinyusb in $tinyusb"

# ---- the overlay tree ---------------------------------------------------------------------------
tree=$out/tree
if [ "$(cat "$tree/.lp-overlay" 2>/dev/null)" != "$mpy" ]; then
    say "making the overlay tree $tree over $mpy"
    rm -rf "$tree" "$out"/fw "$out"/fw-meta
    mkdir -p "$tree/lib" "$tree/ports"
    for entry in "$mpy"/*; do
        case $(basename "$entry") in
        lib | ports) ;;
        *) ln -s "$entry" "$tree/" ;;
        esac
    done
    for entry in "$mpy"/lib/*; do
        case $(basename "$entry") in
        tinyusb | mbedtls | pico-sdk) ;;
        *) ln -s "$entry" "$tree/lib/" ;;
        esac
    done
    ln -s "$tinyusb" "$tree/lib/tinyusb"
    ln -s "$src/mbedtls" "$tree/lib/mbedtls"
    ln -s "$sdk" "$tree/lib/pico-sdk"
    # The port folder itself is real (its files are links), so CMake's paths stay inside the overlay.
    cp -as "$mpy/ports/rp2" "$tree/ports/rp2"
    echo "$mpy" >"$tree/.lp-overlay"
fi

# ---- picotool -------------------------------------------------------------------------------------
pt_install=$out/picotool-install
if [ -z "$(find "$pt_install" -name picotoolConfig.cmake 2>/dev/null | head -n1)" ]; then
    say "building picotool from source (once)"
    start=$SECONDS
    cmake -S "$src/picotool" -B "$out/picotool-build" -DPICO_SDK_PATH="$sdk" -DPICOTOOL_NO_LIBUSB=1 \
        -DPICOTOOL_FLAT_INSTALL=1 -DCMAKE_INSTALL_PREFIX="$pt_install" -DCMAKE_BUILD_TYPE=Release \
        >"$out/picotool.log" 2>&1 &&
        cmake --build "$out/picotool-build" -j "$jobs" >>"$out/picotool.log" 2>&1 &&
        cmake --install "$out/picotool-build" >>"$out/picotool.log" 2>&1 || {
        tail -n 40 "$out/picotool.log" >&2
        die "picotool did not build (log: $out/picotool.log)"
    }
    say "picotool built in $((SECONDS - start)) s"
fi
picotool_dir=$(dirname "$(find "$pt_install" -name picotoolConfig.cmake | head -n1)")

# ---- the firmware ---------------------------------------------------------------------------------
# LP_POOL_ALLOC_META (allocation tracking) is read when cmake configures, and the generated qstrs and
# frozen content depend on it: each setting has a firmware folder of its own (fw, fw-meta), so
# switching between them rebuilds nothing and never mixes the two.
meta=${LP_POOL_ALLOC_META:-0}
case $meta in
0) suffix= ;;
1) suffix=-meta ;;
*) die "LP_POOL_ALLOC_META must be 0 or 1, not '$meta'" ;;
esac
fw=$out/fw$suffix
mkdir -p "$dest"
export MICROPY_MPYCROSS=$mpy_cross # the rp2 build would otherwise build mpy-cross inside the tree
export LP_POOL_ALLOC_META=$meta
if [ ! -f "$fw/CMakeCache.txt" ]; then
    say "configuring the rp2 port for boards/LP_RPI_PICO (LP_POOL_ALLOC_META=$meta)"
    cmake -S "$tree/ports/rp2" -B "$fw" -DMICROPY_BOARD_DIR="$root/boards/LP_RPI_PICO" \
        -DPICO_SDK_PATH_OVERRIDE="$sdk" -Dpicotool_DIR="$picotool_dir" \
        -DUSER_C_MODULES="$root/usermod/micropython.cmake" -DMICROPY_LIB_DIR="$root/build/empty-lib" \
        -DCMAKE_BUILD_TYPE=MinSizeRel >"$out/configure$suffix.log" 2>&1 || {
        tail -n 40 "$out/configure$suffix.log" >&2
        rm -f "$fw/CMakeCache.txt"
        die "cmake could not configure the rp2 port (log: $out/configure$suffix.log)"
    }
fi
start=$SECONDS
cmake --build "$fw" -j "$jobs" >"$out/build$suffix.log" 2>&1 || {
    grep -E -B2 -A8 'error|Error' "$out/build$suffix.log" | tail -n 60 >&2
    die "the rp2 firmware did not build (log: $out/build$suffix.log)"
}
[ -f "$fw/firmware.uf2" ] || die "the build made no $fw/firmware.uf2"
cp -p "$fw/firmware.uf2" "$fw/firmware.elf" "$dest/"
say "built $dest/firmware.uf2 in $((SECONDS - start)) s"
