#!/bin/sh
# Test (suite 'cli'): the OPTIONS section of the man page tools/aedyn.1 agrees
# with the option table of the program, as printed by `aedyn --list-options`
# (one line per option: --name, metavariable, default, upper bound, list kind).
#
# The OPTIONS section is read as troff items (.TP, then a header line naming
# the options, then the description). For every option of the table:
#   * exactly one item header names it, followed by its metavariable
#     ("--data spiked|gaussian|cifar|idx", "--images TRAIN [TEST]");
#   * the item's description says "default VALUE" with the table's default
#     (flags: only those on by default, "default on");
#   * an upper bound of the table appears as "at most BOUND".
# And every --option named in an item header is in the table.
# Usage: check-man-options.sh PATH/TO/aedyn PATH/TO/aedyn.1
set -eu
aedyn=${1:?usage: check-man-options.sh AEDYN MANPAGE}
man=${2:?usage: check-man-options.sh AEDYN MANPAGE}
list=$(mktemp "${TMPDIR:-/tmp}/aedyn-options.XXXXXX")
trap 'rm -f "$list"' EXIT
"$aedyn" --list-options > "$list"
[ -s "$list" ] || { echo "FAIL: aedyn --list-options printed nothing"; exit 1; }

awk -F '\t' '
# troff to plain text: fonts, escapes, macro names, quotes, blanks
function plain(s) {
    gsub(/\\f[BIRP]/, "", s)
    gsub(/\\-/, "-", s)
    gsub(/\\\(<=/, "<=", s)
    gsub(/\\\(>=/, ">=", s)
    gsub(/\\e/, "\\", s)
    gsub(/\\&/, "", s)
    sub(/^\.(B|I|BI|BR|IR|RB|RI|IB)[ \t]+/, "", s)
    gsub(/"/, "", s)
    gsub(/[ \t]+/, " ", s)
    sub(/^ /, "", s)
    sub(/ $/, "", s)
    return s
}
FNR == NR {
    n++
    name[n] = $1; meta[n] = $2; dflt[n] = $3; bound[n] = $4
    known[$1] = 1
    next
}
/^\.SH / { in_opts = ($0 ~ /^\.SH OPTIONS/); item = 0; next }
!in_opts { next }
/^\.SS / { item = 0; next }
/^\.TP/ { items++; item = items; want_head = 1; next }
item && want_head {
    head[item] = plain($0)
    want_head = 0
    next
}
item {
    t = plain($0)
    if (t != "" && t !~ /^\.(PP|br|RS|RE)/) body[item] = body[item] " " t
}
END {
    fails = 0
    for (i = 1; i <= items; i++) {
        h = head[i]
        while (match(h, /--[A-Za-z][A-Za-z0-9-]*/)) {
            opt = substr(h, RSTART, RLENGTH)
            if (!(opt in known)) {
                printf "FAIL: aedyn.1 documents %s, which is not an option of aedyn\n", opt
                fails++
            }
            h = substr(h, RSTART + RLENGTH)
        }
    }
    for (k = 1; k <= n; k++) {
        o = name[k]
        found = 0
        for (i = 1; i <= items; i++) {
            h = " " head[i] " "
            if (index(h, " " o " ") || index(h, " " o ",") || h ~ (" " o "$")) {
                found++
                at = i
            }
        }
        if (found != 1) {
            printf "FAIL: %s is named in %d item headers of aedyn.1 OPTIONS, expected 1\n", o, found
            fails++
            continue
        }
        h = " " head[at] " "
        want = meta[k] == "" ? o : o " " meta[k]
        if (!index(h, " " want " ") && !index(h, " " want ",")) {
            printf "FAIL: aedyn.1: the header of %s is \"%s\", expected \"%s\"\n", o, head[at], want
            fails++
        }
        b = " " body[at] " "
        d = dflt[k]
        if (meta[k] == "" && d == "off")
            d = ""
        if (d != "" && !index(b, "default " d)) {
            printf "FAIL: aedyn.1: the description of %s does not say \"default %s\"\n", o, d
            fails++
        }
        if (bound[k] != "" && !index(b, "at most " bound[k])) {
            printf "FAIL: aedyn.1: the description of %s does not say \"at most %s\"\n", o, bound[k]
            fails++
        }
    }
    if (fails) {
        printf "%d disagreements between aedyn.1 and aedyn --list-options\n", fails
        exit 1
    }
    printf "OK: aedyn.1 documents the %d options of aedyn with their metavariables, defaults and bounds\n", n
}
' "$list" "$man"
