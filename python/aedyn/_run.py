"""aedyn.run(): one SGD run and its ODE prediction from one initial state."""

from __future__ import annotations

from ctypes import POINTER, byref, c_size_t, c_uint64
from typing import Any, Dict, List, Mapping, Optional, Sequence, Tuple, Union

import numpy as np
from numpy.typing import ArrayLike, NDArray

from ._core import ODE, SGD, Data, Net, Rng
from ._errors import ERR_DIVERGED, ERR_INVALID, ERR_SIZE, AedynError
from ._handle import as_f64, as_float, as_size
from ._lib import C, check
from ._result import ORDER_PARAMS, Result
from ._schedule import Schedule

#: aedyn_grid_log: flag AEDYN_GRID_ZERO and the limit AEDYN_GRID_MAX_POINTS
GRID_ZERO = 1
GRID_MAX_POINTS = 10000000
_MAX_STEPS = 2.0 ** 53


def output_steps(D: int, times: Optional[ArrayLike] = None, t_max: float = 100.0,
                 points: int = 20, t_min: Optional[float] = None) -> List[int]:
    """Step counts of the output times (t = steps / D).

    Parameters
    ----------
    D : int
        Input dimension (>= 1): one unit of time is D steps.
    times : array_like of float, optional
        Explicit output times, finite, >= 0 and non-decreasing; each is
        rounded to the nearest whole step.
    t_max : float, default 100
        Without `times`: the last output time.
    points : int, default 20
        Without `times`: the number of log-spaced times after t = 0.
    t_min : float, optional
        Without `times`: the first time after 0 (default t_max / 100).

    Returns
    -------
    list of int
        Without `times`: 0, then `points` log-spaced times from t_min to
        t_max rounded to whole steps (at least 1), duplicates dropped -- the
        library's grid (aedyn_grid_log), as the ``aedyn`` program and the
        examples use.
    """
    call = "aedyn.run"
    D = as_size(D, "D", call, minimum=1)
    if times is not None:
        t = as_f64(times, None, "times", call)
        if t.ndim != 1 or t.size == 0:
            raise AedynError(ERR_SIZE, f"times must be a non-empty 1-D array, got shape "
                             f"{t.shape}", call=call)
        if not np.all(np.isfinite(t)) or np.any(t < 0) or np.any(np.diff(t) < 0):
            raise AedynError(ERR_INVALID, "times must be finite, >= 0 and non-decreasing",
                             call=call)
        if t[-1] * D > _MAX_STEPS:
            raise AedynError(ERR_INVALID, f"times: t = {t[-1]} is {t[-1] * D:g} steps at "
                             f"D = {D}, beyond 2^53", call=call)
        return [int(round(x * D)) for x in t]
    t_max = as_float(t_max, "t_max", call)
    points = as_size(points, "points", call, minimum=1)
    if points > GRID_MAX_POINTS:
        raise AedynError(ERR_SIZE, f"points must be <= {GRID_MAX_POINTS} (got {points})",
                         call=call)
    t_min = t_max / 100.0 if t_min is None else as_float(t_min, "t_min", call)
    steps = np.empty(points + 1, dtype=np.uint64)
    count = c_size_t()
    check(C.grid_log(t_min, t_max, points, D, GRID_ZERO,
                     steps.ctypes.data_as(POINTER(c_uint64)), None, byref(count)),
          "aedyn_grid_log")
    return [int(s) for s in steps[:count.value]]


def _leading_eigenvectors(data: Data, m: int, call: str) -> NDArray[np.float64]:
    """The m leading explicit eigenvectors of data (m x D), as the ODE's first modes."""
    rows: List[NDArray[np.float64]] = []
    for g, group in enumerate(data.groups()):
        if len(rows) >= m:
            break
        if group.n_explicit == 0:
            break
        rows.extend(data.group_vectors(g))
    if len(rows) < m:
        raise AedynError(ERR_INVALID, f"overlaps = {m}: the data model has only {len(rows)} "
                         "leading eigenvectors given explicitly", call=call)
    return np.array(rows[:m])


def _cosines(A: NDArray[np.float64], E: NDArray[np.float64]) -> NDArray[np.float64]:
    """cos[k, i] = a_k . e_i / |a_k| (0 for a zero row), as aedyn_ode_overlaps."""
    norms = np.linalg.norm(A, axis=1)
    dots = A @ E.T
    safe = np.where(norms > 0, norms, 1.0)
    return np.where(norms[:, None] > 0, dots / safe[:, None], 0.0)


def run(data: Data, net: Net, rng: Rng, *, lr: float, rule: Union[str, int] = "vanilla",
        times: Optional[ArrayLike] = None, t_max: float = 100.0, points: int = 20,
        t_min: Optional[float] = None,
        learning_rates: Optional[Tuple[float, float, float]] = None,
        weight_decay: float = 0.0, denoising: Optional[Tuple[float, float]] = None,
        skip_rate: Optional[float] = None,
        schedules: Optional[Mapping[Any, Optional[Schedule]]] = None,
        sgd: bool = True, ode: bool = True, method: Optional[Union[str, int]] = None,
        step: float = 0.0, rtol: Optional[float] = None, atol: Optional[float] = None,
        overlaps: int = 0, copy: bool = True, on_diverge: str = "raise") -> Result:
    """Run online SGD and integrate its ODE from the same initial network.

    At each output time SGD is stepped to the whole step count round(t D),
    the ODE advanced to exactly steps / D, and the population error and order
    parameters of both are recorded. The ODE is created from the trainer
    (``ODE.from_sgd``), so it shares rule, learning rates, weight decay,
    denoising, skip rate and schedules.

    Parameters
    ----------
    data : Data
        The data model (SGD samples it; the ODE uses its spectrum).
    net : Net
        The initial network: its current weights are the common initial state.
    rng : Rng
        The generator SGD draws inputs (and denoising noise) from.
    lr : float
        Learning rate eta of encoder, decoder and bias (> 0).
    rule : str or int, default "vanilla"
        Update rule: "vanilla" or "truncated" ("sanger": SGD only, ode=False).
    times : array_like of float, optional
        Explicit output times (rounded to whole steps); see :func:`output_steps`.
    t_max : float, default 100
        Without `times`: the last output time.
    points : int, default 20
        Without `times`: the number of log-spaced output times after t = 0.
    t_min : float, optional
        Without `times`: the first output time after 0 (default t_max / 100).
    learning_rates : (float, float, float), optional
        (eta_w, eta_v, eta_b) in place of `lr` for each part.
    weight_decay : float, default 0
        Weight decay kappa (0 <= kappa < D).
    denoising : (float, float), optional
        (a, sigma_n): train a denoising autoencoder on a x + sigma_n xi with
        the clean x as target (default: the plain autoencoder). The recorded
        SGD error is then ``Net.error_denoising`` at the current a, sigma_n.
    skip_rate : float, optional
        Learning rate of the skip weight of a net with a skip connection
        (default: the decoder's rate).
    schedules : mapping, optional
        {target: Schedule} attached to the trainer (and so to the ODE); a key
        may be a tuple of targets. See ``SGD.set_schedule``.
    sgd : bool, default True
        Run SGD (False: its columns are NaN, status "off").
    ode : bool, default True
        Integrate the ODE (False: its columns are NaN, status "off").
    method : str or int, optional
        The ODE's integrator ("auto", "bdf", "dopri5", "rkc", "rk4", "euler");
        default the library's ("auto").
    step : float, default 0
        Fixed step of euler/rk4, first trial step of the adaptive methods (0: automatic).
    rtol : float, optional
        Relative tolerance of the adaptive methods (default 1e-6).
    atol : float, optional
        Absolute tolerance of the adaptive methods (default 1e-9).
    overlaps : int, default 0
        Also record the cosines of every encoder and decoder with the first
        `overlaps` eigenvectors of the data (which must be given explicitly,
        as the spikes of the spiked model are), in ``sgd_enc_cos``,
        ``sgd_dec_cos``, ``ode_enc_cos``, ``ode_dec_cos`` (n x K x overlaps).
    copy : bool, default True
        Train a copy of `net` and leave `net` unchanged (False: train `net`).
    on_diverge : {"raise", "nan"}, default "raise"
        "raise": divergence raises ``AedynError(ERR_DIVERGED)`` with the
        partial result in ``e.result``; "nan": that side is NaN from then on
        and its status says why.

    Returns
    -------
    Result
        Times, steps, errors, PCA errors, order parameters of both sides (and
        the cosines), statuses and the ODE's statistics.

    Raises
    ------
    AedynError
        Bad arguments (``ERR_INVALID``, ``ERR_SIZE``, ``ERR_NULL``), a
        configuration the library does not support (``ERR_UNSUPPORTED``),
        divergence with ``on_diverge="raise"``.

    Examples
    --------
    >>> rng = aedyn.Rng(42)
    >>> data = aedyn.Data.spiked(D=500, M=2, rng=rng)
    >>> net = aedyn.Net(500, 2, "erf").init_gaussian(rng, 0.1)
    >>> res = aedyn.run(data, net, rng, lr=0.5, t_max=50)
    >>> res.sgd_error[-1], res.ode_error[-1], res.pca
    """
    call = "aedyn.run"
    if on_diverge not in ("raise", "nan"):
        raise AedynError(ERR_INVALID, f"on_diverge must be 'raise' or 'nan' (got "
                         f"{on_diverge!r})", call=call)
    if not isinstance(data, Data) or not isinstance(net, Net) or not isinstance(rng, Rng):
        raise AedynError(ERR_INVALID, "run(data, net, rng) needs an aedyn.Data, an "
                         "aedyn.Net and an aedyn.Rng", call=call)
    D, K = net.dim, net.hidden
    steps = output_steps(D, times, t_max, points, t_min)
    m = as_size(overlaps, "overlaps", call)
    eigvecs = _leading_eigenvectors(data, m, call) if m else None
    res = Result.empty(steps, D, K, np.array([data.pca_error(j) for j in range(1, K + 1)]),
                       overlaps=m)
    res.sgd_status = "ok" if sgd else "off"
    res.ode_status = "ok" if ode else "off"
    res.params = {"D": D, "K": K, "lr": lr, "rule": rule, "learning_rates": learning_rates,
                  "weight_decay": weight_decay, "denoising": denoising,
                  "skip_rate": skip_rate, "method": method, "step": step, "rtol": rtol,
                  "atol": atol, "activation": net.activation, "bias": net.has_bias,
                  "skip": net.has_skip, "data": data.kind}

    work = net.copy() if copy else net
    trainer: Optional[SGD] = None
    integ: Optional[ODE] = None
    try:
        # The trainer exists in every mode: the ODE is created from it.
        trainer = SGD(work, data, rng, rule, lr, denoising=denoising, skip_rate=skip_rate)
        if learning_rates is not None:
            trainer.set_learning_rates(*learning_rates)
        if weight_decay:
            trainer.set_weight_decay(weight_decay)
        trainer._set_schedules(schedules)
        res.params["rule"] = trainer.rule
        if ode:
            integ = ODE.from_sgd(trainer)
            if method is not None:
                integ.set_method(method, step)
            if rtol is not None or atol is not None:
                integ.set_tolerances(1e-6 if rtol is None else rtol,
                                     1e-9 if atol is None else atol)
            if m:
                for i in range(m):
                    if not integ.mode(i)[1]:
                        raise AedynError(ERR_INVALID, f"overlaps = {m}: mode {i} of the ODE "
                                         "is a reduced direction, not an eigenvector",
                                         call=call)
        a_sched, s_sched = trainer.get_schedule("input-scale"), trainer.get_schedule("noise")
        a0, s0 = trainer.denoising
        sgd_live, ode_live = sgd, ode
        for i, target in enumerate(steps):
            if sgd_live:
                try:
                    if target > trainer.steps:
                        trainer.step(target - trainer.steps)
                except AedynError as exc:
                    if on_diverge == "raise" or exc.status != ERR_DIVERGED:
                        exc.result = res
                        raise
                    sgd_live = False
                    res.sgd_status = f"diverged at t = {trainer.time:g}: {exc.detail}"
            if sgd_live:
                t = trainer.time
                a = a_sched.value(t) if a_sched is not None else a0
                s = s_sched.value(t) if s_sched is not None else s0
                res.sgd_error[i] = work.error_denoising(data, a, s)
                op = work.order_params(data)
                for k in ORDER_PARAMS:
                    getattr(res, f"sgd_{k}")[i] = op[k]
                if eigvecs is not None:
                    W, V, _ = work.get_weights()
                    res.sgd_enc_cos[i] = _cosines(W, eigvecs)  # type: ignore[index]
                    res.sgd_dec_cos[i] = _cosines(V, eigvecs)  # type: ignore[index]
            if ode_live:
                assert integ is not None
                try:
                    integ.advance(target / D)
                except AedynError as exc:
                    if on_diverge == "raise" or exc.status != ERR_DIVERGED:
                        exc.result = res
                        raise
                    ode_live = False
                    res.ode_status = f"diverged at t = {integ.time:g}: {exc.detail}"
            if ode_live:
                assert integ is not None
                res.ode_error[i] = integ.error()
                op = integ.order_params()
                for k in ORDER_PARAMS:
                    getattr(res, f"ode_{k}")[i] = op[k]
                if m:
                    enc, dec = integ.overlaps(m)
                    res.ode_enc_cos[i] = enc  # type: ignore[index]
                    res.ode_dec_cos[i] = dec  # type: ignore[index]
        res.ode_stats = integ.stats() if integ is not None else None
    finally:
        if integ is not None:
            integ.close()
        if trainer is not None:
            trainer.close()
        if copy:
            work.close()
    return res
