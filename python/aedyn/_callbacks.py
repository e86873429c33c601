"""Exceptions raised by Python callables that C calls back.

A Python function given to the library (a user schedule, a user activation)
runs inside a C call. An exception cannot cross C, so the trampoline keeps it
here, returns NaN, and the library fails with a status; _lib.check() then
raises the kept exception in place of the AedynError. The slot is per thread:
the callables run on the thread that made the C call.
"""

from __future__ import annotations

import threading
from typing import Optional

_state = threading.local()


def store(exc: BaseException) -> None:
    """Keep the first exception raised by a callback during the current C call."""
    if getattr(_state, "exc", None) is None:
        _state.exc = exc


def take() -> Optional[BaseException]:
    """The kept exception (None if none), clearing the slot."""
    exc = getattr(_state, "exc", None)
    _state.exc = None
    return exc


def clear() -> None:
    """Forget a kept exception (before a C call that may call back)."""
    _state.exc = None


def annotate(exc: BaseException, err: BaseException) -> None:
    """Say in `exc` which C call it made fail (PEP 678 notes, Python >= 3.11)."""
    note = f"(raised in a Python callback; the library call then failed: {err})"
    if hasattr(exc, "add_note"):
        exc.add_note(note)
