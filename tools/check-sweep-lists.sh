#!/bin/sh
# Test (suite 'cli'): the options that aedyn-sweep(1) and docs/sweep.md say take
# lists are those the option table marks sweepable, each in the row of its
# list kind (`aedyn --list-options`, last column: int, comma, slash,
# schedule, -).
#   aedyn-sweep.1, section LISTS: item headers "Integers: --a, --b",
#     "Numbers: ...", "Choices: ...", "Number lists: ...", "Schedules: ..."
#   docs/sweep.md, section Lists: table rows "| integers (`--a --b`) |",
#     "| numbers (...)", "| choices (...)", "| number lists (...)",
#     "| schedules (...)"
# Numbers and choices are both comma lists; the documents keep them apart by
# the metavariable (choices have a|b|c).
# Usage: check-sweep-lists.sh PATH/TO/aedyn aedyn-sweep.1 sweep.md
set -eu
aedyn=${1:?usage: check-sweep-lists.sh AEDYN MANPAGE SWEEP_MD}
man=${2:?}
md=${3:?}
list=$(mktemp "${TMPDIR:-/tmp}/aedyn-lists.XXXXXX")
trap 'rm -f "$list"' EXIT
"$aedyn" --list-options > "$list"
fails=0
for doc in man md; do
    if [ "$doc" = man ]; then
        # ".TP" then "Integers: \-\-seed, \-\-D" in the LISTS section
        rows=$(awk '/^\.SH /{ on = ($0 ~ /^\.SH LISTS/) } on && prev ~ /^\.TP/ { print } { prev = $0 }' "$man" \
               | sed 's/\\-/-/g')
        file=$man
    else
        rows=$(awk '/^## /{ on = ($0 ~ /^## Lists/) } on && /^\| [a-z]/' "$md")
        file=$md
    fi
    for kind in int comma-number comma-choice slash schedule; do
        case $kind in
            int) label='[Ii]ntegers' ;;
            comma-number) label='[Nn]umbers' ;;
            comma-choice) label='[Cc]hoices' ;;
            slash) label='[Nn]umber lists' ;;
            schedule) label='[Ss]chedules' ;;
        esac
        documented=$(printf '%s\n' "$rows" | grep "^[|]* *$label" | grep -o -- '--[A-Za-z][A-Za-z0-9-]*' | sort -u)
        expected=$(awk -F '\t' -v k="$kind" '
            { kind = $5; if (kind == "comma") kind = ($2 ~ /\|/) ? "comma-choice" : "comma-number" }
            kind == k { print $1 }' "$list" | sort -u)
        if [ "$documented" != "$expected" ]; then
            echo "FAIL: $file: the $kind lists name: $(echo $documented); the table: $(echo $expected)"
            fails=$((fails + 1))
        fi
    done
done
[ "$fails" -eq 0 ] && echo "OK: aedyn-sweep.1 and sweep.md list the sweepable options of the table by kind"
exit "$fails"
