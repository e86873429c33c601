"""aedyn.plot(): figures of results with matplotlib (an optional dependency)."""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any, List, Optional, Sequence, Tuple, Union

import numpy as np
from numpy.typing import NDArray

from ._result import PathLike, Result

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

KINDS = ("error", "order", "overlaps")


def _matplotlib() -> Any:
    try:
        import matplotlib
    except ImportError as exc:
        raise ImportError(
            "aedyn.plot needs matplotlib, which is not installed: `apt-get install "
            "python3-matplotlib` (Debian) or `pip install matplotlib` (or "
            "`pip install .[plot]` from libaedyn's source tree)") from exc
    return matplotlib


def _band(values: NDArray[np.float64], band: str) -> Tuple[NDArray[np.float64], NDArray[np.float64],
                                                           NDArray[np.float64]]:
    """(centre, low, high) over replicas (axis 0), ignoring NaN."""
    with np.errstate(all="ignore"):
        import warnings
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            mean = np.nanmean(values, axis=0)
            if band == "minmax":
                return mean, np.nanmin(values, axis=0), np.nanmax(values, axis=0)
            sd = np.nanstd(values, axis=0)
            return mean, mean - sd, mean + sd


def plot(result: Union[Result, Sequence[Result]], kind: str = "error", *,
         ax: Optional[Union["Axes", Sequence["Axes"]]] = None, file: Optional[PathLike] = None,
         title: Optional[str] = None, band: str = "std", params: Sequence[str] = ("Q", "R", "T0"),
         dpi: int = 120) -> "Figure":
    """Plot a result, or replicas of one experiment, with matplotlib.

    Parameters
    ----------
    result : Result or sequence of Result
        One run, or replicas (the same output times, e.g. several seeds):
        then each curve is their mean with a shaded band.
    kind : {"error", "order", "overlaps"}, default "error"
        "error": the SGD error (points) and the ODE error (line) against t on
        log-log axes, with the PCA levels eps_PCA(m) dashed.
        "order": the diagonal order parameters of each unit, one panel per
        name in `params` (SGD points, ODE lines).
        "overlaps": |cos| of each decoder with each recorded eigenvector
        (needs ``run(overlaps=m)``).
    ax : matplotlib Axes, or a sequence of them for "order", optional
        Where to draw; by default a new figure (through pyplot when `file` is
        None, so that notebooks show it; without pyplot otherwise).
    file : str or path-like, optional
        Save the figure there (the format from the extension: .png, .svg, .pdf).
    title : str, optional
        Title of the (first) panel; default a description of the run.
    band : {"std", "minmax"}, default "std"
        With replicas: the band is mean +- one standard deviation, or min..max.
    params : sequence of str, default ("Q", "R", "T0")
        With kind "order": which order parameters ("Q", "R", "T", "T0").
    dpi : int, default 120
        Resolution of a saved raster image.

    Returns
    -------
    matplotlib.figure.Figure

    Raises
    ------
    ImportError
        If matplotlib is not installed (with how to install it).
    ValueError
        An unknown kind, band or order parameter, replicas with different
        output times, or "overlaps" without recorded cosines.
    """
    mpl = _matplotlib()
    runs: List[Result] = [result] if isinstance(result, Result) else list(result)
    if not runs or not all(isinstance(r, Result) for r in runs):
        raise ValueError("plot() needs an aedyn.Result or a non-empty sequence of them")
    if kind not in KINDS:
        raise ValueError(f"unknown kind {kind!r} (one of: {', '.join(KINDS)})")
    if band not in ("std", "minmax"):
        raise ValueError(f"band must be 'std' or 'minmax' (got {band!r})")
    first = runs[0]
    for r in runs[1:]:
        if r.t.shape != first.t.shape or not np.array_equal(r.t, first.t) or r.K != first.K:
            raise ValueError("replicas must have the same output times and K")
    if kind == "order":
        bad = [p for p in params if p not in ("Q", "R", "T", "T0")]
        if bad or not params:
            raise ValueError(f"params must be among Q, R, T, T0 (got {list(params)})")
    if kind == "overlaps" and first.sgd_dec_cos is None:
        raise ValueError("no cosines recorded: run(..., overlaps=m) records them")

    n_panels = len(params) if kind == "order" else 1
    if ax is None:
        if file is None:
            import matplotlib.pyplot as plt
            fig, axes_ = plt.subplots(1, n_panels, figsize=(5.5 * n_panels, 4), squeeze=False)
        else:
            from matplotlib.figure import Figure
            fig = Figure(figsize=(5.5 * n_panels, 4))
            axes_ = fig.subplots(1, n_panels, squeeze=False)
        axes = list(axes_[0])
    else:
        axes = list(ax) if isinstance(ax, (list, tuple, np.ndarray)) else [ax]
        if len(axes) != n_panels:
            raise ValueError(f"kind {kind!r} draws {n_panels} panel(s): give as many axes")
        fig = axes[0].figure

    t = first.t
    pos = t > 0
    colours = mpl.rcParams["axes.prop_cycle"].by_key().get("color", ["C0", "C1", "C2"])
    replicas = len(runs) > 1
    what = (f"{len(runs)} runs, " if replicas else "") + f"D = {first.D}, K = {first.K}"

    def curve(axis: "Axes", values: NDArray[np.float64], colour: str, label: Optional[str],
              points: bool) -> None:
        """Mean over replicas with a band; points (SGD) or a line (ODE)."""
        centre, lo, hi = _band(values, band)
        if replicas:
            axis.fill_between(t[pos], lo[pos], hi[pos], color=colour, alpha=0.2, lw=0)
        if points:
            axis.plot(t[pos], centre[pos], "o", ms=3.5, color=colour, label=label)
        else:
            axis.plot(t[pos], centre[pos], "-", lw=1.8, color=colour, label=label)

    if kind == "error":
        axis = axes[0]
        if first.sgd_status != "off":
            curve(axis, np.array([r.sgd_error for r in runs]), colours[0],
                  "SGD" + (" (mean)" if replicas else ""), True)
        if first.ode_status != "off":
            curve(axis, np.array([r.ode_error for r in runs]), "k",
                  "ODE" + (" (mean)" if replicas else ""), False)
        for m, level in enumerate(first.pca, start=1):
            axis.axhline(level, ls="--", lw=0.8, color="gray")
            axis.annotate(f"$\\epsilon_{{PCA}}({m})$", (t[pos][0] if pos.any() else 1.0, level),
                          xytext=(2, 2), textcoords="offset points", fontsize=8, color="gray")
        axis.set_xscale("log")
        axis.set_yscale("log")
        axis.set_xlabel("t = steps / D")
        axis.set_ylabel("error E[(1/2D)|x - xhat|^2]")
        axis.set_title(title or f"SGD and its ODE ({what})")
        axis.legend()
    elif kind == "order":
        for j, (axis, p) in enumerate(zip(axes, params)):
            for k in range(first.K):
                c = colours[k % len(colours)]
                if first.sgd_status != "off":
                    curve(axis, np.array([getattr(r, f"sgd_{p}")[:, k, k] for r in runs]), c,
                          f"SGD {p}^{k}{k}", True)
                if first.ode_status != "off":
                    curve(axis, np.array([getattr(r, f"ode_{p}")[:, k, k] for r in runs]), c,
                          f"ODE {p}^{k}{k}", False)
            axis.set_xscale("log")
            axis.set_xlabel("t = steps / D")
            axis.set_ylabel(f"{p}^kk")
            axis.set_title(title if (title and j == 0) else f"{p} ({what})")
            axis.legend(fontsize=7)
    else:
        axis = axes[0]
        m = first.sgd_dec_cos.shape[2]  # type: ignore[union-attr]
        for k in range(first.K):
            for i in range(m):
                c = colours[(k * m + i) % len(colours)]
                if first.sgd_status != "off":
                    curve(axis, np.abs(np.array([r.sgd_dec_cos[:, k, i]  # type: ignore
                                                 for r in runs])), c, f"SGD v{k}.e{i}", True)
                if first.ode_status != "off":
                    curve(axis, np.abs(np.array([r.ode_dec_cos[:, k, i]  # type: ignore
                                                 for r in runs])), c, f"ODE v{k}.e{i}", False)
        axis.set_xscale("log")
        axis.set_ylim(0, 1.05)
        axis.set_xlabel("t = steps / D")
        axis.set_ylabel("|cos(v^k, e_i)|")
        axis.set_title(title or f"decoders and eigenvectors ({what})")
        axis.legend(fontsize=7, ncol=max(1, first.K))
    if ax is None:
        fig.tight_layout()
    if file is not None:
        fig.savefig(os.fspath(file), dpi=dpi)
    return fig
