"""Finite-D fluctuations: replica ensembles, the exact reduced SGD chain and
the linear-noise band (docs/theory.md section 12).

Thin wrappers over ``aedyn_replicas_*``, ``aedyn_chain_*`` and
``aedyn_band_*`` (the band is in the C library's experimental tier: its shape
may change in any release). The statistics themselves are tested in C
(tests/test-replicas.c, test-chain.c, test-band.c); the Python tests check
that these objects give the C library's numbers bit for bit.
"""

from __future__ import annotations

from ctypes import byref, c_double
from typing import Any, Dict, NamedTuple, Tuple

import numpy as np
from numpy.typing import ArrayLike, NDArray

from . import _callbacks
from ._core import SGD, Rng, _rng_arg
from ._errors import AedynError, ERR_INVALID, ERR_NULL, ERR_SIZE
from ._handle import Handle, as_f64, as_float, as_size, as_u64, out_ptr, ptr
from ._lib import C, check

#: A float64 array.
Array = NDArray[np.float64]


def _sgd_arg(sgd: Any, call: str) -> int:
    if sgd is None:
        raise AedynError(ERR_NULL, "sgd is required (got None)", call=call)
    if not isinstance(sgd, SGD):
        raise AedynError(ERR_INVALID, f"sgd must be an aedyn.SGD (got {type(sgd).__name__})",
                         call=call)
    return sgd._h


def _probs(q: ArrayLike, call: str) -> Array:
    """The probabilities q as a 1-D float64 array (a scalar is one of them)."""
    a: Array = as_f64(q, None, "q", call)
    if a.ndim == 0:
        a = a.reshape(1)
    if a.ndim != 1:
        raise AedynError(ERR_SIZE, f"q must be one-dimensional (got shape {a.shape})",
                         call=call)
    return a


class Replicas(Handle):
    """R independent replicas of a trainer, stepped in parallel threads.

    Every replica starts from the template's current weights and time with
    all its settings (rule, rates, weight decay, denoising, skip rate,
    schedules); replica r draws from the stream (u, r) of a seed u drawn once
    from `rng`. The results are bit-identical for any number of threads.
    The replicas borrow the template's data model (they only read it); the
    template's network and generator are not used afterwards. User schedule
    functions run in the worker threads: an exception raised there makes the
    step fail with an AedynError.

    Parameters
    ----------
    sgd : SGD
        The template trainer (read at creation only).
    n_replicas : int
        R, 1 <= R <= 1048576.
    rng : Rng
        One 64-bit draw from it seeds the replicas' streams.
    reduced : bool, default False
        Make the replicas exact reduced SGD chains (:class:`Chain`): the
        same law as SGD at a cost per step independent of D, for the models
        and trainers the chain supports (``ERR_UNSUPPORTED`` otherwise).

    Attributes
    ----------
    reduced : bool
        As given.
    """

    reduced: bool

    @staticmethod
    def _destroy(p: int) -> None:
        C.replicas_destroy(p)

    def __init__(self, sgd: SGD, n_replicas: int, rng: Rng, reduced: bool = False) -> None:
        call = "aedyn_replicas_create_reduced" if reduced else "aedyn_replicas_create"
        s, r = _sgd_arg(sgd, call), _rng_arg(rng, call)
        n = as_size(n_replicas, "n_replicas", call)
        out = out_ptr()
        fn = C.replicas_create_reduced if reduced else C.replicas_create
        check(fn(byref(out), s, n, r), call)
        self._adopt(out.value, borrowed=(sgd.data,))
        # the replicas' copies of the template's schedules call its Python functions
        self._keep: Dict[int, Tuple[Any, ...]] = dict(sgd._sched_keep)
        self.reduced = bool(reduced)
        self._R = int(C.replicas_get_n_replicas(self._h))
        self._nv = int(C.replicas_get_n_values(self._h))

    def init_gaussian(self, sigma0: float) -> None:
        """Give every replica independent N(0, sigma0^2) initial weights.

        Each replica draws from its own stream (a reduced replica draws its
        state in distribution); only before the first step.

        Parameters
        ----------
        sigma0 : float
            Standard deviation of the weights (finite, >= 0).
        """
        call = "aedyn_replicas_init_gaussian"
        h = self._h
        check(C.replicas_init_gaussian(h, as_float(sigma0, "sigma0", call)), call)

    @property
    def n_threads(self) -> int:
        """Threads that :meth:`step` may use (settable; 0 sets the online processors)."""
        return int(C.replicas_get_n_threads(self._h))

    @n_threads.setter
    def n_threads(self, n: int) -> None:
        call = "aedyn_replicas_set_n_threads"
        h = self._h
        check(C.replicas_set_n_threads(h, as_size(n, "n_threads", call)), call)

    @property
    def n_replicas(self) -> int:
        """The number of replicas R."""
        self._h
        return self._R

    @property
    def n_values(self) -> int:
        """Values per replica: 1 + 4 K^2 (the error, then Q, R, T, T0)."""
        self._h
        return self._nv

    @property
    def steps(self) -> int:
        """Steps each replica has taken (the template's count at creation included)."""
        return int(C.replicas_get_n_steps(self._h))

    @property
    def time(self) -> float:
        """Training time t = steps / D."""
        return float(C.replicas_get_time(self._h))

    def step(self, n: int) -> None:
        """Advance every replica by n steps in parallel threads (the GIL is released).

        Parameters
        ----------
        n : int
            Number of steps (>= 0).

        Raises
        ------
        AedynError
            The failure of the replica with the lowest index (e.g.
            ``ERR_DIVERGED``); that replica stops at its last good step and
            every later step and statistic fails.
        """
        call = "aedyn_replicas_step"
        h, n = self._h, as_u64(n, "n", call)
        _callbacks.clear()
        check(C.replicas_step(h, n), call)

    def values(self) -> Array:
        """The values of every replica now.

        Returns
        -------
        ndarray, shape (R, 1 + 4 K^2)
            Row r: replica r's population error (as ``Net.population_error``;
            for a denoising trainer at its current input scale and noise),
            then Q, R, T, T0 (each K x K, row-major).
        """
        h = self._h
        v = np.empty((self._R, self._nv))
        check(C.replicas_get_values(h, ptr(v)), "aedyn_replicas_get_values")
        return v

    def stats(self, q: ArrayLike = (0.1, 0.5, 0.9)) -> Tuple[Array, Array, Array]:
        """Mean, standard deviation and quantiles of every value over the replicas.

        Parameters
        ----------
        q : array_like of float, default (0.1, 0.5, 0.9)
            Probabilities in [0, 1] (may be empty).

        Returns
        -------
        mean : ndarray, shape (1 + 4 K^2,)
        std : ndarray, shape (1 + 4 K^2,)
            With R - 1 in the denominator (0 for R = 1).
        quantiles : ndarray, shape (len(q), 1 + 4 K^2)
            Row i for q[i], linear interpolation as ``numpy.quantile``.
        """
        call = "aedyn_replicas_stats"
        h, qa = self._h, _probs(q, call)
        m, s = np.empty(self._nv), np.empty(self._nv)
        qs = np.empty((len(qa), self._nv))
        check(C.replicas_stats(h, len(qa), ptr(qa), ptr(m), ptr(s), ptr(qs)), call)
        return m, s, qs

    def set_escape(self, level: float, dt: float) -> None:
        """Record escape times from now on (resetting those recorded so far).

        Every replica checks its error each max(1, round(dt D)) steps and
        records the first time it is <= level; a replica already below the
        level escapes now.

        Parameters
        ----------
        level : float
            The error level (finite).
        dt : float
            The interval between checks in units of t (finite, > 0).
        """
        call = "aedyn_replicas_set_escape"
        h = self._h
        check(C.replicas_set_escape(h, as_float(level, "level", call),
                                    as_float(dt, "dt", call)), call)

    @property
    def escape(self) -> Tuple[float, float]:
        """(level, dt) of :meth:`set_escape` (NaN, NaN when not set)."""
        level, dt = c_double(), c_double()
        check(C.replicas_get_escape(self._h, byref(level), byref(dt)),
              "aedyn_replicas_get_escape")
        return level.value, dt.value

    def escape_times(self) -> Array:
        """The escape time of every replica.

        Returns
        -------
        ndarray, shape (R,)
            The first checked time at which its error was <= the level;
            +inf for a replica that has not escaped yet.

        Raises
        ------
        AedynError
            ``ERR_INVALID`` when no level is set.
        """
        h = self._h
        t = np.empty(self._R)
        check(C.replicas_get_escape_times(h, ptr(t)), "aedyn_replicas_get_escape_times")
        return t

    def escape_stats(self, q: ArrayLike = (0.1, 0.5, 0.9)) -> Tuple[float, Array]:
        """The fraction escaped and quantiles of the escape times.

        Parameters
        ----------
        q : array_like of float, default (0.1, 0.5, 0.9)
            Probabilities in [0, 1].

        Returns
        -------
        fraction : float
            The fraction of replicas that have escaped.
        quantiles : ndarray, shape (len(q),)
            Over all replicas, those not escaped counting as +inf.
        """
        call = "aedyn_replicas_escape_stats"
        h, qa = self._h, _probs(q, call)
        frac, qs = c_double(), np.empty(len(qa))
        check(C.replicas_escape_stats(h, len(qa), ptr(qa), byref(frac), ptr(qs)), call)
        return frac.value, qs

    def __repr__(self) -> str:
        if self.closed:
            return "<aedyn.Replicas closed>"
        kind = " reduced" if self.reduced else ""
        return f"<aedyn.Replicas R={self._R}{kind} steps={self.steps} t={self.time:g}>"


class Chain(Handle):
    """The exact reduced SGD chain of a trainer (docs/theory.md section 12.2).

    For a data model with a bulk (a complement eigen-group of multiplicity
    >= 2K: the spiked model), online SGD is a Markov chain in the
    components of the weights on the explicit eigenvectors, the biases and
    the overlaps of the weights' bulk projections. A chain simulates it: the
    same law as SGD at any D, at a cost per step independent of D. It takes
    the trainer's weights, rule, rates and their schedules, weight decay and
    time, and borrows `rng`.

    Parameters
    ----------
    sgd : SGD
        The trainer (read at creation only). Untied networks, vanilla or
        truncated rule, no denoising; otherwise ``ERR_UNSUPPORTED``.
    rng : Rng
        The generator of the chain's variates (borrowed).
    """

    @staticmethod
    def _destroy(p: int) -> None:
        C.chain_destroy(p)

    def __init__(self, sgd: SGD, rng: Rng) -> None:
        call = "aedyn_chain_create"
        s, r = _sgd_arg(sgd, call), _rng_arg(rng, call)
        out = out_ptr()
        check(C.chain_create(byref(out), s, r), call)
        self._adopt(out.value, borrowed=(rng,))
        self._keep: Dict[int, Tuple[Any, ...]] = dict(sgd._sched_keep)
        self._n = int(C.chain_get_n_state(self._h))
        self._K = sgd.net._K

    @property
    def time(self) -> float:
        """Time t = steps / D."""
        return float(C.chain_get_time(self._h))

    @property
    def steps(self) -> int:
        """Steps taken (the trainer's count at creation included)."""
        return int(C.chain_get_n_steps(self._h))

    @property
    def n_explicit(self) -> int:
        """The number M of explicit eigenvectors in the state."""
        return int(C.chain_get_n_explicit(self._h))

    @property
    def n_state(self) -> int:
        """The number of state values, 2 M K + K + 3 K^2."""
        self._h
        return self._n

    def step(self, n: int = 1) -> None:
        """Perform n steps of the chain (n online SGD steps in distribution).

        Parameters
        ----------
        n : int, default 1
            Number of steps (>= 0).

        Raises
        ------
        AedynError
            ``ERR_DIVERGED``: the state of the last good step is kept.
        """
        call = "aedyn_chain_step"
        h, n = self._h, as_u64(n, "n", call)
        _callbacks.clear()
        check(C.chain_step(h, n), call)

    def get_state(self) -> Array:
        """The state y.

        Returns
        -------
        ndarray, shape (2 M K + K + 3 K^2,)
            wt (M x K), s (M x K), the biases (K), Q_b, R_b, T0_b (each
            K x K row-major), as in aedyn-chain.h.
        """
        h = self._h
        y = np.empty(self._n)
        check(C.chain_get_state(h, ptr(y)), "aedyn_chain_get_state")
        return y

    def set_state(self, y: ArrayLike) -> None:
        """Replace the state (nothing changes if it is refused).

        Parameters
        ----------
        y : array_like of float, shape (2 M K + K + 3 K^2,)
            Same layout as :meth:`get_state`: finite, Q_b and T0_b
            symmetric, the bulk covariance positive semi-definite.
        """
        call = "aedyn_chain_set_state"
        h = self._h
        a = as_f64(y, (self._n,), "y", call)
        check(C.chain_set_state(h, ptr(a)), call)

    def init_gaussian(self, rng: Rng, sigma0: float) -> None:
        """Replace the state by that of i.i.d. N(0, sigma0^2) weights, drawn in distribution.

        Parameters
        ----------
        rng : Rng
            The generator of the draws (not kept).
        sigma0 : float
            Standard deviation of the weights (finite, >= 0).
        """
        call = "aedyn_chain_init_gaussian"
        h, r = self._h, _rng_arg(rng, call)
        check(C.chain_init_gaussian(h, r, as_float(sigma0, "sigma0", call)), call)

    def error(self) -> float:
        """The population error at the current state.

        Returns
        -------
        float
            As ``Net.population_error`` gives it for the network the state
            stands for (with the 1/2 of the loss).
        """
        h = self._h
        e = c_double()
        check(C.chain_error(h, byref(e)), "aedyn_chain_error")
        return e.value

    def order_params(self) -> Dict[str, Array]:
        """The order parameters at the current state.

        Returns
        -------
        dict of str to ndarray, shape (K, K)
            "Q", "R", "T", "T0" as in ``Net.order_params``.
        """
        h, K = self._h, self._K
        op = {k: np.empty((K, K)) for k in ("Q", "R", "T", "T0")}
        check(C.chain_order_params(h, ptr(op["Q"]), ptr(op["R"]), ptr(op["T"]),
                                   ptr(op["T0"])), "aedyn_chain_order_params")
        return op

    def __repr__(self) -> str:
        if self.closed:
            return "<aedyn.Chain closed>"
        return f"<aedyn.Chain K={self._K} state={self._n} steps={self.steps} t={self.time:g}>"


class BandError(NamedTuple):
    """The band's prediction of the replicas' error (:meth:`Band.error`).

    Attributes
    ----------
    mean : float
        The error of the mean state (the ODE).
    shift : float
        Its O(1/D) shift: the replicas' mean error is about mean + shift.
    std_first : float
        The first-order standard deviation sqrt(grad E^T Sigma grad E / D).
    std : float
        With the second-order term Tr(H Sigma H Sigma) / (2 D^2).
    """

    mean: float
    shift: float
    std_first: float
    std: float


class Band(Handle):
    """The linear-noise theory of the band of SGD around the ODE (experimental).

    It integrates the mean y (the ODE, in the reduced chain's coordinates),
    the covariance Sigma of the O(1/sqrt(D)) fluctuations and the O(1/D)
    shift delta of the mean, for replicas of the trainer that start from its
    current weights (docs/theory.md section 12.3). Scope: that of
    :class:`Chain`. The C interface is experimental: its shape may change in
    any release. It borrows nothing.

    Parameters
    ----------
    sgd : SGD
        The trainer (read at creation only).
    """

    @staticmethod
    def _destroy(p: int) -> None:
        C.band_destroy(p)

    def __init__(self, sgd: SGD) -> None:
        call = "aedyn_band_create"
        s = _sgd_arg(sgd, call)
        out = out_ptr()
        check(C.band_create(byref(out), s), call)
        self._adopt(out.value)
        self._keep: Dict[int, Tuple[Any, ...]] = dict(sgd._sched_keep)
        self._P = int(C.band_get_n_state(self._h))
        K = sgd.net._K
        M = (self._P - K * (2 * K + 1) - (K if sgd.net.has_bias else 0)) // (2 * K)
        self._n_chain = 2 * M * K + K + 3 * K * K  # the chain's layout

    @property
    def time(self) -> float:
        """The band's time."""
        return float(C.band_get_time(self._h))

    @property
    def n_state(self) -> int:
        """The number P of packed coordinates (the chain's state without repetitions)."""
        self._h
        return self._P

    def advance(self, t_end: float) -> None:
        """Integrate the mean (and Sigma and delta, unless switched off) to t_end.

        Parameters
        ----------
        t_end : float
            The end time (>= the current time); landed on exactly.
        """
        call = "aedyn_band_advance"
        h = self._h
        _callbacks.clear()
        check(C.band_advance(h, as_float(t_end, "t_end", call)), call)

    def set_fluctuations(self, on: bool) -> None:
        """Switch the integration of Sigma and delta on (the default) or off.

        Parameters
        ----------
        on : bool
            Off: only the mean moves, at the cost of the ODE.
        """
        check(C.band_set_fluctuations(self._h, bool(on)), "aedyn_band_set_fluctuations")

    def set_tolerances(self, rtol: float, atol: float) -> None:
        """Tolerances of the integration (default rtol 1e-6, atol 1e-9).

        Parameters
        ----------
        rtol, atol : float
            Relative and absolute tolerances, as ``ODE.set_tolerances``.
        """
        call = "aedyn_band_set_tolerances"
        h = self._h
        check(C.band_set_tolerances(h, as_float(rtol, "rtol", call),
                                    as_float(atol, "atol", call)), call)

    def set_quadrature(self, n: int) -> None:
        """Gauss-Hermite nodes per local field of the quadrature of B.

        Parameters
        ----------
        n : int
            1 .. 64 (default 3 for linear units, exact; 8 for erf; 32 for ReLU).
        """
        call = "aedyn_band_set_quadrature"
        h = self._h
        check(C.band_set_quadrature(h, as_size(n, "n", call)), call)

    def error(self) -> BandError:
        """The predicted error of the replicas now.

        Returns
        -------
        BandError
            (mean, shift, std_first, std).
        """
        h = self._h
        v = [c_double() for _ in range(4)]
        check(C.band_error(h, *[byref(x) for x in v]), "aedyn_band_error")
        return BandError(*(x.value for x in v))

    def covariance(self) -> Tuple[Array, Array]:
        """Sigma and delta in the packed coordinates.

        Returns
        -------
        sigma : ndarray, shape (P, P)
            Symmetric; the fluctuations' covariance is sigma / D.
        delta : ndarray, shape (P,)
            The mean's shift is delta / D.
        """
        h = self._h
        S, d = np.empty((self._P, self._P)), np.empty(self._P)
        check(C.band_get_covariance(h, ptr(S), ptr(d)), "aedyn_band_get_covariance")
        return S, d

    def noise(self) -> Array:
        """B at the current mean: the covariance of one step's increment times D^2 per unit time.

        Returns
        -------
        ndarray, shape (P, P)
            In the packed coordinates.
        """
        h = self._h
        B = np.empty((self._P, self._P))
        check(C.band_noise(h, ptr(B)), "aedyn_band_noise")
        return B

    def jacobian(self) -> Array:
        """J = df/dy at the current mean (central differences).

        Returns
        -------
        ndarray, shape (P, P)
            In the packed coordinates; eigenvalues with positive real part
            are the unstable directions of a plateau.
        """
        h = self._h
        J = np.empty((self._P, self._P))
        check(C.band_jacobian(h, ptr(J)), "aedyn_band_jacobian")
        return J

    def get_mean(self) -> Array:
        """The mean state.

        Returns
        -------
        ndarray
            In the chain's layout (``Chain.get_state``).
        """
        h = self._h
        y = np.empty(self._n_chain)
        check(C.band_get_mean(h, ptr(y)), "aedyn_band_get_mean")
        return y

    def set_mean(self, t: float, y: ArrayLike) -> None:
        """Restart at time t from the mean y, with Sigma and delta 0.

        Parameters
        ----------
        t : float
            The time (finite, >= 0).
        y : array_like of float
            The mean in the chain's layout (finite, Q_b and T0_b symmetric).
        """
        call = "aedyn_band_set_mean"
        h = self._h
        a = as_f64(y, (self._n_chain,), "y", call)
        check(C.band_set_mean(h, as_float(t, "t", call), ptr(a)), call)

    def sample(self, rng: Rng) -> Array:
        """A state drawn from N(y, Sigma / D): the hybrid sampler of plateau escapes.

        Parameters
        ----------
        rng : Rng
            The generator of the draw.

        Returns
        -------
        ndarray
            In the chain's layout (``Chain.get_state``).
        """
        call = "aedyn_band_sample"
        h, r = self._h, _rng_arg(rng, call)
        y = np.empty(self._n_chain)
        check(C.band_sample(h, r, ptr(y)), call)
        return y

    def __repr__(self) -> str:
        if self.closed:
            return "<aedyn.Band closed>"
        return f"<aedyn.Band P={self._P} t={self.time:g}>"
