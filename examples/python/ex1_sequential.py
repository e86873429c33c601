# %% [markdown]
# # Example 1 in Python: sequential learning of principal components
#
# Refinetti & Goldt (ICML 2022), section 3; `examples/ex1-sequential.c` in C
# and `docs/results.md` for its figure. An erf autoencoder with K hidden
# units is trained by online SGD on the standardised spiked model with M = K
# spikes (Lambda_m = 2^m + 1). Its test error descends in plateaus towards
# eps_PCA(1), eps_PCA(2), ..., and the decoders take up the principal
# components one after another, largest eigenvalue first. The ODE,
# integrated from the very same initial weights, predicts all of it.
#
# This file is a notebook in plain Python: the `# %%` lines separate its
# cells (Jupyter with jupytext, VS Code and Spyder run them one by one). As a
# script:
#
#     python3 examples/python/ex1_sequential.py [--quick] [--out PREFIX] [--no-plot]
#
# writes PREFIX.csv (the columns of the C example) and PREFIX.png (its two
# panels), prints the same table and checks the same claims (exit status 1
# if one fails). It uses the same seeds, random streams, integrator and
# output times as the C program, so the numbers are the same.

# %%
import argparse
import math
import sys

import numpy as np

import aedyn

parser = argparse.ArgumentParser(description="Example 1: sequential learning of principal "
                                 "components (erf AE, spiked model), in Python.")
parser.add_argument("--quick", action="store_true",
                    help="small fast run (D = 1000, K = 3, t <= 300), as the C example's")
parser.add_argument("--out", default="ex1-sequential-py", help="output prefix (PREFIX.csv, .png)")
parser.add_argument("--no-plot", action="store_true", help="no figure")
parser.add_argument("--seed", type=int, default=1, help="random seed (default 1)")
parser.add_argument("--tol", type=float, default=0.10,
                    help="allowed max relative ODE-SGD error deviation (default 0.10)")
# in a notebook there is no command line: the defaults apply
args = parser.parse_args([] if "ipykernel" in sys.modules else None)

D, K = 1000, (3 if args.quick else 4)
eta, sigma0 = 1.0, 0.1
t_max, per_decade = (300.0, 12) if args.quick else (1000.0, 16)

# %% [markdown]
# ## The data, the network, the three random streams
#
# One seed, three independent streams (as `ex1-sequential.c`): the spike
# vectors, the initial weights, and the inputs SGD draws.

# %%
rng_data, rng_init, rng_sgd = (aedyn.Rng(args.seed, s) for s in range(3))
data = aedyn.Data.spiked(D, K, rng=rng_data)             # Lambda_m = 3, 5, 9, 17
net = aedyn.Net(D, K, "erf").init_gaussian(rng_init, sigma0)
rho = np.array([g.rho for g in data.groups()[:K]])
pca = [data.pca_error(m) for m in range(K + 1)]
print(f"Sequential learning: erf AE, K = {K}, standardised spiked model (M = {K}), D = {D}, "
      f"eta = {eta:g}, sigma0 = {sigma0:g}, seed {args.seed} (libaedyn {aedyn.version_string})")
print("rho/D:", " ".join(f"{r / D:.4f}" for r in rho),
      "  eps_PCA(0..K):", " ".join(f"{e:.5f}" for e in pca))

# %% [markdown]
# ## SGD and the ODE from the same initial weights
#
# `aedyn.run` steps SGD to each output time, advances the ODE to the same
# time and records errors, order parameters and, with `overlaps=K`, the
# cosines of every decoder with the K leading eigenvectors. Output times:
# t = 0, then log-spaced from 0.1 to t_max.

# %%
n_log = int(per_decade * math.log10(t_max / 0.1)) + 1
res = aedyn.run(data, net, rng_sgd, lr=eta, t_min=0.1, t_max=t_max, points=n_log,
                method="dopri5", rtol=1e-8, atol=1e-10, overlaps=K)
t = res.t
print(res)

# %% [markdown]
# ## How much of each eigenvector the decoders have learnt
#
# |P_V e_i|^2, the squared norm of the projection of eigenvector e_i on the
# span of the decoders: with b_k = v^k . e_i / sqrt(D) = cos(v^k, e_i)
# sqrt(T0^kk) and the Gram matrix T0 = V V^T / D, it is b^T T0^{-1} b.


# %%
def span_fraction(cos, T0):
    """|P_V e_i|^2 for every time and eigenvector: cos (n, K, m), T0 (n, K, K)."""
    out = np.empty((cos.shape[0], cos.shape[2]))
    for n in range(cos.shape[0]):
        b = cos[n] * np.sqrt(np.diag(T0[n]))[:, None]          # K x m
        out[n] = np.einsum("ki,ki->i", b, np.linalg.solve(T0[n], b))
    return out


span = {"sgd": span_fraction(res.sgd_dec_cos, res.sgd_T0),
        "ode": span_fraction(res.ode_dec_cos, res.ode_T0)}

dev = np.abs(res.sgd_error - res.ode_error) / np.abs(res.ode_error)
print(f"\n{'t':>9} {'SGD':>9} {'ODE':>9} {'dev':>7} |" +
      "".join(f" ov{i + 1}:SGD/ODE " for i in range(K)))
for n in range(len(t)):
    if n % 4 == 0 or n == len(t) - 1:
        print(f"{t[n]:9.2f} {res.sgd_error[n]:9.5f} {res.ode_error[n]:9.5f} "
              f"{100 * dev[n]:6.2f}% |" +
              "".join(f"  {span['sgd'][n, i]:.2f}/{span['ode'][n, i]:.2f}  " for i in range(K)))

# %% [markdown]
# ## The claims of example 1, checked
#
# The ODE tracks SGD within `--tol`; the error reaches each eps_PCA(m) after
# the previous one and sits on each intermediate plateau; the eigenvectors
# are learnt in the order of their eigenvalues.

# %%
fail = False
worst = int(np.argmax(dev))
print(f"\nmax |SGD - ODE| / ODE over the {len(t)} logged times: {100 * dev[worst]:.2f} % "
      f"(at t = {t[worst]:g}); allowed {100 * args.tol:.0f} %")
if not dev[worst] <= args.tol:
    print(f"FAIL: the ODE does not track SGD within {100 * args.tol:.0f} %")
    fail = True
for side, err in (("SGD", res.sgd_error), ("ODE", res.ode_error)):
    t_prev, line = -1.0, f"{side}: error reaches eps_PCA(m) (within 10 % of the step) at t ="
    for m in range(1, K + 1):
        reached = np.nonzero(err <= pca[m] + 0.10 * (pca[m - 1] - pca[m]))[0]
        tm = t[reached[0]] if reached.size else -1.0
        line += f" {tm:g}"
        if tm < 0 or tm <= t_prev:
            line += f" <- FAIL (not reached, or not after eps_PCA({m - 1}))"
            fail = True
        t_prev = tm
        if m < K and tm >= 0:
            lo = pca[m] - 0.25 * (pca[m] - pca[m + 1])
            t_leave = tm
            for n in range(len(t)):
                if t[n] >= tm and err[n] >= lo:
                    t_leave = t[n]
                elif t[n] >= tm:
                    break
            line += f" [plateau until {t_leave:g}]"
            if t_leave < 1.2 * tm:
                line += f" <- FAIL (no plateau at eps_PCA({m}))"
                fail = True
    print(line)
    ov = span[side.lower()]
    t_prev, line = -1.0, f"{side}: |P_V e_i|^2 > 0.8 from t ="
    for i in range(K):
        learnt = np.nonzero(ov[:, i] > 0.8)[0]
        ti = t[learnt[0]] if learnt.size else -1.0
        line += f" {ti:g}"
        if ti < 0 or ti < t_prev:
            line += f" <- FAIL (e_{i + 1} not learnt, or before e_{i})"
            fail = True
        t_prev = ti
    print(line)
print("RESULT: FAIL" if fail else
      "RESULT: OK (plateaus in order eps_PCA(1), eps_PCA(2), ...; ODE tracks SGD)")

# %% [markdown]
# ## The figure
#
# Top: the errors with the PCA levels (`aedyn.plot`); bottom: |P_V e_i|^2.
# The CSV has the columns of the C example (t, err_sgd, err_ode, pca0..pcaK,
# sgd_span_e1.., ode_span_e1..).

# %%
columns = {"t": t, "err_sgd": res.sgd_error, "err_ode": res.ode_error}
columns.update({f"pca{m}": np.full(len(t), pca[m]) for m in range(K + 1)})
columns.update({f"{s}_span_e{i + 1}": span[s][:, i] for s in ("sgd", "ode") for i in range(K)})
with open(args.out + ".csv", "w") as f:
    f.write(",".join(columns) + "\n")
    for n in range(len(t)):
        f.write(",".join(f"{c[n]:.9g}" for c in columns.values()) + "\n")
print("wrote", args.out + ".csv")

if not args.no_plot:
    try:
        from matplotlib.figure import Figure
    except ImportError:
        print("matplotlib is not installed: no figure (apt-get install python3-matplotlib)")
    else:
        fig = Figure(figsize=(8, 9))
        top, bottom = fig.subplots(2, 1)
        aedyn.plot(res, ax=top, title=f"erf AE, K = {K}, spiked model (D = {D}, eta = {eta:g})")
        top.set_xlim(0.1, t_max)
        for i in range(K):
            c = f"C{i}"
            bottom.plot(t[t > 0], span["sgd"][t > 0, i], "o", ms=3, color=c,
                        label=f"SGD e{i + 1}")
            bottom.plot(t[t > 0], span["ode"][t > 0, i], "-", color=c, label=f"ODE e{i + 1}")
        bottom.set_xscale("log")
        bottom.set_xlim(0.1, t_max)
        bottom.set_ylim(0, 1.05)
        bottom.set_xlabel("t = steps / D")
        bottom.set_ylabel("|P_V e_i|^2")
        bottom.set_title("fraction of eigenvector e_i in the span of the decoders")
        bottom.legend(loc="lower right", fontsize=8, ncol=2)
        fig.tight_layout()
        fig.savefig(args.out + ".png", dpi=100)
        print("wrote", args.out + ".png")

for h in (net, data, rng_data, rng_init, rng_sgd):
    h.close()
if "ipykernel" not in sys.modules:     # a script: the exit status says whether the claims hold
    sys.exit(1 if fail else 0)
