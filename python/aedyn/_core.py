"""Python objects over the libaedyn handles."""

from __future__ import annotations

import ctypes
import math
import os
from ctypes import byref, c_bool, c_double, c_int, c_size_t, c_uint64
from typing import (TYPE_CHECKING, Any, Callable, Dict, List, Mapping, NamedTuple, Optional,
                    Sequence, Tuple, Union)

import numpy as np
from numpy.typing import ArrayLike, NDArray

from . import _callbacks
from ._errors import AedynError, ERR_INVALID, ERR_NULL, ERR_SIZE
from ._handle import (Handle, as_enum, as_f64, as_float, as_size, as_u64, out_ptr, ptr)
from ._lib import (ACT_FN, C, ENUM_ACTIVATION, ENUM_ANALYSIS_OUTCOME, ENUM_IMAGES_MODE,
                   ENUM_IMAGES_SAMPLER, ENUM_METHOD, ENUM_ODE_STAT, ENUM_RULE, ENUM_SPIKES,
                   EnumTable, check)
from ._schedule import Schedule, ScheduleOwner, Target

if TYPE_CHECKING:  # pragma: no cover
    PathLike = Union[str, bytes, "os.PathLike[str]", "os.PathLike[bytes]"]

#: A float64 array.
Array = NDArray[np.float64]
#: An enumerated value: its name (as the library spells it) or its C integer.
EnumArg = Union[str, int]
#: Schedules to attach: {target or tuple of targets: schedule or None}.
Schedules = Mapping[Union[Target, Tuple[Target, ...]], Optional[Schedule]]

# name -> value of the C enumerations, with the library's own spellings
#: Activations: "linear", "erf", "relu".
ACTIVATIONS = EnumTable(ENUM_ACTIVATION, "activation")
#: Update rules: "vanilla", "truncated", "sanger".
RULES = EnumTable(ENUM_RULE, "rule")
#: ODE integrators: "euler", "rk4", "dopri5", "rkc", "bdf", "auto".
METHODS = EnumTable(ENUM_METHOD, "method")
#: Spike vectors of the spiked model: "random", "sinusoidal".
SPIKE_VECTORS = EnumTable(ENUM_SPIKES, "spike vectors")
#: Image preprocessings: "raw", "paper", "centred", "zca", "pca-white".
PREPROCESS = EnumTable(ENUM_IMAGES_MODE, "preprocessing mode")
#: Samplers of an image data model: "real", "gaussian".
SAMPLERS = EnumTable(ENUM_IMAGES_SAMPLER, "sampler")
#: ODE statistics: "rhs", "steps", "rejected", "jacobians", "factorisations", "switches",
#: "breakpoints".
ODE_STATS = EnumTable(ENUM_ODE_STAT, "ODE statistic")
#: Outcomes of a fixed-point search (experimental analysis module): "none",
#: "fixed-point", "runaway", "not-found", "linearised".
ANALYSIS_OUTCOMES = EnumTable(ENUM_ANALYSIS_OUTCOME, "analysis outcome")

NET_BIAS = 1
NET_TIED = 2
NET_SKIP = 4
SPIKED_STANDARDISE = 1


class Group(NamedTuple):
    """One eigen-group of a data model's covariance.

    Attributes
    ----------
    rho : float
        The eigenvalue.
    multiplicity : int
        How many eigen-directions share it.
    n_explicit : int
        How many of them are given explicitly (0: the orthogonal complement
        of the others).
    """

    rho: float
    multiplicity: int
    n_explicit: int


def _name_of(table: Mapping[str, int], value: int) -> Union[str, int]:
    for k, v in table.items():
        if v == value:
            return k
    return value


def _shape_arg(size: Union[int, Tuple[int, ...]]) -> Tuple[int, Tuple[int, ...]]:
    """(count, shape) of a numpy-style size argument."""
    if isinstance(size, tuple):
        shape = tuple(as_size(s, "size", "Rng") for s in size)
    else:
        shape = (as_size(size, "size", "Rng"),)
    return int(np.prod(shape, dtype=np.int64)), shape


def _path_arg(path: Any, call: str) -> bytes:
    if path is None:
        raise AedynError(ERR_NULL, "path is required (got None)", call=call)
    return os.fsencode(path)


# ---------------------------------------------------------------- Rng

class Rng(Handle):
    """Seeded random generator (xoshiro256++).

    The same (seed, stream) gives the same sequence, bit for bit, as the C
    library's ``aedyn_rng_create(seed, stream)``; different streams of one
    seed are independent.

    Parameters
    ----------
    seed : int, default 0
        The seed, 0 <= seed < 2**64.
    stream : int, default 0
        The stream id, 0 <= stream < 2**64.

    Attributes
    ----------
    seed, stream : int
        As given.
    """

    seed: int
    stream: int

    @staticmethod
    def _destroy(p: int) -> None:
        C.rng_destroy(p)

    def __init__(self, seed: int = 0, stream: int = 0) -> None:
        call = "aedyn_rng_create"
        seed = as_u64(seed, "seed", call)
        stream = as_u64(stream, "stream", call)
        out = out_ptr()
        check(C.rng_create(byref(out), seed, stream), call)
        self._adopt(out.value)
        self.seed, self.stream = seed, stream

    def copy(self) -> "Rng":
        """A new generator in the same state (``aedyn_rng_copy``).

        Returns
        -------
        Rng
        """
        new = Rng(self.seed, self.stream)
        check(C.rng_copy(new._h, self._h), "aedyn_rng_copy")
        return new

    def set_state(self, src: "Rng") -> None:
        """Copy the state of another generator into this one.

        Parameters
        ----------
        src : Rng
            The generator whose state is copied.
        """
        if not isinstance(src, Rng):
            raise AedynError(ERR_INVALID, "src must be an Rng", call="aedyn_rng_copy")
        check(C.rng_copy(self._h, src._h), "aedyn_rng_copy")

    def u64(self) -> int:
        """The next raw 64-bit output.

        Returns
        -------
        int
        """
        return int(C.rng_u64(self._h))

    def uniform(self, size: Optional[Union[int, Tuple[int, ...]]] = None
                ) -> Union[float, Array]:
        """Uniform numbers in [0, 1).

        Parameters
        ----------
        size : int or tuple of int, optional
            Shape of the array to return; None for one number.

        Returns
        -------
        float or ndarray
        """
        if size is None:
            return float(C.rng_uniform(self._h))
        n, shape = _shape_arg(size)
        x = np.empty(n)
        check(C.rng_fill_uniform(self._h, ptr(x), n), "aedyn_rng_fill_uniform")
        return x.reshape(shape)

    def normal(self, size: Optional[Union[int, Tuple[int, ...]]] = None
               ) -> Union[float, Array]:
        """Standard normal numbers.

        Parameters
        ----------
        size : int or tuple of int, optional
            Shape of the array to return; None for one number.

        Returns
        -------
        float or ndarray
        """
        if size is None:
            return float(C.rng_normal(self._h))
        n, shape = _shape_arg(size)
        x = np.empty(n)
        check(C.rng_fill_normal(self._h, ptr(x), n), "aedyn_rng_fill_normal")
        return x.reshape(shape)

    def __repr__(self) -> str:
        state = "closed" if self.closed else f"seed={self.seed}, stream={self.stream}"
        return f"<aedyn.Rng {state}>"


def _rng_arg(rng: Any, call: str, required: bool = True) -> Optional[int]:
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
    """A data model: input dimension D, a sampler, and the covariance spectrum.

    Create one with :meth:`spiked`, :meth:`gaussian`, :meth:`eigen`,
    :meth:`empirical` or ``Images.data()``. The spectrum is held as
    eigen-groups (:meth:`groups`), so the spiked model never needs a D x D
    matrix.

    Attributes
    ----------
    kind : str
        The library's name of the model ("spiked", "gaussian", "eigen",
        "empirical", "images").
    """

    kind: str

    @staticmethod
    def _destroy(p: int) -> None:
        C.data_destroy(p)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        raise TypeError("create data models with aedyn.Data.spiked(), .gaussian(), "
                        ".eigen(), .empirical() or aedyn.Images.data()")

    @classmethod
    def _wrap(cls, ptr_value: Optional[int], borrowed: Sequence[Handle] = ()) -> "Data":
        self = object.__new__(cls)
        self._adopt(ptr_value, borrowed)
        self.kind = C.data_get_kind(ptr_value).decode("ascii")
        return self

    @classmethod
    def spiked(cls, D: int, M: int, lambdas: Optional[ArrayLike] = None, sigma: float = 1.0,
               vectors: EnumArg = "random", rng: Optional[Rng] = None,
               standardise: bool = True) -> "Data":
        """The spiked (Wishart) model x = sum_m c_m a_m + sigma xi.

        Parameters
        ----------
        D : int
            Input dimension (>= 1).
        M : int
            Number of spikes (M <= D).
        lambdas : array_like of float, shape (M,), optional
            Spike strengths Lambda_m > 0; default the paper's 3, 5, 9, 17, ...
            (2^m + 1).
        sigma : float, default 1
            Standard deviation of the isotropic noise.
        vectors : {"random", "sinusoidal"}, default "random"
            Spike vectors a_m: i.i.d. N(0, 1) entries (needs `rng`) or
            sin((m + 1) i / 100), each of norm sqrt(D).
        rng : Rng, optional
            Generator of random spike vectors.
        standardise : bool, default True
            Divide the inputs by sqrt(Tr Omega / D), as the paper's figures and
            the ``aedyn`` program do (AEDYN_DATA_STANDARDISE; note: the C
            default is False).

        Returns
        -------
        Data
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
    def gaussian(cls, omega: ArrayLike) -> "Data":
        """N(0, Omega) from a D x D covariance matrix (diagonalised once).

        Parameters
        ----------
        omega : array_like of float, shape (D, D)
            The covariance, symmetric and positive semi-definite (checked).

        Returns
        -------
        Data
        """
        call = "aedyn_data_create_gaussian"
        om = as_f64(omega, None, "omega", call)
        if om.ndim != 2 or om.shape[0] != om.shape[1]:
            raise AedynError(ERR_SIZE, f"omega must be a square D x D matrix, got shape "
                             f"{om.shape}", call=call)
        out = out_ptr()
        check(C.data_create_gaussian(byref(out), om.shape[0], ptr(om)), call)
        return cls._wrap(out.value)

    @classmethod
    def eigen(cls, rho: ArrayLike, vectors: ArrayLike, bulk: float = 0.0,
              D: Optional[int] = None) -> "Data":
        """N(0, Omega) from n eigenpairs and the eigenvalue of their complement.

        Parameters
        ----------
        rho : array_like of float, shape (n,)
            The eigenvalues (>= 0).
        vectors : array_like of float, shape (n, D)
            The orthonormal eigenvectors, one per row.
        bulk : float, default 0
            The eigenvalue of the orthogonal complement of the vectors.
        D : int, optional
            The dimension (default: the vectors' length; required when n = 0).

        Returns
        -------
        Data
        """
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
    def empirical(cls, src: "Data", rng: Rng, N: int) -> "Data":
        """N(0, X^T X / N) from N samples X of another model.

        Parameters
        ----------
        src : Data
            The model sampled.
        rng : Rng
            The generator of the samples.
        N : int
            Number of samples (>= 1).

        Returns
        -------
        Data
        """
        call = "aedyn_data_create_empirical"
        s = _data_arg(src, call)
        r = _rng_arg(rng, call)
        out = out_ptr()
        check(C.data_create_empirical(byref(out), s, r, as_size(N, "N", call)), call)
        return cls._wrap(out.value)

    @property
    def dim(self) -> int:
        """The input dimension D."""
        return int(C.data_get_dim(self._h))

    @property
    def trace(self) -> float:
        """Tr Omega (D for a standardised model)."""
        return float(C.data_get_trace(self._h))

    def groups(self) -> List[Group]:
        """The eigen-groups, largest eigenvalue first.

        Returns
        -------
        list of Group
            (rho, multiplicity, n_explicit); n_explicit = 0 for the
            complement group.
        """
        h = self._h
        out = []
        rho, mult, nexp = c_double(), c_size_t(), c_size_t()
        for g in range(int(C.data_get_n_groups(h))):
            check(C.data_get_group(h, g, byref(rho), byref(mult), byref(nexp)),
                  "aedyn_data_get_group")
            out.append(Group(rho.value, mult.value, nexp.value))
        return out

    def group_vectors(self, g: int) -> Array:
        """The explicit eigenvectors of group g.

        Parameters
        ----------
        g : int
            Index of the group (as in :meth:`groups`).

        Returns
        -------
        ndarray, shape (n_explicit, D)
            One eigenvector per row (0 rows for the complement group).
        """
        call = "aedyn_data_get_group_vectors"
        g = as_size(g, "g", call)
        groups = self.groups()
        if g >= len(groups):
            raise AedynError(ERR_SIZE, f"group {g} out of range (the model has "
                             f"{len(groups)})", call=call)
        v = np.empty((groups[g].n_explicit, self.dim))
        check(C.data_get_group_vectors(self._h, g, ptr(v)), call)
        return v

    def eigenvalues(self) -> Array:
        """All D eigenvalues with multiplicity, decreasing.

        Returns
        -------
        ndarray, shape (D,)
        """
        rho = np.empty(self.dim)
        check(C.data_get_eigenvalues(self._h, ptr(rho)), "aedyn_data_get_eigenvalues")
        return rho

    def covariance(self) -> Array:
        """Omega as a dense matrix (O(D^2) memory).

        Returns
        -------
        ndarray, shape (D, D)
        """
        D = self.dim
        om = np.empty((D, D))
        check(C.data_get_covariance(self._h, ptr(om)), "aedyn_data_get_covariance")
        return om

    def pca_error(self, m: int) -> float:
        """The error of PCA with m components, eps_PCA(m) = (1/2D) sum_{j > m} rho_j.

        Parameters
        ----------
        m : int
            Number of components (0 <= m <= D).

        Returns
        -------
        float
            With the 1/2 of the loss, as every error of the library.
        """
        call = "aedyn_data_pca_error"
        err = c_double()
        check(C.data_pca_error(self._h, as_size(m, "m", call), byref(err)), call)
        return err.value

    def sample(self, rng: Rng, n: int = 1) -> Array:
        """Draw inputs (one thread at a time per model).

        Parameters
        ----------
        rng : Rng
            The generator.
        n : int, default 1
            Number of inputs.

        Returns
        -------
        ndarray, shape (n, D)
        """
        call = "aedyn_data_sample"
        h, r, n = self._h, _rng_arg(rng, call), as_size(n, "n", call)
        X = np.empty((n, self.dim))
        check(C.data_sample(h, r, n, ptr(X)), call)
        return X

    def __repr__(self) -> str:
        if self.closed:
            return "<aedyn.Data closed>"
        return f"<aedyn.Data {self.kind} D={self.dim} groups={int(C.data_get_n_groups(self._h))}>"


def _data_arg(data: Any, call: str) -> int:
    if data is None:
        raise AedynError(ERR_NULL, "data is required (got None)", call=call)
    if not isinstance(data, Data):
        raise AedynError(ERR_INVALID, f"data must be an aedyn.Data (got "
                         f"{type(data).__name__})", call=call)
    return data._h


# ---------------------------------------------------------------- Images

class Images(Handle):
    """A set of N grayscale images as an N x D array (D = rows * cols).

    Load one with :meth:`load_idx` or :meth:`load_cifar10`, or make one from
    an array.

    Parameters
    ----------
    X : array_like of float, shape (n, D) or (n, rows, cols)
        The pixels, as given (no scaling).
    rows, cols : int, optional
        The shape of one image for a 2-D `X` (default: 1 x D).
    """

    @staticmethod
    def _destroy(p: int) -> None:
        C.images_destroy(p)

    def __init__(self, X: ArrayLike, rows: Optional[int] = None,
                 cols: Optional[int] = None) -> None:
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
                r = as_size(rows if rows is not None else a.shape[1] // max(cols or 1, 1),
                            "rows", call)
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
    def _wrap(cls, p: Optional[int]) -> "Images":
        self = object.__new__(cls)
        self._adopt(p)
        return self

    @classmethod
    def load_idx(cls, path: "PathLike", first: int = 0, count: int = 0) -> "Images":
        """Load images from an IDX file (MNIST, Fashion-MNIST; plain or gzip).

        Parameters
        ----------
        path : str or path-like
            The file.
        first : int, default 0
            Index of the first image to keep.
        count : int, default 0
            Number of images to keep (0: all from `first` on).

        Returns
        -------
        Images
            Pixels scaled to [0, 1].
        """
        call = "aedyn_images_load_idx"
        p = _path_arg(path, call)
        out = out_ptr()
        check(C.images_load_idx(byref(out), p, as_size(first, "first", call),
                                as_size(count, "count", call)), call)
        return cls._wrap(out.value)

    @classmethod
    def load_cifar10(cls, path: "PathLike", first: int = 0, count: int = 0) -> "Images":
        """Load a CIFAR-10 binary batch (plain or gzip), as grayscale.

        Parameters
        ----------
        path : str or path-like
            The file.
        first : int, default 0
            Index of the first image to keep.
        count : int, default 0
            Number of images to keep (0: all from `first` on).

        Returns
        -------
        Images
            Grayscale pixels in [0, 1].
        """
        call = "aedyn_images_load_cifar10"
        p = _path_arg(path, call)
        out = out_ptr()
        check(C.images_load_cifar10(byref(out), p, as_size(first, "first", call),
                                    as_size(count, "count", call)), call)
        return cls._wrap(out.value)

    @property
    def count(self) -> int:
        """Number of images N."""
        return int(C.images_get_n_images(self._h))

    def __len__(self) -> int:
        return self.count

    @property
    def dim(self) -> int:
        """Pixels per image D = rows * cols."""
        return int(C.images_get_dim(self._h))

    @property
    def shape(self) -> Tuple[int, int]:
        """(rows, cols) of one image."""
        r, c = c_size_t(), c_size_t()
        check(C.images_get_shape(self._h, byref(r), byref(c)), "aedyn_images_get_shape")
        return (r.value, c.value)

    def get(self, first: int = 0, n: Optional[int] = None) -> Array:
        """Images first .. first + n - 1, as currently preprocessed.

        Parameters
        ----------
        first : int, default 0
            Index of the first image.
        n : int, optional
            Number of images (default: all from `first` on).

        Returns
        -------
        ndarray, shape (n, D)
        """
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

    def preprocess(self, mode: EnumArg = "paper", eps: Optional[float] = None) -> "Images":
        """Fit a preprocessing on the set and apply it in place (once per set).

        Parameters
        ----------
        mode : {"paper", "raw", "centred", "zca", "pca-white"}, default "paper"
            None; the paper's global mean 0 and standard deviation 0.5;
            per-pixel centring; ZCA or PCA whitening.
        eps : float, optional
            Regulariser of the whitenings (> 0; required by them).

        Returns
        -------
        Images
            self.
        """
        call = "aedyn_images_preprocess"
        m = as_enum(mode, PREPROCESS, "preprocessing mode", call)
        e = 0.0 if eps is None else as_float(eps, "eps", call)
        check(C.images_preprocess(self._h, m, e), call)
        return self

    def preprocess_like(self, fitted: "Images") -> "Images":
        """Apply the preprocessing fitted on another set (e.g. training -> test).

        Parameters
        ----------
        fitted : Images
            The set whose preprocessing is applied.

        Returns
        -------
        Images
            self.
        """
        call = "aedyn_images_preprocess_like"
        if not isinstance(fitted, Images):
            raise AedynError(ERR_INVALID if fitted is not None else ERR_NULL,
                             "fitted must be an aedyn.Images", call=call)
        check(C.images_preprocess_like(self._h, fitted._h), call)
        return self

    def sample(self, rng: Rng, n: int = 1) -> Array:
        """Images drawn uniformly with replacement.

        Parameters
        ----------
        rng : Rng
            The generator.
        n : int, default 1
            Number of images.

        Returns
        -------
        ndarray, shape (n, D)
        """
        call = "aedyn_images_sample"
        h, r, n = self._h, _rng_arg(rng, call), as_size(n, "n", call)
        X = np.empty((n, self.dim))
        check(C.images_sample(h, r, n, ptr(X)), call)
        return X

    def data(self, sampler: EnumArg = "real") -> Data:
        """A data model with the spectrum of X^T X / N.

        Parameters
        ----------
        sampler : {"real", "gaussian"}, default "real"
            "real" samples the images themselves (the model shares the set's
            pixels, as they are now, whatever happens to the set later);
            "gaussian" samples N(0, X^T X / N).

        Returns
        -------
        Data
        """
        call = "aedyn_data_create_images"
        s = as_enum(sampler, SAMPLERS, "sampler", call)
        out = out_ptr()
        check(C.data_create_images(byref(out), self._h, s), call)
        return Data._wrap(out.value)

    def error(self, net: "Net") -> Tuple[float, float]:
        """The mean loss of a network over the set and its standard error.

        Parameters
        ----------
        net : Net
            The network (of dimension D).

        Returns
        -------
        (float, float)
            (mean, standard error) of (1/2D)|x - xhat|^2.
        """
        call = "aedyn_net_error_images"
        n = _net_arg(net, call)
        mean, se = c_double(), c_double()
        check(C.net_error_images(n, self._h, byref(mean), byref(se)), call)
        return mean.value, se.value

    def __repr__(self) -> str:
        if self.closed:
            return "<aedyn.Images closed>"
        return f"<aedyn.Images N={self.count} shape={self.shape}>"


# ---------------------------------------------------------------- Net

class Net(Handle):
    """A shallow autoencoder xhat = c x + sum_k v^k g(w^k . x / sqrt(D) + b_k).

    Weights are float64 arrays: W and V are K x D (row k = w^k, v^k), the
    biases K; c is the skip weight of a network with a skip connection.

    Parameters
    ----------
    D : int
        Input dimension (>= 1).
    K : int
        Hidden units (1 <= K <= D).
    activation : {"erf", "linear", "relu"}, default "erf"
        The activation g.
    bias : bool, default False
        A trainable bias per hidden unit.
    tied : bool, default False
        Tied weights, v^k = w^k (SGD only: the ODE does not support them).
    skip : bool, default False
        A scalar skip connection c x (starts at c = 0; see :attr:`skip`).
    """

    _D: int
    _K: int

    @staticmethod
    def _destroy(p: int) -> None:
        C.net_destroy(p)

    def __init__(self, D: int, K: int, activation: EnumArg = "erf", bias: bool = False,
                 tied: bool = False, skip: bool = False) -> None:
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
    def dim(self) -> int:
        """Input dimension D."""
        return int(C.net_get_dim(self._h))

    @property
    def hidden(self) -> int:
        """Hidden units K."""
        return int(C.net_get_n_hidden(self._h))

    @property
    def activation(self) -> str:
        """The activation's name ("erf", "linear", "relu")."""
        return str(_name_of(ACTIVATIONS, int(C.net_get_activation(self._h))))

    @property
    def flags(self) -> int:
        """The C flags (AEDYN_NET_BIAS 1 | AEDYN_NET_TIED 2 | AEDYN_NET_SKIP 4)."""
        return int(C.net_get_flags(self._h))

    @property
    def tied(self) -> bool:
        """Whether the weights are tied (v^k = w^k)."""
        return bool(self.flags & NET_TIED)

    @property
    def has_bias(self) -> bool:
        """Whether the hidden units have trainable biases."""
        return bool(self.flags & NET_BIAS)

    @property
    def has_skip(self) -> bool:
        """Whether the network has a skip connection xhat = c x + ... (AEDYN_NET_SKIP)."""
        return bool(self.flags & NET_SKIP)

    @property
    def skip(self) -> float:
        """The skip weight c (0 without skip connection); settable when has_skip."""
        c = c_double()
        check(C.net_get_skip(self._h, byref(c)), "aedyn_net_get_skip")
        return c.value

    @skip.setter
    def skip(self, c: float) -> None:
        call = "aedyn_net_set_skip"
        check(C.net_set_skip(self._h, as_float(c, "c", call)), call)

    def copy(self) -> "Net":
        """A new network with the same shape, activation, flags and weights.

        Returns
        -------
        Net
        """
        new = Net(self._D, self._K, self.activation, self.has_bias, self.tied, self.has_skip)
        W, V, b = self.get_weights()
        new.set_weights(W, None if self.tied else V, b if self.has_bias else None)
        if self.has_skip:
            new.skip = self.skip
        return new

    def init_gaussian(self, rng: Rng, sigma0: float = 0.1) -> "Net":
        """Draw all weights i.i.d. N(0, sigma0^2) (encoder first, then decoder).

        Parameters
        ----------
        rng : Rng
            The generator.
        sigma0 : float, default 0.1
            Standard deviation (>= 0).

        Returns
        -------
        Net
            self.
        """
        call = "aedyn_net_init_gaussian"
        h, r = self._h, _rng_arg(rng, call)
        check(C.net_init_gaussian(h, r, as_float(sigma0, "sigma0", call)), call)
        return self

    def init_informed(self, data: Data) -> "Net":
        """Informed initialisation w^k = e_k, v^k = sqrt(D) e_k on the K leading eigenvectors.

        Parameters
        ----------
        data : Data
            The data model whose leading eigenvectors are used.

        Returns
        -------
        Net
            self.
        """
        call = "aedyn_net_init_informed"
        h, d = self._h, _data_arg(data, call)
        check(C.net_init_informed(h, d), call)
        return self

    def set_weights(self, W: Optional[ArrayLike] = None, V: Optional[ArrayLike] = None,
                    bias: Optional[ArrayLike] = None) -> None:
        """Set any of the weights (the others are unchanged).

        Parameters
        ----------
        W : array_like of float, shape (K, D), optional
            Encoder.
        V : array_like of float, shape (K, D), optional
            Decoder (untied networks only).
        bias : array_like of float, shape (K,), optional
            Biases (networks with biases only).
        """
        call = "aedyn_net_set_weights"
        h = self._h
        KD = (self._K, self._D)
        w = as_f64(W, KD, "W", call, required=False)
        v = as_f64(V, KD, "V", call, required=False)
        b = as_f64(bias, (self._K,), "bias", call, required=False)
        check(C.net_set_weights(h, ptr(w), ptr(v), ptr(b)), call)

    def get_weights(self) -> Tuple[Array, Array, Array]:
        """Copies of the weights.

        Returns
        -------
        W, V : ndarray, shape (K, D)
            Encoder and decoder (V is W for a tied network).
        bias : ndarray, shape (K,)
            Zeros without biases.
        """
        W = np.empty((self._K, self._D))
        V = np.empty((self._K, self._D))
        b = np.empty(self._K)
        check(C.net_get_weights(self._h, ptr(W), ptr(V), ptr(b)), "aedyn_net_get_weights")
        return W, V, b

    @property
    def W(self) -> Array:
        """The encoder, K x D (a copy; assign to set it)."""
        return self.get_weights()[0]

    @W.setter
    def W(self, value: ArrayLike) -> None:
        self.set_weights(W=value)

    @property
    def V(self) -> Array:
        """The decoder, K x D (a copy; assign to set it)."""
        return self.get_weights()[1]

    @V.setter
    def V(self, value: ArrayLike) -> None:
        self.set_weights(V=value)

    @property
    def bias(self) -> Array:
        """The biases, K (a copy; assign to set them)."""
        return self.get_weights()[2]

    @bias.setter
    def bias(self, value: ArrayLike) -> None:
        self.set_weights(bias=value)

    def reconstruct(self, X: ArrayLike) -> Array:
        """The reconstructions xhat of a batch.

        Parameters
        ----------
        X : array_like of float, shape (n, D) or (D,)
            Inputs.

        Returns
        -------
        ndarray
            Of the shape of X.
        """
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
        return out[0] if one else out  # type: ignore[no-any-return]

    def loss(self, x: ArrayLike) -> float:
        """The loss of one input, l = (1/2D) |x - xhat|^2.

        Parameters
        ----------
        x : array_like of float, shape (D,)
            The input.

        Returns
        -------
        float
        """
        call = "aedyn_net_loss"
        h = self._h
        a = as_f64(x, (self._D,), "x", call)
        val = c_double()
        check(C.net_loss(h, ptr(a), byref(val)), call)
        return val.value

    def mc_error(self, data: Data, rng: Rng, n: int) -> Tuple[float, float]:
        """Monte-Carlo estimate of the test error over fresh inputs.

        Parameters
        ----------
        data : Data
            The data model.
        rng : Rng
            The generator of the test inputs.
        n : int
            Number of inputs (>= 2).

        Returns
        -------
        (float, float)
            (mean, standard error) of the loss.
        """
        call = "aedyn_net_error_mc"
        h, d, r = self._h, _data_arg(data, call), _rng_arg(rng, call)
        mean, se = c_double(), c_double()
        check(C.net_error_mc(h, d, r, as_size(n, "n", call), byref(mean), byref(se)), call)
        return mean.value, se.value

    def order_params(self, data: Data) -> Dict[str, Array]:
        """The order parameters for the covariance of a data model.

        Parameters
        ----------
        data : Data
            The data model.

        Returns
        -------
        dict of str to ndarray, shape (K, K)
            "Q" = W Omega W^T / D, "R" = V Omega W^T / D^{3/2},
            "T" = V Omega V^T / D^2, "T0" = V V^T / D.
        """
        call = "aedyn_net_order_params"
        h, d = self._h, _data_arg(data, call)
        K = self._K
        op = {k: np.empty((K, K)) for k in ("Q", "R", "T", "T0")}
        check(C.net_order_params(h, d, ptr(op["Q"]), ptr(op["R"]), ptr(op["T"]),
                                 ptr(op["T0"])), call)
        return op

    def population_error(self, data: Data) -> float:
        """The exact population error E l over x ~ N(0, Omega) of a data model.

        Parameters
        ----------
        data : Data
            The data model.

        Returns
        -------
        float
            With the 1/2 of the loss.
        """
        call = "aedyn_net_error"
        h, d = self._h, _data_arg(data, call)
        err = c_double()
        check(C.net_error(h, d, byref(err)), call)
        return err.value

    def error_denoising(self, data: Data, a: float = 1.0, sigma_n: float = 0.0) -> float:
        """The exact population error of the network as a denoiser.

        E (1/2D) |x - xhat(a x + sigma_n xi)|^2 over clean x ~ N(0, Omega) and
        xi ~ N(0, I), against the clean input.

        Parameters
        ----------
        data : Data
            The clean data model.
        a : float, default 1
            Input scale.
        sigma_n : float, default 0
            Noise level (>= 0); (a, sigma_n) = (1, 0) is :meth:`population_error`.

        Returns
        -------
        float
        """
        call = "aedyn_net_error_denoising"
        h, d = self._h, _data_arg(data, call)
        err = c_double()
        check(C.net_error_denoising(h, d, as_float(a, "a", call),
                                    as_float(sigma_n, "sigma_n", call), byref(err)), call)
        return err.value

    def __repr__(self) -> str:
        if self.closed:
            return "<aedyn.Net closed>"
        extra = ((" tied" if self.tied else "") + (" bias" if self.has_bias else "") +
                 (" skip" if self.has_skip else ""))
        return f"<aedyn.Net D={self._D} K={self._K} {self.activation}{extra}>"


def _net_arg(net: Any, call: str) -> int:
    if net is None:
        raise AedynError(ERR_NULL, "net is required (got None)", call=call)
    if not isinstance(net, Net):
        raise AedynError(ERR_INVALID, f"net must be an aedyn.Net (got {type(net).__name__})",
                         call=call)
    return net._h


# ---------------------------------------------------------------- SGD and ODE

class _Dynamics(ScheduleOwner):
    """What SGD and ODE share: learning rates, weight decay, denoising, skip rate
    (C functions aedyn_<prefix>_*), and schedules (ScheduleOwner)."""

    _prefix: str

    def _fn(self, name: str) -> Any:
        return getattr(C, f"{self._prefix}_{name}")

    def _setup(self, denoising: Optional[Tuple[float, float]], skip_rate: Optional[float],
               schedules: Optional[Schedules]) -> None:
        try:
            if denoising is not None:
                self.set_denoising(*denoising)
            if skip_rate is not None:
                self.skip_rate = skip_rate
            self._set_schedules(schedules)
        except BaseException:
            self.close()
            raise

    def set_learning_rates(self, eta_w: float, eta_v: float, eta_b: float) -> None:
        """Set the learning rates of encoder, decoder and biases.

        Parameters
        ----------
        eta_w, eta_v, eta_b : float
            The rates (finite, >= 0).
        """
        call = f"aedyn_{self._prefix}_set_learning_rates"
        check(self._fn("set_learning_rates")(self._h, as_float(eta_w, "eta_w", call),
                                             as_float(eta_v, "eta_v", call),
                                             as_float(eta_b, "eta_b", call)), call)

    @property
    def learning_rates(self) -> Tuple[float, float, float]:
        """(eta_w, eta_v, eta_b): the constant learning rates (schedules replace them)."""
        a, b, c = c_double(), c_double(), c_double()
        call = f"aedyn_{self._prefix}_get_learning_rates"
        check(self._fn("get_learning_rates")(self._h, byref(a), byref(b), byref(c)), call)
        return a.value, b.value, c.value

    def set_weight_decay(self, kappa: float) -> None:
        """Set the weight decay.

        Parameters
        ----------
        kappa : float
            Finite, >= 0 (and < D for SGD): w <- (1 - kappa/D) w after each step.
        """
        call = f"aedyn_{self._prefix}_set_weight_decay"
        check(self._fn("set_weight_decay")(self._h, as_float(kappa, "kappa", call)), call)

    @property
    def weight_decay(self) -> float:
        """The weight decay kappa."""
        k = c_double()
        call = f"aedyn_{self._prefix}_get_weight_decay"
        check(self._fn("get_weight_decay")(self._h, byref(k)), call)
        return k.value

    def set_denoising(self, a: float = 1.0, sigma_n: float = 0.0) -> None:
        """Train (or integrate) a denoising autoencoder.

        Its input is a x + sigma_n xi with fresh noise xi ~ N(0, I), its target
        the clean x; (1, 0) is the plain autoencoder.

        Parameters
        ----------
        a : float, default 1
            Input scale, finite.
        sigma_n : float, default 0
            Noise level, finite and >= 0.
        """
        call = f"aedyn_{self._prefix}_set_denoising"
        check(self._fn("set_denoising")(self._h, as_float(a, "a", call),
                                        as_float(sigma_n, "sigma_n", call)), call)

    @property
    def denoising(self) -> Tuple[float, float]:
        """(a, sigma_n): the input scale and noise level ((1, 0): plain autoencoder)."""
        a, sn = c_double(), c_double()
        call = f"aedyn_{self._prefix}_get_denoising"
        check(self._fn("get_denoising")(self._h, byref(a), byref(sn)), call)
        return a.value, sn.value

    @property
    def skip_rate(self) -> float:
        """The skip weight's learning rate eta_c (the decoder's until set; 0 without skip)."""
        e = c_double()
        call = f"aedyn_{self._prefix}_get_skip_rate"
        check(self._fn("get_skip_rate")(self._h, byref(e)), call)
        return e.value

    @skip_rate.setter
    def skip_rate(self, eta_c: float) -> None:
        call = f"aedyn_{self._prefix}_set_skip_rate"
        check(self._fn("set_skip_rate")(self._h, as_float(eta_c, "eta_c", call)), call)


class SGD(_Dynamics):
    """Online SGD trainer of a network on a data model.

    It borrows `net`, `data` and `rng`: they stay alive (and their C handles
    allocated) as long as the trainer is open. Each step draws one fresh
    input; the time is t = steps / D.

    Parameters
    ----------
    net : Net
        The network trained (in place).
    data : Data
        The data model the inputs are drawn from.
    rng : Rng
        The generator of the inputs (and of the denoising noise).
    rule : {"vanilla", "truncated", "sanger"}, default "vanilla"
        Update rule ("sanger": linear tied networks only).
    lr : float, default 1
        Learning rate of encoder, decoder and biases (> 0).
    denoising : (float, float), optional
        (a, sigma_n) of :meth:`set_denoising`.
    skip_rate : float, optional
        Learning rate of the skip weight (:attr:`skip_rate`).
    schedules : mapping, optional
        {target: Schedule} to attach (:meth:`set_schedule`; a key may be a
        tuple of targets).

    Attributes
    ----------
    net, data, rng : Net, Data, Rng
        What the trainer borrows.
    rule : str
        The update rule's name.
    """

    _set_fn = C.sgd_set_schedule
    _get_fn = C.sgd_get_schedule
    _call_prefix = "aedyn_sgd"
    _prefix = "sgd"
    net: Net
    data: Data
    rng: Rng
    rule: str

    @staticmethod
    def _destroy(p: int) -> None:
        C.sgd_destroy(p)

    def __init__(self, net: Net, data: Data, rng: Rng, rule: EnumArg = "vanilla",
                 lr: float = 1.0, *, denoising: Optional[Tuple[float, float]] = None,
                 skip_rate: Optional[float] = None,
                 schedules: Optional[Schedules] = None) -> None:
        call = "aedyn_sgd_create"
        n, d, r = _net_arg(net, call), _data_arg(data, call), _rng_arg(rng, call)
        ru = as_enum(rule, RULES, "rule", call)
        out = out_ptr()
        check(C.sgd_create(byref(out), n, d, r, ru, as_float(lr, "lr", call)), call)
        self._adopt(out.value, borrowed=(net, data, rng))
        self._init_schedules()
        self.net, self.data, self.rng, self.rule = net, data, rng, str(_name_of(RULES, ru))
        self._setup(denoising, skip_rate, schedules)

    def step(self, n: int = 1) -> None:
        """Take n online steps on fresh inputs (the GIL is released meanwhile).

        Parameters
        ----------
        n : int, default 1
            Number of steps (>= 0).

        Raises
        ------
        AedynError
            ``ERR_DIVERGED``: the weights of the last good step are kept and
            :attr:`steps` counts the good steps.
        """
        call = "aedyn_sgd_step"
        h = self._h
        n = as_u64(n, "n", call)
        _callbacks.clear()
        check(C.sgd_step(h, n), call)

    def step_input(self, x: ArrayLike) -> None:
        """Take one step on a given (clean) input instead of a drawn one.

        Parameters
        ----------
        x : array_like of float, shape (D,)
            The input (a denoising trainer corrupts it with its own noise).
        """
        call = "aedyn_sgd_step_input"
        h = self._h
        a = as_f64(x, (self.net._D,), "x", call)
        _callbacks.clear()
        check(C.sgd_step_input(h, ptr(a)), call)

    @property
    def steps(self) -> int:
        """Number of steps taken."""
        return int(C.sgd_get_n_steps(self._h))

    @property
    def time(self) -> float:
        """Training time t = steps / D."""
        return float(C.sgd_get_time(self._h))

    def __repr__(self) -> str:
        if self.closed:
            return "<aedyn.SGD closed>"
        return f"<aedyn.SGD {self.rule} steps={self.steps} t={self.time:g}>"


class ODE(_Dynamics):
    """The asymptotically exact ODE of online SGD, from a network's current weights.

    It borrows nothing: `net` and `data` may be closed afterwards. Tied
    networks and Sanger's rule are not supported.

    Parameters
    ----------
    net : Net
        Its weights are the initial condition.
    data : Data
        The data model (its spectrum).
    rule : {"vanilla", "truncated"}, default "vanilla"
        The update rule whose averaged dynamics are integrated.
    lr : float, default 1
        Learning rate of encoder, decoder and biases (> 0).
    denoising : (float, float), optional
        (a, sigma_n) of :meth:`set_denoising`.
    skip_rate : float, optional
        Learning rate of the skip weight (:attr:`skip_rate`).
    schedules : mapping, optional
        {target: Schedule} to attach (:meth:`set_schedule`).
    """

    _set_fn = C.ode_set_schedule
    _get_fn = C.ode_get_schedule
    _call_prefix = "aedyn_ode"
    _prefix = "ode"
    _callbacks: Optional[List[Any]]
    _skip: bool          # the state ends with the skip weight

    @staticmethod
    def _destroy(p: int) -> None:
        C.ode_destroy(p)

    def __init__(self, net: Net, data: Data, rule: EnumArg = "vanilla", lr: float = 1.0, *,
                 denoising: Optional[Tuple[float, float]] = None,
                 skip_rate: Optional[float] = None,
                 schedules: Optional[Schedules] = None) -> None:
        call = "aedyn_ode_create"
        n, d = _net_arg(net, call), _data_arg(data, call)
        ru = as_enum(rule, RULES, "rule", call)
        out = out_ptr()
        check(C.ode_create(byref(out), n, d, ru, as_float(lr, "lr", call)), call)
        self._adopt(out.value)
        self._init_schedules()
        self._K, self._D = net._K, net._D
        self._skip = net.has_skip
        self._callbacks = None
        self._setup(denoising, skip_rate, schedules)

    @classmethod
    def from_sgd(cls, sgd: SGD) -> "ODE":
        """The ODE that predicts a trainer from now on.

        Same weights (and skip weight), data spectrum, rule, learning rates,
        weight decay, denoising, skip rate and schedules; the ODE time starts
        at ``sgd.time``.

        Parameters
        ----------
        sgd : SGD
            The trainer.

        Returns
        -------
        ODE
        """
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
        self._skip = sgd.net.has_skip
        self._callbacks = None
        return self

    @property
    def hidden(self) -> int:
        """Hidden units K."""
        return self._K

    @property
    def dim(self) -> int:
        """Input dimension D."""
        return self._D

    @property
    def skip(self) -> float:
        """The skip weight c at the current time (0 without skip connection)."""
        c = c_double()
        check(C.ode_get_skip(self._h, byref(c)), "aedyn_ode_get_skip")
        return c.value

    def set_method(self, method: EnumArg, step: float = 0.0) -> None:
        """Choose the integrator.

        Parameters
        ----------
        method : {"auto", "bdf", "dopri5", "rkc", "rk4", "euler"}
            "euler" and "rk4" take a fixed step; the others are adaptive;
            "auto" (the default) switches between DOPRI5 and BDF by stiffness
            (at rtol >= 1e-4 also RKC for mildly stiff phases).
        step : float, default 0
            The fixed step (required by euler and rk4), or the first trial
            step of the adaptive methods (0: automatic).
        """
        call = "aedyn_ode_set_method"
        m = as_enum(method, METHODS, "method", call)
        check(C.ode_set_method(self._h, m, as_float(step, "step", call)), call)

    @property
    def method(self) -> Tuple[Union[str, int], float]:
        """(name, step) of the integrator in use (the library's default "auto" until set)."""
        m, step = c_int(), c_double()
        check(C.ode_get_method(self._h, byref(m), byref(step)), "aedyn_ode_get_method")
        names = {v: k for k, v in METHODS.items()}
        return names.get(m.value, m.value), step.value

    def set_tolerances(self, rtol: float, atol: float) -> None:
        """Set the tolerances of the adaptive integrators.

        Parameters
        ----------
        rtol : float
            Relative tolerance (> 0; default 1e-6).
        atol : float
            Absolute tolerance (> 0; default 1e-9).
        """
        call = "aedyn_ode_set_tolerances"
        check(C.ode_set_tolerances(self._h, as_float(rtol, "rtol", call),
                                   as_float(atol, "atol", call)), call)

    @property
    def tolerances(self) -> Tuple[float, float]:
        """(rtol, atol) of the adaptive integrators."""
        r, a = c_double(), c_double()
        check(C.ode_get_tolerances(self._h, byref(r), byref(a)), "aedyn_ode_get_tolerances")
        return r.value, a.value

    def set_activation(self, g: Callable[[float], float], dg: Callable[[float], float],
                       ddg: Optional[Callable[[float], float]] = None) -> None:
        """Use an activation given by Python callables, through Gaussian quadrature.

        Experimental (``aedyn_ode_set_activation``). The callables are called
        from C with the GIL held, so this is slow. An exception in one makes
        it return NaN, the integration fails, and :meth:`advance` raises that
        exception.

        Parameters
        ----------
        g, dg : callable float -> float
            The activation and its derivative.
        ddg : callable float -> float, optional
            Its second derivative (default: checked numerically from dg).
        """
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
    def _wrap_callback(f: Callable[[float], float]) -> Any:
        # The trampoline does not refer to the ODE: no reference cycle, so the
        # ODE is still freed as soon as its last reference goes.
        def trampoline(x: float, user: Any) -> float:
            try:
                return float(f(x))
            except BaseException as exc:  # noqa: BLE001 - raised again after the C call
                _callbacks.store(exc)
                return math.nan
        return ACT_FN(trampoline)

    def advance(self, t_end: float) -> None:
        """Integrate to t_end, landing exactly on it (the GIL is released meanwhile).

        Parameters
        ----------
        t_end : float
            Finite, >= :attr:`time`.

        Raises
        ------
        AedynError
            ``ERR_DIVERGED`` (the last finite state is kept), ``ERR_INVALID``
            (t_end, or a schedule's bad value).
        """
        call = "aedyn_ode_advance"
        h = self._h
        t_end = as_float(t_end, "t_end", call)
        _callbacks.clear()
        check(C.ode_advance(h, t_end), call)

    @property
    def time(self) -> float:
        """The current time t."""
        return float(C.ode_get_time(self._h))

    @property
    def modes(self) -> int:
        """Number of modes of the state."""
        return int(C.ode_get_n_modes(self._h))

    def mode(self, i: int) -> Tuple[float, bool]:
        """Describe mode i.

        Parameters
        ----------
        i : int
            Index of the mode (modes come in order of decreasing eigenvalue).

        Returns
        -------
        rho : float
            Its eigenvalue.
        is_eigenvector : bool
            Whether it is an eigenvector of the data model (False: a reduced
            direction inside a degenerate group).
        """
        call = "aedyn_ode_get_mode"
        rho, ev = c_double(), c_bool()
        check(C.ode_get_mode(self._h, as_size(i, "i", call), byref(rho), byref(ev)), call)
        return rho.value, bool(ev.value)

    def order_params(self) -> Dict[str, Array]:
        """The order parameters now.

        Returns
        -------
        dict of str to ndarray, shape (K, K)
            "Q", "R", "T", "T0" as in ``Net.order_params``.
        """
        K = self._K
        op = {k: np.empty((K, K)) for k in ("Q", "R", "T", "T0")}
        check(C.ode_order_params(self._h, ptr(op["Q"]), ptr(op["R"]), ptr(op["T"]),
                                 ptr(op["T0"])), "aedyn_ode_order_params")
        return op

    def biases(self) -> Array:
        """The biases now.

        Returns
        -------
        ndarray, shape (K,)
            Zeros without trained biases.
        """
        b = np.empty(self._K)
        check(C.ode_get_biases(self._h, ptr(b)), "aedyn_ode_get_biases")
        return b

    def error(self) -> float:
        """The population test error now.

        Returns
        -------
        float
            With the 1/2 of the loss; for a denoising autoencoder against the
            clean input, at the current a and sigma_n (their schedules read at
            the current time).
        """
        err = c_double()
        h = self._h
        _callbacks.clear()
        check(C.ode_error(h, byref(err)), "aedyn_ode_error")
        return err.value

    def overlaps(self, n: Optional[int] = None) -> Tuple[Array, Array]:
        """Cosines of each encoder and decoder with the first n modes.

        Parameters
        ----------
        n : int, optional
            Number of modes (default all).

        Returns
        -------
        enc, dec : ndarray, shape (K, n)
            w^k . u_i / |w^k| and v^k . u_i / |v^k|.
        """
        call = "aedyn_ode_overlaps"
        h = self._h
        n = self.modes if n is None else as_size(n, "n", call)
        enc = np.empty((self._K, n))
        dec = np.empty((self._K, n))
        check(C.ode_overlaps(h, n, ptr(enc), ptr(dec)), call)
        return enc, dec

    def weights(self) -> Tuple[Array, Array]:
        """The weights reconstructed from the modes.

        Returns
        -------
        W, V : ndarray, shape (K, D)
        """
        W = np.empty((self._K, self._D))
        V = np.empty((self._K, self._D))
        check(C.ode_get_weights(self._h, ptr(W), ptr(V)), "aedyn_ode_get_weights")
        return W, V

    def switches(self) -> List[Tuple[float, Union[str, int]]]:
        """The switches of the automatic method so far.

        Returns
        -------
        list of (float, str)
            (t, name of the method switched to at t); DOPRI5 is in use before
            the first. At most the first 1024 (AEDYN_ODE_MAX_SWITCHES).
        """
        out: List[Tuple[float, Union[str, int]]] = []
        t, m = c_double(), c_int()
        n = self.stats()["switches"]
        for i in range(min(n, 1024)):  # AEDYN_ODE_MAX_SWITCHES
            check(C.ode_get_switch(self._h, i, byref(t), byref(m)), "aedyn_ode_get_switch")
            out.append((t.value, METHODS.name_of(m.value)))
        return out

    def stats(self) -> Dict[str, int]:
        """The integration statistics by name (``aedyn_ode_get_stat``).

        Returns
        -------
        dict of str to int
            "rhs", "steps", "rejected", "jacobians", "factorisations",
            "switches", "breakpoints".
        """
        out = {}
        for which, name in enumerate(ODE_STATS):
            v = c_uint64()
            check(C.ode_get_stat(self._h, which, byref(v)), "aedyn_ode_get_stat")
            out[name] = v.value
        return out

    def __repr__(self) -> str:
        if self.closed:
            return "<aedyn.ODE closed>"
        return f"<aedyn.ODE K={self._K} modes={self.modes} t={self.time:g}>"


# ---------------------------------------------------------------- analysis

class Plateau(NamedTuple):
    """One plateau of an ODE trajectory (:meth:`Analysis.plateaus`).

    The fields are those of ``aedyn_analysis_get_plateau`` (``enum
    aedyn_analysis_plateau_field``), in its order; times are ODE times.

    Attributes
    ----------
    t_entry : float
        Where the speed falls below the threshold (the first sample if the
        trajectory starts on the plateau).
    t_exit : float
        Where it rises above it again (NaN: the plateau lasts to the end).
    t_reference : float
        The slowest sample, where the plateau is analysed.
    error : float
        The error there: the plateau's level.
    kind : str
        "fixed-point" when Newton from the slowest sample converged near it;
        otherwise a drifting state ("runaway" or "not-found"), analysed by its
        frozen-time linearisation.
    fixed_point_error : float
        The error of the fixed point (NaN for a drifting state).
    lambda_u : float
        The leading unstable eigenvalue (its real part; NaN when none).
    multiplicity : int
        How many eigenvalues share lambda_u, to 1e-3.
    delta0 : float
        The state's component in the unstable eigenspace at entry.
    Delta : float
        The unstable amplitude whose speed reaches the exit threshold.
    t_predicted : float
        The predicted exit t_entry + ln(Delta / delta0) / lambda_u (+inf when
        nothing is unstable).
    n_unstable, n_neutral, n_stable : int
        Directions of the linearisation by stability (neutral includes the
        symmetry directions).
    n_symmetry : int
        The dimension of the symmetry orbit (fixed points only).
    newton_iterations : int
        Newton's iterations from the slowest sample.
    min_speed : float
        The speed at the slowest sample over its scale.
    """

    t_entry: float
    t_exit: float
    t_reference: float
    error: float
    kind: str
    fixed_point_error: float
    lambda_u: float
    multiplicity: int
    delta0: float
    Delta: float
    t_predicted: float
    n_unstable: int
    n_neutral: int
    n_stable: int
    n_symmetry: int
    newton_iterations: int
    min_speed: float


class Analysis(Handle):
    """Fixed points, stability and plateaus of an ODE (experimental).

    The library's analysis module (``aedyn-analysis.h``, experimental tier:
    its shape may change in any release; docs/guide/analysis.md). It borrows
    `ode`: the ODE stays alive (its C handle allocated) as long as the
    analysis is open, and its state and settings are read at each call. A
    search replaces the results of the previous one; the getters raise
    ``AedynError(ERR_INVALID)`` before any search.

    Parameters
    ----------
    ode : ODE
        The ODE to analyse. Refused: a state of more than 1024 numbers
        (``ERR_UNSUPPORTED``); schedules make the searches fail with
        ``ERR_UNSUPPORTED``.
    """

    _K: int
    _D: int
    _N: int
    _ode: ODE

    @staticmethod
    def _destroy(p: int) -> None:
        C.analysis_destroy(p)

    def __init__(self, ode: ODE) -> None:
        call = "aedyn_analysis_create"
        if not isinstance(ode, ODE):
            raise AedynError(ERR_NULL if ode is None else ERR_INVALID,
                             f"ode must be an aedyn.ODE (got {type(ode).__name__})", call=call)
        out = out_ptr()
        check(C.analysis_create(byref(out), ode._h), call)
        self._adopt(out.value, borrowed=(ode,))
        self._ode = ode
        self._K, self._D = ode._K, ode._D
        # the ODE's state: wt and s (P x K each), K biases, the skip weight
        self._N = 2 * ode.modes * ode._K + ode._K + (1 if ode._skip else 0)

    @property
    def ode(self) -> ODE:
        """The ODE analysed (borrowed)."""
        return self._ode

    def set_tolerances(self, residual: float = 1e-12, neutral: float = 1e-8) -> None:
        """Set Newton's tolerance and the neutral band of eigenvalues.

        Parameters
        ----------
        residual : float, default 1e-12
            Newton stops when ``|f(y)| <= residual * |J| |y|``; finite, in (0, 1).
        neutral : float, default 1e-8
            An eigenvalue is neutral when ``|Re lambda| <= neutral`` times the
            largest ``|lambda|``; finite, in (0, 1).
        """
        call = "aedyn_analysis_set_tolerances"
        check(C.analysis_set_tolerances(self._h, as_float(residual, "residual", call),
                                        as_float(neutral, "neutral", call)), call)

    @property
    def tolerances(self) -> Tuple[float, float]:
        """(residual, neutral) of :meth:`set_tolerances`."""
        r, n = c_double(), c_double()
        check(C.analysis_get_tolerances(self._h, byref(r), byref(n)),
              "aedyn_analysis_get_tolerances")
        return r.value, n.value

    @property
    def max_iterations(self) -> int:
        """The most Newton iterations (1 to 10000; default 100); settable."""
        n = c_size_t()
        check(C.analysis_get_max_iterations(self._h, byref(n)),
              "aedyn_analysis_get_max_iterations")
        return n.value

    @max_iterations.setter
    def max_iterations(self, n: int) -> None:
        call = "aedyn_analysis_set_max_iterations"
        check(C.analysis_set_max_iterations(self._h, as_size(n, "n", call)), call)

    @property
    def plateau_threshold(self) -> float:
        """The plateau threshold theta of :meth:`plateaus` (in (0, 1); default 0.1); settable."""
        t = c_double()
        check(C.analysis_get_plateau_threshold(self._h, byref(t)),
              "aedyn_analysis_get_plateau_threshold")
        return t.value

    @plateau_threshold.setter
    def plateau_threshold(self, theta: float) -> None:
        call = "aedyn_analysis_set_plateau_threshold"
        check(C.analysis_set_plateau_threshold(self._h, as_float(theta, "theta", call)), call)

    def fixed_point(self) -> str:
        """Look for a fixed point from the ODE's current state and analyse it.

        A globalised Newton method (trust region) on the reduced state with
        the ODE's structured Jacobian; the ODE is not changed.

        Returns
        -------
        str
            The outcome (:attr:`outcome`): "fixed-point", "runaway" (the
            residual falls only as the weights grow: no fixed point at finite
            weights; :meth:`direction` is the runaway) or "not-found". For the
            last two the stability is the frozen-time linearisation at the
            starting state.

        Raises
        ------
        AedynError
            ``ERR_UNSUPPORTED`` (schedules attached), ``ERR_DIVERGED`` (a state
            that is not finite), ``ERR_NUMERIC``.
        """
        call = "aedyn_analysis_fixed_point"
        h = self._h
        _callbacks.clear()
        check(C.analysis_fixed_point(h), call)
        return self.outcome

    def linearise(self) -> str:
        """The frozen-time linearisation at the ODE's current state.

        Eigenvalues of the Jacobian there, without Newton and without
        deflating symmetries.

        Returns
        -------
        str
            "linearised".

        Raises
        ------
        AedynError
            As :meth:`fixed_point`.
        """
        call = "aedyn_analysis_linearise"
        h = self._h
        _callbacks.clear()
        check(C.analysis_linearise(h), call)
        return self.outcome

    @property
    def outcome(self) -> str:
        """The outcome of the last search: a name of :data:`ANALYSIS_OUTCOMES` ("none" before any)."""
        o = c_int()
        check(C.analysis_get_outcome(self._h, byref(o)), "aedyn_analysis_get_outcome")
        return str(ANALYSIS_OUTCOMES.name_of(o.value))

    @property
    def n_iterations(self) -> int:
        """Newton's iterations in the last search."""
        return int(C.analysis_get_n_iterations(self._h))

    def residuals(self) -> Array:
        """Newton's relative residuals.

        Returns
        -------
        ndarray, shape (n_iterations + 1,)
            ``|f| / (|J| |y|)`` at the start and after each iteration.
        """
        h = self._h
        r = np.empty(int(C.analysis_get_n_iterations(h)) + 1)
        check(C.analysis_get_residuals(h, ptr(r)), "aedyn_analysis_get_residuals")
        return r

    def state(self) -> Array:
        """The analysed state in the ODE's layout.

        The fixed point, or the starting state for the other outcomes.

        Returns
        -------
        ndarray, shape (2 P K + K [+ 1],)
            Encoder components wt (P x K, ``wt[tau, k] = w^k . u_tau``),
            decoder components s (P x K, ``v^k . u_tau / sqrt(D)``), the K
            biases, then the skip weight for a network with a skip
            connection; P = ``ode.modes``.
        """
        y = np.empty(self._N)
        check(C.analysis_get_state(self._h, ptr(y)), "aedyn_analysis_get_state")
        return y

    def weights(self, shift: float = 0.0) -> Tuple[Array, Array, Array]:
        """Full weights of the analysed state, moved along :meth:`direction`.

        Made for starting a network (and an ODE) at a fixed point displaced
        along its unstable eigenvector.

        Parameters
        ----------
        shift : float, default 0
            How far to move along the unit direction (0: the state itself;
            another value needs a direction).

        Returns
        -------
        W, V : ndarray, shape (K, D)
        bias : ndarray, shape (K,)
        """
        call = "aedyn_analysis_get_weights"
        sh = as_float(shift, "shift", call)
        W, V, b = np.empty((self._K, self._D)), np.empty((self._K, self._D)), np.empty(self._K)
        check(C.analysis_get_weights(self._h, sh, ptr(W), ptr(V), ptr(b)), call)
        return W, V, b

    def error(self) -> float:
        """The population error of the analysed state.

        Returns
        -------
        float
            With the 1/2 of the loss.
        """
        err = c_double()
        h = self._h
        _callbacks.clear()
        check(C.analysis_error(h, byref(err)), "aedyn_analysis_error")
        return err.value

    def order_params(self) -> Dict[str, Array]:
        """The order parameters of the analysed state.

        Returns
        -------
        dict of str to ndarray, shape (K, K)
            "Q", "R", "T", "T0" as in ``ODE.order_params``.
        """
        K = self._K
        op = {k: np.empty((K, K)) for k in ("Q", "R", "T", "T0")}
        check(C.analysis_order_params(self._h, ptr(op["Q"]), ptr(op["R"]), ptr(op["T"]),
                                      ptr(op["T0"])), "aedyn_analysis_order_params")
        return op

    def eigenvalues(self) -> NDArray[np.complex128]:
        """The eigenvalues of the Jacobian on the reduced state.

        Returns
        -------
        ndarray of complex, shape (n,)
            In decreasing order of the real part; at a fixed point the
            symmetry directions are exact zeros.
        """
        h = self._h
        n = int(C.analysis_get_n_eigenvalues(h))
        re, im = np.empty(n), np.empty(n)
        check(C.analysis_get_eigenvalues(h, ptr(re), ptr(im)), "aedyn_analysis_get_eigenvalues")
        out: NDArray[np.complex128] = re + 1j * im
        return out

    def counts(self) -> Dict[str, int]:
        """How many directions are unstable, neutral and stable.

        Returns
        -------
        dict of str to int
            "unstable", "neutral", "stable", and "symmetry": the dimension of
            the symmetry orbit among the neutral ones (0 except at fixed
            points).
        """
        v = [c_size_t() for _ in range(4)]
        check(C.analysis_get_counts(self._h, *[byref(x) for x in v]),
              "aedyn_analysis_get_counts")
        return dict(zip(("unstable", "neutral", "stable", "symmetry"), (x.value for x in v)))

    def unstable(self) -> Tuple[float, int]:
        """The leading unstable eigenvalue.

        Returns
        -------
        lambda_u : float
            Its real part (NaN when nothing is unstable).
        multiplicity : int
            How many eigenvalues share it, to a relative 1e-3 (0 when none).
        """
        lam, m = c_double(), c_size_t()
        check(C.analysis_get_unstable(self._h, byref(lam), byref(m)),
              "aedyn_analysis_get_unstable")
        return lam.value, m.value

    def direction(self) -> Tuple[Array, Dict[str, Array]]:
        """The direction of the outcome, and the order parameters' derivatives along it.

        The runaway direction for "runaway", else the eigenvector of the
        leading unstable eigenvalue.

        Returns
        -------
        y : ndarray, shape like :meth:`state`
            A unit vector in the state layout.
        derivatives : dict of str to ndarray, shape (K, K)
            "dQ", "dR", "dT", "dT0": the derivatives of the order parameters
            along y.

        Raises
        ------
        AedynError
            ``ERR_INVALID`` when there is no unstable or runaway direction.
        """
        K = self._K
        y = np.empty(self._N)
        d = {k: np.empty((K, K)) for k in ("dQ", "dR", "dT", "dT0")}
        check(C.analysis_get_direction(self._h, ptr(y), ptr(d["dQ"]), ptr(d["dR"]),
                                       ptr(d["dT"]), ptr(d["dT0"])),
              "aedyn_analysis_get_direction")
        return y, d

    def unstable_component(self, W: ArrayLike, V: ArrayLike,
                           bias: Optional[ArrayLike] = None) -> float:
        """delta_0 of given weights: their component in the unstable eigenspace.

        The norm of the component of (their state on the ODE's modes) minus
        (the analysed state) in the eigenspace of the leading unstable
        eigenvalue; components outside the span of the modes are not seen.

        Parameters
        ----------
        W, V : array_like, shape (K, D)
            Encoder and decoder weights.
        bias : array_like, shape (K,), optional
            The biases (default zeros).

        Returns
        -------
        float
        """
        call = "aedyn_analysis_unstable_component"
        shape = (self._K, self._D)
        w, v = as_f64(W, shape, "W", call), as_f64(V, shape, "V", call)
        b = as_f64(bias, (self._K,), "bias", call, required=False)
        out = c_double()
        check(C.analysis_unstable_component(self._h, ptr(w), ptr(v), ptr(b), byref(out)), call)
        return out.value

    def plateaus(self, t_end: float, n_points: int = 2000) -> List[Plateau]:
        """Integrate the ODE to t_end and find the plateaus of its trajectory.

        The ODE is left at t_end. A plateau is a stretch of at least 3 samples
        where the speed stays below :attr:`plateau_threshold` times its scale;
        each is analysed at its slowest sample. The fixed-point results
        (:attr:`outcome`, :meth:`eigenvalues`, ...) are then those of the last
        plateau. For escape times from small displacements, give the ODE
        tolerances well below them (``ODE.set_tolerances``).

        Parameters
        ----------
        t_end : float
            Final time, finite and > ``ode.time``.
        n_points : int, default 2000
            Samples of the trajectory (3 to 100000; log-spaced distances from
            the current time), as ``aedyn run --analyse`` takes.

        Returns
        -------
        list of Plateau
            In order of entry.

        Raises
        ------
        AedynError
            ``ERR_INVALID`` (t_end), ``ERR_SIZE`` (n_points),
            ``ERR_UNSUPPORTED`` (schedules), or the failure of the
            integration (the ODE stops where it failed; no plateau).
        """
        call = "aedyn_analysis_plateaus"
        h = self._h
        te, n = as_float(t_end, "t_end", call), as_size(n_points, "n_points", call)
        _callbacks.clear()
        check(C.analysis_plateaus(h, te, n), call)
        out: List[Plateau] = []
        v = c_double()
        for i in range(int(C.analysis_get_n_plateaus(h))):
            vals: List[Any] = []
            for f, name in enumerate(Plateau._fields):
                check(C.analysis_get_plateau(h, i, f, byref(v)), "aedyn_analysis_get_plateau")
                vals.append(v.value)
            p = Plateau(*vals)
            out.append(p._replace(
                kind=str(ANALYSIS_OUTCOMES.name_of(int(vals[4]))),
                multiplicity=int(p.multiplicity), n_unstable=int(p.n_unstable),
                n_neutral=int(p.n_neutral), n_stable=int(p.n_stable),
                n_symmetry=int(p.n_symmetry), newton_iterations=int(p.newton_iterations)))
        return out

    def __repr__(self) -> str:
        if self.closed:
            return "<aedyn.Analysis closed>"
        return f"<aedyn.Analysis K={self._K} outcome={self.outcome}>"


# ---------------------------------------------------------------- npy

def npy_read(path: "PathLike") -> Array:
    """Read a float64 .npy file with the library's reader.

    Parameters
    ----------
    path : str or path-like
        The file.

    Returns
    -------
    ndarray, shape (rows, cols)
        Always 2-D: a 1-D file gives shape (n, 1), as the C API describes.
    """
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


def npy_write(path: "PathLike", array: ArrayLike) -> None:
    """Write an array as a 2-D float64 .npy file with the library's writer.

    Parameters
    ----------
    path : str or path-like
        The file.
    array : array_like of float, 0, 1 or 2 dimensions
        A 1-D array is written as n x 1, a number as 1 x 1.
    """
    call = "aedyn_npy_write"
    p = _path_arg(path, call)
    a = as_f64(array, None, "array", call)
    if a.ndim > 2:
        raise AedynError(ERR_SIZE, f"array must have at most 2 dimensions, got {a.ndim}",
                         call=call)
    a2 = a if a.ndim == 2 else a.reshape(-1, 1)   # 1-D: n x 1, 0-D: 1 x 1
    check(C.npy_write(p, ptr(a2), a2.shape[0], a2.shape[1]), call)
