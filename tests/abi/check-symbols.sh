#!/bin/sh
# ABI test: the dynamic symbols the shared library defines, with their
# versions, are exactly the committed list symbols.txt, and symbols.txt is
# exactly the global symbols of the version script.
# Usage: check-symbols.sh LIBAEDYN.SO SYMBOLS.TXT LIBAEDYN.MAP
set -eu
lib=${1:?usage: check-symbols.sh LIB SYMBOLS MAP}
list=${2:?}
map=${3:?}
here=$(dirname "$0")
command -v readelf >/dev/null 2>&1 || { echo "readelf not found (install binutils)"; exit 77; }

tmp=$(mktemp -d "${TMPDIR:-/tmp}/aedyn-abi.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

# Defined (Ndx neither UND nor ABS) dynamic symbols, as name@@VERSION.
readelf --dyn-syms --wide "$lib" > "$tmp/dynsym"
awk '$1 ~ /^[0-9]+:$/ && $7 != "UND" && $7 != "ABS" && NF >= 8 { print $8 }' "$tmp/dynsym" \
    | sed 's/ *(.*)$//' | LC_ALL=C sort > "$tmp/exported"
grep -v -e '^[[:space:]]*#' -e '^[[:space:]]*$' "$list" | LC_ALL=C sort > "$tmp/committed"
sh "$here/map-symbols.sh" "$map" > "$tmp/map"

status=0
if ! grep -q . "$tmp/exported"; then
    echo "FAIL: $lib exports no symbols"; status=1
fi
if grep -v '@@' "$tmp/exported" > "$tmp/unversioned"; then
    echo "FAIL: exported symbols without a default version node:"
    sed 's/^/    /' "$tmp/unversioned"; status=1
fi
if ! cmp -s "$tmp/exported" "$tmp/committed"; then
    echo "FAIL: exported symbols of $lib differ from $list"
    echo "  (< only in the library, > only in symbols.txt)"
    diff "$tmp/exported" "$tmp/committed" | grep '^[<>]' | sed 's/^/    /' || true
    status=1
fi
if ! cmp -s "$tmp/map" "$tmp/committed"; then
    echo "FAIL: $list differs from the version script $map"
    echo "  (< only in the map, > only in symbols.txt)"
    diff "$tmp/map" "$tmp/committed" | grep '^[<>]' | sed 's/^/    /' || true
    status=1
fi
if [ "$status" -ne 0 ]; then
    echo "If the change is intended (a new symbol in a new version node), run"
    echo "tests/abi/update-baseline.sh and commit tests/abi/symbols.txt and libaedyn.abi."
    exit 1
fi
echo "OK: $(wc -l < "$tmp/exported") exported symbols match symbols.txt and the version script"
