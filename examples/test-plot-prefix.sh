#!/bin/sh
# Test (suite 'examples'): the output prefix of an example is a file name and
# never reaches a shell. With a prefix holding a quote, ';', '$(...)', a
# backquote and blanks, ex1-sequential --quick writes PREFIX.csv and PREFIX.gp
# (and PREFIX.svg when gnuplot is installed) and runs no command.
# Usage: test-plot-prefix.sh PATH/TO/ex1-sequential
set -u
ex=${1:?usage: test-plot-prefix.sh EXAMPLE}
case $ex in /*) ;; *) ex=$(pwd)/$ex ;; esac
tmp=$(mktemp -d "${TMPDIR:-/tmp}/aedyn-plot-prefix.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
weird="a b'; touch pwned; echo \"\$(touch pwned2)\" \`touch pwned3\`"
cd "$tmp" || exit 1
OPENBLAS_NUM_THREADS=1 "$ex" --quick --out "$weird" >out.txt 2>&1
rc=$?
fails=0
[ "$rc" -eq 0 ] || { echo "FAIL: the example exited $rc"; tail -5 out.txt; fails=1; }
for ext in .csv .gp; do
    [ -s "$weird$ext" ] || { echo "FAIL: no '$weird$ext'"; fails=1; }
done
if command -v gnuplot >/dev/null 2>&1; then
    [ -s "$weird.svg" ] || { echo "FAIL: gnuplot wrote no SVG: $(grep '^plot' out.txt)"; fails=1; }
fi
if ls | grep -q '^pwned'; then
    echo "FAIL: a command ran: $(ls | grep '^pwned' | tr '\n' ' ')"
    fails=1
fi
[ "$fails" -eq 0 ] && echo "ok: the prefix is only a file name ($(grep '^plot' out.txt))"
exit "$fails"
