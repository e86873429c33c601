"""aedyn.run(): one SGD run and its ODE prediction from one initial state."""

import math
from ctypes import POINTER, byref, c_size_t, c_uint64

import numpy as np

from ._errors import AedynError, ERR_DIVERGED, ERR_INVALID, ERR_SIZE
from ._handle import as_f64, as_float, as_size
from ._core import ODE, SGD, Data, Net, Rng
from ._lib import C, check

#: aedyn_grid_log: flag AEDYN_GRID_ZERO and the limit AEDYN_GRID_MAX_POINTS
GRID_ZERO = 1
GRID_MAX_POINTS = 10000000
_MAX_STEPS = 2.0 ** 53

_OPS = ("Q", "R", "T", "T0")


def output_steps(D, times=None, t_max=100.0, points=20, t_min=None):
    """Step counts of the output times (t = steps / D).

    With `times`: each t rounded to the nearest whole step (non-decreasing,
    >= 0). Otherwise 0, then `points` log-spaced times from t_min (default
    t_max / 100) to t_max, rounded to whole steps (at least 1), duplicates
    dropped: the library's grid (aedyn_grid_log), the same as the
    command-line program's and the examples'.
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


def run(data, net, rng, *, lr, rule="vanilla", times=None, t_max=100.0, points=20,
        t_min=None, learning_rates=None, weight_decay=0.0, sgd=True, ode=True,
        method=None, step=0.0, rtol=None, atol=None, copy=True, on_diverge="raise"):
    """Run online SGD and integrate its ODE from the same initial network.

    data, net, rng: the data model, the initial network (its current weights
    are the common initial state) and the generator SGD draws inputs from.
    With copy=True (default) `net` is left unchanged: a copy is trained.

    Output times: `times` (array of t, rounded to whole steps) or `points`
    log-spaced times up to `t_max` (see output_steps). The ODE is advanced to
    exactly steps / D, the time of the SGD network it is compared with.

    The ODE is created from the trainer (aedyn_ode_create_from_sgd), so it
    shares rule, learning rates and weight decay. method/step/rtol/atol
    choose its integrator (library defaults if None).

    on_diverge: "raise" (AedynError ERR_DIVERGED) or "nan" (the diverged side
    is NaN from then on; result["sgd_status"] / ["ode_status"] say why).

    Returns a dict of NumPy arrays:
      t (n,), steps (n,), sgd_error (n,), ode_error (n,), pca (K,) with
      pca[m-1] = eps_PCA(m), and sgd_Q, sgd_R, sgd_T, sgd_T0, ode_Q, ...,
      ode_T0 (n, K, K); plus sgd_status, ode_status (str) and ode_stats.
    The SGD error is the exact population error of the SGD network
    (aedyn_net_error), the ODE error aedyn_ode_error.
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
    n = len(steps)
    res = {"t": np.array(steps, dtype=np.float64) / D,
           "steps": np.array(steps, dtype=np.uint64),
           "pca": np.array([data.pca_error(m) for m in range(1, K + 1)]),
           "sgd_error": np.full(n, np.nan), "ode_error": np.full(n, np.nan)}
    for who in ("sgd", "ode"):
        for k in _OPS:
            res[f"{who}_{k}"] = np.full((n, K, K), np.nan)
    res["sgd_status"] = "ok" if sgd else "off"
    res["ode_status"] = "ok" if ode else "off"

    work = net.copy() if copy else net
    trainer = integ = None
    try:
        # The trainer exists in every mode: the ODE is created from it.
        trainer = SGD(work, data, rng, rule, lr)
        if learning_rates is not None:
            trainer.set_learning_rates(*learning_rates)
        if weight_decay:
            trainer.set_weight_decay(weight_decay)
        if ode:
            integ = ODE.from_sgd(trainer)
            if method is not None:
                integ.set_method(method, step)
            if rtol is not None or atol is not None:
                integ.set_tolerances(1e-6 if rtol is None else rtol,
                                     1e-9 if atol is None else atol)
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
                    res["sgd_status"] = f"diverged at t = {trainer.time:g}: {exc.detail}"
            if sgd_live:
                res["sgd_error"][i] = work.population_error(data)
                op = work.order_params(data)
                for k in _OPS:
                    res[f"sgd_{k}"][i] = op[k]
            if ode_live:
                try:
                    integ.advance(target / D)
                except AedynError as exc:
                    if on_diverge == "raise" or exc.status != ERR_DIVERGED:
                        exc.result = res
                        raise
                    ode_live = False
                    res["ode_status"] = f"diverged at t = {integ.time:g}: {exc.detail}"
            if ode_live:
                res["ode_error"][i] = integ.error()
                op = integ.order_params()
                for k in _OPS:
                    res[f"ode_{k}"][i] = op[k]
        res["ode_stats"] = integ.stats() if integ is not None else None
    finally:
        if integ is not None:
            integ.close()
        if trainer is not None:
            trainer.close()
        if copy:
            work.close()
    return res
