#!/bin/sh
# ABI test: compare the ABI of the library (a copy built with -g) with the
# stored baseline tests/abi/libaedyn.abi using abidiff from abigail-tools.
# Any difference fails, additions included: when the ABI legitimately grows,
# regenerate the baseline with tests/abi/update-baseline.sh and commit it.
# The experimental tier (the symbols of the AEDYN_EXPERIMENTAL_* node of the
# version script) carries no promise: its changes are suppressed.
# Skipped (exit 77) when abidw/abidiff are not installed.
# Usage: check-abidiff.sh ABIDW ABIDIFF BASELINE.abi LIBAEDYN.MAP LIBAEDYN.SO HEADERS_DIR...
set -eu
abidw=${1:?usage: check-abidiff.sh ABIDW ABIDIFF BASELINE MAP LIB HEADERS_DIR...}
abidiff=${2:?}
baseline=${3:?}
map=${4:?}
lib=${5:?}
shift 5
here=$(dirname "$0")
if ! command -v "$abidw" >/dev/null 2>&1 || ! command -v "$abidiff" >/dev/null 2>&1; then
    echo "SKIP: abidw/abidiff not found (apt-get install abigail-tools)"
    exit 77
fi
if [ ! -s "$baseline" ]; then
    echo "FAIL: no baseline $baseline; create it with tests/abi/update-baseline.sh"
    exit 1
fi
tmp=$(mktemp -d "${TMPDIR:-/tmp}/aedyn-abidiff.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

sh "$here/abidw.sh" "$abidw" "$lib" "$tmp/current.abi" "$@"
: > "$tmp/experimental.supp"
sh "$here/map-symbols.sh" "$map" | sed -n 's/@@AEDYN_EXPERIMENTAL_.*$//p' | while read -r f; do
    printf '[suppress_function]\n  symbol_name = %s\n\n' "$f" >> "$tmp/experimental.supp"
done
set +e
"$abidiff" --no-default-suppression --suppressions "$tmp/experimental.supp" \
    "$baseline" "$tmp/current.abi" > "$tmp/report" 2>&1
rc=$?
set -e
cat "$tmp/report"
# abidiff's exit status is a bit field: 1 error, 2 usage error, 4 ABI change,
# 8 incompatible ABI change.
if [ "$rc" -eq 0 ]; then
    echo "OK: ABI identical to the baseline $(basename "$baseline")"
    exit 0
fi
if [ $((rc & 3)) -ne 0 ]; then
    echo "FAIL: abidiff itself failed (exit $rc)"
elif [ $((rc & 8)) -ne 0 ]; then
    echo "FAIL: INCOMPATIBLE ABI change against the baseline (exit $rc): this breaks"
    echo "existing binaries. Restore the ABI, or bump the SONAME and regenerate the baseline."
else
    echo "FAIL: the ABI differs from the baseline (exit $rc). Added functions are fine"
    echo "in a new version node: then run tests/abi/update-baseline.sh and commit"
    echo "tests/abi/libaedyn.abi. A changed type, struct or enumerator value of the"
    echo "0.x ABI breaks existing binaries: undo it, or bump the SONAME."
fi
exit 1
