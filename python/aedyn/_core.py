"""Python objects over the libaedyn handles."""

import ctypes
import math
import os
from collections import namedtuple
from ctypes import byref, c_bool, c_double, c_int, c_size_t, c_uint64

import numpy as np

from . import _callbacks
from ._errors import AedynError, ERR_INVALID, ERR_NULL, ERR_SIZE
from ._handle import (Handle, as_enum, as_f64, as_float, as_size, as_u64, out_ptr, ptr)
from ._lib import (ACT_FN, C, ENUM_ACTIVATION, ENUM_IMAGES_MODE, ENUM_IMAGES_SAMPLER,
                   ENUM_METHOD, ENUM_ODE_STAT, ENUM_RULE, ENUM_SPIKES, EnumTable, check)
from ._schedule import ScheduleOwner

# name -> value of the C enumerations, with the library's own spellings
ACTIVATIONS = EnumTable(ENUM_ACTIVATION, "activation")
RULES = EnumTable(ENUM_RULE, "rule")
METHODS = EnumTable(ENUM_METHOD, "method")
SPIKE_VECTORS = EnumTable(ENUM_SPIKES, "spike vectors")
PREPROCESS = EnumTable(ENUM_IMAGES_MODE, "preprocessing mode")
SAMPLERS = EnumTable(ENUM_IMAGES_SAMPLER, "sampler")
ODE_STATS = EnumTable(ENUM_ODE_STAT, "ODE statistic")

NET_BIAS = 1
NET_TIED = 2
NET_SKIP = 4
SPIKED_STANDARDISE = 1

Group = namedtuple("Group", "rho multiplicity n_explicit")


def _name_of(table, value):
    for k, v in table.items():
        if v == value:
            return k
    return value


def _shape_arg(size):
    """(count, shape) of a numpy-style size argument."""
    if isinstance(size, tuple):
        shape = tuple(as_size(s, "size", "Rng") for s in size)
    else:
        shape = (as_size(size, "size", "Rng"),)
    return int(np.prod(shape, dtype=np.int64)), shape


def _path_arg(path, call):
    if path is None:
        raise AedynError(ERR_NULL, "path is required (got None)", call=call)
    return os.fsencode(path)


# ---------------------------------------------------------------- Rng

class Rng(Handle):
    """Seeded generator (xoshiro256++): the same (seed, stream) gives the same
    sequence, bit for bit, as the C library's aedyn_rng_create(seed, stream)."""

    @staticmethod
    def _destroy(p):
        C.rng_destroy(p)

    def __init__(self, seed=0, stream=0):
        call = "aedyn_rng_create"
        seed = as_u64(seed, "seed", call)
        stream = as_u64(stream, "stream", call)
        out = out_ptr()
        check(C.rng_create(byref(out), seed, stream), call)
        self._adopt(out.value)
        self.seed, self.stream = seed, stream

    def copy(self):
        """A new generator in the same state (aedyn_rng_copy)."""
        new = Rng(self.seed, self.stream)
        check(C.rng_copy(new._h, self._h), "aedyn_rng_copy")
        return new

    def set_state(self, src):
        """Copy the state of another generator into this one."""
        if not isinstance(src, Rng):
            raise AedynError(ERR_INVALID, "src must be an Rng", call="aedyn_rng_copy")
        check(C.rng_copy(self._h, src._h), "aedyn_rng_copy")

    def u64(self):
        """Next raw 64-bit output."""
        return int(C.rng_u64(self._h))

    def uniform(self, size=None):
        """Uniform in [0, 1): a float, or an array of the given size."""
        if size is None:
            return float(C.rng_uniform(self._h))
        n, shape = _shape_arg(size)
        x = np.empty(n)
        check(C.rng_fill_uniform(self._h, ptr(x), n), "aedyn_rng_fill_uniform")
        return x.reshape(shape)

    def normal(self, size=None):
        """Standard normal: a float, or an array of the given size."""
        if size is None:
            return float(C.rng_normal(self._h))
        n, shape = _shape_arg(size)
        x = np.empty(n)
        check(C.rng_fill_normal(self._h, ptr(x), n), "aedyn_rng_fill_normal")
        return x.reshape(shape)

    def __repr__(self):
        state = "closed" if self.closed else f"seed={self.seed}, stream={self.stream}"
        return f"<aedyn.Rng {state}>"


def _rng_arg(rng, call, required=True):
    if rng is None:
        if required:
            raise AedynError(ERR_NULL, "rng is required (got None)", call=call)
        return None
    if not isinstance(rng, Rng):
        raise AedynError(ERR_INVALID, f"rng must be an aedyn.Rng (got {type(rng).__name__})",
                         call=call)
    return rng._h


# ---------------------------------------------------------------- Data

class Data(Handle):
    """A data model: input dimension D, a sampler, and the covariance spectrum
    as eigen-groups. Create one with Data.spiked(), Data.gaussian(),
    Data.eigen(), Data.empirical() or Images.data()."""

    @staticmethod
    def _destroy(p):
        C.data_destroy(p)

    def __init__(self, *args, **kwargs):
        raise TypeError("create data models with aedyn.Data.spiked(), .gaussian(), "
                        ".eigen(), .empirical() or aedyn.Images.data()")

    @classmethod
    def _wrap(cls, ptr_value, borrowed=()):
        self = object.__new__(cls)
        self._adopt(ptr_value, borrowed)
        self.kind = C.data_get_kind(ptr_value).decode("ascii")
        return self

    @classmethod
    def spiked(cls, D, M, lambdas=None, sigma=1.0, vectors="random", rng=None,
               standardise=True):
        """The spiked (Wishart) model x = sum_m c_m a_m + sigma xi.

        lambdas: M spike strengths, or None for the paper's 3, 5, 9, 17, ...
        vectors: "random" (needs rng) or "sinusoidal".
        standardise: divide inputs by sqrt(Tr Omega / D) (the paper's figures;
        AEDYN_DATA_STANDARDISE). Note the default True here, as the CLI.
        """
        call = "aedyn_data_create_spiked"
        D = as_size(D, "D", call)
        M = as_size(M, "M", call)
        lam = as_f64(lambdas, (M,), "lambdas", call, required=False)
        sigma = as_float(sigma, "sigma", call)
        vec = as_enum(vectors, SPIKE_VECTORS, "spike vectors", call)
        flags = SPIKED_STANDARDISE if standardise else 0
        out = out_ptr()
        check(C.data_create_spiked(byref(out), D, M, ptr(lam), sigma, vec,
                                   _rng_arg(rng, call, required=False), flags), call)
        return cls._wrap(out.value)

    @classmethod
    def gaussian(cls, omega):
        """N(0, Omega) from a D x D covariance (checked symmetric and PSD by C)."""
        call = "aedyn_data_create_gaussian"
        om = as_f64(omega, None, "omega", call)
        if om.ndim != 2 or om.shape[0] != om.shape[1]:
            raise AedynError(ERR_SIZE, f"omega must be a square D x D matrix, got shape "
                             f"{om.shape}", call=call)
        out = out_ptr()
        check(C.data_create_gaussian(byref(out), om.shape[0], ptr(om)), call)
        return cls._wrap(out.value)

    @classmethod
    def eigen(cls, rho, vectors, bulk=0.0, D=None):
        """N(0, Omega) from n eigenpairs (rows of the n x D `vectors`) and the
        eigenvalue `bulk` of their orthogonal complement."""
        call = "aedyn_data_create_eigen"
        r = as_f64(rho, None, "rho", call)
        if r.ndim != 1:
            raise AedynError(ERR_SIZE, f"rho must be 1-D, got shape {r.shape}", call=call)
        n = r.shape[0]
        v = as_f64(vectors, None, "vectors", call)
        if v.ndim == 1 and n == 0 and v.size == 0:
            if D is None:
                raise AedynError(ERR_SIZE, "D is required when no eigenvectors are given",
                                 call=call)
            v = np.zeros((0, as_size(D, "D", call)))
        if v.ndim != 2 or v.shape[0] != n:
            raise AedynError(ERR_SIZE, f"vectors must have shape ({n}, D), got {v.shape}",
                             call=call)
        dim = v.shape[1] if D is None else as_size(D, "D", call)
        if v.shape[1] != dim:
            raise AedynError(ERR_SIZE, f"vectors must have D = {dim} columns, got "
                             f"{v.shape[1]}", call=call)
        out = out_ptr()
        check(C.data_create_eigen(byref(out), dim, n, ptr(r), ptr(v),
                                  as_float(bulk, "bulk", call)), call)
        return cls._wrap(out.value)

    @classmethod
    def empirical(cls, src, rng, N):
        """N(0, X^T X / N) from N samples of another model `src`."""
        call = "aedyn_data_create_empirical"
        s = _data_arg(src, call)
        r = _rng_arg(rng, call)
        out = out_ptr()
        check(C.data_create_empirical(byref(out), s, r, as_size(N, "N", call)), call)
        return cls._wrap(out.value)

    @property
    def dim(self):
        return int(C.data_get_dim(self._h))

    @property
    def trace(self):
        return float(C.data_get_trace(self._h))

    def groups(self):
        """The eigen-groups, largest eigenvalue first, as Group(rho,
        multiplicity, n_explicit) tuples (n_explicit 0: complement group)."""
        h = self._h
        out = []
        rho, mult, nexp = c_double(), c_size_t(), c_size_t()
        for g in range(int(C.data_get_n_groups(h))):
            check(C.data_get_group(h, g, byref(rho), byref(mult), byref(nexp)), "aedyn_data_get_group")
            out.append(Group(rho.value, mult.value, nexp.value))
        return out

    def group_vectors(self, g):
        """Explicit eigenvectors of group g (n_explicit x D; 0 x D for the
        complement group)."""
        call = "aedyn_data_get_group_vectors"
        g = as_size(g, "g", call)
        groups = self.groups()
        if g >= len(groups):
            raise AedynError(ERR_SIZE, f"group {g} out of range (the model has "
                             f"{len(groups)})", call=call)
        v = np.empty((groups[g].n_explicit, self.dim))
        check(C.data_get_group_vectors(self._h, g, ptr(v)), call)
        return v

    def eigenvalues(self):
        """All D eigenvalues with multiplicity, decreasing."""
        rho = np.empty(self.dim)
        check(C.data_get_eigenvalues(self._h, ptr(rho)), "aedyn_data_get_eigenvalues")
        return rho

    def covariance(self):
        """Omega as a D x D array (O(D^2) memory)."""
        D = self.dim
        om = np.empty((D, D))
        check(C.data_get_covariance(self._h, ptr(om)), "aedyn_data_get_covariance")
        return om

    def pca_error(self, m):
        """eps_PCA(m) = (1/2D) sum_{j > m} rho_j (with the 1/2 of the loss)."""
        call = "aedyn_data_pca_error"
        err = c_double()
        check(C.data_pca_error(self._h, as_size(m, "m", call), byref(err)), call)
        return err.value

    def sample(self, rng, n=1):
        """n inputs as an n x D array (one thread at a time per model)."""
        call = "aedyn_data_sample"
        h, r, n = self._h, _rng_arg(rng, call), as_size(n, "n", call)
        X = np.empty((n, self.dim))
        check(C.data_sample(h, r, n, ptr(X)), call)
        return X

    def __repr__(self):
        if self.closed:
            return "<aedyn.Data closed>"
        return f"<aedyn.Data {self.kind} D={self.dim} groups={int(C.data_get_n_groups(self._h))}>"


def _data_arg(data, call):
    if data is None:
        raise AedynError(ERR_NULL, "data is required (got None)", call=call)
    if not isinstance(data, Data):
        raise AedynError(ERR_INVALID, f"data must be an aedyn.Data (got "
                         f"{type(data).__name__})", call=call)
    return data._h


# ---------------------------------------------------------------- Images

class Images(Handle):
    """A set of N grayscale images as an N x D array (D = rows * cols)."""

    @staticmethod
    def _destroy(p):
        C.images_destroy(p)

    def __init__(self, X, rows=None, cols=None):
        """A set from an n x D array (or n x rows x cols), values as given."""
        call = "aedyn_images_create"
        a = as_f64(X, None, "X", call)
        if a.ndim == 3:
            n, r, c = a.shape
            if (rows is not None and rows != r) or (cols is not None and cols != c):
                raise AedynError(ERR_SIZE, f"X has shape {a.shape}, rows/cols say "
                                 f"({rows}, {cols})", call=call)
        elif a.ndim == 2:
            n = a.shape[0]
            if rows is None and cols is None:
                r, c = 1, a.shape[1]
            else:
                r = as_size(rows if rows is not None else a.shape[1] // max(cols, 1), "rows",
                            call)
                c = as_size(cols if cols is not None else a.shape[1] // max(r, 1), "cols",
                            call)
            if r * c != a.shape[1]:
                raise AedynError(ERR_SIZE, f"rows * cols = {r * c} but X has {a.shape[1]} "
                                 "columns", call=call)
        else:
            raise AedynError(ERR_SIZE, f"X must be n x D or n x rows x cols, got shape "
                             f"{a.shape}", call=call)
        out = out_ptr()
        check(C.images_create(byref(out), n, r, c, ptr(a)), call)
        self._adopt(out.value)

    @classmethod
    def _wrap(cls, p):
        self = object.__new__(cls)
        self._adopt(p)
        return self

    @classmethod
    def load_idx(cls, path, first=0, count=0):
        """Load an IDX file (MNIST / Fashion-MNIST; plain or gzip), scaled to
        [0, 1]; count 0 keeps all images from `first` on."""
        call = "aedyn_images_load_idx"
        p = _path_arg(path, call)
        out = out_ptr()
        check(C.images_load_idx(byref(out), p, as_size(first, "first", call),
                                as_size(count, "count", call)), call)
        return cls._wrap(out.value)

    @classmethod
    def load_cifar10(cls, path, first=0, count=0):
        """Load a CIFAR-10 binary batch, converted to grayscale in [0, 1]."""
        call = "aedyn_images_load_cifar10"
        p = _path_arg(path, call)
        out = out_ptr()
        check(C.images_load_cifar10(byref(out), p, as_size(first, "first", call),
                                    as_size(count, "count", call)), call)
        return cls._wrap(out.value)

    @property
    def count(self):
        return int(C.images_get_n_images(self._h))

    def __len__(self):
        return self.count

    @property
    def dim(self):
        return int(C.images_get_dim(self._h))

    @property
    def shape(self):
        """(rows, cols) of one image."""
        r, c = c_size_t(), c_size_t()
        check(C.images_get_shape(self._h, byref(r), byref(c)), "aedyn_images_get_shape")
        return (r.value, c.value)

    def get(self, first=0, n=None):
        """Images first .. first+n-1 (as currently processed), n x D."""
        call = "aedyn_images_get_images"
        first = as_size(first, "first", call)
        total = self.count
        n = total - first if n is None else as_size(n, "n", call)
        if first + n > total:
            raise AedynError(ERR_SIZE, f"images {first}..{first + n - 1} are beyond the set "
                             f"of {total}", call=call)
        X = np.empty((n, self.dim))
        check(C.images_get_images(self._h, first, n, ptr(X)), call)
        return X

    def preprocess(self, mode="paper", eps=None):
        """Fit and apply a preprocessing in place (once per set): "raw",
        "paper", "centred", "zca" or "pca_white" (the last two need eps > 0)."""
        call = "aedyn_images_preprocess"
        m = as_enum(mode, PREPROCESS, "preprocessing mode", call)
        e = 0.0 if eps is None else as_float(eps, "eps", call)
        check(C.images_preprocess(self._h, m, e), call)
        return self

    def preprocess_like(self, fitted):
        """Apply the transform fitted on another set (e.g. train -> test)."""
        call = "aedyn_images_preprocess_like"
        if not isinstance(fitted, Images):
            raise AedynError(ERR_INVALID if fitted is not None else ERR_NULL,
                             "fitted must be an aedyn.Images", call=call)
        check(C.images_preprocess_like(self._h, fitted._h), call)
        return self

    def sample(self, rng, n=1):
        """n images drawn uniformly with replacement, n x D."""
        call = "aedyn_images_sample"
        h, r, n = self._h, _rng_arg(rng, call), as_size(n, "n", call)
        X = np.empty((n, self.dim))
        check(C.images_sample(h, r, n, ptr(X)), call)
        return X

    def data(self, sampler="real"):
        """A data model with the spectrum of X^T X / N, sampling real images
        ("real": it shares the set's pixels and samples them as they are now,
        whatever happens to the set later) or N(0, X^T X / N) ("gaussian")."""
        call = "aedyn_data_create_images"
        s = as_enum(sampler, SAMPLERS, "sampler", call)
        out = out_ptr()
        check(C.data_create_images(byref(out), self._h, s), call)
        return Data._wrap(out.value)

    def error(self, net):
        """(mean, standard error) of the loss of `net` over the set."""
        call = "aedyn_net_error_images"
        n = _net_arg(net, call)
        mean, se = c_double(), c_double()
        check(C.net_error_images(n, self._h, byref(mean), byref(se)), call)
        return mean.value, se.value

    def __repr__(self):
        if self.closed:
            return "<aedyn.Images closed>"
        return f"<aedyn.Images N={self.count} shape={self.shape}>"


# ---------------------------------------------------------------- Net

class Net(Handle):
    """Shallow autoencoder with K hidden units on D inputs.

    Weights are float64 arrays: W and V are K x D (row k = w^k, v^k), bias K.
    """

    @staticmethod
    def _destroy(p):
        C.net_destroy(p)

    def __init__(self, D, K, activation="erf", bias=False, tied=False, skip=False):
        call = "aedyn_net_create"
        D = as_size(D, "D", call)
        K = as_size(K, "K", call)
        act = as_enum(activation, ACTIVATIONS, "activation", call)
        flags = (NET_BIAS if bias else 0) | (NET_TIED if tied else 0) | (NET_SKIP if skip else 0)
        out = out_ptr()
        check(C.net_create(byref(out), D, K, act, flags), call)
        self._adopt(out.value)
        self._D, self._K = D, K

    @property
    def dim(self):
        return int(C.net_get_dim(self._h))

    @property
    def hidden(self):
        return int(C.net_get_n_hidden(self._h))

    @property
    def activation(self):
        return _name_of(ACTIVATIONS, int(C.net_get_activation(self._h)))

    @property
    def flags(self):
        return int(C.net_get_flags(self._h))

    @property
    def tied(self):
        return bool(self.flags & NET_TIED)

    @property
    def has_bias(self):
        return bool(self.flags & NET_BIAS)

    @property
    def has_skip(self):
        """Whether the network has a skip connection xhat = c x + ... (AEDYN_NET_SKIP)."""
        return bool(self.flags & NET_SKIP)

    @property
    def skip(self):
        """The skip weight c (0 without skip connection); settable when has_skip."""
        c = c_double()
        check(C.net_get_skip(self._h, byref(c)), "aedyn_net_get_skip")
        return c.value

    @skip.setter
    def skip(self, c):
        call = "aedyn_net_set_skip"
        check(C.net_set_skip(self._h, as_float(c, "c", call)), call)

    def copy(self):
        """A new network with the same shape, activation, flags and weights."""
        new = Net(self._D, self._K, self.activation, self.has_bias, self.tied, self.has_skip)
        W, V, b = self.get_weights()
        new.set_weights(W, None if self.tied else V, b if self.has_bias else None)
        if self.has_skip:
            new.skip = self.skip
        return new

    def init_gaussian(self, rng, sigma0=0.1):
        """All weights i.i.d. N(0, sigma0^2) from rng (encoder, then decoder)."""
        call = "aedyn_net_init_gaussian"
        h, r = self._h, _rng_arg(rng, call)
        check(C.net_init_gaussian(h, r, as_float(sigma0, "sigma0", call)), call)
        return self

    def init_informed(self, data):
        """w^k = e_k, v^k = sqrt(D) e_k on the K leading eigenvectors of data."""
        call = "aedyn_net_init_informed"
        h, d = self._h, _data_arg(data, call)
        check(C.net_init_informed(h, d), call)
        return self

    def set_weights(self, W=None, V=None, bias=None):
        """Set any of W (K x D), V (K x D; untied only), bias (K; with bias only)."""
        call = "aedyn_net_set_weights"
        h = self._h
        KD = (self._K, self._D)
        w = as_f64(W, KD, "W", call, required=False)
        v = as_f64(V, KD, "V", call, required=False)
        b = as_f64(bias, (self._K,), "bias", call, required=False)
        check(C.net_set_weights(h, ptr(w), ptr(v), ptr(b)), call)

    def get_weights(self):
        """(W, V, bias): copies; V is W for a tied net, bias zeros without bias."""
        W = np.empty((self._K, self._D))
        V = np.empty((self._K, self._D))
        b = np.empty(self._K)
        check(C.net_get_weights(self._h, ptr(W), ptr(V), ptr(b)), "aedyn_net_get_weights")
        return W, V, b

    @property
    def W(self):
        return self.get_weights()[0]

    @W.setter
    def W(self, value):
        self.set_weights(W=value)

    @property
    def V(self):
        return self.get_weights()[1]

    @V.setter
    def V(self, value):
        self.set_weights(V=value)

    @property
    def bias(self):
        return self.get_weights()[2]

    @bias.setter
    def bias(self, value):
        self.set_weights(bias=value)

    def reconstruct(self, X):
        """Xhat for a batch X (n x D, or one input of length D)."""
        call = "aedyn_net_reconstruct"
        h = self._h
        x = as_f64(X, None, "X", call)
        one = x.ndim == 1
        if one:
            x = x.reshape(1, -1)
        if x.ndim != 2 or x.shape[1] != self._D:
            raise AedynError(ERR_SIZE, f"X must be n x {self._D}, got shape {np.shape(X)}",
                             call=call)
        out = np.empty_like(x)
        check(C.net_reconstruct(h, x.shape[0], ptr(x), ptr(out)), call)
        return out[0] if one else out

    def loss(self, x):
        """l = (1/2D) ||x - xhat||^2 of one input."""
        call = "aedyn_net_loss"
        h = self._h
        a = as_f64(x, (self._D,), "x", call)
        val = c_double()
        check(C.net_loss(h, ptr(a), byref(val)), call)
        return val.value

    def mc_error(self, data, rng, n):
        """(mean, standard error) of the loss over n fresh inputs of data."""
        call = "aedyn_net_error_mc"
        h, d, r = self._h, _data_arg(data, call), _rng_arg(rng, call)
        mean, se = c_double(), c_double()
        check(C.net_error_mc(h, d, r, as_size(n, "n", call), byref(mean), byref(se)), call)
        return mean.value, se.value

    def order_params(self, data):
        """dict of the K x K order parameters Q, R, T, T0 for data's covariance."""
        call = "aedyn_net_order_params"
        h, d = self._h, _data_arg(data, call)
        K = self._K
        op = {k: np.empty((K, K)) for k in ("Q", "R", "T", "T0")}
        check(C.net_order_params(h, d, ptr(op["Q"]), ptr(op["R"]), ptr(op["T"]),
                                 ptr(op["T0"])), call)
        return op

    def population_error(self, data):
        """Exact E l over x ~ N(0, Omega) of data (with the 1/2)."""
        call = "aedyn_net_error"
        h, d = self._h, _data_arg(data, call)
        err = c_double()
        check(C.net_error(h, d, byref(err)), call)
        return err.value

    def error_denoising(self, data, a=1.0, sigma_n=0.0):
        """Exact population error as a denoiser, E (1/2D)|x - xhat(a x + sigma_n xi)|^2,
        against the clean x (with the 1/2); (1, 0) is population_error()."""
        call = "aedyn_net_error_denoising"
        h, d = self._h, _data_arg(data, call)
        err = c_double()
        check(C.net_error_denoising(h, d, as_float(a, "a", call),
                                    as_float(sigma_n, "sigma_n", call), byref(err)), call)
        return err.value

    def __repr__(self):
        if self.closed:
            return "<aedyn.Net closed>"
        extra = ((" tied" if self.tied else "") + (" bias" if self.has_bias else "") +
                 (" skip" if self.has_skip else ""))
        return f"<aedyn.Net D={self._D} K={self._K} {self.activation}{extra}>"


def _net_arg(net, call):
    if net is None:
        raise AedynError(ERR_NULL, "net is required (got None)", call=call)
    if not isinstance(net, Net):
        raise AedynError(ERR_INVALID, f"net must be an aedyn.Net (got {type(net).__name__})",
                         call=call)
    return net._h


# ---------------------------------------------------------------- SGD

class SGD(ScheduleOwner):
    """Online SGD trainer. It borrows net, data and rng: they stay alive (and
    their C handles allocated) as long as the trainer is open."""

    _set_fn = C.sgd_set_schedule
    _get_fn = C.sgd_get_schedule
    _call_prefix = "aedyn_sgd"

    @staticmethod
    def _destroy(p):
        C.sgd_destroy(p)

    def __init__(self, net, data, rng, rule="vanilla", lr=1.0, *, denoising=None,
                 skip_rate=None, schedules=None):
        call = "aedyn_sgd_create"
        n, d, r = _net_arg(net, call), _data_arg(data, call), _rng_arg(rng, call)
        ru = as_enum(rule, RULES, "rule", call)
        out = out_ptr()
        check(C.sgd_create(byref(out), n, d, r, ru, as_float(lr, "lr", call)), call)
        self._adopt(out.value, borrowed=(net, data, rng))
        self._init_schedules()
        self.net, self.data, self.rng, self.rule = net, data, rng, _name_of(RULES, ru)
        try:
            if denoising is not None:
                self.set_denoising(*denoising)
            if skip_rate is not None:
                self.skip_rate = skip_rate
            self._set_schedules(schedules)
        except BaseException:
            self.close()
            raise

    def set_learning_rates(self, eta_w, eta_v, eta_b):
        call = "aedyn_sgd_set_learning_rates"
        check(C.sgd_set_learning_rates(self._h, as_float(eta_w, "eta_w", call),
                                       as_float(eta_v, "eta_v", call),
                                       as_float(eta_b, "eta_b", call)), call)

    @property
    def learning_rates(self):
        """(eta_w, eta_v, eta_b)."""
        a, b, c = c_double(), c_double(), c_double()
        check(C.sgd_get_learning_rates(self._h, byref(a), byref(b), byref(c)),
              "aedyn_sgd_get_learning_rates")
        return a.value, b.value, c.value

    def set_weight_decay(self, kappa):
        call = "aedyn_sgd_set_weight_decay"
        check(C.sgd_set_weight_decay(self._h, as_float(kappa, "kappa", call)), call)

    @property
    def weight_decay(self):
        """The weight decay kappa."""
        k = c_double()
        check(C.sgd_get_weight_decay(self._h, byref(k)), "aedyn_sgd_get_weight_decay")
        return k.value

    def set_denoising(self, a=1.0, sigma_n=0.0):
        """Train as a denoising autoencoder: input a x + sigma_n xi, target x."""
        call = "aedyn_sgd_set_denoising"
        check(C.sgd_set_denoising(self._h, as_float(a, "a", call),
                                  as_float(sigma_n, "sigma_n", call)), call)

    @property
    def denoising(self):
        """(a, sigma_n): the input scale and noise level ((1, 0): plain autoencoder)."""
        a, sn = c_double(), c_double()
        check(C.sgd_get_denoising(self._h, byref(a), byref(sn)), "aedyn_sgd_get_denoising")
        return a.value, sn.value

    @property
    def skip_rate(self):
        """The skip weight's learning rate eta_c (follows eta_v until set)."""
        e = c_double()
        check(C.sgd_get_skip_rate(self._h, byref(e)), "aedyn_sgd_get_skip_rate")
        return e.value

    @skip_rate.setter
    def skip_rate(self, eta_c):
        call = "aedyn_sgd_set_skip_rate"
        check(C.sgd_set_skip_rate(self._h, as_float(eta_c, "eta_c", call)), call)

    def step(self, n=1):
        """n online steps on fresh inputs (the GIL is released meanwhile)."""
        call = "aedyn_sgd_step"
        h = self._h
        n = as_u64(n, "n", call)
        _callbacks.clear()
        check(C.sgd_step(h, n), call)

    def step_input(self, x):
        """One step on the given input x (length D)."""
        call = "aedyn_sgd_step_input"
        h = self._h
        a = as_f64(x, (self.net._D,), "x", call)
        _callbacks.clear()
        check(C.sgd_step_input(h, ptr(a)), call)

    @property
    def steps(self):
        return int(C.sgd_get_n_steps(self._h))

    @property
    def time(self):
        return float(C.sgd_get_time(self._h))

    def __repr__(self):
        if self.closed:
            return "<aedyn.SGD closed>"
        return f"<aedyn.SGD {self.rule} steps={self.steps} t={self.time:g}>"


# ---------------------------------------------------------------- ODE

class ODE(ScheduleOwner):
    """The ODE of online SGD, from a network's current weights (borrows
    nothing: net and data may be closed afterwards)."""

    _set_fn = C.ode_set_schedule
    _get_fn = C.ode_get_schedule
    _call_prefix = "aedyn_ode"

    @staticmethod
    def _destroy(p):
        C.ode_destroy(p)

    def __init__(self, net, data, rule="vanilla", lr=1.0, *, denoising=None, skip_rate=None,
                 schedules=None):
        call = "aedyn_ode_create"
        n, d = _net_arg(net, call), _data_arg(data, call)
        ru = as_enum(rule, RULES, "rule", call)
        out = out_ptr()
        check(C.ode_create(byref(out), n, d, ru, as_float(lr, "lr", call)), call)
        self._adopt(out.value)
        self._init_schedules()
        self._K, self._D = net._K, net._D
        self._callbacks = None
        try:
            if denoising is not None:
                self.set_denoising(*denoising)
            if skip_rate is not None:
                self.skip_rate = skip_rate
            self._set_schedules(schedules)
        except BaseException:
            self.close()
            raise

    @classmethod
    def from_sgd(cls, sgd):
        """The ODE predicting trainer `sgd` from now on (same weights, rates,
        weight decay; the ODE time starts at sgd.time)."""
        call = "aedyn_ode_create_from_sgd"
        if not isinstance(sgd, SGD):
            raise AedynError(ERR_NULL if sgd is None else ERR_INVALID,
                             "sgd must be an aedyn.SGD", call=call)
        out = out_ptr()
        check(C.ode_create_from_sgd(byref(out), sgd._h), call)
        self = object.__new__(cls)
        self._adopt(out.value)
        # the ODE copied the trainer's schedules: their callables must outlive it too
        self._init_schedules(sgd._sched_keep)
        self._K, self._D = sgd.net._K, sgd.net._D
        self._callbacks = None
        return self

    @property
    def hidden(self):
        return self._K

    @property
    def dim(self):
        return self._D

    def set_learning_rates(self, eta_w, eta_v, eta_b):
        call = "aedyn_ode_set_learning_rates"
        check(C.ode_set_learning_rates(self._h, as_float(eta_w, "eta_w", call),
                                       as_float(eta_v, "eta_v", call),
                                       as_float(eta_b, "eta_b", call)), call)

    def set_weight_decay(self, kappa):
        call = "aedyn_ode_set_weight_decay"
        check(C.ode_set_weight_decay(self._h, as_float(kappa, "kappa", call)), call)

    @property
    def learning_rates(self):
        """(eta_w, eta_v, eta_b)."""
        a, b, c = c_double(), c_double(), c_double()
        check(C.ode_get_learning_rates(self._h, byref(a), byref(b), byref(c)),
              "aedyn_ode_get_learning_rates")
        return a.value, b.value, c.value

    @property
    def weight_decay(self):
        """The weight decay kappa."""
        k = c_double()
        check(C.ode_get_weight_decay(self._h, byref(k)), "aedyn_ode_get_weight_decay")
        return k.value

    def set_denoising(self, a=1.0, sigma_n=0.0):
        """Integrate a denoising autoencoder: input a x + sigma_n xi, target x."""
        call = "aedyn_ode_set_denoising"
        check(C.ode_set_denoising(self._h, as_float(a, "a", call),
                                  as_float(sigma_n, "sigma_n", call)), call)

    @property
    def denoising(self):
        """(a, sigma_n): the input scale and noise level ((1, 0): plain autoencoder)."""
        a, sn = c_double(), c_double()
        check(C.ode_get_denoising(self._h, byref(a), byref(sn)), "aedyn_ode_get_denoising")
        return a.value, sn.value

    @property
    def skip_rate(self):
        """The skip weight's learning rate eta_c (follows eta_v until set)."""
        e = c_double()
        check(C.ode_get_skip_rate(self._h, byref(e)), "aedyn_ode_get_skip_rate")
        return e.value

    @skip_rate.setter
    def skip_rate(self, eta_c):
        call = "aedyn_ode_set_skip_rate"
        check(C.ode_set_skip_rate(self._h, as_float(eta_c, "eta_c", call)), call)

    @property
    def skip(self):
        """The skip weight c at the current time (0 without skip connection)."""
        c = c_double()
        check(C.ode_get_skip(self._h, byref(c)), "aedyn_ode_get_skip")
        return c.value

    def set_method(self, method, step=0.0):
        """"euler", "rk4" (fixed step), "dopri5", "rkc" or "bdf" (adaptive;
        step is the first trial step, 0 = automatic)."""
        call = "aedyn_ode_set_method"
        m = as_enum(method, METHODS, "method", call)
        check(C.ode_set_method(self._h, m, as_float(step, "step", call)), call)

    @property
    def method(self):
        """(name, step) of the integrator in use: the library's default
        ("bdf" for small states, "rkc" for large) until set_method()."""
        m, step = c_int(), c_double()
        check(C.ode_get_method(self._h, byref(m), byref(step)), "aedyn_ode_get_method")
        names = {v: k for k, v in METHODS.items()}
        return names.get(m.value, m.value), step.value

    def set_tolerances(self, rtol, atol):
        call = "aedyn_ode_set_tolerances"
        check(C.ode_set_tolerances(self._h, as_float(rtol, "rtol", call),
                                   as_float(atol, "atol", call)), call)

    def set_activation(self, g, dg, ddg=None):
        """Use Python callables g, g', g'' (float -> float) through Gaussian
        quadrature. They are called from C with the GIL held, so this is slow;
        an exception in a callback makes it return NaN (the integration then
        reports divergence) and is re-raised by advance()."""
        call = "aedyn_ode_set_activation"
        h = self._h
        for f, name in ((g, "g"), (dg, "dg"), (ddg, "ddg")):
            if f is None and name != "ddg":
                raise AedynError(ERR_NULL, f"{name} is required (got None)", call=call)
            if f is not None and not callable(f):
                raise TypeError(f"{call}: {name} must be callable (float -> float), got "
                                f"{type(f).__name__}")
        fns = [self._wrap_callback(f) if f is not None else None for f in (g, dg, ddg)]
        cptrs = [ctypes.cast(f, ctypes.c_void_p) if f is not None else None for f in fns]
        # the library may call the functions here (to check g' when ddg is
        # None): an exception they raised belongs to this call, not to a later
        # one (check() raises it if the call failed, and forgets it otherwise)
        _callbacks.clear()
        check(C.ode_set_activation(h, cptrs[0], cptrs[1], cptrs[2], None), call)
        self._callbacks = fns   # kept alive as long as the ODE may call them

    @staticmethod
    def _wrap_callback(f):
        # The trampoline does not refer to the ODE: no reference cycle, so the
        # ODE is still freed as soon as its last reference goes.
        def trampoline(x, user):
            try:
                return float(f(x))
            except BaseException as exc:  # noqa: BLE001 - raised again after the C call
                _callbacks.store(exc)
                return math.nan
        return ACT_FN(trampoline)

    def advance(self, t_end):
        """Integrate to t_end (>= time), landing exactly on it (GIL released)."""
        call = "aedyn_ode_advance"
        h = self._h
        t_end = as_float(t_end, "t_end", call)
        _callbacks.clear()
        check(C.ode_advance(h, t_end), call)

    @property
    def time(self):
        return float(C.ode_get_time(self._h))

    @property
    def modes(self):
        return int(C.ode_get_n_modes(self._h))

    def mode(self, i):
        """(rho, is_eigenvector) of mode i."""
        call = "aedyn_ode_get_mode"
        rho, ev = c_double(), c_bool()
        check(C.ode_get_mode(self._h, as_size(i, "i", call), byref(rho), byref(ev)), call)
        return rho.value, bool(ev.value)

    def order_params(self):
        """dict of the K x K order parameters Q, R, T, T0 now."""
        K = self._K
        op = {k: np.empty((K, K)) for k in ("Q", "R", "T", "T0")}
        check(C.ode_order_params(self._h, ptr(op["Q"]), ptr(op["R"]), ptr(op["T"]),
                                 ptr(op["T0"])), "aedyn_ode_order_params")
        return op

    def biases(self):
        b = np.empty(self._K)
        check(C.ode_get_biases(self._h, ptr(b)), "aedyn_ode_get_biases")
        return b

    def error(self):
        """Population test error now (with the 1/2 of the loss; for a denoising
        autoencoder against the clean input, at the current a and sigma_n)."""
        err = c_double()
        h = self._h
        _callbacks.clear()
        check(C.ode_error(h, byref(err)), "aedyn_ode_error")
        return err.value

    def overlaps(self, n=None):
        """(enc, dec): K x n cosines of encoders / decoders with the first n
        modes (all modes by default)."""
        call = "aedyn_ode_overlaps"
        h = self._h
        n = self.modes if n is None else as_size(n, "n", call)
        enc = np.empty((self._K, n))
        dec = np.empty((self._K, n))
        check(C.ode_overlaps(h, n, ptr(enc), ptr(dec)), call)
        return enc, dec

    def weights(self):
        """(W, V), each K x D, reconstructed from the modes."""
        W = np.empty((self._K, self._D))
        V = np.empty((self._K, self._D))
        check(C.ode_get_weights(self._h, ptr(W), ptr(V)), "aedyn_ode_get_weights")
        return W, V

    def switches(self):
        """The switches of the automatic method so far, as a list of
        (t, method name): the method switched to at time t (aedyn_ode_get_switch;
        DOPRI5 is in use before the first)."""
        out, t, m = [], c_double(), c_int()
        n = self.stats()["switches"]
        for i in range(min(n, 1024)):  # AEDYN_ODE_MAX_SWITCHES
            check(C.ode_get_switch(self._h, i, byref(t), byref(m)), "aedyn_ode_get_switch")
            out.append((t.value, METHODS.name_of(m.value)))
        return out

    def stats(self):
        """dict: integration statistics by name (aedyn_ode_get_stat): rhs, steps,
        rejected, jacobians, factorisations."""
        out = {}
        for which, name in enumerate(ODE_STATS):
            v = c_uint64()
            check(C.ode_get_stat(self._h, which, byref(v)), "aedyn_ode_get_stat")
            out[name] = v.value
        return out

    def __repr__(self):
        if self.closed:
            return "<aedyn.ODE closed>"
        return f"<aedyn.ODE K={self._K} modes={self.modes} t={self.time:g}>"


# ---------------------------------------------------------------- npy

def npy_read(path):
    """Read a float64 .npy file with the library's reader (2-D array; a 1-D
    file gives shape (n, 1), as the C API describes)."""
    call = "aedyn_npy_read"
    p = _path_arg(path, call)
    data = ctypes.POINTER(ctypes.c_double)()
    rows, cols = c_size_t(), c_size_t()
    check(C.npy_read(p, byref(data), byref(rows), byref(cols)), call)
    try:
        n = rows.value * cols.value
        out = np.ctypeslib.as_array(data, shape=(n,)).copy() if n else np.empty(0)
    finally:
        C.npy_free(data)
    return out.reshape(rows.value, cols.value)


def npy_write(path, array):
    """Write a 0-, 1- or 2-D float64 array as a 2-D .npy file with the
    library's writer."""
    call = "aedyn_npy_write"
    p = _path_arg(path, call)
    a = as_f64(array, None, "array", call)
    if a.ndim > 2:
        raise AedynError(ERR_SIZE, f"array must have at most 2 dimensions, got {a.ndim}",
                         call=call)
    a2 = a if a.ndim == 2 else a.reshape(-1, 1)   # 1-D: n x 1, 0-D: 1 x 1
    check(C.npy_write(p, ptr(a2), a2.shape[0], a2.shape[1]), call)
