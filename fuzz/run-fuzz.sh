#!/bin/sh
# Build the libFuzzer targets of the file loaders with clang
# (-fsanitize=fuzzer,address,undefined) in a temporary directory, generate
# their seed corpora, and run each target for a bounded time. Fails on any
# crash, leak, undefined behaviour, timeout or broken invariant; skipped
# (exit 77) when clang or its fuzzer runtime (libclang-rt-14-dev) is missing.
#
# Targets: idx, idx-gz, cifar10, cifar10-gz (fuzz-images.c), npy (fuzz-npy.c),
# options (fuzz-options.c: the option parser of the aedyn program, built from
# tools/cli-options.c, tools/cli-schedule.c and tools/cli-config.c).
#
# Usage: run-fuzz.sh [options] [-- LIB_SOURCES...]
#   --check            only check that clang can build a fuzzer (exit 0 or 77)
#   --clang PATH       the compiler (default: clang, then clang-14)
#   --builddir DIR     a configured meson build directory, for the generated
#                      include/aedyn/aedyn-version.h (default: ./build)
#   --artifacts DIR    where crashing inputs are kept (default: BUILDDIR/fuzz/artifacts)
#   --deps "NAMES"     pkg-config names of the libraries to link
#                      (default: "openblas lapacke zlib")
#   LIB_SOURCES        the library's C sources (default: lib/*.c of this tree)
# Environment:
#   AEDYN_FUZZ_SECONDS   time per target, in seconds (default 20)
#   AEDYN_FUZZ_TARGETS   targets to run (default: all six)
#   AEDYN_FUZZ_WORKDIR   build and keep the fuzzers and their corpora in this
#                        directory (reused and grown by later runs) instead of
#                        a temporary directory
#   AEDYN_FUZZ_JOBS      compile jobs (default: number of CPUs)
# Reproduce a crash: AEDYN_FUZZ_WORKDIR=DIR run-fuzz.sh ..., then
#   DIR/fuzz-TARGET ARTIFACT_FILE
set -eu
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/.." && pwd)
check_only=0
clang=
builddir=$top/build
artifacts=
deps="openblas lapacke zlib"
while [ $# -gt 0 ]; do
    case $1 in
        --check) check_only=1 ;;
        --clang) clang=$2; shift ;;
        --builddir) builddir=$2; shift ;;
        --artifacts) artifacts=$2; shift ;;
        --deps) deps=$2; shift ;;
        --) shift; break ;;
        *) echo "run-fuzz.sh: unknown option $1" >&2; exit 2 ;;
    esac
    shift
done
[ $# -gt 0 ] || set -- "$top"/lib/*.c
seconds=${AEDYN_FUZZ_SECONDS:-20}
targets=${AEDYN_FUZZ_TARGETS:-idx idx-gz cifar10 cifar10-gz npy options}
jobs=${AEDYN_FUZZ_JOBS:-$(nproc 2>/dev/null || echo 2)}
artifacts=${artifacts:-$builddir/fuzz/artifacts}

if [ -z "$clang" ]; then
    for c in clang clang-14; do
        if command -v "$c" >/dev/null 2>&1; then clang=$(command -v "$c"); break; fi
    done
fi
if [ -z "$clang" ] || ! command -v "$clang" >/dev/null 2>&1; then
    echo "SKIP: clang not found (apt-get install clang libclang-rt-14-dev)"
    exit 77
fi

if [ -n "${AEDYN_FUZZ_WORKDIR:-}" ]; then
    work=$AEDYN_FUZZ_WORKDIR
    mkdir -p "$work"
    work=$(cd "$work" && pwd)
else
    work=$(mktemp -d "${TMPDIR:-/tmp}/aedyn-fuzz.XXXXXX")
    trap 'rm -rf "$work"' EXIT
fi

san="-fsanitize=address,undefined -fno-sanitize-recover=all"
cat > "$work/probe.c" <<'EOT'
#include <stddef.h>
#include <stdint.h>
int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n);
int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n) { return n > 0 && d[0] == 1; }
EOT
# shellcheck disable=SC2086
if ! "$clang" -fsanitize=fuzzer $san "$work/probe.c" -o "$work/probe" > "$work/probe.log" 2>&1; then
    sed 's/^/    /' "$work/probe.log"
    echo "SKIP: $clang cannot link -fsanitize=fuzzer: its libFuzzer runtime is missing"
    echo "      (apt-get install libclang-rt-14-dev, or the one of your clang version)"
    exit 77
fi
if [ "$check_only" -eq 1 ]; then
    echo "OK: $clang builds libFuzzer targets"
    exit 0
fi

version_h=$builddir/include/aedyn/aedyn-version.h
if [ ! -f "$version_h" ]; then
    echo "FAIL: $version_h not found: configure the build directory first (meson setup)"
    exit 1
fi
libs=
if command -v pkg-config >/dev/null 2>&1; then
    # shellcheck disable=SC2086
    libs=$(pkg-config --cflags --libs $deps 2>/dev/null) || libs=
fi
if [ -z "$libs" ]; then
    libs=
    for d in $deps; do
        case $d in zlib) libs="$libs -lz" ;; *) libs="$libs -l$d" ;; esac
    done
fi
libs="$libs -lm"

cflags="-std=c11 -g -O1 -fno-omit-frame-pointer $san -I$top/include -I$top/include/aedyn \
-I$builddir/include -I$builddir/include/aedyn"
libflags="$cflags -fsanitize=fuzzer-no-link -I$top/lib -DAEDYN_BUILDING -fvisibility=hidden \
-fno-math-errno -ffp-contract=off"

echo "== compiling the library with $clang ($(basename "$version_h") from $builddir)"
mkdir -p "$work/obj"
objs=
for src in "$@"; do
    case $src in /*) ;; *) src=$(pwd)/$src ;; esac
    objs="$objs $work/obj/$(basename "$src" .c).o"
    printf '%s\n' "$src"
done > "$work/sources"
# shellcheck disable=SC2016,SC2086
xargs -P "$jobs" -I{} sh -c '
    o="$1/obj/$(basename "$2" .c).o"
    shift 2
    exec "$@" -c "$0" -o "$o"' {} "$work" {} "$clang" $libflags < "$work/sources" 2>&1 \
    || { echo "FAIL: the library does not compile with $clang"; exit 1; }
for o in $objs; do [ -f "$o" ] || { echo "FAIL: $o was not built"; exit 1; }; done

echo "== building the fuzz targets"
build_target() { # NAME SOURCE EXTRA_FLAGS...
    name=$1 source=$2
    shift 2
    # shellcheck disable=SC2086
    "$clang" $cflags -fsanitize=fuzzer "$@" "$source" $objs $libs -o "$work/fuzz-$name"
}
build_target idx "$here/fuzz-images.c" -DFUZZ_CIFAR10=0 -DFUZZ_GZIP=0
build_target idx-gz "$here/fuzz-images.c" -DFUZZ_CIFAR10=0 -DFUZZ_GZIP=1
build_target cifar10 "$here/fuzz-images.c" -DFUZZ_CIFAR10=1 -DFUZZ_GZIP=0
build_target cifar10-gz "$here/fuzz-images.c" -DFUZZ_CIFAR10=1 -DFUZZ_GZIP=1
build_target npy "$here/fuzz-npy.c"
# the option parser: the program's sources, not the library's
build_target options "$here/fuzz-options.c" -D_POSIX_C_SOURCE=200809L -I"$top/tools" \
    "$top/tools/cli-options.c" "$top/tools/cli-schedule.c" "$top/tools/cli-config.c"
"$clang" -std=c11 -O1 "$here/gen-seeds.c" -lz -o "$work/gen-seeds"
rm -rf "$work/seeds"
"$work/gen-seeds" "$work/seeds"
# the dictionary of the option parser: option names and value names, from the
# option table through the built program (no list of names kept here)
: > "$work/options.dict"
if [ -x "$builddir/tools/aedyn" ]; then
    "$builddir/tools/aedyn" --list-options | awk -F '\t' '{
        print "\"" $1 "\""; print "\"" $1 "=\""
        if ($2 ~ /\|/) { n = split($2, v, "|"); for (i = 1; i <= n; i++) print "\"" v[i] "\"" }
    }' > "$work/options.dict"
fi
printf '"%s"\n' 0 1 1e-3 .5 -1 1:3 18446744073709551615 1e308 1e-308 >> "$work/options.dict"
# the words of schedule SPECs (tools/cli-schedule.h)
printf '"%s"\n' constant: power: exponential: cosine: piecewise: +warmup: = : >> "$work/options.dict"

mkdir -p "$artifacts" "$work/tmp"
# The targets' temporary files go to $work/tmp, removed with $work.
TMPDIR=$work/tmp
OPENBLAS_NUM_THREADS=1
ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:allocator_may_return_null=1}
UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
export TMPDIR OPENBLAS_NUM_THREADS ASAN_OPTIONS UBSAN_OPTIONS
status=0
for t in $targets; do
    [ -x "$work/fuzz-$t" ] || { echo "FAIL: unknown target $t"; status=1; continue; }
    mkdir -p "$work/corpus-$t"
    extra=
    case $t in
        cifar10*) extra="-max_len=16384" ;;
        npy) extra="-max_len=4096 -dict=$here/npy.dict" ;;
        options) extra="-max_len=1024 -dict=$work/options.dict" ;;
        *) extra="-max_len=4096" ;;
    esac
    echo "== fuzz-$t: ${seconds}s, seeds $(ls "$work/seeds/$t" | wc -l), corpus $work/corpus-$t"
    set +e
    # shellcheck disable=SC2086
    "$work/fuzz-$t" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
        -print_final_stats=1 -artifact_prefix="$artifacts/$t-" $extra \
        "$work/corpus-$t" "$work/seeds/$t" > "$work/log-$t" 2>&1
    rc=$?
    set -e
    grep -E '^(INFO: seed corpus|#[0-9]+.*(INITED|DONE))|^stat::(number_of_executed_units|new_units_added|peak_rss_mb)' \
        "$work/log-$t" | sed 's/^/    /' || true
    if [ "$rc" -ne 0 ]; then
        echo "FAIL: fuzz-$t exited with status $rc; its log:"
        grep -v -e '^#[0-9]' "$work/log-$t" | tail -n 60 | sed 's/^/    /'
        echo "    crashing inputs kept in $artifacts:"
        ls -l "$artifacts" | grep -- " $t-" | sed 's/^/    /' || true
        echo "    reproduce: AEDYN_FUZZ_WORKDIR=DIR AEDYN_FUZZ_TARGETS=$t sh $0 ...; DIR/fuzz-$t INPUT"
        status=1
    else
        echo "    OK"
    fi
done
[ "$status" -eq 0 ] && echo "OK: no crash, leak or broken invariant in: $targets"
exit "$status"
