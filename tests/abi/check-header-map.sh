#!/bin/sh
# ABI test: every function declared with AEDYN_API in the public headers
# include/aedyn/*.h (and the template aedyn-version.h.in) is listed in the
# version script, in the right tier, and every symbol of the version script is
# declared: stable declarations in the stable nodes (AEDYN_<release>),
# declarations under AEDYN_EXPERIMENTAL in the experimental node
# (AEDYN_EXPERIMENTAL_<release>, of which there is exactly one).
# Usage: check-header-map.sh INCLUDE_AEDYN_DIR LIBAEDYN.MAP
set -eu
incdir=${1:?usage: check-header-map.sh INCLUDE_AEDYN_DIR MAP}
map=${2:?}
here=$(dirname "$0")
tmp=$(mktemp -d "${TMPDIR:-/tmp}/aedyn-abi.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

sh "$here/header-functions.sh" --tier "$incdir" > "$tmp/declared.tier"
cut -d' ' -f1 "$tmp/declared.tier" | LC_ALL=C sort > "$tmp/declared"
LC_ALL=C sort -u "$tmp/declared" > "$tmp/declared.u"
sh "$here/map-symbols.sh" "$map" > "$tmp/map.versioned"
# name tier, from the node of each symbol
sed -e 's/@@AEDYN_EXPERIMENTAL_.*$/ experimental/' -e 's/@@AEDYN_[0-9.]*$/ stable/' \
    "$tmp/map.versioned" | LC_ALL=C sort > "$tmp/map.tier"
LC_ALL=C sort "$tmp/declared.tier" > "$tmp/declared.tier.s"

status=0
if grep -v -e ' stable$' -e ' experimental$' "$tmp/map.tier" > "$tmp/badnodes"; then
    echo "FAIL: symbols in version nodes that are neither AEDYN_<release> nor"
    echo "AEDYN_EXPERIMENTAL_<release>:"
    sed 's/^/    /' "$tmp/badnodes"; status=1
fi
nexp=$(sed -n 's/^.*@@\(AEDYN_EXPERIMENTAL_.*\)$/\1/p' "$tmp/map.versioned" | sort -u | wc -l)
if [ "$nexp" -gt 1 ]; then
    echo "FAIL: more than one experimental node in $map"; status=1
fi
if ! cmp -s "$tmp/declared" "$tmp/declared.u"; then
    echo "FAIL: functions declared more than once:"
    LC_ALL=C uniq -d "$tmp/declared" | sed 's/^/    /'; status=1
fi
if ! cmp -s "$tmp/declared.tier.s" "$tmp/map.tier"; then
    echo "FAIL: AEDYN_API declarations in $incdir and the version script $map differ"
    echo "  (< declared but not in the map or in another tier, > in the map but not declared so)"
    diff "$tmp/declared.tier.s" "$tmp/map.tier" | grep '^[<>]' | sed 's/^/    /' || true
    status=1
fi
[ "$status" -eq 0 ] || exit 1
echo "OK: $(grep -c ' stable$' "$tmp/map.tier") stable and $(grep -c ' experimental$' "$tmp/map.tier" || true) experimental AEDYN_API functions match the version script"
