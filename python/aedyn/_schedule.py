"""Schedules: a learning rate, the noise level or the input scale of a
denoising autoencoder as a function of the training time t = steps / D
(aedyn-schedule.h)."""

from __future__ import annotations

import ctypes
import math
import numbers
from ctypes import byref, c_double, c_void_p
from typing import TYPE_CHECKING, Any, Callable, Dict, Iterable, List, Optional, Sequence, Tuple, Union

import numpy as np

from . import _callbacks
from ._errors import ERR_INVALID, ERR_NULL, ERR_SIZE, AedynError
from ._handle import Handle, as_f64, as_float, out_ptr, ptr
from ._lib import C, ENUM_SCHEDULE_TARGET, SCHEDULE_FN, EnumTable, check

if TYPE_CHECKING:  # pragma: no cover
    from numpy.typing import ArrayLike, NDArray

#: Names of what a schedule may drive (enum aedyn_schedule_target), as the
#: library spells them: "encoder-rate", "decoder-rate", "bias-rate",
#: "skip-rate", "noise", "input-scale" ("_" may replace "-").
SCHEDULE_TARGETS = EnumTable(ENUM_SCHEDULE_TARGET, "schedule target")

#: AEDYN_SCHEDULE_MAX_POINTS: most pieces or breakpoints of one schedule.
MAX_POINTS = 100000

#: A schedule target: its name or its C value.
Target = Union[str, int]


def _target(value: Target, call: str) -> int:
    """The C value of a target given by name or value."""
    if isinstance(value, str):
        v = SCHEDULE_TARGETS.parse(value)
        if v is None:
            raise AedynError(ERR_INVALID, f"unknown schedule target {value!r} (one of: "
                             f"{', '.join(SCHEDULE_TARGETS)})", call=call)
        return v
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise AedynError(ERR_INVALID, f"schedule target must be a name or an integer (got "
                         f"{value!r})", call=call)
    if not -(1 << 31) <= int(value) < 1 << 31:
        raise AedynError(ERR_INVALID, f"schedule target {value} is out of range", call=call)
    return int(value)


def target_name(value: int) -> Union[str, int]:
    """The library's name of a target value (the value itself if unknown)."""
    return SCHEDULE_TARGETS.name_of(value)


class Schedule(Handle):
    """A function v(t) >= 0 of the training time t = steps / D.

    Create one with a class method: :meth:`constant`, :meth:`piecewise`,
    :meth:`power`, :meth:`exponential`, :meth:`cosine` or :meth:`user`; any
    of them may be multiplied by a linear warm-up min(1, t / t_w) (the
    ``warmup`` argument or property). Attach it to a trainer or an ODE with
    ``SGD.set_schedule(target, schedule)`` / ``ODE.set_schedule``: they keep a
    copy, so one schedule can serve many, and changing it afterwards (a new
    warm-up) changes none of them.

    Breakpoints are the times where the schedule jumps or has a kink (the
    later pieces of a piecewise schedule, T of a cosine, the declared
    breakpoints of a user schedule, the end of the warm-up): the ODE ends its
    steps on them.

    Examples
    --------
    >>> s = aedyn.Schedule.power(1.0, tau=10.0, beta=0.5, warmup=1.0)
    >>> s(20.0)                      # 1 / sqrt(3)
    0.5773502691896258
    >>> s.breakpoints()
    [1.0]
    """

    kind: str
    _keep: Tuple[Any, ...] = ()   # what C copies of this schedule need alive

    @staticmethod
    def _destroy(p: int) -> None:
        C.schedule_destroy(p)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        raise TypeError("create schedules with aedyn.Schedule.constant(), .piecewise(), "
                        ".power(), .exponential(), .cosine() or .user()")

    @classmethod
    def _wrap(cls, p: Optional[int], kind: str, warmup: float, call: str,
              keep: Tuple[Any, ...] = ()) -> "Schedule":
        self = object.__new__(cls)
        self._adopt(p)
        self.kind = kind
        self._keep = keep
        if warmup:
            try:
                self.warmup = warmup
            except BaseException:
                self.close()
                raise
        return self

    # ---- constructors ----

    @classmethod
    def constant(cls, value: float, *, warmup: float = 0.0) -> "Schedule":
        """The constant schedule v(t) = value.

        Parameters
        ----------
        value : float
            The value, finite and >= 0.
        warmup : float, default 0
            Duration t_w of a linear warm-up min(1, t / t_w) (0: none).

        Returns
        -------
        Schedule
        """
        call = "aedyn_schedule_create_constant"
        out = out_ptr()
        check(C.schedule_create_constant(byref(out), as_float(value, "value", call)), call)
        return cls._wrap(out.value, "constant", warmup, call)

    @classmethod
    def piecewise(cls, times: "ArrayLike", values: "ArrayLike", *,
                  warmup: float = 0.0) -> "Schedule":
        """The piecewise constant schedule v(t) = values[i] on [times[i], times[i+1]).

        Parameters
        ----------
        times : array_like of float, shape (n,)
            Start times of the pieces: times[0] = 0, strictly increasing, finite;
            1 <= n <= 100000. Each times[i], i >= 1, is a breakpoint.
        values : array_like of float, shape (n,)
            The value of each piece, finite and >= 0 (the last from times[n-1] on).
        warmup : float, default 0
            Duration of a linear warm-up (0: none).

        Returns
        -------
        Schedule
        """
        call = "aedyn_schedule_create_piecewise"
        t = as_f64(times, None, "times", call)
        if t.ndim != 1:
            raise AedynError(ERR_SIZE, f"times must be 1-D, got shape {t.shape}", call=call)
        v = as_f64(values, (t.shape[0],), "values", call)
        out = out_ptr()
        check(C.schedule_create_piecewise(byref(out), t.shape[0], ptr(t), ptr(v)), call)
        return cls._wrap(out.value, "piecewise", warmup, call)

    @classmethod
    def power(cls, v0: float, tau: float, beta: float, *, warmup: float = 0.0) -> "Schedule":
        """The power-law decay v(t) = v0 (1 + t / tau)^(-beta).

        Parameters
        ----------
        v0 : float
            Value at t = 0, finite and >= 0.
        tau : float
            Time scale, finite and > 0.
        beta : float
            Exponent, finite and >= 0 (beta = 1: the 1/t decay of Robbins-Monro).
        warmup : float, default 0
            Duration of a linear warm-up (0: none).

        Returns
        -------
        Schedule
        """
        call = "aedyn_schedule_create_power"
        out = out_ptr()
        check(C.schedule_create_power(byref(out), as_float(v0, "v0", call),
                                      as_float(tau, "tau", call), as_float(beta, "beta", call)),
              call)
        return cls._wrap(out.value, "power", warmup, call)

    @classmethod
    def exponential(cls, v0: float, tau: float, *, warmup: float = 0.0) -> "Schedule":
        """The exponential decay v(t) = v0 exp(-t / tau).

        Parameters
        ----------
        v0 : float
            Value at t = 0, finite and >= 0.
        tau : float
            Time scale, finite and > 0.
        warmup : float, default 0
            Duration of a linear warm-up (0: none).

        Returns
        -------
        Schedule
        """
        call = "aedyn_schedule_create_exponential"
        out = out_ptr()
        check(C.schedule_create_exponential(byref(out), as_float(v0, "v0", call),
                                            as_float(tau, "tau", call)), call)
        return cls._wrap(out.value, "exponential", warmup, call)

    @classmethod
    def cosine(cls, v0: float, v_min: float, T: float, *, warmup: float = 0.0) -> "Schedule":
        """The cosine decay v(t) = v_min + (v0 - v_min) (1 + cos(pi min(t, T) / T)) / 2.

        Parameters
        ----------
        v0 : float
            Value at t = 0, finite and >= 0.
        v_min : float
            Value from T on, 0 <= v_min <= v0.
        T : float
            Duration of the decay, finite and > 0 (a breakpoint).
        warmup : float, default 0
            Duration of a linear warm-up (0: none).

        Returns
        -------
        Schedule
        """
        call = "aedyn_schedule_create_cosine"
        out = out_ptr()
        check(C.schedule_create_cosine(byref(out), as_float(v0, "v0", call),
                                       as_float(v_min, "v_min", call), as_float(T, "T", call)),
              call)
        return cls._wrap(out.value, "cosine", warmup, call)

    @classmethod
    def user(cls, fn: Callable[[float], float], breaks: "ArrayLike" = (), *,
             warmup: float = 0.0) -> "Schedule":
        """A schedule v(t) = fn(t) computed by a Python callable.

        The library calls `fn` (holding the GIL, so it is slow) whenever it
        reads the schedule: before every SGD step, at every stage of an ODE
        step. The callable is kept alive by this object and by every trainer
        and ODE the schedule is attached to. If `fn` raises, it returns NaN to
        the library, whose call fails, and the exception is raised again by
        that call (``SGD.step``, ``ODE.advance``, ``value`` ...). A value that
        is not a finite number >= 0 makes the call fail with
        ``AedynError(ERR_INVALID)``.

        Parameters
        ----------
        fn : callable float -> float
            The value at time t; continuous between the breakpoints.
        breaks : array_like of float, default ()
            Its jumps and kinks: finite, > 0, strictly increasing (at most
            100000). The ODE ends its steps on them.
        warmup : float, default 0
            Duration of a linear warm-up (0: none).

        Returns
        -------
        Schedule
        """
        call = "aedyn_schedule_create_user"
        if fn is None:
            raise AedynError(ERR_NULL, "fn is required (got None)", call=call)
        if not callable(fn):
            raise TypeError(f"{call}: fn must be callable (float -> float), got "
                            f"{type(fn).__name__}")
        b = as_f64(breaks, None, "breaks", call)
        if b.ndim != 1:
            raise AedynError(ERR_SIZE, f"breaks must be 1-D, got shape {b.shape}", call=call)

        def trampoline(t: float, user: Any) -> float:
            try:
                v = fn(t)
                if isinstance(v, (str, bytes)):
                    raise TypeError(f"a schedule must return a number, got {v!r}")
                return float(v)
            except BaseException as exc:  # noqa: BLE001 - raised again after the C call
                _callbacks.store(exc)
                return math.nan

        cfn = SCHEDULE_FN(trampoline)
        out = out_ptr()
        check(C.schedule_create_user(byref(out), ctypes.cast(cfn, c_void_p), None, b.shape[0],
                                     ptr(b) if b.shape[0] else None), call)
        return cls._wrap(out.value, "user", warmup, call, keep=(cfn, fn))

    # ---- queries ----

    @property
    def warmup(self) -> float:
        """Duration t_w of the linear warm-up min(1, t / t_w) (0: none); settable."""
        w = c_double()
        check(C.schedule_get_warmup(self._h, byref(w)), "aedyn_schedule_get_warmup")
        return w.value

    @warmup.setter
    def warmup(self, t_warmup: float) -> None:
        call = "aedyn_schedule_set_warmup"
        check(C.schedule_set_warmup(self._h, as_float(t_warmup, "t_warmup", call)), call)

    def value(self, t: float) -> float:
        """The value v(t), warm-up included.

        Parameters
        ----------
        t : float
            Time, finite and >= 0.

        Returns
        -------
        float
        """
        call = "aedyn_schedule_value"
        v = c_double()
        h = self._h
        _callbacks.clear()
        check(C.schedule_value(h, as_float(t, "t", call), byref(v)), call)
        return v.value

    def __call__(self, t: "ArrayLike") -> Union[float, "NDArray[np.float64]"]:
        """v(t) for a number (a float) or an array of times (an array of that shape)."""
        if np.ndim(t) == 0:
            return self.value(t)  # type: ignore[arg-type]
        ts = as_f64(t, None, "t", "aedyn_schedule_value")
        return np.array([self.value(x) for x in ts.ravel()]).reshape(ts.shape)

    def next_breakpoint(self, t: float) -> float:
        """The first breakpoint strictly after t (+inf when none is left).

        Parameters
        ----------
        t : float
            Time, finite (may be negative: then the first breakpoint).

        Returns
        -------
        float
        """
        call = "aedyn_schedule_next_breakpoint"
        b = c_double()
        check(C.schedule_next_breakpoint(self._h, as_float(t, "t", call), byref(b)), call)
        return b.value

    def breakpoints(self, t_max: float = math.inf) -> List[float]:
        """All breakpoints up to `t_max` (included), in increasing order.

        Parameters
        ----------
        t_max : float, default inf
            Last time of interest.

        Returns
        -------
        list of float
        """
        out: List[float] = []
        t = -1.0
        # a schedule has at most MAX_POINTS breakpoints plus the warm-up's
        for _ in range(MAX_POINTS + 2):
            t = self.next_breakpoint(t)
            if math.isinf(t) or not t <= t_max:
                break
            out.append(t)
        return out

    def __repr__(self) -> str:
        if self.closed:
            return "<aedyn.Schedule closed>"
        w = self.warmup
        return f"<aedyn.Schedule {self.kind}{f' warmup={w:g}' if w else ''}>"


class ScheduleView(Schedule):
    """The copy of a schedule that a trainer or an ODE holds (read-only).

    Returned by ``SGD.get_schedule`` / ``ODE.get_schedule``. It can be
    evaluated and attached elsewhere (which copies it again), but not
    changed; it becomes unusable (``AedynError(ERR_NULL)``) once its owner
    replaces that schedule or is closed.
    """

    _owner: "ScheduleOwner"
    _target: int
    _generation: int

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        raise TypeError("schedule views come from SGD.get_schedule() or ODE.get_schedule()")

    @classmethod
    def _of(cls, owner: "ScheduleOwner", target: int, p: int) -> "ScheduleView":
        self = object.__new__(cls)
        # not adopted: the owner frees its copy, so no handle is counted here
        self._ptr = p
        self._closed = False
        self._owner = owner
        self._target = target
        self._generation = owner._sched_generation.get(target, 0)
        self._keep = owner._sched_keep.get(target, ())
        self.kind = "copy"
        return self

    @property
    def _h(self) -> int:
        owner = self._owner
        if self._closed or owner.closed:
            raise AedynError(ERR_NULL, f"this schedule view is closed (or its "
                             f"{type(owner).__name__} is)", call="ScheduleView")
        if owner._sched_generation.get(self._target, 0) != self._generation:
            raise AedynError(ERR_NULL, f"the {type(owner).__name__} has replaced its "
                             f"{target_name(self._target)} schedule since this view was taken",
                             call="ScheduleView")
        return self._ptr  # type: ignore[return-value]

    @property
    def closed(self) -> bool:
        """Whether the view can no longer be used (closed, replaced, or its owner closed)."""
        try:
            self._h
        except AedynError:
            return True
        return False

    @property
    def warmup(self) -> float:
        """Duration of the warm-up (read-only on a view)."""
        return Schedule.warmup.fget(self)  # type: ignore[attr-defined,no-any-return]

    @warmup.setter
    def warmup(self, t_warmup: float) -> None:
        raise AedynError(ERR_INVALID, "the schedule of a trainer or an ODE is read-only: set "
                         "the warm-up on your schedule and attach it again",
                         call="aedyn_schedule_set_warmup")

    def close(self) -> None:
        """Drop this view (the owner keeps its schedule)."""
        self._closed = True

    def __del__(self) -> None:
        pass

    def __repr__(self) -> str:
        if self.closed:
            return "<aedyn.ScheduleView closed>"
        return (f"<aedyn.ScheduleView of the {target_name(self._target)} schedule of a "
                f"{type(self._owner).__name__}>")


class ScheduleOwner(Handle):
    """Mixin of SGD and ODE: attach schedules and keep their callables alive."""

    _sched_keep: Dict[int, Tuple[Any, ...]]
    _sched_generation: Dict[int, int]
    _set_fn: Callable[..., int]
    _get_fn: Callable[..., int]
    _call_prefix: str

    def _init_schedules(self, keep: Optional[Dict[int, Tuple[Any, ...]]] = None) -> None:
        self._sched_keep = dict(keep or {})
        self._sched_generation = {}

    def set_schedule(self, target: Union[Target, Sequence[Target]],
                     schedule: Optional[Schedule]) -> None:
        """Attach a copy of `schedule` to drive `target` (None detaches it).

        Parameters
        ----------
        target : str or int, or a sequence of them
            What the schedule drives: "encoder-rate", "decoder-rate",
            "bias-rate", "skip-rate", "noise" (sigma_n) or "input-scale" (a),
            or their C values; a tuple or list attaches the schedule to each
            in turn (a failure leaves the earlier ones attached).
        schedule : Schedule or None
            The schedule (copied; a user schedule's callable is kept alive by
            this object), or None to return to the constant set by the other
            setters.
        """
        call = f"{self._call_prefix}_set_schedule"
        targets = list(target) if isinstance(target, (tuple, list)) else [target]
        values = [_target(t, call) for t in targets]
        if schedule is not None and not isinstance(schedule, Schedule):
            raise AedynError(ERR_INVALID, f"schedule must be an aedyn.Schedule or None (got "
                             f"{type(schedule).__name__})", call=call)
        h = self._h
        sp = schedule._h if schedule is not None else None
        for v in values:
            check(type(self)._set_fn(h, v, sp), call)
            self._sched_generation[v] = self._sched_generation.get(v, 0) + 1
            if schedule is None:
                self._sched_keep.pop(v, None)
            else:
                self._sched_keep[v] = schedule._keep

    def get_schedule(self, target: Target) -> Optional[ScheduleView]:
        """The schedule attached to `target`, as a read-only view, or None.

        Parameters
        ----------
        target : str or int
            As for :meth:`set_schedule`.

        Returns
        -------
        ScheduleView or None
            This object's own copy: it can be evaluated and attached
            elsewhere, and is valid until that schedule is replaced.
        """
        call = f"{self._call_prefix}_get_schedule"
        v = _target(target, call)
        p = ctypes.c_void_p()
        check(type(self)._get_fn(self._h, v, byref(p)), call)
        if not p.value:
            return None
        return ScheduleView._of(self, v, p.value)

    @property
    def schedules(self) -> Dict[str, ScheduleView]:
        """The attached schedules by target name (read-only views)."""
        out = {}
        for name, value in SCHEDULE_TARGETS.items():
            view = self.get_schedule(value)
            if view is not None:
                out[name] = view
        return out

    def _set_schedules(self, schedules: Optional[Any]) -> None:
        """Attach the schedules of a {target: schedule} mapping."""
        if schedules is None:
            return
        items: Iterable[Tuple[Any, Any]]
        if hasattr(schedules, "items"):
            items = schedules.items()
        else:
            raise AedynError(ERR_INVALID, "schedules must be a mapping {target: Schedule}",
                             call=f"{self._call_prefix}_set_schedule")
        for t, s in items:
            self.set_schedule(t, s)
