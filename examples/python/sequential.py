# %% [markdown]
# # Sequential learning of principal components (Refinetti & Goldt 2022, Fig. 1)
#
# An erf autoencoder with K = 2 hidden units, trained by online SGD on the
# spiked model with two spikes, learns the principal components one after the
# other: its test error descends in plateaus, first towards eps_PCA(1), then
# towards eps_PCA(2). The ODE, integrated from the very same initial weights,
# predicts the whole staircase.
#
# Run: python3 examples/python/sequential.py [--quick] [--out sequential.png]
# (needs the aedyn module and libaedyn; see docs/python.md). Without
# matplotlib, or with --no-plot, only the table is printed.

# %%
import argparse

import numpy as np

import aedyn

parser = argparse.ArgumentParser(description=__doc__)
parser.add_argument("--quick", action="store_true", help="small D and short time (a test)")
parser.add_argument("--out", default="sequential.png", help="figure file (PNG, SVG, PDF)")
parser.add_argument("--no-plot", action="store_true", help="print the table only")
parser.add_argument("--seed", type=int, default=42)
args = parser.parse_args()

D, K, M = (200, 2, 2) if args.quick else (1000, 2, 2)
lr, t_max = 0.5, (40.0 if args.quick else 200.0)

# %% [markdown]
# The data: x = sum_m c_m a_m + xi with spike strengths 3, 5 (the paper's
# default), standardised so that Tr Omega / D = 1. The network starts from
# small random weights (sigma0 = 0.1).

# %%
rng = aedyn.Rng(args.seed)
data = aedyn.Data.spiked(D, M, sigma=1.0, vectors="random", rng=rng, standardise=True)
net = aedyn.Net(D, K, "erf").init_gaussian(rng, 0.1)
print(f"libaedyn {aedyn.version_string}: D = {D}, K = {K}, M = {M}, lr = {lr}")
print("leading eigenvalues / D:", np.round(data.eigenvalues()[:M + 1] / D, 4))

# %% [markdown]
# One call runs SGD and integrates the ODE from the same initial state, at
# log-spaced times, and returns NumPy arrays.

# %%
res = aedyn.run(data, net, rng, lr=lr, t_max=t_max, points=40, t_min=0.1)
t, sgd, ode, pca = res["t"], res["sgd_error"], res["ode_error"], res["pca"]

print(f"\n{'t':>8} {'SGD':>10} {'ODE':>10}   eps_PCA(1) = {pca[0]:.5f}, "
      f"eps_PCA(2) = {pca[1]:.5f}")
for i in range(0, len(t), 3 if not args.quick else 4):
    print(f"{t[i]:8.2f} {sgd[i]:10.5f} {ode[i]:10.5f}")
print(f"{t[-1]:8.2f} {sgd[-1]:10.5f} {ode[-1]:10.5f}")
print("ODE statistics:", res["ode_stats"])

# %% [markdown]
# The diagonal of R (decoder-encoder overlaps) shows the units switching on
# one after the other.

# %%
for name in ("sgd", "ode"):
    R = res[f"{name}_R"]
    print(f"{name.upper()} R^kk at t = {t[-1]:g}:", np.round(np.diagonal(R[-1]), 4))

# %%
if not args.no_plot:
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        plt = None
        print("matplotlib is not installed: table only")
    if plt is not None:
        fig, ax = plt.subplots(figsize=(6, 4))
        sel = t > 0                              # log time axis
        ax.loglog(t[sel], sgd[sel], "o", ms=4, label="SGD (one run)")
        ax.loglog(t[sel], ode[sel], "-", label="ODE")
        for m, level in enumerate(pca, start=1):
            ax.axhline(level, ls="--", lw=0.8, color="gray")
            ax.text(t[sel][0], level * 1.08, f"$\\epsilon_{{PCA}}({m})$", fontsize=8)
        ax.set_xlabel("time t = steps / D")
        ax.set_ylabel("test error")
        ax.set_title(f"erf autoencoder, K = {K}, spiked model D = {D}")
        ax.legend()
        fig.tight_layout()
        fig.savefig(args.out, dpi=120)
        print("wrote", args.out)

for h in (net, data, rng):
    h.close()
