"""Finite-D fluctuations (issue 17): replica ensembles, the exact reduced SGD
chain and the linear-noise band (experimental in the C library). Thin
wrappers over aedyn_replicas_*, aedyn_chain_* and aedyn_band_*."""

from ctypes import byref, c_double

import numpy as np

from ._core import SGD, _rng_arg
from ._errors import AedynError, ERR_INVALID
from ._handle import Handle, as_f64, as_float, as_size, as_u64, out_ptr, ptr
from ._lib import C, check


def _sgd_arg(sgd, call):
    if not isinstance(sgd, SGD):
        raise AedynError(ERR_INVALID, f"sgd must be an aedyn.SGD (got {type(sgd).__name__})",
                         call=call)
    return sgd._h


def _probs(q, call):
    return as_f64(np.atleast_1d(np.asarray(q, dtype=float)), None, "q", call) if q is not None \
        else np.empty(0)


class Replicas(Handle):
    """R replicas of a trainer stepped in parallel threads (bit-identical for
    any number of threads); reduced=True makes them exact reduced chains. The
    template's data model is borrowed."""

    @staticmethod
    def _destroy(p):
        C.replicas_destroy(p)

    def __init__(self, sgd, n_replicas, rng, reduced=False):
        call = "aedyn_replicas_create_reduced" if reduced else "aedyn_replicas_create"
        s, r = _sgd_arg(sgd, call), _rng_arg(rng, call)
        out = out_ptr()
        fn = C.replicas_create_reduced if reduced else C.replicas_create
        check(fn(byref(out), s, as_size(n_replicas, "n_replicas", call), r), call)
        self._adopt(out.value, borrowed=(sgd.data,))
        self._R = int(C.replicas_get_n_replicas(self._h))
        self._nv = int(C.replicas_get_n_values(self._h))

    def init_gaussian(self, sigma0):
        call = "aedyn_replicas_init_gaussian"
        check(C.replicas_init_gaussian(self._h, as_float(sigma0, "sigma0", call)), call)

    @property
    def n_threads(self):
        return int(C.replicas_get_n_threads(self._h))

    @n_threads.setter
    def n_threads(self, n):
        call = "aedyn_replicas_set_n_threads"
        check(C.replicas_set_n_threads(self._h, as_size(n, "n_threads", call)), call)

    @property
    def steps(self):
        return int(C.replicas_get_n_steps(self._h))

    @property
    def time(self):
        return float(C.replicas_get_time(self._h))

    def step(self, n):
        call = "aedyn_replicas_step"
        check(C.replicas_step(self._h, as_u64(n, "n", call)), call)

    def values(self):
        """R x (1 + 4 K^2): error, Q, R, T, T0 of every replica."""
        v = np.empty((self._R, self._nv))
        check(C.replicas_get_values(self._h, ptr(v)), "aedyn_replicas_get_values")
        return v

    def stats(self, q=(0.1, 0.5, 0.9)):
        """(mean, std, quantiles): n_values, n_values, len(q) x n_values."""
        call = "aedyn_replicas_stats"
        qa = _probs(q, call)
        m, s = np.empty(self._nv), np.empty(self._nv)
        qs = np.empty((len(qa), self._nv))
        check(C.replicas_stats(self._h, len(qa), ptr(qa), ptr(m), ptr(s), ptr(qs)), call)
        return m, s, qs

    def set_escape(self, level, dt):
        call = "aedyn_replicas_set_escape"
        check(C.replicas_set_escape(self._h, as_float(level, "level", call),
                                    as_float(dt, "dt", call)), call)

    def escape_times(self):
        t = np.empty(self._R)
        check(C.replicas_get_escape_times(self._h, ptr(t)), "aedyn_replicas_get_escape_times")
        return t

    def escape_stats(self, q=(0.1, 0.5, 0.9)):
        """(fraction escaped, quantiles of the escape times)."""
        call = "aedyn_replicas_escape_stats"
        qa = _probs(q, call)
        frac, qs = c_double(), np.empty(len(qa))
        check(C.replicas_escape_stats(self._h, len(qa), ptr(qa), byref(frac), ptr(qs)), call)
        return frac.value, qs


class Chain(Handle):
    """The exact reduced SGD chain of a trainer (same law as SGD at any D,
    cost per step independent of D). It borrows rng."""

    @staticmethod
    def _destroy(p):
        C.chain_destroy(p)

    def __init__(self, sgd, rng):
        call = "aedyn_chain_create"
        s, r = _sgd_arg(sgd, call), _rng_arg(rng, call)
        out = out_ptr()
        check(C.chain_create(byref(out), s, r), call)
        self._adopt(out.value, borrowed=(rng,))
        self._n = int(C.chain_get_n_state(self._h))
        self._K = sgd.net._K

    @property
    def time(self):
        return float(C.chain_get_time(self._h))

    @property
    def steps(self):
        return int(C.chain_get_n_steps(self._h))

    def step(self, n=1):
        call = "aedyn_chain_step"
        check(C.chain_step(self._h, as_u64(n, "n", call)), call)

    def get_state(self):
        y = np.empty(self._n)
        check(C.chain_get_state(self._h, ptr(y)), "aedyn_chain_get_state")
        return y

    def set_state(self, y):
        call = "aedyn_chain_set_state"
        a = as_f64(y, (self._n,), "y", call)
        check(C.chain_set_state(self._h, ptr(a)), call)

    def error(self):
        e = c_double()
        check(C.chain_error(self._h, byref(e)), "aedyn_chain_error")
        return e.value

    def order_params(self):
        K = self._K
        op = {k: np.empty((K, K)) for k in ("Q", "R", "T", "T0")}
        check(C.chain_order_params(self._h, ptr(op["Q"]), ptr(op["R"]), ptr(op["T"]),
                                   ptr(op["T0"])), "aedyn_chain_order_params")
        return op


class Band(Handle):
    """The linear-noise band of a trainer (experimental in the C library):
    the mean (the ODE), Sigma and the O(1/D) shift in the chain's coordinates."""

    @staticmethod
    def _destroy(p):
        C.band_destroy(p)

    def __init__(self, sgd):
        call = "aedyn_band_create"
        s = _sgd_arg(sgd, call)
        out = out_ptr()
        check(C.band_create(byref(out), s), call)
        self._adopt(out.value)
        self._P = int(C.band_get_n_state(self._h))
        K = sgd.net._K
        M = (self._P - K * (2 * K + 1) - (K if sgd.net.has_bias else 0)) // (2 * K)
        self._n_chain = 2 * M * K + K + 3 * K * K  # the chain's layout

    @property
    def time(self):
        return float(C.band_get_time(self._h))

    def advance(self, t_end):
        call = "aedyn_band_advance"
        check(C.band_advance(self._h, as_float(t_end, "t_end", call)), call)

    def set_fluctuations(self, on):
        check(C.band_set_fluctuations(self._h, bool(on)), "aedyn_band_set_fluctuations")

    def error(self):
        """(mean, shift, std_first, std): the predicted error of the replicas."""
        v = [c_double() for _ in range(4)]
        check(C.band_error(self._h, *[byref(x) for x in v]), "aedyn_band_error")
        return tuple(x.value for x in v)

    def covariance(self):
        """(Sigma (P x P), delta (P)) in the packed coordinates."""
        S, d = np.empty((self._P, self._P)), np.empty(self._P)
        check(C.band_get_covariance(self._h, ptr(S), ptr(d)), "aedyn_band_get_covariance")
        return S, d

    def noise(self):
        B = np.empty((self._P, self._P))
        check(C.band_noise(self._h, ptr(B)), "aedyn_band_noise")
        return B

    def jacobian(self):
        J = np.empty((self._P, self._P))
        check(C.band_jacobian(self._h, ptr(J)), "aedyn_band_jacobian")
        return J

    def get_mean(self):
        """The mean state in the chain's layout."""
        y = np.empty(self._n_chain)
        check(C.band_get_mean(self._h, ptr(y)), "aedyn_band_get_mean")
        return y

    def set_mean(self, t, y):
        """Restart at time t from the mean y (chain's layout), Sigma = delta = 0."""
        call = "aedyn_band_set_mean"
        a = as_f64(y, (self._n_chain,), "y", call)
        check(C.band_set_mean(self._h, as_float(t, "t", call), ptr(a)), call)

    def sample(self, rng):
        """A state drawn from N(y, Sigma / D) (chain's layout): the hybrid sampler."""
        call = "aedyn_band_sample"
        r = _rng_arg(rng, call)
        y = np.empty(self._n_chain)
        check(C.band_sample(self._h, r, ptr(y)), call)
        return y
