#!/bin/sh
# ABI test: the public headers, laid out as they are installed, compile
# warning-free in strict ISO mode, alone and through the umbrella header, and
# a program that takes the address of every AEDYN_API function links against
# the shared library and runs (this catches a missing extern "C" in C++).
#
# Usage: check-header-compile.sh c|c++ SRC_INCLUDE_DIR GENERATED_VERSION_H LIBAEDYN.SO [COMPILER...]
# Without a COMPILER (no C++ compiler was found at configure time) the test is
# skipped (exit 77).
set -eu
lang=${1:?usage: check-header-compile.sh c|c++ INCLUDE_DIR VERSION_H LIB [COMPILER...]}
srcinc=${2:?}
version_h=${3:?}
lib=${4:?}
shift 4
if [ $# -eq 0 ]; then
    echo "SKIP: no $lang compiler (install g++ for the C++ check)"
    exit 77
fi
case $lang in
    c)   ext=c;   std="-std=c99 -Wstrict-prototypes -Wmissing-prototypes" ;;
    c++) ext=cpp; std="-std=c++11" ;;
    *)   echo "unknown language $lang"; exit 2 ;;
esac
flags="$std -pedantic -Werror -Wall -Wextra -Wundef -Wshadow"
here=$(dirname "$0")
tmp=$(mktemp -d "${TMPDIR:-/tmp}/aedyn-hdr.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

# The installed layout: <inc>/aedyn.h and <inc>/aedyn/*.h (no private headers).
mkdir -p "$tmp/inc/aedyn"
cp "$srcinc/aedyn.h" "$tmp/inc/"
cp "$srcinc"/aedyn/*.h "$version_h" "$tmp/inc/aedyn/"

run() {
    echo "+ $*"
    "$@"
}

# 1. Each header alone (self-contained) and twice (include guards).
n=0
for h in aedyn.h $(cd "$tmp/inc" && ls aedyn/*.h); do
    n=$((n + 1))
    cat > "$tmp/tu$n.$ext" <<EOT
#include <$h>
#include <$h>
int aedyn_header_check(void);
int aedyn_header_check(void) { return 0; }
EOT
    # shellcheck disable=SC2086 # $flags is a list of options
    run "$@" $flags -I"$tmp/inc" -c "$tmp/tu$n.$ext" -o "$tmp/tu$n.o"
    # shellcheck disable=SC2086
    run "$@" $flags -DAEDYN_EXPERIMENTAL -I"$tmp/inc" -c "$tmp/tu$n.$ext" -o "$tmp/tu$n.o"
done

# 1b. The experimental tier is hidden unless AEDYN_EXPERIMENTAL is defined.
sh "$here/header-functions.sh" --tier "$srcinc/aedyn" | awk '$2 == "experimental" { print $1 }' \
    > "$tmp/experimental"
while read -r f; do
    printf '#include <aedyn.h>\ntypedef void (*aedyn_probe_fn)(void);\naedyn_probe_fn aedyn_probe(void);\naedyn_probe_fn aedyn_probe(void) { return (aedyn_probe_fn)&%s; }\n' \
        "$f" > "$tmp/hidden.$ext"
    # the probe compiles with the tier visible (so its failure below means hidden)
    # shellcheck disable=SC2086
    run "$@" $flags -DAEDYN_EXPERIMENTAL -I"$tmp/inc" -c "$tmp/hidden.$ext" -o "$tmp/hidden.o"
    # shellcheck disable=SC2086
    if "$@" $flags -I"$tmp/inc" -c "$tmp/hidden.$ext" -o "$tmp/hidden.o" 2>/dev/null; then
        echo "FAIL: the experimental $f is declared without AEDYN_EXPERIMENTAL"
        exit 1
    fi
done < "$tmp/experimental"

# 2. Every declared function through the umbrella header, linked and run.
sh "$here/header-functions.sh" "$srcinc/aedyn" > "$tmp/functions"
{
    echo '#define AEDYN_EXPERIMENTAL 1'
    echo '#include <stdio.h>'
    echo '#include <string.h>'
    echo '#include <aedyn.h>'
    echo 'typedef void (*aedyn_any_fn)(void);'
    echo 'static const aedyn_any_fn functions[] = {'
    sed 's/.*/    (aedyn_any_fn)\&&,/' "$tmp/functions"
    echo '};'
    cat <<'EOT'
int main(void)
{
    size_t i, n = sizeof functions / sizeof functions[0];
    for (i = 0; i < n; i++)
        if (!functions[i])
            return 1;
    if (aedyn_version() != AEDYN_VERSION_NUMBER
        || strcmp(aedyn_version_string(), AEDYN_VERSION_STRING) != 0) {
        printf("header version %s != library version %s\n", AEDYN_VERSION_STRING,
               aedyn_version_string());
        return 1;
    }
    if (strcmp(aedyn_strerror(AEDYN_ERR_NULL), "unknown status") == 0)
        return 1;
    printf("%u functions linked, version %s\n", (unsigned)n, aedyn_version_string());
    return 0;
}
EOT
} > "$tmp/link.$ext"
# shellcheck disable=SC2086 # $flags is a list of options
run "$@" $flags -I"$tmp/inc" "$tmp/link.$ext" -o "$tmp/link" "$lib"
LD_LIBRARY_PATH=$(cd "$(dirname "$lib")" && pwd)${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}
export LD_LIBRARY_PATH
"$tmp/link"
echo "OK: $n headers compile as $lang with: $flags"
