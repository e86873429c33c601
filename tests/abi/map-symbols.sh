#!/bin/sh
# Print the global symbols of a GNU ld version script, one per line, as
# "name@@NODE" (the form readelf prints for a default symbol version), sorted.
# Usage: map-symbols.sh lib/libaedyn.map
# Fails (exit 1) on a wildcard in a global: section or on a duplicate symbol.
set -eu
map=${1:?usage: map-symbols.sh MAP}
[ -r "$map" ] || { echo "map-symbols.sh: cannot read $map" >&2; exit 1; }

# Drop /* */ and # comments, put braces, colons and semicolons apart, then walk
# the tokens: NODE { global: a; b; local: *; } [PARENT];
syms=$(sed -e 's/#.*$//' "$map" | awk '
  { text = text $0 "\n" }
  END {
    while ((i = index(text, "/*")) > 0) {
      j = index(substr(text, i + 2), "*/")
      if (j == 0) { print "map-symbols.sh: unterminated comment" > "/dev/stderr"; exit 1 }
      text = substr(text, 1, i - 1) " " substr(text, i + 2 + j + 1)
    }
    gsub(/[{};]/, " & ", text); gsub(/:/, " : ", text)
    n = split(text, tok, /[ \t\r\n]+/)
    node = ""; mode = ""; depth = 0; prev = ""; bad = 0
    for (k = 1; k <= n; k++) {
      t = tok[k]
      if (t == "") continue
      if (t == "{") { if (depth == 0) { node = prev; mode = "global" } depth++ }
      else if (t == "}") { depth--; if (depth == 0) { node = ""; mode = "" } }
      else if (t == ":") { if (prev == "global" || prev == "local") mode = prev }
      else if (t == ";" || t == "global" || t == "local" || t == "extern") { }
      else if (depth > 0 && mode == "global" && tok_next(k) != ":") {
        if (t ~ /[*?\[]/) { print "map-symbols.sh: wildcard in global: " t > "/dev/stderr"; bad = 1 }
        if (t in seen) { print "map-symbols.sh: duplicate symbol " t > "/dev/stderr"; bad = 1 }
        seen[t] = 1
        print t "@@" node
      }
      prev = t
    }
    if (depth != 0) { print "map-symbols.sh: unbalanced braces" > "/dev/stderr"; bad = 1 }
    exit bad
  }
  function tok_next(k,   m) { for (m = k + 1; m <= n; m++) if (tok[m] != "") return tok[m]; return "" }
')
[ -n "$syms" ] || { echo "map-symbols.sh: no global symbols in $map" >&2; exit 1; }
printf '%s\n' "$syms" | LC_ALL=C sort
