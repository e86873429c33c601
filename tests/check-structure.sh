#!/bin/sh
# The architecture of lib/ as docs/abi.md states it (test abi/structure):
#  1. a module's layout, lib/<m>-private.h, is included only by that module's
#     files (lib/<m>.c, lib/<m>-*.c, lib/<m>-*.h); common-private.h is the
#     support layer every file may include;
#  2. other modules use a module only through lib/<m>-internal.h, and these
#     interfaces form no cycle between modules;
#  3. only lib/linalg.c includes CBLAS or LAPACKE or calls them;
#  4. private names: every global symbol of the library's objects is public
#     (in the version script) or aedyn__*; the shared headers of lib/ define
#     only aedyn__* types, AEDYN__* macros and enumerators (and their include
#     guards);
#  5. nothing in the repository refers to files outside it (the project's
#     theory is docs/theory.md).
# Usage: check-structure.sh SOURCE_ROOT LIBAEDYN_INTERNAL.a SYMBOLS.txt
set -eu
top=${1:?usage: check-structure.sh SOURCE_ROOT ARCHIVE SYMBOLS}
archive=${2:?}
symbols=${3:?}
# absolute paths before moving to the source tree (meson passes them relative)
archive=$(cd "$(dirname "$archive")" && pwd)/$(basename "$archive")
symbols=$(cd "$(dirname "$symbols")" && pwd)/$(basename "$symbols")
cd "$top"
tmp=$(mktemp -d "${TMPDIR:-/tmp}/aedyn-structure.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
status=0
fail() { echo "FAIL: $*"; status=1; }

module_of() { # lib/data-spiked.c -> data; lib/stepper-private.h -> stepper
    b=$(basename "$1")
    b=${b%.c}; b=${b%.h}; b=${b%-private}; b=${b%-internal}
    echo "${b%%-*}"
}

# 1 and 2: includes of lib/
: > "$tmp/edges"
for f in lib/*.c lib/*.h; do
    m=$(module_of "$f")
    grep -o '#include "[a-z0-9-]*\.h"' "$f" | sed 's/#include "\(.*\)"/\1/' | while read -r h; do
        hm=$(module_of "$h")
        case $h in
            common-private.h|aedyn.h) ;;
            *-private.h)
                [ "$hm" = "$m" ] || echo "FAIL: $f includes $h, the private layout of module $hm" ;;
            *-internal.h)
                [ "$hm" = "$m" ] || echo "$m $hm" >> "$tmp/edges" ;;
            *) echo "FAIL: $f includes \"$h\": lib/ headers are <module>-private.h or <module>-internal.h" ;;
        esac
    done
done > "$tmp/inc-fail"
if [ -s "$tmp/inc-fail" ]; then cat "$tmp/inc-fail"; status=1; fi
sort -u "$tmp/edges" > "$tmp/edges.u"
if ! tsort "$tmp/edges.u" > "$tmp/order" 2> "$tmp/cycle"; then
    fail "include cycle between modules:"
    sed 's/^/    /' "$tmp/cycle"
fi
echo "module dependencies through internal interfaces:"
sed 's/ / -> /; s/^/    /' "$tmp/edges.u"

# 3: BLAS and LAPACK only in lib/linalg.c
for f in lib/*.c lib/*.h; do
    [ "$f" = lib/linalg.c ] && continue
    if grep -n -E '<cblas\.h>|<lapacke\.h>|\bcblas_[a-z]+\(|\bLAPACKE_[a-z]+\(' "$f"; then
        fail "$f calls BLAS/LAPACK directly (use lib/linalg-internal.h)"
    fi
done

# 4a: global symbols of the objects
nm -g --defined-only "$archive" | awk 'NF >= 3 { print $3 }' | sed 's/\..*$//' | sort -u \
    > "$tmp/globals"
sed -e 's/#.*//' -e '/^[[:space:]]*$/d' -e 's/@.*$//' "$symbols" | sort -u > "$tmp/public"
grep -v '^aedyn__' "$tmp/globals" | comm -23 - "$tmp/public" > "$tmp/strays" || true
if [ -s "$tmp/strays" ]; then
    fail "global symbols that are neither public nor aedyn__*:"
    sed 's/^/    /' "$tmp/strays"
fi
[ -s "$tmp/globals" ] || fail "no symbols in $archive"

# 4b: names defined by the shared headers of lib/
for h in lib/*.h; do
    sed -e 's|//.*||' "$h" | awk -v f="$h" '
        /^[ \t]*#[ \t]*define[ \t]+/ {
            n = $0; sub(/^[ \t]*#[ \t]*define[ \t]+/, "", n); sub(/[^A-Za-z0-9_].*$/, "", n)
            if (n !~ /^AEDYN__[A-Z0-9_]+$/ && n !~ /^AEDYN_[A-Z0-9_]+_H$/ && n != "AEDYN_EXPERIMENTAL")
                print "FAIL: " f ": macro " n " is not AEDYN__*"
        }
        /typedef/ && !intd { intd = 1; depth = 0; t = "" }
        intd {
            t = t " " $0
            depth += gsub(/\{/, "{", $0) - gsub(/\}/, "}", $0)
            if (depth == 0 && $0 ~ /;/) {
                sub(/^.*\}/, "", t)  # the name follows the body of a struct or enum
                sub(/;.*$/, "", t)
                if (t ~ /\(\*/) {  # a function pointer: typedef R (*name)(...)
                    p = t; sub(/^[^(]*\(\*[ \t]*/, "", p); sub(/\).*$/, "", p); name = p
                } else {
                    n = split(t, w, /[^A-Za-z0-9_]+/); name = w[n]
                    if (name == "" && n > 1) name = w[n - 1]
                }
                if (name !~ /^aedyn__/) print "FAIL: " f ": type " name " is not aedyn__*"
                intd = 0
            }
        }
        /^[ \t]*AEDYN_[A-Z0-9_]*[ \t]*(=|,)/ {
            e = $0; sub(/^[ \t]*/, "", e); sub(/[^A-Za-z0-9_].*$/, "", e)
            if (e !~ /^AEDYN__/) print "FAIL: " f ": enumerator " e " is not AEDYN__*"
        }'
done > "$tmp/names"
if [ -s "$tmp/names" ]; then cat "$tmp/names"; status=1; fi

# 5: nothing refers outside the repository
if command -v git >/dev/null 2>&1 && git rev-parse --is-inside-work-tree >/dev/null 2>&1; then
    git ls-files -z | xargs -0 grep -l -I -E 'THEORY\.md|\.\./shared/' 2>/dev/null \
        | grep -v '^tests/check-structure\.sh$' > "$tmp/outside" || true
    if [ -s "$tmp/outside" ]; then
        fail "files referring to documents outside the repository:"
        sed 's/^/    /' "$tmp/outside"
    fi
fi

[ "$status" -eq 0 ] && echo "OK: module structure, BLAS confinement and private names as docs/abi.md states"
exit "$status"
