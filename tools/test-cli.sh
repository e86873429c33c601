#!/bin/sh
# Test of the `aedyn` program (suite 'cli'): a small run writes the CSV, JSON
# and weights it promises; bad options exit 2 naming the option; --help exits 0.
# Usage: test-cli.sh PATH/TO/aedyn
set -u
aedyn=${1:?usage: test-cli.sh AEDYN}
tmp=$(mktemp -d "${TMPDIR:-/tmp}/aedyn-cli.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
fails=0
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }
ok() { echo "ok: $*"; }

# 1. A small run: 1 header line + t = 0 + 5 output times.
if "$aedyn" run --D 200 --t-max 5 --points 5 --out "$tmp/x" --quiet >"$tmp/stdout" 2>"$tmp/stderr"; then
    ok "small run exits 0"
else
    fail "small run exited $? ($(cat "$tmp/stderr"))"
fi
[ -s "$tmp/stdout" ] && fail "--quiet printed to stdout: $(head -3 "$tmp/stdout")"
[ -s "$tmp/stderr" ] && fail "--quiet printed to stderr: $(head -3 "$tmp/stderr")"
if [ -f "$tmp/x.csv" ]; then
    header=$(head -n 1 "$tmp/x.csv")
    case $header in
        t,sgd_error,ode_error,pca1,pca2,sgd_Q_0_0,*) ok "CSV header starts with t,sgd_error,ode_error,pca1,pca2,sgd_Q_0_0" ;;
        *) fail "CSV header: $header" ;;
    esac
    for col in sgd_R_1_0 sgd_T0_1_1 ode_Q_0_1 ode_T_1_1; do
        echo "$header" | tr ',' '\n' | grep -qx "$col" || fail "CSV header lacks $col"
    done
    lines=$(wc -l < "$tmp/x.csv")
    [ "$lines" -eq 7 ] && ok "CSV has 7 lines" || fail "CSV has $lines lines, expected 7"
    ncol=$(echo "$header" | awk -F, '{print NF}')
    bad=$(awk -F, -v n="$ncol" 'NF != n' "$tmp/x.csv" | wc -l)
    [ "$bad" -eq 0 ] || fail "$bad CSV rows do not have $ncol fields"
    # t = 0 first and t = 5 last, errors finite and below the initial 0.5
    awk -F, 'NR == 2 && $1 != 0 { exit 1 } END { if ($1 != 5) exit 1 }' "$tmp/x.csv" \
        || fail "CSV times do not run from 0 to 5"
    awk -F, 'NR > 1 && ($2 == "nan" || $3 == "nan" || $2 > 0.6 || $3 > 0.6) { exit 1 }' "$tmp/x.csv" \
        || fail "CSV has missing or implausible errors"
else
    fail "no $tmp/x.csv"
fi
if [ -f "$tmp/x.json" ]; then
    for key in parameters seed library_version wall_time_s status D K lr t_max mode integrator; do
        grep -q "\"$key\":" "$tmp/x.json" || fail "JSON lacks key $key"
    done
    grep -q '"status": "ok"' "$tmp/x.json" && ok "JSON status ok" || fail "JSON status is not ok"
    if command -v python3 >/dev/null 2>&1; then
        python3 -c 'import json,sys; json.load(open(sys.argv[1]))' "$tmp/x.json" \
            && ok "JSON parses" || fail "JSON does not parse"
    fi
else
    fail "no $tmp/x.json"
fi
for f in x_W.npy x_V.npy; do
    if [ -f "$tmp/$f" ]; then
        # 2 x 200 float64 after a 128-byte header
        size=$(wc -c < "$tmp/$f")
        [ "$size" -eq $((128 + 2 * 200 * 8)) ] || fail "$f has $size bytes"
    else
        fail "no $tmp/$f"
    fi
done

# 2. Bad options and values: exit 2, a one-line message naming the option.
check_usage() {
    opt=$1
    shift
    "$aedyn" run "$@" >"$tmp/out" 2>"$tmp/err"
    rc=$?
    if [ "$rc" -ne 2 ]; then
        fail "aedyn run $* exited $rc, expected 2"
    elif ! grep -q -- "$opt" "$tmp/err"; then
        fail "aedyn run $*: message does not name $opt: $(cat "$tmp/err")"
    elif [ "$(wc -l < "$tmp/err")" -ne 1 ]; then
        fail "aedyn run $*: message is not one line: $(cat "$tmp/err")"
    else
        ok "aedyn run $* -> 2: $(cat "$tmp/err")"
    fi
}
check_usage --frobnicate --frobnicate
check_usage --K --K abc
check_usage --lr --lr -1
check_usage --activation --activation tanh
check_usage --points --points
check_usage --spikes --spikes 3,,5
check_usage --data --data cifar
check_usage --covariance --covariance "$tmp/missing.npy" --data gaussian
check_usage --K --K 300 --D 200
check_usage --mode --mode ode --tied

# 3. --help and --version exit 0 and document every option with its default.
if "$aedyn" --help >"$tmp/help" 2>&1; then
    ok "--help exits 0"
    for opt in --data --D --M --spikes --noise --spike-vectors --standardise --raw --covariance \
               --K --activation --bias --tied --rule --lr --wd --init-std --init-weights --seed \
               --t-max --points --mode --integrator --rtol --out --plot --quiet; do
        grep -q -- "$opt" "$tmp/help" || fail "--help does not mention $opt"
    done
    grep -q "default: 1000" "$tmp/help" || fail "--help does not show the default D"
else
    fail "--help exited $?"
fi
"$aedyn" run --help >/dev/null 2>&1 || fail "run --help exited $?"
"$aedyn" --version >/dev/null 2>&1 || fail "--version exited $?"

# 4. Round trip of the weights: a second run starting from the first's final weights
#    in ODE mode starts where the first ended (same error at t = 0 as at its end).
if "$aedyn" run --D 200 --t-max 5 --points 2 --mode ode --init-weights "$tmp/x_W.npy" "$tmp/x_V.npy" \
        --out "$tmp/y" --quiet 2>"$tmp/err"; then
    ok "--init-weights from a previous run"
else
    fail "--init-weights run exited $?: $(cat "$tmp/err")"
fi

echo "cli tests: $fails failed"
[ "$fails" -eq 0 ]
