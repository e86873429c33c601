#!/bin/sh
# Test of the `aedyn` program (suite 'cli'): a small run writes the CSV, JSON
# and weights it promises; bad options exit 2 naming the option; --help exits 0;
# image data (small IDX and CIFAR files written by mkimages, Fashion-MNIST when
# installed); --plot with and without gnuplot.
# Usage: test-cli.sh PATH/TO/aedyn [PATH/TO/mkimages]
set -u
aedyn=${1:?usage: test-cli.sh AEDYN [MKIMAGES]}
mkimages=${2:-}
case $aedyn in /*) ;; *) aedyn=$(pwd)/$aedyn ;; esac
tmp=$(mktemp -d "${TMPDIR:-/tmp}/aedyn-cli.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
fails=0
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }
ok() { echo "ok: $*"; }

# Every program case runs with an address-space limit of 4 GiB (a count that
# escaped its bound would fail to allocate instead of taking the machine)
# and, for the bad-option cases, a timeout (a hang fails). Under
# AddressSanitizer (tools/run-tests runs this suite again there) the limit is
# left out: the sanitizer reserves terabytes of shadow address space.
if [ -z "${ASAN_OPTIONS:-}" ]; then
    ulimit -v 4194304 && ok "address space limited to 4 GiB" || fail "cannot limit the address space"
fi

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
    grep -q '"integrator": "auto"' "$tmp/x.json" && ok "JSON names the default integrator" \
        || fail "JSON does not say the default integrator was auto"
    grep -q '"ode_switch_log": \[' "$tmp/x.json" && ok "JSON has the switch log" \
        || fail "JSON lacks the automatic method's switch log"
    if command -v python3 >/dev/null 2>&1; then
        python3 -c 'import json,sys; json.load(open(sys.argv[1]))' "$tmp/x.json" \
            && ok "JSON parses" || fail "JSON does not parse"
        # every option of the table is a parameter, with its effective value
        "$aedyn" --list-options | cut -f1 > "$tmp/options"
        python3 - "$tmp/x.json" "$tmp/options" <<'EOT' && ok "JSON parameters: every option of the table" \
            || fail "JSON parameters do not follow the option table"
import json, sys
p = json.load(open(sys.argv[1]))["parameters"]
names = [l.strip()[2:].replace("-", "_") for l in open(sys.argv[2]) if l.strip()]
missing = [n for n in names if n not in p and n not in ("help", "raw")]
assert not missing, f"missing {missing}"
assert p["D"] == 200 and p["K"] == 2 and p["points"] == 5 and p["t_max"] == 5, p
assert p["spikes"] == [3, 5] and p["t_min"] == 0.05 and p["integrator"] == "auto", p
assert p["dt"] is None and p["images"] is None and p["standardise"] is True, p
EOT
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

# The same ODE with DOPRI5 at rtol 1e-11: the default (auto, rtol 1e-6) is
# within 1e-5 relative of it.
if "$aedyn" run --D 200 --t-max 5 --points 5 --out "$tmp/r" --integrator dopri5 \
    --rtol 1e-11 --atol 1e-14 --quiet >/dev/null 2>&1 && grep -q '"integrator": "dopri5"' "$tmp/r.json"; then
    paste -d, "$tmp/x.csv" "$tmp/r.csv" | awk -F, -v n="$ncol" \
        'NR > 1 { d = $3 - $(n + 3); if (d < 0) d = -d; if (d > 1e-5 * $3) exit 1 }' \
        && ok "default integrator matches a tight DOPRI5 run" || fail "auto and dopri5 ODE errors differ"
else
    fail "run with --integrator dopri5 failed"
fi

# A NaN in a reported number is divergence, even below the trainer's 1e150
# guard: status "diverged", exit 1 (it ended "ok" with NaN errors).
"$aedyn" run --lr 1e4 --activation linear --D 100 --t-max 0.05 --points 3 --out "$tmp/nan" \
    --quiet 2>"$tmp/err"
rc=$?
if [ "$rc" -eq 1 ] && grep -q '"status": "diverged"' "$tmp/nan.json" && grep -q "SGD diverged" "$tmp/err"; then
    ok "a NaN error is divergence: $(cat "$tmp/err")"
else
    fail "NaN run exited $rc, status $(grep '"status"' "$tmp/nan.json"): $(cat "$tmp/err")"
fi
awk -F, 'NR > 1 && $2 == "nan" { found = 1 } END { exit !found }' "$tmp/nan.csv" \
    || fail "the NaN row is not in the CSV"

# 1b. A denoising autoencoder (sigma_n = 1, trained skip) with a power-law
#     learning rate: SGD and the ODE start from the same weights (the same
#     error at t = 0, to rounding), the error falls, and the single SGD run
#     stays within 10 % of the ODE at every time, its skip weight within 0.1.
#     Measured at D = 500 over seeds 1-6: 1.4-4.7 % and 0.019-0.031 (the
#     trained skip wanders by O(1/sqrt D) early on); a wiring error (SGD and
#     the ODE trained at different noise levels, a skip trained on one side
#     only) is off by tens of per cent.
col() { # col FILE NAME: the index of column NAME of the CSV FILE (0: none)
    head -n 1 "$1" | tr ',' '\n' | awk -v n="$2" '$0 == n { print NR; f = 1 } END { if (!f) print 0 }'
}
if "$aedyn" run --D 500 --denoise 1 --skip train --lr-schedule power:1:10:0.5 --t-max 20 \
        --points 8 --out "$tmp/dae" --quiet 2>"$tmp/err"; then
    ok "a denoising run with a trained skip and a learning-rate schedule exits 0"
    cs=$(col "$tmp/dae.csv" sgd_skip)
    co=$(col "$tmp/dae.csv" ode_skip)
    cl=$(col "$tmp/dae.csv" lr)
    if [ "$cs" -gt 0 ] && [ "$co" -eq $((cs + 1)) ] && [ "$cl" -eq $((co + 1)) ]; then
        ok "DAE CSV has sgd_skip, ode_skip, lr"
        awk -F, -v cs="$cs" -v co="$co" -v cl="$cl" '
            NR == 2 { e0 = $3; d = ($2 - $3) / $3; if (d < 0) d = -d
                      if (d > 1e-9 || $cs != 0 || $co != 0 || $cl != 1) bad = "t = 0: " $0 }
            NR > 1 { for (i = 1; i <= NF; i++) if ($i == "nan") bad = "nan in " $0
                     d = ($2 - $3) / $3; if (d < 0) d = -d; if (d > 0.10) bad = "SGD vs ODE " d " at t = " $1
                     d = $cs - $co; if (d < 0) d = -d; if (d > 0.1) bad = "skip " $cs " vs " $co " at t = " $1
                     want = (1 + $1 / 10) ^ -0.5; d = $cl - want; if (d < 0) d = -d
                     if (d > 1e-9) bad = "lr " $cl " at t = " $1 ", expected " want
                     last = $3; lastc = $co }
            END { if (!bad && !(last < 0.6 * e0)) bad = "the error fell from " e0 " to " last " only"
                  if (!bad && !(lastc > 0)) bad = "the trained skip ended at " lastc
                  if (bad) { print bad; exit 1 } }' "$tmp/dae.csv" >"$tmp/why" \
            && ok "DAE: SGD within 10 % of the ODE, skips within 0.1, lr = (1 + t/10)^-1/2, error falls" \
            || fail "DAE run: $(cat "$tmp/why")"
    else
        fail "DAE CSV columns: $(head -n 1 "$tmp/dae.csv" | tr ',' '\n' | tail -4 | tr '\n' ' ')"
    fi
    if command -v python3 >/dev/null 2>&1; then
        python3 - "$tmp/dae.json" <<'EOT' && ok "JSON records the denoising parameters" \
            || fail "JSON does not record the denoising parameters"
import json, sys
j = json.load(open(sys.argv[1]))
p = j["parameters"]
assert p["denoise"] == 1 and p["input_scale"] == 1, p
assert p["skip"] == {"mode": "train", "value": None}, p["skip"]
assert p["lr_schedule"] == "power:1:10:0.5" and p["lr"] is None, p
assert p["noise_schedule"] is None, p
assert isinstance(j["final_sgd_skip"], float) and isinstance(j["final_ode_skip"], float), j
assert j["ode_breakpoints"] == 0, j
assert "clean x" in j["error_convention"], j["error_convention"]
EOT
    fi
else
    fail "DAE run exited $?: $(cat "$tmp/err")"
fi
# A noise curriculum (piecewise sigma_n: 2 breakpoints before t-max), a
# fixed skip and a scaled input: the ODE ends a step on both breakpoints,
# the skip stays put, the sigma_n column follows the SPEC, and the JSON says so.
if "$aedyn" run --D 300 --noise-schedule piecewise:2:3=1:8=0.5+warmup:1 --skip fixed -0.25 \
        --input-scale 0.8 --t-max 10 --points 6 --out "$tmp/cur" --quiet 2>"$tmp/err"; then
    cn=$(col "$tmp/cur.csv" sigma_n)
    cs=$(col "$tmp/cur.csv" sgd_skip)
    awk -F, -v cn="$cn" -v cs="$cs" '
        NR > 1 { w = $1 < 1 ? $1 : 1; want = ($1 < 3 ? 2 : $1 < 8 ? 1 : 0.5) * w
                 d = $cn - want; if (d < 0) d = -d; if (d > 1e-12) bad = "sigma_n " $cn " at t = " $1
                 if ($cs != -0.25 || $(cs + 1) != -0.25) bad = "skip " $cs ", " $(cs + 1)
                 d = ($2 - $3) / $3; if (d < 0) d = -d; if (d > 0.10) bad = "SGD vs ODE " d " at t = " $1 }
        END { if (cn == 0 || cs == 0) bad = "columns missing"; if (bad) { print bad; exit 1 } }' \
        "$tmp/cur.csv" >"$tmp/why" && ok "noise curriculum: sigma_n(t) column, fixed skip, SGD near the ODE" \
        || fail "noise curriculum: $(cat "$tmp/why")"
    if command -v python3 >/dev/null 2>&1; then
        python3 - "$tmp/cur.json" <<'EOT' && ok "JSON: the noise schedule, the fixed skip, 3 breakpoints" \
            || fail "JSON of the noise curriculum: $(grep -E 'breakpoints|skip|schedule|denoise' "$tmp/cur.json")"
import json, sys
j = json.load(open(sys.argv[1]))
p = j["parameters"]
assert p["noise_schedule"] == "piecewise:2:3=1:8=0.5+warmup:1" and p["denoise"] is None, p
assert p["skip"] == {"mode": "fixed", "value": -0.25} and p["input_scale"] == 0.8, p
assert p["lr"] == 1 and p["lr_schedule"] is None, p
assert j["final_sgd_skip"] == -0.25 and j["final_ode_skip"] == -0.25, j
assert j["ode_breakpoints"] == 3, j["ode_breakpoints"]  # t = 1 (warm-up), 3, 8
EOT
    fi
else
    fail "noise curriculum run exited $?: $(cat "$tmp/err")"
fi

# 2. Bad options and values: exit 2, a one-line message naming the option.
to=""
command -v timeout >/dev/null 2>&1 && to="timeout 60"
check_usage() {
    opt=$1
    shift
    $to "$aedyn" run "$@" >"$tmp/out" 2>"$tmp/err"
    rc=$?
    if [ "$rc" -ne 2 ]; then
        fail "aedyn run $* exited $rc, expected 2"
    elif ! grep -q -- "$opt" "$tmp/err"; then
        fail "aedyn run $*: message does not name $opt: $(cat "$tmp/err")"
    elif [ "$(wc -l < "$tmp/err")" -ne 1 ]; then
        fail "aedyn run $*: message is not one line: $(cat "$tmp/err")"
    else
        ok "aedyn run $(echo "$*" | tr "\n" "?" | cut -c1-100) -> 2: $(cat "$tmp/err")"
    fi
}
check_usage --frobnicate --frobnicate
check_usage --K --K abc
check_usage --lr --lr -1
check_usage --activation --activation tanh
check_usage --points --points
check_usage --spikes --spikes 3,,5
check_usage --data --data cifar
check_usage --stream --stream -1
check_usage --covariance --covariance "$tmp/missing.npy" --data gaussian
check_usage --K --K 300 --D 200
check_usage --mode --mode ode --tied
# Strict numbers, one value per option (the program and aedyn-sweep share the
# parser): no blanks, signs, octal or hexadecimal tricks.
check_usage --seed --seed " -1"
check_usage --seed --seed "-1"
check_usage --seed --seed "+1"
check_usage --seed --seed 0x10
check_usage --seed --seed "1 "
check_usage --seed --seed 18446744073709551616
check_usage --K --K " 2"
check_usage --lr --lr " 1"
check_usage --lr --lr +1
check_usage --lr --lr 0x1p3
check_usage --lr --lr inf
check_usage --lr --lr nan
check_usage --lr --lr 1e400
check_usage --lr --lr 1e-400
check_usage --wd --wd -0
check_usage --K --K 2 --K 3
check_usage --raw --raw --standardise
check_usage --K "--K=1
2"
# Counts derived from the options are bounded where they cannot be served:
# output times (the grid was allocated with points + 1 entries: a heap
# overflow, or a hang), SGD steps t-max x D and fixed ODE steps t-max/dt (2^53:
# t-max 1e300 silently ran one step), D.
check_usage --points --points 18446744073709551615
check_usage --points --points 4611686018427387904
check_usage --points --points 1000001
check_usage --t-max --t-max 1e300
check_usage --t-max --t-max 1e13
check_usage --D --D 1073741825
check_usage --dt --integrator euler --dt 1e-300 --D 10 --t-max 1
check_usage --dt --integrator rk4 --dt 1e-13 --t-max 1000 --mode ode
# A model whose variance is not a finite positive number (sigma^2, Lambda^2,
# Tr Omega overflow or underflow) is refused: it ran as an all-zero model,
# every error 0, "status": "ok".
check_usage --noise --noise 1e300
check_usage --noise --noise 1e-200
check_usage --spikes --spikes 1e308,1e308
check_usage --spikes --spikes 1e-200,3
check_usage --spikes --spikes 1e154,1e154
check_usage --noise --raw --M 0 --noise 0
# Denoising and schedules: bad values and combinations; a bad SPEC is quoted
# (the offending part and the SPEC) in the message.
check_usage "--lr-schedule: TAU of power:V0:TAU:BETA .*'x' in 'power:1:x:0.5'" --lr-schedule power:1:x:0.5
check_usage "--lr-schedule: unknown schedule 'powr'" --lr-schedule powr:1:2:3
check_usage "--lr-schedule: 'power:1:10' has 2 of the 3 numbers" --lr-schedule power:1:10
check_usage "--lr-schedule: unexpected ':7'" --lr-schedule exponential:1:5:7
check_usage "--lr-schedule: .*'-1' in 'constant:-1'" --lr-schedule constant:-1
check_usage "--lr-schedule: .*'+1' in 'constant:+1'" --lr-schedule constant:+1
check_usage "--lr-schedule: .*'1e999'" --lr-schedule constant:1e999
check_usage "--lr-schedule: .*'0' in 'power:1:0:1'" --lr-schedule power:1:0:1
check_usage "--lr-schedule: VMIN of cosine" --lr-schedule cosine:1:2:3
check_usage "--lr-schedule: the times of piecewise.*T2 = '5'" --lr-schedule piecewise:1:10=0.5:5=0.1
check_usage "--lr-schedule: piece '10' of piecewise" --lr-schedule piecewise:1:10
check_usage "--lr-schedule: unknown modifier '+cool'" --lr-schedule constant:1+cool:3
check_usage "--lr-schedule: +warmup is given twice" --lr-schedule constant:1+warmup:1+warmup:2
check_usage "--lr-schedule: .*'-2' in 'constant:1+warmup:-2'" --lr-schedule constant:1+warmup:-2
check_usage "--lr-schedule needs a non-empty value" --lr-schedule ""
check_usage "--noise-schedule: .*'1e200'" --noise-schedule exponential:1e200:5
check_usage "--noise-schedule: .*'x2'" --noise-schedule cosine:2:0.5:x2
check_usage "--lr and --lr-schedule" --lr 0.5 --lr-schedule constant:1
check_usage "--denoise and --noise-schedule" --denoise 1 --noise-schedule constant:1
check_usage "--rule sanger has no reconstruction target" --rule sanger --tied --activation linear --denoise 1
check_usage "--rule sanger has no reconstruction target" --rule sanger --tied --activation linear --skip train
check_usage --denoise --denoise -1
check_usage --denoise --denoise 1e200
check_usage --denoise --denoise nan
check_usage --input-scale --input-scale 1e300
check_usage "--skip must be one of none|fixed C|train (got 'half')" --skip half
check_usage "--skip fixed' needs a value" --skip fixed
check_usage "--skip fixed' needs a value" --skip fixed --D 10
check_usage "--skip needs a decimal number .*'0x1'" --skip fixed 0x1
check_usage "unexpected argument '0.5'" --skip train 0.5
check_usage "--skip is given twice" --skip train --skip none
# A long stray word is cut short in the message, whose hint still fits (found
# by fuzz-options: a 494-byte word truncated it before "options start with --").
long=$(printf 'x%.0s' $(seq 600))
check_usage "options start with --" "$long"
for s in 010:10 08:8 007:7 18446744073709551615:18446744073709551615; do
    if "$aedyn" run --D 20 --t-max 0.1 --points 1 --seed "${s%%:*}" --out "$tmp/seed" --quiet \
            2>"$tmp/err" && grep -q "^  \"seed\": ${s#*:},\$" "$tmp/seed.json"; then
        ok "--seed ${s%%:*} is seed ${s#*:} (decimal)"
    else
        fail "--seed ${s%%:*}: not seed ${s#*:}: $(grep '^  "seed"' "$tmp/seed.json") $(cat "$tmp/err")"
    fi
done

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

# 5. Image data (--data idx|cifar) from small files written by mkimages.
if [ -n "$mkimages" ] && "$mkimages" idx "$tmp/train.idx" 300 8 8 1 && "$mkimages" idx "$tmp/test.idx" 60 8 8 2 \
        && "$mkimages" cifar "$tmp/c.bin" 40 3; then
    json_has() { grep -q "\"$2\": $3" "$1" || fail "$1: no \"$2\": $3 ($(grep "\"$2\"" "$1"))"; }
    if "$aedyn" run --data idx --images "$tmp/train.idx" "$tmp/test.idx" --K 2 --t-max 2 --points 3 \
            --out "$tmp/i" --quiet 2>"$tmp/err"; then
        ok "--data idx --images TRAIN TEST"
        json_has "$tmp/i.json" D 64
        json_has "$tmp/i.json" train_images 300
        json_has "$tmp/i.json" test_images 60
        json_has "$tmp/i.json" ode_modes 64
        json_has "$tmp/i.json" sampler '"real"'
        json_has "$tmp/i.json" preprocess '"paper"'
        json_has "$tmp/i.json" subset 300
        json_has "$tmp/i.json" noise null
        json_has "$tmp/i.json" covariance null
        header=$(head -n 1 "$tmp/i.csv")
        case $header in
            t,sgd_error,ode_error,pca1,pca2,*,sgd_error_stderr,sgd_gauss_error) ok "image CSV columns" ;;
            *) fail "image CSV header: $header" ;;
        esac
        [ "$(wc -l < "$tmp/i.csv")" -eq 5 ] || fail "image CSV has $(wc -l < "$tmp/i.csv") lines, expected 5"
        # same initial weights: SGD (held-out images) and ODE (spectrum of TRAIN) start close
        awk -F, 'NR == 2 { d = ($2 - $3) / $3; if ($2 == "nan" || $3 == "nan" || d > 0.2 || d < -0.2) exit 1 }' \
            "$tmp/i.csv" || fail "image run: SGD and ODE errors at t = 0 differ: $(sed -n 2p "$tmp/i.csv" | cut -c1-60)"
        awk -F, 'NR > 1 { for (i = 1; i <= NF; i++) if ($i == "nan") exit 1 }' "$tmp/i.csv" \
            || fail "image CSV has nan values"
    else
        fail "--data idx run exited $?: $(cat "$tmp/err")"
    fi
    # A denoising autoencoder on images: SGD's error is the held-out denoising
    # error, one noise draw per image, the same draws at every output time
    # (so a second run is identical). With the skip fixed at c = 1 and small
    # initial weights, xhat ~ xtilde and the error at t = 0 is ~ sigma_n^2/2
    # = 0.125 (the mean of |xi|^2/D over 60 x 64 draws: +- 2.3 % standard
    # deviation; the network adds ~1e-4): held-out and ODE errors within 10 %
    # of it; the population error of the SGD weights (sgd_gauss_error) is the
    # ODE's at t = 0 to rounding (the same weights and spectrum).
    if "$aedyn" run --data idx --images "$tmp/train.idx" "$tmp/test.idx" --K 2 --t-max 2 --points 3 \
            --denoise 0.5 --skip fixed 1 --out "$tmp/id" --quiet 2>"$tmp/err" \
       && "$aedyn" run --data idx --images "$tmp/train.idx" "$tmp/test.idx" --K 2 --t-max 2 --points 3 \
            --denoise 0.5 --skip fixed 1 --out "$tmp/id2" --quiet 2>>"$tmp/err"; then
        cmp -s "$tmp/id.csv" "$tmp/id2.csv" && ok "image DAE: the same run twice gives the same CSV" \
            || fail "image DAE: two runs of the same options differ"
        cg=$(col "$tmp/id.csv" sgd_gauss_error)
        cs=$(col "$tmp/id.csv" sgd_skip)
        awk -F, -v cg="$cg" -v cs="$cs" '
            NR == 2 { for (k = 2; k <= 3; k++) { d = ($k - 0.125) / 0.125; if (d < 0) d = -d
                                                  if (d > 0.10) bad = "t = 0: column " k " is " $k }
                      d = ($cg - $3) / $3; if (d < 0) d = -d; if (d > 1e-9) bad = "gauss " $cg " vs ODE " $3 }
            NR > 1 { for (i = 1; i <= NF; i++) if ($i == "nan") bad = "nan in " $0
                     if ($cs != 1 || $(cs + 1) != 1) bad = "skip " $cs }
            END { if (cg == 0 || cs == 0) bad = "columns missing"; if (bad) { print bad; exit 1 } }' \
            "$tmp/id.csv" >"$tmp/why" && ok "image DAE: held-out error ~ sigma_n^2/2 at t = 0, gauss = ODE" \
            || fail "image DAE: $(cat "$tmp/why")"
        grep -q '"sgd_error_measured_on": "held-out images, one noise draw per image' "$tmp/id.json" \
            || fail "image DAE: the JSON does not say how the error was measured"
    else
        fail "image DAE run exited $?: $(cat "$tmp/err")"
    fi
    # one file: the last --test-size images are held out (default 1/6), --subset trains on fewer
    if "$aedyn" run --data idx --images "$tmp/train.idx" --t-max 1 --points 2 --out "$tmp/s" --quiet 2>"$tmp/err"; then
        json_has "$tmp/s.json" train_images 250
        json_has "$tmp/s.json" test_images 50
    else
        fail "--images TRAIN (split) exited $?: $(cat "$tmp/err")"
    fi
    if "$aedyn" run --data idx --images "$tmp/train.idx" --subset 100 --test-size 30 --sampler gaussian \
            --preprocess zca --whiten-eps 0.05 --t-max 1 --points 2 --out "$tmp/g" --quiet 2>"$tmp/err"; then
        json_has "$tmp/g.json" train_images 100
        json_has "$tmp/g.json" test_images 30
        json_has "$tmp/g.json" sampler '"gaussian"'
        json_has "$tmp/g.json" preprocess '"zca"'
        ok "--subset, --test-size, --sampler gaussian, --preprocess zca"
    else
        fail "--sampler gaussian run exited $?: $(cat "$tmp/err")"
    fi
    # the same seed with the other sampler: same start, different SGD path
    "$aedyn" run --data idx --images "$tmp/train.idx" "$tmp/test.idx" --K 2 --t-max 2 --points 3 \
        --sampler gaussian --out "$tmp/ig" --quiet 2>/dev/null || fail "gaussian sampler exited $?"
    [ "$(sed -n 2p "$tmp/i.csv")" = "$(sed -n 2p "$tmp/ig.csv")" ] || fail "samplers differ at t = 0"
    [ "$(tail -n 1 "$tmp/i.csv")" != "$(tail -n 1 "$tmp/ig.csv")" ] || fail "samplers agree at the end"
    if command -v gzip >/dev/null 2>&1; then
        gzip -c "$tmp/train.idx" >"$tmp/train.idx.gz"
        "$aedyn" run --data idx --images "$tmp/train.idx.gz" "$tmp/test.idx" --K 2 --t-max 2 --points 3 \
            --out "$tmp/iz" --quiet 2>"$tmp/err" || fail "gzip IDX exited $?: $(cat "$tmp/err")"
        cmp -s "$tmp/i.csv" "$tmp/iz.csv" && ok "gzip-compressed IDX gives the same run" \
            || fail "gzip-compressed IDX gives a different run"
    fi
    if "$aedyn" run --data cifar --images "$tmp/c.bin" --K 2 --t-max 0.5 --points 2 --out "$tmp/c" \
            --quiet 2>"$tmp/err"; then
        ok "--data cifar"
        json_has "$tmp/c.json" D 1024
        json_has "$tmp/c.json" train_images 34
        json_has "$tmp/c.json" test_images 6
    else
        fail "--data cifar exited $?: $(cat "$tmp/err")"
    fi
    check_usage --D --data idx --images "$tmp/train.idx" --D 100
    check_usage --images --data idx --images "$tmp/missing.idx"
    check_usage --images --data cifar --images "$tmp/train.idx"
    check_usage --images --data idx --images "$tmp/c.bin"
    check_usage --subset --data idx --images "$tmp/train.idx" "$tmp/test.idx" --subset 1000
    check_usage --test-size --data idx --images "$tmp/train.idx" --test-size 300
    check_usage --K --data idx --images "$tmp/train.idx" --K 65
    check_usage --t-max --data idx --images "$tmp/train.idx" --t-max 1e15
else
    fail "mkimages could not write the test images"
fi
check_usage --data --data idx
check_usage --images --images "$tmp/train.idx"
check_usage --sampler --sampler gaussian
check_usage --sampler --data idx --images "$tmp/train.idx" --sampler fake
check_usage --preprocess --data idx --images "$tmp/train.idx" --preprocess whiten
check_usage --whiten-eps --data idx --images "$tmp/train.idx" --whiten-eps 0
check_usage --plot-format --plot-format gif

# 6. Fashion-MNIST (Debian package dataset-fashion-mnist), when installed: a short real run.
fm=/usr/share/datasets/fashion-mnist
if [ -f "$fm/train-images-idx3-ubyte.gz" ] && [ -f "$fm/t10k-images-idx3-ubyte.gz" ]; then
    if "$aedyn" run --data idx --images "$fm/train-images-idx3-ubyte.gz" "$fm/t10k-images-idx3-ubyte.gz" \
            --subset 2000 --test-size 1000 --K 2 --t-max 3 --points 3 --out "$tmp/fm" --quiet 2>"$tmp/err"; then
        json_has "$tmp/fm.json" D 784
        json_has "$tmp/fm.json" ode_modes 784
        # the ODE on the empirical spectrum predicts the held-out SGD error within 10 %
        awk -F, 'NR > 1 { d = ($2 - $3) / $3; if ($2 == "nan" || $3 == "nan" || d > 0.1 || d < -0.1) exit 1 }' \
            "$tmp/fm.csv" && ok "Fashion-MNIST: SGD (held-out) and ODE within 10 %" \
            || fail "Fashion-MNIST: SGD and ODE disagree: $(cut -d, -f1-3 "$tmp/fm.csv" | tr '\n' ' ')"
    else
        fail "Fashion-MNIST run exited $?: $(cat "$tmp/err")"
    fi
else
    echo "skip: Fashion-MNIST not installed ($fm)"
fi

# 7. --plot: with gnuplot an image that is not empty; without, a notice and exit 0.
if command -v gnuplot >/dev/null 2>&1; then
    for fmt in png svg; do
        if "$aedyn" run --D 100 --t-max 2 --points 4 --out "$tmp/p$fmt" --plot --plot-format $fmt \
                --quiet 2>"$tmp/err"; then
            [ -s "$tmp/p$fmt.$fmt" ] && ok "--plot-format $fmt wrote a non-empty $fmt" \
                || fail "--plot-format $fmt: no or empty $tmp/p$fmt.$fmt ($(cat "$tmp/err"))"
        else
            fail "--plot --plot-format $fmt exited $?: $(cat "$tmp/err")"
        fi
    done
    [ "$fmt" = svg ] && { head -c 200 "$tmp/psvg.svg" | grep -q "<svg" || fail "psvg.svg is not SVG"; }
else
    echo "skip: gnuplot not installed (only the no-gnuplot case is tested)"
fi
if PATH=/nonexistent "$aedyn" run --D 100 --t-max 2 --points 4 --out "$tmp/nog" --plot --quiet \
        >"$tmp/out" 2>"$tmp/err"; then
    grep -q "gnuplot not found" "$tmp/err" && ok "without gnuplot: $(cat "$tmp/err")" \
        || fail "without gnuplot: no notice ($(cat "$tmp/err"))"
    [ -s "$tmp/nog.gp" ] || fail "without gnuplot: no gnuplot script"
    [ -e "$tmp/nog.png" ] && fail "without gnuplot: a PNG appeared"
else
    fail "--plot without gnuplot exited $?: $(cat "$tmp/err")"
fi

# 8. Output prefixes are file names, never commands: a prefix with a quote, ';',
#    '$(...)' and blanks writes its files and runs nothing; a line break (which
#    would end a gnuplot string and start a gnuplot `!` shell command) is refused.
mkdir "$tmp/hostile"
weird="a b'; touch pwned; echo \"\$(touch pwned2)\" \`touch pwned3\`"
if (cd "$tmp/hostile" && "$aedyn" run --D 50 --t-max 1 --points 2 --quiet --plot --out "$weird" \
        2>"$tmp/err"); then
    for ext in .csv .json _W.npy _V.npy .gp; do
        [ -s "$tmp/hostile/$weird$ext" ] || fail "hostile prefix: no '$weird$ext'"
    done
    if command -v gnuplot >/dev/null 2>&1; then
        [ -s "$tmp/hostile/$weird.png" ] || fail "hostile prefix: gnuplot wrote no PNG ($(cat "$tmp/err"))"
    fi
    ok "an --out prefix with quotes, ';' and blanks is only a file name"
else
    fail "hostile prefix run exited $?: $(cat "$tmp/err")"
fi
nl='
'
(cd "$tmp/hostile" && "$aedyn" run --D 50 --t-max 1 --points 2 --quiet --plot \
    --out "p$nl!touch pwned4$nl#" >/dev/null 2>&1)
ls "$tmp/hostile" | grep -q '^pwned' && fail "a command ran: $(ls "$tmp/hostile" | grep '^pwned' | tr '\n' ' ')" \
    || ok "no command ran from an output prefix"

# 9. Every output write is checked: a file that cannot be written (here a link
#    to /dev/full, which refuses every write, even root's) fails the run with
#    exit 1 and a message naming it (the JSON sidecar, the plot script and the
#    table on stdout failed silently with exit 0).
if [ -w /dev/full ]; then
    for f in p.json p.gp p.csv p_W.npy p_V.npy; do
        rm -rf "$tmp/full"
        mkdir "$tmp/full"
        ln -s /dev/full "$tmp/full/$f"
        $to "$aedyn" run --D 50 --t-max 1 --points 2 --quiet --plot --out "$tmp/full/p" \
            >/dev/null 2>"$tmp/err"
        rc=$?
        if [ "$rc" -eq 1 ] && grep -q "$f" "$tmp/err"; then
            ok "a failed write of $f exits 1: $(head -1 "$tmp/err")"
        else
            fail "a failed write of $f exited $rc: $(cat "$tmp/err")"
        fi
    done
    $to "$aedyn" run --D 50 --t-max 1 --points 2 >/dev/full 2>"$tmp/err"
    rc=$?
    [ "$rc" -eq 1 ] && grep -q "standard output" "$tmp/err" && ok "a failed table on stdout exits 1" \
        || fail "a failed write of the table exited $rc: $(cat "$tmp/err")"
else
    echo "skip: no /dev/full"
fi

# 10. --analyse and aedyn analyse (the experimental analysis module): a linear
#     K = M = 2 autoencoder from small weights sits at the origin, then at the
#     saddle of the first component, then reaches the minimum; the plateau
#     table lists them, the JSON holds them; aedyn analyse of the final weights
#     finds the minimum (a fixed point with nothing unstable), of the initial
#     ones the origin (unstable); refusals exit 2 naming the option.
if $to "$aedyn" run --activation linear --D 200 --init-std 0.001 --t-max 200 --points 10 \
    --analyse --out "$tmp/an" >"$tmp/out" 2>"$tmp/err"; then
    grep -q "plateaus of the ODE" "$tmp/out" && ok "--analyse prints the plateau table" \
        || fail "--analyse printed no plateau table: $(tail -5 "$tmp/out")"
    if command -v python3 >/dev/null 2>&1; then
        python3 - "$tmp/an.json" <<'EOT' && ok "--analyse: JSON plateaus origin, saddle, minimum" \
            || fail "--analyse: JSON plateaus wrong"
import json, sys
d = json.load(open(sys.argv[1]))
p = d["plateaus"]
assert d["parameters"]["analyse"] is True and d["plateau_threshold"] == 0.1, d["parameters"]
assert len(p) == 3, p
assert [x["kind"] for x in p] == ["fixed-point"] * 3, p
assert p[0]["t_entry"] == 0 and p[0]["n_unstable"] > 0 and abs(p[0]["error"] - 0.5) < 1e-6, p[0]
assert p[1]["n_unstable"] > 0 and p[1]["t_exit"] > p[1]["t_entry"] > p[0]["t_exit"], p[1]
assert abs(p[1]["t_predicted"] / p[1]["t_exit"] - 1) < 0.1, p[1]
assert p[2]["t_exit"] is None and p[2]["n_unstable"] == 0 and p[2]["t_predicted"] is None, p[2]
assert abs(p[2]["fixed_point_error"] / d["pca_errors"][1] - 1) < 1e-9, (p[2], d["pca_errors"])
EOT
    fi
else
    fail "run --analyse exited $?: $(cat "$tmp/err")"
fi
if $to "$aedyn" analyse --activation linear --D 200 --init-weights "$tmp/an_W.npy" "$tmp/an_V.npy" \
    --out "$tmp/fix" >"$tmp/out" 2>"$tmp/err"; then
    grep -q "Newton: fixed-point" "$tmp/out" && grep -q "0 unstable" "$tmp/out" \
        && ok "aedyn analyse: the final weights are at a stable fixed point" \
        || fail "aedyn analyse of the final weights: $(head -8 "$tmp/out")"
    grep -q '"outcome": "fixed-point"' "$tmp/fix.json" && [ -f "$tmp/fix_W.npy" ] \
        && ok "aedyn analyse writes its JSON and weights" || fail "aedyn analyse files"
else
    fail "aedyn analyse exited $?: $(cat "$tmp/err")"
fi
$to "$aedyn" analyse --activation linear --D 200 --init-std 0.001 --quiet --out "$tmp/org" \
    >"$tmp/out" 2>"$tmp/err" && grep -q '"outcome": "fixed-point"' "$tmp/org.json" \
    && grep -q '"n_unstable": 1[0-9]' "$tmp/org.json" \
    && ok "aedyn analyse: small initial weights are near the unstable origin" \
    || fail "aedyn analyse of small weights: $(cat "$tmp/err") $(grep n_unstable "$tmp/org.json")"
check_usage --analyse --analyse --mode sgd
check_usage --analyse --analyse --tied
check_usage "--analyse: the analysis needs autonomous dynamics" --analyse --lr-schedule power:1:10:0.5
$to "$aedyn" analyse --noise-schedule constant:1 >/dev/null 2>"$tmp/err"
rc=$?
[ "$rc" -eq 2 ] && grep -q "aedyn analyse: the analysis needs autonomous dynamics" "$tmp/err" \
    && ok "aedyn analyse --noise-schedule -> 2: $(cat "$tmp/err")" \
    || fail "aedyn analyse --noise-schedule exited $rc: $(cat "$tmp/err")"
$to "$aedyn" analyse --mode sgd >/dev/null 2>"$tmp/err"
rc=$?
[ "$rc" -eq 2 ] && grep -q "aedyn analyse needs the ODE" "$tmp/err" \
    && ok "aedyn analyse --mode sgd -> 2: $(cat "$tmp/err")" \
    || fail "aedyn analyse --mode sgd exited $rc: $(cat "$tmp/err")"
$to "$aedyn" frobnicate >/dev/null 2>"$tmp/err"
grep -q "analyse" "$tmp/err" && ok "unknown command lists analyse" \
    || fail "unknown command: $(cat "$tmp/err")"

# 11. Replica ensembles: the band columns after every other column, the
#     escape times in the JSON; the same CSV for 1 and 3 threads; the
#     ensemble's options need --replicas.
for n in 1 3; do
    $to "$aedyn" run --D 150 --t-max 6 --points 4 --replicas 5 --threads "$n" --escape 0.45 \
        --escape-dt 0.2 --quantiles 0.025,0.5,1 --out "$tmp/rep$n" --quiet >/dev/null 2>"$tmp/err" \
        || fail "--replicas 5 --threads $n exited $?: $(cat "$tmp/err")"
done
if [ -f "$tmp/rep1.csv" ] && [ -f "$tmp/rep3.csv" ]; then
    cmp -s "$tmp/rep1.csv" "$tmp/rep3.csv" && ok "--replicas: the CSV is the same for 1 and 3 threads" \
        || fail "--replicas: the CSV changes with --threads"
    header=$(head -n 1 "$tmp/rep1.csv")
    for col in sgd_error_std sgd_error_q2p5 sgd_error_q50 sgd_error_q100 sgd_Q_0_0_std sgd_T0_1_1_q100; do
        echo "$header" | tr ',' '\n' | grep -qx "$col" || fail "--replicas: CSV header lacks $col"
    done
    ncol=$(echo "$header" | awk -F, '{print NF}')
    # 37 columns of K = 2 plus (1 + 16) values x (std + 3 quantiles)
    [ "$ncol" -eq $((37 + 17 * 4)) ] && ok "--replicas: $ncol CSV columns" \
        || fail "--replicas: $ncol CSV columns, expected $((37 + 17 * 4))"
    # the error's band: std >= 0, q2.5 <= q50 <= q100, the mean within [min, max]
    # (q100 is the largest replica; mean <= max)
    awk -F, 'NR > 1 && !($38 >= 0 && $39 <= $40 && $40 <= $41 && $2 <= $41 + 1e-12) { exit 1 }' \
        "$tmp/rep1.csv" && ok "--replicas: the error band is ordered" \
        || fail "--replicas: the error band is not ordered: $(sed -n 2,6p "$tmp/rep1.csv" | cut -d, -f1,2,38-41)"
    if command -v python3 >/dev/null 2>&1; then
        python3 - "$tmp/rep3.json" <<'EOT' && ok "--replicas: JSON replicas and escape times" \
            || fail "--replicas: JSON replicas block"
import json, sys
j = json.load(open(sys.argv[1]))
r = j["replicas"]
assert r["R"] == 5 and r["threads"] == 3, r
e = r["escape"]
assert e["level"] == 0.45 and e["check_interval"] == 0.2 and len(e["times"]) == 5, e
assert set(e["quantiles"]) == {"q2p5", "q50", "q100"}, e
assert j["parameters"]["replicas"] == 5 and j["parameters"]["threads"] == 3, j["parameters"]
assert j["sgd_steps"] == 900, j["sgd_steps"]
EOT
    fi
else
    fail "--replicas: no CSV"
fi
$to "$aedyn" run --D 100 --t-max 2 --points 2 --replicas 3 --replica-init independent --quiet \
    >/dev/null 2>"$tmp/err" && ok "--replica-init independent runs" \
    || fail "--replica-init independent exited $?: $(cat "$tmp/err")"
check_usage --threads --threads 2
check_usage --escape --escape 0.1
check_usage --escape-dt --replicas 2 --escape-dt 0.5
check_usage --replica-init --replica-init independent
check_usage --replicas --replicas 0
check_usage --replicas --replicas 2 --mode ode
check_usage --quantiles --replicas 2 --quantiles 0.5,0.2
check_usage --quantiles --replicas 2 --quantiles 0.5,1.5
check_usage --replica-init --replicas 2 --replica-init independent --init-informed
check_usage --threads --replicas 2 --threads 0

# 12. --sgd reduced: the exact chain, alone and as replicas; no weights
#     written; refused where the chain does not apply.
$to "$aedyn" run --D 20000 --t-max 5 --points 4 --sgd reduced --out "$tmp/red" --quiet \
    >/dev/null 2>"$tmp/err" || fail "--sgd reduced exited $?: $(cat "$tmp/err")"
if [ -f "$tmp/red.csv" ]; then
    awk -F, 'NR > 1 && ($2 == "nan" || $2 > 0.6 || $2 < 0.01) { exit 1 }' "$tmp/red.csv" \
        && ok "--sgd reduced: plausible errors at D = 20000" || fail "--sgd reduced: errors"
    [ -e "$tmp/red_W.npy" ] && fail "--sgd reduced wrote weights it does not have"
    grep -q '"W":' "$tmp/red.json" && fail "--sgd reduced: the JSON lists weight files"
else
    fail "--sgd reduced: no CSV"
fi
$to "$aedyn" run --D 300 --t-max 3 --points 3 --sgd reduced --replicas 6 --threads 2 --quiet \
    --out "$tmp/redr" >/dev/null 2>"$tmp/err" && ok "--sgd reduced --replicas 6 runs" \
    || fail "--sgd reduced --replicas exited $?: $(cat "$tmp/err")"
check_usage --sgd --sgd reduced --tied
check_usage --sgd --sgd reduced --rule sanger --tied --activation linear
check_usage --sgd --sgd reduced --mode ode
check_usage --sgd --sgd reduced --data gaussian --covariance "$tmp/x_W.npy"
check_usage --sgd --sgd reduced --D 3 --M 2

# 13. --band theory: four band_ columns; the predicted std positive and of
#     the size of the replicas' (a factor 3 either way: 8 replicas only).
$to "$aedyn" run --D 500 --t-max 8 --points 6 --replicas 8 --sgd reduced --band theory \
    --out "$tmp/bt" --quiet >/dev/null 2>"$tmp/err" || fail "--band theory exited $?: $(cat "$tmp/err")"
if [ -f "$tmp/bt.csv" ]; then
    header=$(head -n 1 "$tmp/bt.csv")
    case $header in
        *,band_error_mean,band_error_std,band_error_std1,band_error_shift) ok "--band theory: the band_ columns end the header" ;;
        *) fail "--band theory: header ends $(echo "$header" | tr ',' '\n' | tail -4 | tr '\n' ' ')" ;;
    esac
    n=$(echo "$header" | awk -F, '{print NF}')
    awk -F, -v n="$n" 'NR > 2 && !($(n - 2) > 0 && $(n - 2) < 3 * $38 + 1e-6 && $38 < 3 * $(n - 2) + 1e-6) { exit 1 }' \
        "$tmp/bt.csv" && ok "--band theory: predicted and replica std agree within a factor 3" \
        || fail "--band theory: predicted std vs replicas: $(cut -d, -f1,38 "$tmp/bt.csv" | tr '\n' ' ')"
else
    fail "--band theory: no CSV"
fi
check_usage --band --band theory --tied
check_usage --band --band theory --data gaussian --covariance "$tmp/x_W.npy"

echo "cli tests: $fails failed"
[ "$fails" -eq 0 ]
