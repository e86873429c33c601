#!/bin/sh
# Consumer test: install the built project into a temporary DESTDIR, compile
# examples/quickstart.c against the installed copy using nothing but
# `pkg-config --cflags --libs aedyn`, and run it (exit status 0 required).
# A second build links the static library with `pkg-config --static`, which
# checks Requires.private / Libs.private.
#
# Usage: consumer.sh MESON BUILDDIR PREFIX LIBDIR INCLUDEDIR QUICKSTART.C CC...
set -eu
meson=${1:?usage: consumer.sh MESON BUILDDIR PREFIX LIBDIR INCLUDEDIR SOURCE CC...}
builddir=${2:?}
prefix=${3:?}
libdir_opt=${4:?}
includedir_opt=${5:?}
source=${6:?}
shift 6
[ $# -gt 0 ] || { echo "no C compiler given"; exit 2; }
pkgconfig=${PKG_CONFIG:-pkg-config}
command -v "$pkgconfig" >/dev/null 2>&1 || { echo "SKIP: pkg-config not found"; exit 77; }

tmp=$(mktemp -d "${TMPDIR:-/tmp}/aedyn-consumer.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
dest=$tmp/dest

# Install what a consumer needs (libraries, headers, aedyn.pc), without
# rebuilding: the test depends on both libraries, and tools/run-tests builds
# everything before `meson test`.
# meson install rewrites meson-logs/install-log.txt, which `ninja uninstall`
# reads: keep the log of the user's real install.
installlog=$builddir/meson-logs/install-log.txt
[ ! -f "$installlog" ] || cp -p "$installlog" "$tmp/install-log.txt"
restore_log() {
    if [ -f "$tmp/install-log.txt" ]; then cp -p "$tmp/install-log.txt" "$installlog"
    else rm -f "$installlog"; fi
}
if ! "$meson" install -C "$builddir" --no-rebuild --quiet --tags runtime,devel --destdir "$dest"; then
    restore_log
    echo "FAIL: meson install failed; if a file to install is missing, build everything"
    echo "first (ninja -C $builddir; tools/run-tests does)"
    exit 1
fi
restore_log

root=$dest$prefix
case $libdir_opt in /*) libdir=$dest$libdir_opt ;; *) libdir=$root/$libdir_opt ;; esac
case $includedir_opt in /*) incdir=$dest$includedir_opt ;; *) incdir=$root/$includedir_opt ;; esac
echo "installed files:"
(cd "$dest" && find . -type f -o -type l | LC_ALL=C sort | sed 's/^\./    /')

# Only public headers are installed.
for f in "$incdir"/aedyn.h "$incdir"/aedyn/*.h; do
    case $(basename "$f") in
        aedyn.h|aedyn-*.h) ;;
        *) echo "FAIL: unexpected installed header $f"; exit 1 ;;
    esac
    case $(basename "$f") in
        *-private.h) echo "FAIL: private header installed: $f"; exit 1 ;;
    esac
done
[ -f "$libdir/pkgconfig/aedyn.pc" ] || { echo "FAIL: no $libdir/pkgconfig/aedyn.pc"; exit 1; }

PKG_CONFIG_PATH=$libdir/pkgconfig
export PKG_CONFIG_PATH
pc() { "$pkgconfig" --define-variable=prefix="$root" "$@" aedyn; }
echo "aedyn.pc:"; sed 's/^/    /' "$libdir/pkgconfig/aedyn.pc"
cflags=$(pc --cflags)
libs=$(pc --libs)
echo "pkg-config --cflags --libs aedyn: $cflags $libs"
case " $cflags $libs " in
    *"$root"*) ;;
    *) echo "FAIL: pkg-config flags do not point into the installed prefix $root"; exit 1 ;;
esac

# 1. Shared library, exactly as a consumer would build.
# shellcheck disable=SC2086
"$@" -o "$tmp/quickstart" "$source" $cflags $libs
LD_LIBRARY_PATH=$libdir${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}
export LD_LIBRARY_PATH
resolved=$(ldd "$tmp/quickstart" | awk '$1 ~ /^libaedyn\.so/ { print $3 }')
echo "libaedyn resolved to: $resolved"
case $resolved in
    "$libdir"/*) ;;
    *) echo "FAIL: quickstart does not use the installed library"; exit 1 ;;
esac
"$tmp/quickstart"
echo "OK: shared build ran"

# 2. Static library: the archive plus `pkg-config --static --libs` for its
#    private dependencies (CBLAS, LAPACKE, libm).
slibs=
for w in $(pc --static --libs); do
    [ "$w" = "-laedyn" ] || slibs="$slibs $w"
done
echo "static link: $libdir/libaedyn.a$slibs"
# shellcheck disable=SC2086
"$@" -o "$tmp/quickstart-static" "$source" $cflags "$libdir/libaedyn.a" $slibs
if ldd "$tmp/quickstart-static" | grep -q libaedyn; then
    echo "FAIL: static build still needs libaedyn.so"; exit 1
fi
env -u LD_LIBRARY_PATH "$tmp/quickstart-static" > /dev/null
echo "OK: static build ran"
