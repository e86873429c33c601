"""Status codes of libaedyn and the exception that carries them."""

from __future__ import annotations

from typing import Any, Callable, Dict, Optional

# The stable codes of include/aedyn/aedyn-status.h (AEDYN_STATUS_LIST).
# They are part of the ABI and never change, so they are mirrored here.
OK = 0
ERR_NULL = -1
ERR_INVALID = -2
ERR_SIZE = -3
ERR_NOMEM = -4
ERR_NOT_PSD = -5
ERR_DIVERGED = -6
ERR_UNSUPPORTED = -7
ERR_NUMERIC = -8
ERR_IO = -9
ERR_FORMAT = -10

#: Name of every status code ("ERR_SIZE" for -3).
STATUS_NAMES: Dict[int, str] = {
    OK: "OK",
    ERR_NULL: "ERR_NULL",
    ERR_INVALID: "ERR_INVALID",
    ERR_SIZE: "ERR_SIZE",
    ERR_NOMEM: "ERR_NOMEM",
    ERR_NOT_PSD: "ERR_NOT_PSD",
    ERR_DIVERGED: "ERR_DIVERGED",
    ERR_UNSUPPORTED: "ERR_UNSUPPORTED",
    ERR_NUMERIC: "ERR_NUMERIC",
    ERR_IO: "ERR_IO",
    ERR_FORMAT: "ERR_FORMAT",
}


class AedynError(Exception):
    """A libaedyn call (or a check the module makes before calling it) failed.

    Parameters
    ----------
    status : int
        The status code.
    detail : str, default ""
        What exactly was wrong.
    message : str, optional
        The description of the code (default ``aedyn_strerror(status)``).
    call : str, optional
        The C function or Python method that failed.

    Attributes
    ----------
    status : int
        The integer status code (negative, e.g. ``aedyn.ERR_SIZE == -3``).
    name : str
        Its name without the AEDYN_ prefix, e.g. "ERR_SIZE".
    message : str
        ``aedyn_strerror(status)``: the static description of the code.
    detail : str
        What exactly was wrong (``aedyn_error_message()`` of the failing
        call, or the module's own sentence for checks made in Python).
    call : str or None
        The C function (or Python method) that failed, if known.
    result : Result
        Only when ``aedyn.run()`` raises it: the results up to the failure.
    """

    result: Any

    def __init__(self, status: int, detail: str = "", message: Optional[str] = None,
                 call: Optional[str] = None) -> None:
        self.status = int(status)
        self.name = STATUS_NAMES.get(self.status, "UNKNOWN")
        if message is None:
            message = _strerror(self.status)
        self.message = message
        self.detail = detail or ""
        self.call = call
        # C detail messages usually start with the function's name already
        text = f"{call}: " if call and not self.detail.startswith(call) else ""
        text += f"{self.message} [{self.name}]"
        if self.detail:
            text += f": {self.detail}"
        super().__init__(text)


class AedynLoadError(ImportError):
    """The shared library could not be found, loaded, or is incompatible."""


# Set by _lib once the library is loaded; used for errors raised in Python.
_strerror_fn: Optional[Callable[[int], str]] = None


def _strerror(status: int) -> str:
    if _strerror_fn is not None:
        return _strerror_fn(status)
    return STATUS_NAMES.get(status, "unknown status")
