#!/bin/sh
# ABI test: the shared library's SONAME is the expected one (libaedyn.so.1 for
# ABI 1) and is independent of the release version: the SONAME changes only on
# an ABI break, the release version on every release. The file is named
# libaedyn.so.SONAME.MINOR.PATCH.
# Usage: check-soname.sh LIBAEDYN.SO EXPECTED_SONAME RELEASE_VERSION FILE_VERSION
set -eu
lib=${1:?usage: check-soname.sh LIB EXPECTED_SONAME RELEASE_VERSION FILE_VERSION}
want=${2:?}
release=${3:?}
filever=${4:?}
command -v readelf >/dev/null 2>&1 || { echo "readelf not found (install binutils)"; exit 77; }

soname=$(readelf --dynamic --wide "$lib" | sed -n 's/.*(SONAME).*\[\(.*\)\].*/\1/p')
echo "SONAME: ${soname:-<none>}, release version: $release, file: $(basename "$lib")"
[ -n "$soname" ] || { echo "FAIL: $lib has no SONAME"; exit 1; }
[ "$soname" = "$want" ] || { echo "FAIL: SONAME is $soname, expected $want"; exit 1; }
case $soname in
    *".so.$release") echo "FAIL: SONAME $soname carries the release version $release"; exit 1 ;;
esac
# The library file itself: libaedyn.so.1.2.0 for release 0.2.0 of ABI 1.
case $(basename "$lib") in
    *".so.$filever"|*.so) ;;
    *) echo "FAIL: unexpected library file name $(basename "$lib")"; exit 1 ;;
esac
echo "OK: SONAME $soname differs from release $release"
