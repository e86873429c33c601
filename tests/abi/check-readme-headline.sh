#!/bin/sh
# Docs test: the table shown in README.md's Quick start (the ``` block after
# "printed side by side") is what `aedyn` with no options prints: every row of
# the README block must be a row of the program's output (rows elided with
# "..." in the README are skipped). Same seed, same numbers, on any x86-64.
# Usage: check-readme-headline.sh README.md path/to/aedyn
set -eu
readme=${1:?usage: check-readme-headline.sh README AEDYN}
aedyn=${2:?}
out=$(mktemp "${TMPDIR:-/tmp}/aedyn-headline.XXXXXX")
rows=$(mktemp "${TMPDIR:-/tmp}/aedyn-rows.XXXXXX")
trap 'rm -f "$out" "$rows"' EXIT
"$aedyn" > "$out"
awk '
  /printed side by side/ { armed = 1 }
  armed && /^ *```[ \t]*$/ { if (inblock) { found = 1; exit } inblock = 1; next }
  inblock && $0 !~ /\.\.\./ { sub(/^ +/, ""); print }
  END { if (!found) exit 1 }
' "$readme" > "$rows" || { echo "FAIL: no table block after 'printed side by side' in $readme"; exit 1; }
n=0
while IFS= read -r row; do
    [ -n "$row" ] || continue
    n=$((n + 1))
    if ! sed 's/^ *//' "$out" | grep -qxF -- "$row"; then
        echo "FAIL: README row not printed by aedyn: '$row'"
        echo "--- aedyn output:"; cat "$out"
        exit 1
    fi
done < "$rows"
[ "$n" -ge 5 ] || { echo "FAIL: only $n rows found in the README block"; exit 1; }
echo "OK: all $n README rows are printed by aedyn"
