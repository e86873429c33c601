#!/bin/sh
# Test of aedyn-sweep (suite 'mpi'): the same small grid with 1 and 2 ranks
# gives identical per-run CSVs and weights and a summary with every run;
# failed runs (invalid grid points, divergence) are reported, not fatal; bad
# sweep options exit 2. Skipped (77) when no working mpirun setup is found.
# Usage: test-sweep.sh PATH/TO/aedyn-sweep PATH/TO/mpirun
set -u
sweep=${1:?usage: test-sweep.sh AEDYN-SWEEP MPIRUN}
mpirun=${2:?usage: test-sweep.sh AEDYN-SWEEP MPIRUN}
tmp=$(mktemp -d "${TMPDIR:-/tmp}/aedyn-sweep.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
fails=0
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }
ok() { echo "ok: $*"; }

# Open MPI refuses root without these, and containers often lack the
# cross-memory-attach mechanism of the shared-memory transport. One BLAS and
# OpenMP thread per rank: the runs are tiny, and the cores are shared.
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
export OMPI_MCA_btl_vader_single_copy_mechanism=none
export OMPI_MCA_rmaps_base_oversubscribe=1
export OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1
to=""
command -v timeout >/dev/null 2>&1 && to="timeout 120"

# Find mpirun flags that work here: Open MPI in a container, plain Open MPI, MPICH.
root_flag=""
[ "$(id -u)" -eq 0 ] && root_flag="--allow-run-as-root"
flags=""
found=no
for candidate in "--oversubscribe --mca btl self,vader $root_flag" "--oversubscribe $root_flag" \
                 "--oversubscribe" ""; do
    # shellcheck disable=SC2086
    if $to "$mpirun" -np 2 $candidate "$sweep" --dry-run --D 10 --t-max 1 --seed 1:2 \
            >"$tmp/probe" 2>&1; then
        flags=$candidate
        found=yes
        break
    fi
done
if [ "$found" = no ]; then
    echo "SKIP: no working 'mpirun -np 2' here:"
    cat "$tmp/probe"
    exit 77
fi
ok "mpirun flags: '$flags'"
run_np() { # run_np NP ARGS...: aedyn-sweep on NP ranks
    np=$1
    shift
    # shellcheck disable=SC2086
    $to "$mpirun" -np "$np" $flags "$sweep" "$@"
}

# 1. The dry run lists 2 x 2 x 2 command lines, the last list varying fastest.
grid="--D 60 --t-max 2 --points 3 --seed 1:2 --lr 0.5,1 --K 2,100"
# shellcheck disable=SC2086
run_np 1 --dry-run $grid >"$tmp/dry" 2>"$tmp/err" || fail "--dry-run exited $?: $(cat "$tmp/err")"
[ "$(wc -l < "$tmp/dry")" -eq 8 ] || fail "--dry-run printed $(wc -l < "$tmp/dry") lines, expected 8"
sed -n 2p "$tmp/dry" | grep -q -- "--seed 1 --lr 0.5 --K 100 .*--stream 1 --out" \
    || fail "--dry-run line 2: $(sed -n 2p "$tmp/dry")"
grep -q "invalid: --K must be <= D" "$tmp/dry" || fail "--dry-run does not flag K > D"

# 2. The same grid on 1 and 2 ranks: K = 100 > D = 60 is an invalid point
#    (reported, exit 1); the K = 2 runs must agree byte for byte.
for np in 1 2; do
    # shellcheck disable=SC2086
    run_np $np --outdir "$tmp/np$np" --quiet $grid >"$tmp/out$np" 2>"$tmp/err$np"
    rc=$?
    [ "$rc" -eq 1 ] && ok "np $np: exit 1 (invalid grid points reported)" \
        || fail "np $np exited $rc, expected 1: $(head -5 "$tmp/err$np")"
    s="$tmp/np$np/summary.csv"
    if [ ! -f "$s" ]; then
        fail "np $np: no summary.csv"
        continue
    fi
    [ -f "$s.partial" ] && fail "np $np: summary.csv.partial left behind"
    [ "$(wc -l < "$s")" -eq 9 ] || fail "np $np: summary has $(wc -l < "$s") lines, expected 9"
    head -n 1 "$s" | grep -q '^run,status,seed,stream,D,K,lr,t,sgd_error,ode_error,rel_dev,pca_K,wall_s,rank,csv,message$' \
        || fail "np $np: summary header: $(head -n 1 "$s")"
    n_ok=$(awk -F, 'NR > 1 && $2 == "ok" && $6 == 2' "$s" | wc -l)
    n_inv=$(awk -F, 'NR > 1 && $2 == "invalid"' "$s" | wc -l)
    [ "$n_ok" -eq 4 ] && [ "$n_inv" -eq 4 ] && ok "np $np: 4 ok and 4 invalid runs" \
        || fail "np $np: $n_ok ok and $n_inv invalid runs, expected 4 and 4"
    awk -F, 'NR > 1 { if ($1 != NR - 2) exit 1 }' "$s" || fail "np $np: summary not sorted by run"
    # finite errors and a relative deviation of the ok runs
    awk -F, 'NR > 1 && $2 == "ok" && ($9 == "nan" || $10 == "nan" || $11 == "nan" || $8 != 2) { exit 1 }' "$s" \
        || fail "np $np: an ok run lacks its final errors"
    ls "$tmp/np$np"/run-*.csv >/dev/null 2>&1 || fail "np $np: no per-run CSV"
done
n_csv=0
for f in "$tmp"/np1/run-*.csv "$tmp"/np1/run-*_W.npy "$tmp"/np1/run-*_V.npy; do
    [ -f "$f" ] || continue
    b=$(basename "$f")
    if cmp -s "$f" "$tmp/np2/$b"; then
        n_csv=$((n_csv + 1))
    else
        fail "$b differs between 1 and 2 ranks"
    fi
done
[ "$n_csv" -eq 12 ] && ok "np 1 and np 2: 4 CSVs and 8 weight files identical" \
    || fail "compared $n_csv identical files, expected 12"
# summaries equal but for the wall time and the rank
cut -d, -f1-12,15- "$tmp/np1/summary.csv" >"$tmp/s1"
cut -d, -f1-12,15- "$tmp/np2/summary.csv" >"$tmp/s2"
cmp -s "$tmp/s1" "$tmp/s2" && ok "summaries agree (but for wall_s and rank)" \
    || fail "summaries differ: $(diff "$tmp/s1" "$tmp/s2" | head -4)"
awk -F, 'NR > 1 && $2 == "ok" && $14 != 1 { exit 1 }' "$tmp/np2/summary.csv" \
    || fail "np 2: runs not done by the worker rank 1"
grep -q '"stream": 2' "$tmp/np2/run-00002.json" || fail "run 2 does not record stream 2"
grep -q '"--stream", "2"' "$tmp/np2/run-00002.json" || fail "run 2 does not record its command line"

# 3. A diverging run is reported and the sweep goes on.
run_np 2 --outdir "$tmp/div" --quiet --mode sgd --D 60 --t-max 1 --points 2 --lr 1,1e7 \
    >/dev/null 2>"$tmp/err"
rc=$?
[ "$rc" -eq 1 ] || fail "diverging sweep exited $rc, expected 1"
if [ -f "$tmp/div/summary.csv" ]; then
    awk -F, 'NR == 2 && $2 != "ok" { exit 1 } NR == 3 && $2 != "diverged" { exit 1 }' \
        "$tmp/div/summary.csv" && ok "divergence reported: $(sed -n 3p "$tmp/div/summary.csv" | cut -c1-90)" \
        || fail "divergence summary: $(cat "$tmp/div/summary.csv")"
else
    fail "diverging sweep: no summary"
fi

# A run whose errors become NaN below the trainer's guard counts as failed.
run_np 1 --outdir "$tmp/nan" --quiet --activation linear --D 100 --t-max 0.05 --points 3 --lr 0.5,3e4 \
    >/dev/null 2>"$tmp/err"
rc=$?
[ "$rc" -eq 1 ] || fail "NaN sweep exited $rc, expected 1"
if [ -f "$tmp/nan/summary.csv" ]; then
    awk -F, 'NR == 2 && $2 != "ok" { exit 1 } NR == 3 && $2 != "diverged" { exit 1 }' \
        "$tmp/nan/summary.csv" && ok "NaN errors reported as divergence" \
        || fail "NaN summary: $(cat "$tmp/nan/summary.csv")"
else
    fail "NaN sweep: no summary"
fi

# 4. Three ranks (two workers) still give the same files.
# shellcheck disable=SC2086
run_np 3 --outdir "$tmp/np3" --quiet $grid >/dev/null 2>&1
for f in "$tmp"/np1/run-*.csv; do
    cmp -s "$f" "$tmp/np3/$(basename "$f")" || fail "np 3: $(basename "$f") differs"
done

# Every output write is checked (/dev/full refuses all writes): the summary,
# the partial summary and a run's files fail the sweep with exit 1, naming
# the file (the partial summary and the runs' JSON failed silently).
if [ -w /dev/full ]; then
    for f in summary.csv summary.csv.partial run-00001.json; do
        rm -rf "$tmp/full"
        mkdir "$tmp/full"
        ln -s /dev/full "$tmp/full/$f"
        run_np 1 --outdir "$tmp/full" --quiet --D 30 --t-max 1 --points 2 --seed 1:2 >/dev/null 2>"$tmp/err"
        rc=$?
        if [ "$rc" -eq 1 ] && { grep -q "$f" "$tmp/err" || grep -q "$f" "$tmp/full/summary.csv"; }; then
            ok "a failed write of $f exits 1"
        else
            fail "a failed write of $f exited $rc: $(cat "$tmp/err")"
        fi
    done
    "$sweep" --dry-run --seed 1:3 >/dev/full 2>"$tmp/err"
    [ $? -eq 1 ] || fail "--dry-run to /dev/full did not fail: $(cat "$tmp/err")"
fi

# 4b. Denoising: a sweep over --denoise and a list of learning-rate
#     schedules (SPECs separated by commas) runs every point; the summary
#     has their columns (lr is nan: the schedule gives the rate), each run's
#     JSON records its values, and more noise gives a larger denoising error
#     at the end: with a trained skip, sigma_n = 0 is learnt almost exactly
#     (c -> 1), and for sigma_n > 0 no network beats the Wiener filter, whose
#     error (1/2D) sum rho sigma_n^2/(rho + sigma_n^2) grows with sigma_n
#     (measured at t = 5: 5e-5 and 0.019, 0.09-0.10, 0.32-0.40).
run_np 1 --outdir "$tmp/dae" --quiet --D 100 --t-max 5 --points 2 --skip train \
    --lr-schedule constant:1,power:1:1:1 --denoise 0,0.5,2 >/dev/null 2>"$tmp/err"
rc=$?
s="$tmp/dae/summary.csv"
if [ "$rc" -eq 0 ] && [ -f "$s" ]; then
    head -n 1 "$s" | grep -q '^run,status,seed,stream,D,K,lr,lr_schedule,denoise,t,' \
        && ok "DAE sweep: summary columns lr_schedule, denoise" || fail "DAE sweep header: $(head -n 1 "$s")"
    awk -F, 'NR > 1 && ($2 != "ok" || $7 != "nan") { exit 1 }' "$s" \
        && ok "DAE sweep: 6 runs ok, lr nan" || fail "DAE sweep: $(cat "$s")"
    [ "$(wc -l < "$s")" -eq 7 ] || fail "DAE sweep: $(wc -l < "$s") lines, expected 7"
    awk -F, 'NR > 1 { e[$8, $9] = $11 }
        END { split("constant:1 power:1:1:1", ls, " ")
              for (i = 1; i <= 2; i++) if (!(e[ls[i], "0"] < e[ls[i], "0.5"] && e[ls[i], "0.5"] < e[ls[i], "2"])) exit 1 }' "$s" \
        && ok "DAE sweep: the final error grows with sigma_n" || fail "DAE sweep errors: $(cut -d, -f8-11 "$s" | tr '\n' ' ')"
    grep -q '"denoise": 2,' "$tmp/dae/run-00005.json" && grep -q '"lr_schedule": "power:1:1:1"' "$tmp/dae/run-00005.json" \
        && ok "DAE sweep: run 5 records denoise 2 and its schedule" \
        || fail "DAE sweep: run 5 JSON: $(grep -E '"denoise"|"lr_schedule"' "$tmp/dae/run-00005.json")"
else
    fail "DAE sweep exited $rc: $(cat "$tmp/err")"
fi

# 5. Bad sweep options: exit 2 with a one-line message naming the option. Run
#    without mpirun (MPI singleton): mpirun takes seconds to wind down a failed job.
check_usage() {
    opt=$1
    shift
    $to "$sweep" "$@" >"$tmp/out" 2>"$tmp/err"
    rc=$?
    if [ "$rc" -ne 2 ]; then
        fail "aedyn-sweep $* exited $rc, expected 2"
    elif ! grep -q -- "^aedyn-sweep: .*$opt" "$tmp/err"; then
        fail "aedyn-sweep $*: message does not name $opt: $(cat "$tmp/err")"
    else
        ok "aedyn-sweep $* -> 2: $(grep '^aedyn-sweep' "$tmp/err")"
    fi
}
check_usage --lr --dry-run --lr 1,,2
check_usage --seed --dry-run --seed 5:1
check_usage --K --dry-run --K 2:x
check_usage --out --dry-run --out x
check_usage --stream --dry-run --stream 3
check_usage --frobnicate --dry-run --frobnicate
check_usage --K --dry-run --K 300,400 --D 200
# One value or one list per option, and the program's strict parser for every
# element: a later --K does not override a swept one; no blanks, signs or
# hexadecimal in lists or ranges.
check_usage --K --dry-run --K 1:3 --K 2
check_usage --seed --dry-run --seed 1:3 --seed 1:3
check_usage --outdir --dry-run --outdir a --outdir b
check_usage --seed --dry-run --seed " 1,2"
check_usage --seed --dry-run --seed 1,0x10
check_usage --seed --dry-run --seed 1:0x10
check_usage --seed --dry-run --seed "-1:2"
check_usage --lr --dry-run --lr "0.5, 1"
check_usage --lr --dry-run --lr 0.5,+1
check_usage --lr --dry-run --lr 0.5,inf
check_usage --K --dry-run --K 0,2
check_usage --K --dry-run --K 1:4:0
check_usage --raw --dry-run --standardise --raw
check_usage "--lr-schedule: unknown schedule 'powr'" --dry-run --lr-schedule constant:1,powr:1
check_usage "--noise-schedule: trailing ','" --dry-run --noise-schedule constant:1,
check_usage "--denoise must be >= 0 (got '-1')" --dry-run --denoise 0,-1
# Bounds: a grid point that cannot be served stops the sweep before it starts
# (one such point stalled a whole sweep); at most 1000000 runs.
check_usage --points --outdir "$tmp/stall" --quiet --D 20 --t-max 1 --points 3,18446744073709551615
[ -e "$tmp/stall" ] && fail "a sweep refused at parse time created its directory"
"$sweep" --dry-run --t-max 1,1e300 2>&1 | grep -q "invalid: --t-max 1e+300 is" \
    && ok "t-max x D beyond 2^53 is an invalid grid point" || fail "--t-max 1,1e300 not flagged invalid"
check_usage --seed --dry-run --seed 1:1000001
check_usage --K --dry-run --D 2000 --seed 1:1000 --K 1:1001
# Ranges: A:B is inclusive, a range of one value is that value, and a step
# that does not land on B stops before it.
dry_values() { # dry_values OPTION VALUE: the values of OPTION in the dry run, one line
    "$sweep" --dry-run --D 10 "$1" "$2" 2>"$tmp/err" | sed -n "s/.* $1 \([^ ]*\) .*/\1/p" | tr '\n' ' '
}
for case in "2:2=2 " "1:2:5=1 " "1:6:2=1 3 5 " "1:3=1 2 3 " "3,1:2=3 1 2 " "007=007 "; do
    got=$(dry_values --K "${case%%=*}")
    [ "$got" = "${case#*=}" ] && ok "--K ${case%%=*} runs K = $got" \
        || fail "--K ${case%%=*}: got '$got', expected '${case#*=}' ($(cat "$tmp/err"))"
done
"$sweep" --help >"$tmp/help" 2>&1 && grep -q -- "--outdir" "$tmp/help" && grep -q -- "--lr" "$tmp/help" \
    || fail "--help"

echo "sweep tests: $fails failed"
[ "$fails" -eq 0 ]
