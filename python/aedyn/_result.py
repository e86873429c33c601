"""The results of one run: SGD and its ODE prediction at the output times."""

from __future__ import annotations

import csv
import json
import math
import os
from dataclasses import dataclass, field
from typing import Any, Dict, Iterator, List, Optional, Sequence, Union

import numpy as np
from numpy.typing import NDArray

#: The order parameters recorded at every output time, in CSV order.
ORDER_PARAMS = ("Q", "R", "T", "T0")

PathLike = Union[str, "os.PathLike[str]"]

_SIDES = ("sgd", "ode")


def _nan(shape: Sequence[int]) -> NDArray[np.float64]:
    return np.full(tuple(shape), np.nan)


@dataclass(eq=False)
class Result:
    """SGD and its ODE prediction from one initial network, at the output times.

    Returned by :func:`aedyn.run` and :func:`aedyn.run_program`, read back by
    :meth:`from_csv`. Every array is a float64 NumPy array (``steps``: uint64);
    a side that did not run, or stopped (divergence), holds NaN from then on.
    ``to_dict()`` gives the columns of the ``aedyn`` program's CSV under the
    same names, and ``result["sgd_error"]`` works as with the dictionary that
    ``run()`` returned before 0.2.

    Attributes
    ----------
    t : ndarray, shape (n,)
        Output times t = steps / D.
    steps : ndarray of uint64, shape (n,)
        SGD steps at each output time.
    sgd_error, ode_error : ndarray, shape (n,)
        Population error E[(1/2D)|x - xhat|^2] of the SGD network (on image
        data run by the program: the error on the held-out images) and of the
        ODE.
    pca : ndarray, shape (K,)
        pca[m-1] = eps_PCA(m), the error of PCA with m components.
    sgd_Q, sgd_R, sgd_T, sgd_T0, ode_Q, ode_R, ode_T, ode_T0 : ndarray, shape (n, K, K)
        Order parameters (docs/conventions.md) of both sides.
    sgd_status, ode_status : str, default "ok"
        "ok", "off" (not run) or why the side stopped.
    D, K : int
        Input dimension and hidden units.
    ode_stats : dict, optional
        Integration statistics of the ODE (``ODE.stats()``) at the end.
    params : dict, optional
        The parameters of the run (``run()``'s arguments, or the effective
        options of the program from its JSON record).
    sgd_dec_cos, ode_dec_cos, sgd_enc_cos, ode_enc_cos : ndarray, optional
        With ``run(overlaps=m)``: cosines of each decoder / encoder with the
        m leading eigenvectors of the data, shape (n, K, m); else None.
    extra : dict, optional
        Further columns by name, shape (n,) (the program's
        ``sgd_error_stderr`` and ``sgd_gauss_error`` on image data).
    """

    t: NDArray[np.float64]
    steps: NDArray[np.uint64]
    sgd_error: NDArray[np.float64]
    ode_error: NDArray[np.float64]
    pca: NDArray[np.float64]
    sgd_Q: NDArray[np.float64]
    sgd_R: NDArray[np.float64]
    sgd_T: NDArray[np.float64]
    sgd_T0: NDArray[np.float64]
    ode_Q: NDArray[np.float64]
    ode_R: NDArray[np.float64]
    ode_T: NDArray[np.float64]
    ode_T0: NDArray[np.float64]
    D: int
    K: int
    sgd_status: str = "ok"
    ode_status: str = "ok"
    ode_stats: Optional[Dict[str, int]] = None
    params: Dict[str, Any] = field(default_factory=dict)
    sgd_dec_cos: Optional[NDArray[np.float64]] = None
    ode_dec_cos: Optional[NDArray[np.float64]] = None
    sgd_enc_cos: Optional[NDArray[np.float64]] = None
    ode_enc_cos: Optional[NDArray[np.float64]] = None
    extra: Dict[str, NDArray[np.float64]] = field(default_factory=dict)

    @classmethod
    def empty(cls, steps: Sequence[int], D: int, K: int, pca: NDArray[np.float64],
              overlaps: int = 0) -> "Result":
        """A result for the given output steps with every measurement NaN.

        Parameters
        ----------
        steps : sequence of int
            SGD steps of the output times.
        D, K : int
            Input dimension and hidden units.
        pca : ndarray, shape (K,)
            eps_PCA(1..K).
        overlaps : int, default 0
            Number of eigenvectors whose cosines are recorded (0: none).

        Returns
        -------
        Result
        """
        n = len(steps)
        st = np.array(steps, dtype=np.uint64)
        arrays = {f"{s}_{k}": _nan((n, K, K)) for s in _SIDES for k in ORDER_PARAMS}
        cos: Dict[str, Optional[NDArray[np.float64]]] = {
            f"{s}_{w}_cos": (_nan((n, K, overlaps)) if overlaps else None)
            for s in _SIDES for w in ("dec", "enc")}
        return cls(t=st.astype(np.float64) / D, steps=st, sgd_error=_nan((n,)),
                   ode_error=_nan((n,)), pca=np.asarray(pca, dtype=np.float64), D=D, K=K,
                   **arrays, **cos)  # type: ignore[arg-type]

    # ---- columns ----

    def columns(self) -> List[str]:
        """The column names of :meth:`to_dict`, in the program's CSV order.

        Returns
        -------
        list of str
            t, sgd_error, ode_error, pca1..pcaK, sgd_Q_k_l, ... (k, l from 0),
            ode_T0_k_l, then the extra columns and, if recorded, the cosines
            (sgd_dec_cos_k_i, ...).
        """
        cols = ["t", "sgd_error", "ode_error"] + [f"pca{m}" for m in range(1, self.K + 1)]
        for s in _SIDES:
            for p in ORDER_PARAMS:
                cols += [f"{s}_{p}_{k}_{l}" for k in range(self.K) for l in range(self.K)]
        cols += list(self.extra)
        for s in _SIDES:
            for w in ("dec", "enc"):
                a = getattr(self, f"{s}_{w}_cos")
                if a is not None:
                    cols += [f"{s}_{w}_cos_{k}_{i}" for k in range(self.K)
                             for i in range(a.shape[2])]
        return cols

    def column(self, name: str) -> NDArray[np.float64]:
        """One column of :meth:`to_dict` by its CSV name.

        Parameters
        ----------
        name : str
            A name of :meth:`columns`.

        Returns
        -------
        ndarray, shape (n,)

        Raises
        ------
        KeyError
            If there is no such column.
        """
        n = len(self.t)
        if name in ("t", "sgd_error", "ode_error"):
            return np.asarray(getattr(self, name), dtype=np.float64)
        if name in self.extra:
            return self.extra[name]
        if name.startswith("pca") and name[3:].isdigit():
            m = int(name[3:])
            if 1 <= m <= self.K:
                return np.full(n, self.pca[m - 1])
        parts = name.split("_")
        try:
            if len(parts) == 4 and parts[0] in _SIDES and parts[1] in ORDER_PARAMS:
                k, l = int(parts[2]), int(parts[3])
                if 0 <= k < self.K and 0 <= l < self.K:
                    return getattr(self, f"{parts[0]}_{parts[1]}")[:, k, l]  # type: ignore
            if len(parts) == 5 and parts[0] in _SIDES and parts[2] == "cos":
                a = getattr(self, f"{parts[0]}_{parts[1]}_cos", None)
                k, i = int(parts[3]), int(parts[4])
                if a is not None and 0 <= k < self.K and 0 <= i < a.shape[2]:
                    return a[:, k, i]  # type: ignore[no-any-return]
        except ValueError:
            pass
        raise KeyError(name)

    def to_dict(self) -> Dict[str, NDArray[np.float64]]:
        """The results as columns, named as in the CSV of the ``aedyn`` program.

        Returns
        -------
        dict of str to ndarray, shape (n,)
            ``{"t": ..., "sgd_error": ..., "ode_error": ..., "pca1": ...,
            "sgd_Q_0_0": ..., ...}``; a dictionary of equal-length columns, as
            ``pandas.DataFrame`` takes it.
        """
        return {c: self.column(c) for c in self.columns()}

    def to_csv(self, path: PathLike) -> None:
        """Write :meth:`to_dict` as a CSV file in the program's format.

        Parameters
        ----------
        path : str or path-like
            The file; numbers are written with 12 significant digits, NaN as
            ``nan``, as ``aedyn --out`` does.
        """
        cols = self.to_dict()
        with open(path, "w", encoding="ascii", newline="") as f:
            f.write(",".join(cols) + "\n")
            for i in range(len(self.t)):
                f.write(",".join("nan" if math.isnan(v[i]) else f"{v[i]:.12g}"
                                 for v in cols.values()) + "\n")

    # ---- reading the program's output ----

    @classmethod
    def from_csv(cls, path: PathLike, json_path: Optional[PathLike] = None,
                 D: Optional[int] = None) -> "Result":
        """Read a CSV written by the ``aedyn`` program (``--out``) or :meth:`to_csv`.

        Parameters
        ----------
        path : str or path-like
            The CSV file.
        json_path : str or path-like, optional
            Its JSON record (default: the same name with ``.json``, when it
            exists): D, the statuses, the ODE's statistics, the parameters
            and the PCA errors to all 17 digits come from it.
        D : int, optional
            The input dimension, needed when there is no JSON record (the CSV
            does not hold it).

        Returns
        -------
        Result

        Raises
        ------
        ValueError
            If the file is not such a CSV, or D is unknown.
        """
        with open(path, encoding="ascii", newline="") as f:
            rows = list(csv.reader(f))
        if not rows or rows[0][:3] != ["t", "sgd_error", "ode_error"]:
            raise ValueError(f"{os.fspath(path)}: not a CSV of aedyn (its header must start "
                             "with t,sgd_error,ode_error)")
        header, body = rows[0], [r for r in rows[1:] if r]
        try:
            data = np.array([[float(x) for x in r] for r in body], dtype=np.float64)
        except ValueError as exc:
            raise ValueError(f"{os.fspath(path)}: {exc}") from None
        data = data.reshape(len(body), len(header))
        if any(len(r) != len(header) for r in body):
            raise ValueError(f"{os.fspath(path)}: rows of unequal length")
        col = {name: data[:, i] for i, name in enumerate(header)}
        K = sum(1 for h in header if h.startswith("pca") and h[3:].isdigit())
        if K == 0 or any(f"sgd_Q_{k}_{l}" not in col for k in range(K) for l in range(K)):
            raise ValueError(f"{os.fspath(path)}: no pca1..pcaK or order parameter columns")
        meta: Dict[str, Any] = {}
        if json_path is None:
            guess = os.path.splitext(os.fspath(path))[0] + ".json"
            json_path = guess if os.path.exists(guess) else None
        if json_path is not None:
            with open(json_path, encoding="utf-8") as f:
                meta = json.load(f)
        t = col["t"]
        if "parameters" in meta and "D" in meta["parameters"]:
            D = int(meta["parameters"]["D"])
        elif D is None:
            raise ValueError(f"{os.fspath(path)}: D is unknown without the JSON record: give "
                             "from_csv(..., D=...)")
        pca = np.array([col[f"pca{m}"][0] if len(t) else np.nan for m in range(1, K + 1)])
        n = len(t)
        res = cls.empty([int(round(x * D)) for x in t], D, K, pca)
        res.t = t.copy()
        res.sgd_error, res.ode_error = col["sgd_error"].copy(), col["ode_error"].copy()
        for s in _SIDES:
            for p in ORDER_PARAMS:
                a = np.empty((n, K, K))
                for k in range(K):
                    for l in range(K):
                        a[:, k, l] = col[f"{s}_{p}_{k}_{l}"]
                setattr(res, f"{s}_{p}", a)
        known = set(res.columns())
        for name in header:
            if name not in known and not name.startswith("pca"):
                res.extra[name] = col[name].copy()
        if meta:
            res.params = dict(meta.get("parameters", {}))
            if len(meta.get("pca_errors", [])) == K:     # all 17 digits
                res.pca = np.array(meta["pca_errors"], dtype=np.float64)
            status, message = meta.get("status", "ok"), meta.get("message") or ""
            for side in _SIDES:
                err = getattr(res, f"{side}_error")
                if not meta.get(f"ran_{side}", True):
                    setattr(res, f"{side}_status", "off")
                elif status != "ok" and n and math.isnan(err[-1]):
                    # the side that stopped: NaN from then on
                    setattr(res, f"{side}_status", f"{status}: {message}" if message else status)
            keys = {"rhs": "ode_rhs_evaluations", "steps": "ode_steps",
                    "rejected": "ode_rejected_steps", "switches": "ode_switches"}
            if meta.get("ran_ode", True) and keys["rhs"] in meta:
                res.ode_stats = {k: int(meta[v]) for k, v in keys.items() if v in meta}
        else:
            for side in _SIDES:
                err = getattr(res, f"{side}_error")
                if n and np.isnan(err).all():
                    setattr(res, f"{side}_status", "off")
        return res

    # ---- the dictionary of 0.1 ----

    def keys(self) -> List[str]:
        """The names that ``result[name]`` accepts besides the CSV columns.

        Returns
        -------
        list of str
            The keys of the dictionary that ``run()`` returned before 0.2.
        """
        names = ["t", "steps", "sgd_error", "ode_error", "pca"]
        names += [f"{s}_{p}" for s in _SIDES for p in ORDER_PARAMS]
        names += ["sgd_status", "ode_status", "ode_stats"]
        return names

    def __getitem__(self, name: str) -> Any:
        if name in self.keys():
            return getattr(self, name)
        return self.column(name)

    def __contains__(self, name: object) -> bool:
        if not isinstance(name, str):
            return False
        try:
            self[name]
        except KeyError:
            return False
        return True

    def __iter__(self) -> Iterator[str]:
        return iter(self.keys())

    def __len__(self) -> int:
        return len(self.t)

    def __repr__(self) -> str:
        n = len(self.t)
        last = f", t = {self.t[-1]:g}: sgd {self.sgd_error[-1]:.6g}, ode " \
               f"{self.ode_error[-1]:.6g}" if n else ""
        return (f"<aedyn.Result D={self.D} K={self.K}, {n} times{last}; sgd {self.sgd_status},"
                f" ode {self.ode_status}>")
