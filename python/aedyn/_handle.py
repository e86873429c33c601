"""Ownership of C handles: one destroy per create, borrowers kept alive."""

from __future__ import annotations

import ctypes
import operator
from typing import Any, Dict, Optional, Sequence, Tuple, TypeVar

import numpy as np
from numpy.typing import NDArray

from ._errors import AedynError, ERR_INVALID, ERR_NULL, ERR_SIZE
from ._lib import DP


class _Counts:
    created = 0
    destroyed = 0


_counts = _Counts()


def handle_counts() -> Dict[str, int]:
    """Debug counter of C handles created and destroyed by this module.

    It counts the create calls that succeeded and the destroy calls made, in
    this process, over all handle types.

    Returns
    -------
    dict of str to int
        "created", "destroyed" and "live" (= created - destroyed).
    """
    return {"created": _counts.created, "destroyed": _counts.destroyed,
            "live": _counts.created - _counts.destroyed}


_H = TypeVar("_H", bound="Handle")


class Handle:
    """Base of every object owning a libaedyn handle.

    The handle is freed exactly once: by close(), by leaving a ``with`` block,
    or (as a fallback) when the object is garbage collected. An object that
    another live object borrows (a network trained by an SGD trainer, an image
    set sampled by a data model) becomes unusable at once when closed, but its
    C handle is freed only after the last borrower has been freed.
    """

    _ptr: Optional[int] = None     # the C pointer, as an int; None once freed
    _closed: bool = False          # closed from Python: no further use
    _borrowers: int = 0            # live handles that borrow this one
    _borrowed: Tuple["Handle", ...] = ()   # handles this one borrows

    @staticmethod
    def _destroy(ptr: int) -> None:   # pragma: no cover - every subclass overrides
        raise NotImplementedError

    def _adopt(self, ptr: Optional[int], borrowed: Sequence["Handle"] = ()) -> None:
        self._ptr = ptr
        self._closed = False
        self._borrowed = tuple(borrowed)
        for b in self._borrowed:
            b._borrowers += 1
        _counts.created += 1

    @property
    def _h(self) -> int:
        """The C pointer; raises AedynError(ERR_NULL) once closed."""
        if self._closed or self._ptr is None:
            raise AedynError(ERR_NULL, f"this {type(self).__name__} is closed",
                             call=type(self).__name__)
        return self._ptr

    @property
    def closed(self) -> bool:
        """Whether the object was closed (and can no longer be used)."""
        return self._closed or self._ptr is None

    def close(self) -> None:
        """Release the handle (idempotent): at once, or once its last borrower is closed."""
        self._closed = True
        self._release()

    def _release(self) -> None:
        if not self._closed or self._borrowers > 0 or self._ptr is None:
            return
        ptr, self._ptr = self._ptr, None
        type(self)._destroy(ptr)
        _counts.destroyed += 1
        borrowed, self._borrowed = self._borrowed, ()
        for b in borrowed:
            b._borrowers -= 1
            b._release()

    def __enter__(self: "_H") -> "_H":
        self._h  # refuse a closed object
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    def __del__(self) -> None:
        try:
            self.close()
        except Exception:  # interpreter shutdown: nothing sensible to do
            pass


# ---- argument conversion (all checks happen before any C call) ----

def as_f64(x: Any, shape: Optional[Sequence[int]], what: str, call: str,
           required: bool = True) -> Any:
    """x as a C-contiguous, aligned float64 array of exactly `shape`.

    Returns None for x None when not required. The caller must keep the
    returned array referenced until the C call has returned (it may be a
    copy of x).
    """
    if x is None:
        if required:
            raise AedynError(ERR_NULL, f"{what} is required (got None)", call=call)
        return None
    try:
        a = np.asarray(x)
    except Exception as exc:
        raise AedynError(ERR_INVALID, f"{what}: cannot convert to an array ({exc})",
                         call=call) from None
    if a.dtype.kind not in "biuf":
        raise AedynError(ERR_INVALID, f"{what} must be real numbers (got dtype {a.dtype})",
                         call=call)
    a = np.asarray(a, dtype=np.float64, order="C")
    if not a.flags.aligned or not a.flags.c_contiguous:
        a = a.copy(order="C")
    if shape is not None and a.shape != tuple(shape):
        raise AedynError(ERR_SIZE, f"{what} must have shape {tuple(shape)}, got {a.shape}",
                         call=call)
    return a


def ptr(a: Optional[NDArray[np.float64]]) -> Any:
    """double * to the data of a float64 array (NULL for None)."""
    if a is None:
        return None
    return a.ctypes.data_as(DP)


def as_size(v: Any, what: str, call: str, minimum: int = 0) -> int:
    """A non-negative Python int for a size_t argument."""
    try:
        n = operator.index(v)
    except TypeError:
        raise AedynError(ERR_INVALID, f"{what} must be an integer (got {v!r})",
                         call=call) from None
    if n < minimum:
        raise AedynError(ERR_SIZE, f"{what} must be >= {minimum} (got {n})", call=call)
    if n >= 1 << 64:
        raise AedynError(ERR_SIZE, f"{what} is too large (got {n})", call=call)
    return n


def as_u64(v: Any, what: str, call: str) -> int:
    try:
        n = operator.index(v)
    except TypeError:
        raise AedynError(ERR_INVALID, f"{what} must be an integer (got {v!r})",
                         call=call) from None
    if not 0 <= n < 1 << 64:
        raise AedynError(ERR_INVALID, f"{what} must be in [0, 2**64) (got {n})", call=call)
    return n


def as_float(v: Any, what: str, call: str) -> float:
    try:
        return float(v)
    except (TypeError, ValueError):
        raise AedynError(ERR_INVALID, f"{what} must be a real number (got {v!r})",
                         call=call) from None
    except OverflowError:  # an int beyond the range of a double
        raise AedynError(ERR_INVALID, f"{what} is out of the range of a double (got {v!r})",
                         call=call) from None


def as_enum(v: Any, table: Any, what: str, call: str) -> int:
    """An enum value from its name (case-insensitive) or its integer."""
    if isinstance(v, str):
        value: Optional[int] = table.parse(v)
        if value is None:
            raise AedynError(ERR_INVALID, f"unknown {what} {v!r} (one of: {', '.join(table)})",
                             call=call)
        return value
    try:
        n = operator.index(v)
    except TypeError:
        raise AedynError(ERR_INVALID, f"{what} must be a name or an integer (got {v!r})",
                         call=call) from None
    if not -(1 << 31) <= n < 1 << 31:
        raise AedynError(ERR_INVALID, f"{what} {n} is out of range", call=call)
    return n


def out_ptr() -> ctypes.c_void_p:
    """A void * to receive a created handle."""
    return ctypes.c_void_p()
