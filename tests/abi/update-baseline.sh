#!/bin/sh
# Regenerate the committed ABI references after a deliberate ABI change:
#   tests/abi/symbols.txt   the exported symbols, from lib/libaedyn.map
#   tests/abi/libaedyn.abi  the abidw baseline, from the library built with -g
# then run the ABI test suite against them. Commit both files with the change.
#
# Usage: tests/abi/update-baseline.sh [BUILDDIR]
#   BUILDDIR defaults to ./build (configured with `meson setup` if missing).
# Needs abidw (apt-get install abigail-tools).
set -eu
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
builddir=${1:-$top/build}
map=$top/lib/libaedyn.map

command -v abidw >/dev/null 2>&1 || { echo "abidw not found: apt-get install abigail-tools" >&2; exit 1; }
if [ ! -f "$builddir/build.ninja" ]; then
    meson setup "$builddir" "$top"
fi

# The headers and the map must agree before they become the reference.
sh "$here/check-header-map.sh" "$top/include/aedyn" "$map"

sh "$here/map-symbols.sh" "$map" > "$here/symbols.txt.new"
{
    echo "# Exported symbols of libaedyn.so as name@@VERSION-NODE, sorted (LC_ALL=C)."
    echo "# Must equal lib/libaedyn.map; regenerate with tests/abi/update-baseline.sh."
    cat "$here/symbols.txt.new"
} > "$here/symbols.txt"
rm -f "$here/symbols.txt.new"
echo "wrote $here/symbols.txt ($(grep -vc '^#' "$here/symbols.txt") symbols)"

# The -g copy of the library exists only when abidw and abidiff were found at
# configure time; reconfigure so that it does.
if ! meson introspect "$builddir" --targets | grep -q '"aedyn-abi"'; then
    meson setup --reconfigure "$builddir" "$top"
fi
meson compile -C "$builddir" tests/abi/aedyn-abi:shared_library ./aedyn:shared_library
sh "$here/abidw.sh" abidw "$builddir/tests/abi/libaedyn-abi.so" "$here/libaedyn.abi" \
    "$top/include/aedyn" "$builddir/include/aedyn"
echo "wrote $here/libaedyn.abi"

meson test -C "$builddir" --no-rebuild --suite abi --print-errorlogs
