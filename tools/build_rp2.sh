#!/usr/bin/env bash
# Build MicroPython's rp2 port for a Raspberry Pi Pico board with lp-pool (boards/LP_RPI_PICO by
# default; LP_RP2_BOARD=LP_RPI_PICO2 or LP_RPI_PICO_W for the others), from Debian's sources only: pico-sdk and tinyusb (trixie binary packages pico-sdk-source,
# tinyusb-source), picotool and mbedtls (trixie source packages).
#
#   tools/build_rp2.sh MICROPY_DIR OUT_DIR MPY_CROSS [JOBS [DEST_DIR]]
#
# firmware.uf2 and firmware.elf land in DEST_DIR (default OUT_DIR); LP_POOL_ALLOC_META=1 in the
# environment builds them with allocation tracking. MICROPY_LIB_DIR=<micropython-lib checkout> freezes
# the stock board's micropython-lib modules too; without it the build names the ones it left out.
# Exit status 3: the board can't be built from this tree (its message says what is missing).
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
board=${LP_RP2_BOARD:-LP_RPI_PICO}
board_dir=$root/boards/$board
lib_dir=$(realpath "${MICROPY_LIB_DIR:-$root/build/empty-lib}")

say() { echo "rp2: $*" >&2; }
die() {
    echo "rp2: error: $*" >&2
    exit 1
}

[ -f "$board_dir/mpconfigboard.cmake" ] || die "no board $board_dir"
# The Pico W's radio needs three libraries that no Debian package carries.
if [ "$board" = LP_RPI_PICO_W ]; then
    for lib in cyw43-driver lwip btstack; do
        [ -n "$(ls -A "$mpy/lib/$lib" 2>/dev/null)" ] || {
            echo "rp2: $board can't be built from $mpy: lib/$lib is empty. The Pico W needs lib/cyw43-driver," >&2
            echo "rp2: lib/lwip and lib/btstack, which Debian does not package; use a git checkout of MicroPython after" >&2
            echo "rp2:   make -C <checkout>/ports/rp2 BOARD=RPI_PICO_W submodules" >&2
            echo "rp2: and pass MICROPY_DIR=<checkout>." >&2
            exit 3
        }
    done
fi

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
    rm -rf "$tree" "$out"/LP_RPI_PICO* "$out"/fw "$out"/fw-meta
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
# frozen content depend on it: each board and setting has a firmware folder of its own (LP_RPI_PICO,
# LP_RPI_PICO-meta, ...), so switching between them rebuilds nothing and never mixes the two.
meta=${LP_POOL_ALLOC_META:-0}
case $meta in
0) suffix= ;;
1) suffix=-meta ;;
*) die "LP_POOL_ALLOC_META must be 0 or 1, not '$meta'" ;;
esac
fw=$out/$board$suffix
mkdir -p "$dest"
# cmake keeps the micropython-lib folder it was configured with: another one starts the folder afresh.
if [ -f "$fw/CMakeCache.txt" ] && [ "$(cat "$fw/.lp-lib-dir" 2>/dev/null)" != "$lib_dir" ]; then
    say "MICROPY_LIB_DIR is now $lib_dir: configuring $board afresh"
    rm -rf "$fw"
fi
export MICROPY_MPYCROSS=$mpy_cross # the rp2 build would otherwise build mpy-cross inside the tree
export LP_POOL_ALLOC_META=$meta
if [ ! -f "$fw/CMakeCache.txt" ]; then
    say "configuring the rp2 port for boards/$board (LP_POOL_ALLOC_META=$meta)"
    cmake -S "$tree/ports/rp2" -B "$fw" -DMICROPY_BOARD_DIR="$board_dir" \
        -DPICO_SDK_PATH_OVERRIDE="$sdk" -Dpicotool_DIR="$picotool_dir" \
        -DUSER_C_MODULES="$root/usermod/micropython.cmake" -DMICROPY_LIB_DIR="$lib_dir" \
        -DCMAKE_BUILD_TYPE=MinSizeRel >"$out/configure-$board$suffix.log" 2>&1 || {
        tail -n 40 "$out/configure-$board$suffix.log" >&2
        rm -f "$fw/CMakeCache.txt"
        die "cmake could not configure the rp2 port (log: $out/configure-$board$suffix.log)"
    }
    echo "$lib_dir" >"$fw/.lp-lib-dir"
fi
start=$SECONDS
log=$out/build-$board$suffix.log
cmake --build "$fw" -j "$jobs" >"$log" 2>&1 || {
    grep -E -B2 -A8 'error|Error' "$log" | tail -n 60 >&2
    die "the rp2 firmware did not build (log: $log)"
}
# What the board manifest left out for want of micropython-lib (boards/stock_modules.py says it when
# the frozen content is made, so only a build that made it again repeats the list).
grep -ho 'lp-pool: stock module not frozen.*' "$log" | sort -u | sed 's/^lp-pool: /rp2: /' >&2 || true
[ -f "$fw/firmware.uf2" ] || die "the build made no $fw/firmware.uf2"
cp -p "$fw/firmware.uf2" "$fw/firmware.elf" "$dest/"
say "built $dest/firmware.uf2 in $((SECONDS - start)) s"
