#!/bin/sh
# Print the names of the functions declared with AEDYN_API in the public
# headers INCLUDE_AEDYN_DIR/*.h (and *.h.in templates), one per line, in header
# order (duplicates kept). Fails on a declaration it cannot parse.
# With --tier, each line is "name stable" or "name experimental": a
# declaration inside a "#if defined(AEDYN_EXPERIMENTAL) ..." block (closed by
# its "#endif") belongs to the experimental tier (docs/abi.md).
# Usage: header-functions.sh [--tier] INCLUDE_AEDYN_DIR
set -eu
tier=0
if [ "${1:-}" = "--tier" ]; then tier=1; shift; fi
incdir=${1:?usage: header-functions.sh [--tier] INCLUDE_AEDYN_DIR}
set -- "$incdir"/*.h "$incdir"/*.h.in
headers=
for h in "$@"; do [ -f "$h" ] && headers="$headers $h"; done
[ -n "$headers" ] || { echo "header-functions.sh: no headers in $incdir" >&2; exit 1; }

# A declaration starts at a line beginning with AEDYN_API and ends at the first
# ';' (or '{'); its name is the identifier right before the first '('.
# Comments and preprocessor lines are skipped.
# shellcheck disable=SC2086
awk -v tier="$tier" '
  FNR == 1 { incomment = 0; decl = ""; inexp = 0; depth = 0 }
  {
    line = $0
    # strip comments, including multi-line ones
    out = ""
    while (line != "") {
      if (incomment) {
        j = index(line, "*/"); if (j == 0) { line = ""; break }
        line = substr(line, j + 2); incomment = 0
      } else {
        i = index(line, "/*"); k = index(line, "//")
        if (k > 0 && (i == 0 || k < i)) { out = out substr(line, 1, k - 1); line = ""; break }
        if (i == 0) { out = out line; line = ""; break }
        out = out substr(line, 1, i - 1) " "; line = substr(line, i + 2); incomment = 1
      }
    }
    line = out
    if (decl == "" && line ~ /^[ \t]*#[ \t]*if/) {
      depth++
      if (line ~ /AEDYN_EXPERIMENTAL/) { inexp = 1; expdepth = depth }
      next
    }
    if (decl == "" && line ~ /^[ \t]*#[ \t]*endif/) {
      if (inexp && depth == expdepth) inexp = 0
      depth--
      next
    }
    if (decl == "" && line ~ /^[ \t]*#/) next
    if (decl == "" && line ~ /^[ \t]*AEDYN_API[ \t]/) decl = line
    else if (decl != "") decl = decl " " line
    else next
    if (decl ~ /[;{]/) {
      p = index(decl, "(")
      if (p == 0) { print "cannot parse: " decl > "/dev/stderr"; bad = 1 }
      else {
        head = substr(decl, 1, p - 1); sub(/[ \t]+$/, "", head)
        n = split(head, w, /[ \t*]+/); name = w[n]
        if (name !~ /^aedyn_[a-z0-9_]+$/) { print FILENAME ": not an aedyn_ function: " decl > "/dev/stderr"; bad = 1 }
        else if (tier) print name " " (inexp ? "experimental" : "stable")
        else print name
      }
      decl = ""
    }
  }
  END { exit bad }
' $headers
