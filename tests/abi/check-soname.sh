#!/bin/sh
# ABI test: the shared library's SONAME is the expected one (libaedyn.so.0 for
# ABI 0) and is independent of the release version: the SONAME changes only on
# an ABI break, the release version on every release.
# Usage: check-soname.sh LIBAEDYN.SO EXPECTED_SONAME RELEASE_VERSION
set -eu
lib=${1:?usage: check-soname.sh LIB EXPECTED_SONAME RELEASE_VERSION}
want=${2:?}
release=${3:?}
command -v readelf >/dev/null 2>&1 || { echo "readelf not found (install binutils)"; exit 77; }

soname=$(readelf --dynamic --wide "$lib" | sed -n 's/.*(SONAME).*\[\(.*\)\].*/\1/p')
echo "SONAME: ${soname:-<none>}, release version: $release, file: $(basename "$lib")"
[ -n "$soname" ] || { echo "FAIL: $lib has no SONAME"; exit 1; }
[ "$soname" = "$want" ] || { echo "FAIL: SONAME is $soname, expected $want"; exit 1; }
case $soname in
    *".so.$release") echo "FAIL: SONAME $soname carries the release version $release"; exit 1 ;;
esac
# The library file itself is named after the release (libaedyn.so.0.1.0).
case $(basename "$lib") in
    *".so.$release"|*.so) ;;
    *) echo "FAIL: unexpected library file name $(basename "$lib")"; exit 1 ;;
esac
echo "OK: SONAME $soname differs from release $release"
