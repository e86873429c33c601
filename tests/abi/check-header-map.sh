#!/bin/sh
# ABI test: every function declared with AEDYN_API in the public headers
# include/aedyn/*.h (and the template aedyn-version.h.in) is listed in the
# version script, and every symbol of the version script is declared.
# Usage: check-header-map.sh INCLUDE_AEDYN_DIR LIBAEDYN.MAP
set -eu
incdir=${1:?usage: check-header-map.sh INCLUDE_AEDYN_DIR MAP}
map=${2:?}
here=$(dirname "$0")
tmp=$(mktemp -d "${TMPDIR:-/tmp}/aedyn-abi.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

sh "$here/header-functions.sh" "$incdir" > "$tmp/declared.unsorted"
LC_ALL=C sort "$tmp/declared.unsorted" > "$tmp/declared"
LC_ALL=C sort -u "$tmp/declared.unsorted" > "$tmp/declared.u"
sh "$here/map-symbols.sh" "$map" > "$tmp/map.versioned"
sed 's/@.*$//' "$tmp/map.versioned" > "$tmp/map"

status=0
if ! cmp -s "$tmp/declared" "$tmp/declared.u"; then
    echo "FAIL: functions declared more than once:"
    LC_ALL=C uniq -d "$tmp/declared" | sed 's/^/    /'; status=1
fi
if ! cmp -s "$tmp/declared.u" "$tmp/map"; then
    echo "FAIL: AEDYN_API declarations in $incdir and the version script $map differ"
    echo "  (< declared but not in the map, > in the map but not declared)"
    diff "$tmp/declared.u" "$tmp/map" | grep '^[<>]' | sed 's/^/    /' || true
    status=1
fi
[ "$status" -eq 0 ] || exit 1
echo "OK: $(wc -l < "$tmp/map") AEDYN_API functions match the version script"
