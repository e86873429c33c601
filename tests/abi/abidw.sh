#!/bin/sh
# Write the ABI representation (abixml) of a libaedyn.so built with -g, the
# same way for the stored baseline and for the test, so that the two compare
# only in what the public ABI is: types defined outside the public headers
# (the opaque structs' insides) are dropped, and paths and source locations are
# left out so the file does not depend on where the tree was built.
# Usage: abidw.sh ABIDW LIBAEDYN.SO OUT.abi HEADERS_DIR...
set -eu
abidw=${1:?usage: abidw.sh ABIDW LIB OUT HEADERS_DIR...}
lib=${2:?}
out=${3:?}
shift 3
hd=
for d in "$@"; do hd="$hd --headers-dir $d"; done
# shellcheck disable=SC2086
"$abidw" --drop-private-types $hd --drop-undefined-syms --no-corpus-path \
    --no-comp-dir-path --no-show-locs --out-file "$out" "$lib"
