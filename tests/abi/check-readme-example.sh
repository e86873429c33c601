#!/bin/sh
# Docs test: the C example in README.md (the ```c block after the line
# "<!-- quickstart.c ...") is identical to examples/quickstart.c, so the README
# shows a program that is compiled and run by the tests.
# Usage: check-readme-example.sh README.md examples/quickstart.c
set -eu
readme=${1:?usage: check-readme-example.sh README SOURCE}
source=${2:?}
tmp=$(mktemp "${TMPDIR:-/tmp}/aedyn-readme.XXXXXX")
trap 'rm -f "$tmp"' EXIT
awk '
  /^<!-- quickstart\.c/ { armed = 1; next }
  armed && /^```c[ \t]*$/ { inblock = 1; armed = 0; next }
  inblock && /^```[ \t]*$/ { inblock = 0; found = 1; exit }
  inblock { print }
  END { if (!found) exit 1 }
' "$readme" > "$tmp" || { echo "FAIL: no \`\`\`c block after '<!-- quickstart.c' in $readme"; exit 1; }
if ! diff -u "$source" "$tmp"; then
    echo "FAIL: the C example in $readme differs from $source (diff above: - source, + README)"
    exit 1
fi
echo "OK: README example == $source ($(wc -l < "$source") lines)"
