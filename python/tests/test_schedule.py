"""Schedules, denoising autoencoders and the skip connection from Python.

Values are checked against the C library bit for bit (the reference program
makes the same calls through the C API) and against the formulas of
aedyn-schedule.h; SGD driven by a schedule against SGD driven by hand, step
by step; the ODE's breakpoints; user schedules written in Python, including
ones that raise; the lifetime of their callables; every error path.
"""
import gc
import math

import numpy as np
import pytest

import aedyn
from aedyn import AedynError
from conftest import as_doubles

TV = [0, 0.25, 0.5, 1, 2.5, 7, 100]


def raises(status, fn, *args, **kwargs):
    with pytest.raises(AedynError) as info:
        fn(*args, **kwargs)
    assert info.value.status == status, str(info.value)
    assert info.value.detail
    return info.value


@pytest.fixture
def rng():
    with aedyn.Rng(1) as r:
        yield r


# ---- the forms, against the formulas and against C ----

def test_forms_follow_their_formulas():
    p = aedyn.Schedule.power(0.8, tau=2.0, beta=0.5)
    e = aedyn.Schedule.exponential(0.3, tau=4.0)
    c = aedyn.Schedule.cosine(1.0, v_min=0.1, T=5.0)
    k = aedyn.Schedule.constant(0.25)
    for t in TV:
        assert p(t) == pytest.approx(0.8 * (1 + t / 2.0) ** -0.5, rel=1e-15)
        assert e(t) == pytest.approx(0.3 * math.exp(-t / 4.0), rel=1e-15)
        want = 0.1 + 0.9 * (1 + math.cos(math.pi * min(t, 5.0) / 5.0)) / 2
        assert c(t) == pytest.approx(want, rel=1e-14)
        assert k(t) == 0.25
    # the pieces are closed on the left; values at and after the last start
    pw = aedyn.Schedule.piecewise([0, 1, 3], [0.4, 0.2, 0.1])
    assert [pw(t) for t in (0, 0.999, 1, 2.9, 3, 1e9)] == [0.4, 0.4, 0.2, 0.2, 0.1, 0.1]
    assert pw.breakpoints() == [1.0, 3.0] and pw.breakpoints(t_max=2) == [1.0]
    assert c.breakpoints() == [5.0] and p.breakpoints() == [] and math.isinf(p.next_breakpoint(0))
    # warm-up: min(1, t / t_w) times the form, t_w a breakpoint
    p.warmup = 4.0
    assert p.warmup == 4.0 and p(0) == 0.0
    assert p(1.0) == pytest.approx(0.25 * 0.8 * (1 + 0.5) ** -0.5, rel=1e-15)
    assert p.breakpoints() == [4.0]
    p.warmup = 0
    assert p(0) == 0.8
    # arrays in, arrays out
    assert np.array_equal(pw(np.array([[0.0, 1.0], [3.0, 5.0]])), [[0.4, 0.2], [0.1, 0.1]])
    for s in (p, e, c, k, pw):
        s.close()


def test_values_equal_c(reference):
    scheds = {
        "sc_power": aedyn.Schedule.power(0.8, 2.0, 0.5, warmup=1.0),
        "sc_exponential": aedyn.Schedule.exponential(0.3, 4.0),
        "sc_cosine": aedyn.Schedule.cosine(1.0, 0.1, 5.0),
        "sc_piecewise": aedyn.Schedule.piecewise([0, 1, 3], [0.4, 0.2, 0.1]),
    }
    for name, s in scheds.items():
        assert np.array_equal(s(np.array(TV)), as_doubles(reference[name][0])), name
    pw = scheds["sc_piecewise"]
    pw.warmup = 0.5
    assert np.array_equal(pw.breakpoints(), as_doubles(reference["sc_piecewise_breaks"][0]))


def test_denoising_run_equals_c(reference):
    """Scenario 5 of reference.c through the Python API."""
    D, K = 30, 2
    power = aedyn.Schedule.power(0.8, 2.0, 0.5, warmup=1.0)
    noise = aedyn.Schedule.piecewise([0, 1, 3], [0.4, 0.2, 0.1], warmup=0.5)
    with aedyn.Rng(3) as rng, aedyn.Data.spiked(D, 2, rng=rng) as data, \
            aedyn.Net(D, K, "erf", skip=True) as net:
        net.init_gaussian(rng, 0.2)
        net.skip = 0.1
        assert net.has_skip and net.skip == 0.1
        assert net.error_denoising(data, 0.9, 0.4) == float(reference["dn_err0"][0][0])
        sgd = aedyn.SGD(net, data, rng, "vanilla", 0.5, denoising=(0.9, 0.4), skip_rate=0.3,
                        schedules={("encoder-rate", "decoder-rate"): power, "noise": noise})
        assert sgd.denoising == (0.9, 0.4) and sgd.skip_rate == 0.3
        ode = aedyn.ODE.from_sgd(sgd)
        assert ode.denoising == (0.9, 0.4) and ode.skip_rate == 0.3
        assert set(ode.schedules) == {"encoder-rate", "decoder-rate", "noise"}
        for i, steps in enumerate((0, 15, 30, 75, 150)):
            if steps > sgd.steps:
                sgd.step(steps - sgd.steps)
            t = steps / D
            for name, value in (("dn_sgd_error", net.error_denoising(data, 0.9, noise(t))),
                                ("dn_sgd_skip", net.skip)):
                assert value == float(reference[name][i][0]), (name, i)
            ode.advance(t)
            assert ode.error() == float(reference["dn_ode_error"][i][0]), i
            assert ode.skip == float(reference["dn_ode_skip"][i][0]), i
        assert ode.stats()["breakpoints"] == int(float(reference["dn_ode_breakpoints"][0][0]))
        assert np.array_equal(net.W.ravel(), as_doubles(reference["dn_W_end"][0]))
        assert np.array_equal(net.V.ravel(), as_doubles(reference["dn_V_end"][0]))
        ode.close()
        sgd.close()


# ---- SGD and the ODE with schedules ----

def test_sgd_with_schedule_equals_rates_set_by_hand():
    D, n = 40, 200
    s = aedyn.Schedule.piecewise([0, 1.5, 3], [0.9, 0.4, 0.1], warmup=0.5)
    results = []
    for by_hand in (False, True):
        with aedyn.Rng(11) as rng, aedyn.Data.spiked(D, 2, rng=rng) as data, \
                aedyn.Net(D, 2, "erf", bias=True).init_gaussian(rng, 0.1) as net:
            sgd = aedyn.SGD(net, data, rng, lr=1.0)
            if by_hand:
                for _ in range(n):
                    v = s(sgd.steps / D)
                    sgd.set_learning_rates(v, v, v)
                    sgd.step(1)
            else:
                sgd.set_schedule(("encoder-rate", "decoder-rate", "bias-rate"), s)
                sgd.step(n)
            assert sgd.steps == n
            results.append(net.get_weights())
            sgd.close()
    for a, b in zip(*results):
        assert np.array_equal(a, b)


def test_ode_lands_on_the_breakpoints_of_a_piecewise_schedule(rng):
    with aedyn.Data.spiked(50, 2, rng=rng) as data, \
            aedyn.Net(50, 2, "erf").init_gaussian(rng, 0.1) as net:
        s = aedyn.Schedule.piecewise([0, 1, 2.5, 6], [1.0, 0.5, 0.25, 0.1])
        ode = aedyn.ODE(net, data, lr=1.0, schedules={("encoder-rate", "decoder-rate"): s})
        ode.advance(4.0)
        assert ode.time == 4.0 and ode.stats()["breakpoints"] == 2      # t = 1, 2.5
        ode.advance(10.0)
        assert ode.stats()["breakpoints"] == 3                          # and t = 6
        # the same schedule as rates set by hand between the breakpoints
        ref = aedyn.ODE(net, data, lr=1.0)
        for t_end, v in ((1.0, 1.0), (2.5, 0.5), (6.0, 0.25), (10.0, 0.1)):
            ref.set_learning_rates(v, v, 1.0)
            ref.advance(t_end)
        assert ref.stats()["breakpoints"] == 0
        assert ode.error() == pytest.approx(ref.error(), rel=1e-6)
        # detaching returns to the constant rates
        ode.set_schedule(("encoder-rate", "decoder-rate"), None)
        assert ode.schedules == {} and ode.learning_rates == (1.0, 1.0, 1.0)
        ode.close()
        ref.close()


def test_denoising_ode_error_at_zero_is_the_net_denoising_error(rng):
    with aedyn.Data.spiked(60, 3, rng=rng) as data:
        for skip, act, bias in ((False, "erf", False), (True, "erf", False),
                                (True, "relu", True), (True, "linear", False)):
            net = aedyn.Net(60, 2, act, bias=bias, skip=skip).init_gaussian(rng, 0.3)
            if skip:
                net.skip = 0.4
            for a, sigma in ((1.0, 0.0), (0.8, 0.6), (1.3, 0.1)):
                with aedyn.ODE(net, data, lr=0.5, denoising=(a, sigma)) as ode:
                    want = net.error_denoising(data, a, sigma)
                    assert ode.error() == pytest.approx(want, rel=1e-12, abs=1e-15)
                    assert ode.skip == net.skip
            # (1, 0) is the plain population error, exactly
            assert net.error_denoising(data) == net.population_error(data)
            net.close()


def test_noise_schedule_drives_the_ode_error(rng):
    with aedyn.Data.spiked(40, 2, rng=rng) as data, \
            aedyn.Net(40, 2, "erf", skip=True).init_gaussian(rng, 0.1) as net:
        noise = aedyn.Schedule.exponential(0.8, tau=1.0)
        ode = aedyn.ODE(net, data, lr=0.5, schedules={"noise": noise})
        # the error is measured at sigma_n(t) of the schedule, not the constant
        assert ode.error() == pytest.approx(net.error_denoising(data, 1.0, 0.8), rel=1e-12)
        ode.close()


# ---- user schedules in Python ----

def test_user_schedule_equals_the_built_in_form(rng):
    built_in = aedyn.Schedule.exponential(0.7, tau=3.0)
    user = aedyn.Schedule.user(lambda t: 0.7 * math.exp(-t / 3.0))
    assert user.kind == "user" and user.breakpoints() == []
    ws = []
    for s in (built_in, user):
        with aedyn.Rng(5) as r, aedyn.Data.spiked(30, 1, rng=r) as data, \
                aedyn.Net(30, 1, "linear").init_gaussian(r, 0.1) as net:
            with aedyn.SGD(net, data, r, lr=1.0, schedules={"encoder-rate": s}) as sgd:
                sgd.step(90)
            ws.append(net.W)
    assert np.allclose(ws[0], ws[1], rtol=1e-12, atol=0)
    breaks = aedyn.Schedule.user(lambda t: 1.0 if t < 2 else 0.5, breaks=[2.0], warmup=1.0)
    assert breaks.breakpoints() == [1.0, 2.0] and breaks(1.5) == 1.0 and breaks(3) == 0.5


def test_exception_in_a_user_schedule_is_raised_again(rng):
    calls = []

    def fn(t):
        calls.append(t)
        if t >= 0.5:
            raise ZeroDivisionError("schedule broke")
        return 1.0

    s = aedyn.Schedule.user(fn)
    with aedyn.Data.spiked(20, 2, rng=rng) as data, \
            aedyn.Net(20, 2, "erf").init_gaussian(rng, 0.1) as net:
        sgd = aedyn.SGD(net, data, rng, lr=0.5, schedules={"decoder-rate": s})
        with pytest.raises(ZeroDivisionError, match="schedule broke") as info:
            sgd.step(100)
        assert sgd.steps == 10                       # stopped before the step at t = 0.5
        notes = getattr(info.value, "__notes__", None)
        if notes is not None:                        # Python >= 3.11
            assert any("ERR_INVALID" in n and "aedyn_sgd_step" in n for n in notes)
        with pytest.raises(ZeroDivisionError):
            s.value(0.75)
        assert s.value(0.25) == 1.0                 # no stale exception afterwards
        sgd.set_schedule("decoder-rate", None)
        sgd.step(5)                                  # and the trainer still works
        assert sgd.steps == 15
        # in the ODE: advance and error() raise it, the state of the last good step stays
        ode = aedyn.ODE(net, data, lr=0.5, schedules={"noise": s})
        with pytest.raises(ZeroDivisionError):
            ode.advance(2.0)
        assert 0.0 <= ode.time < 0.5
        ode.set_schedule("noise", None)
        ode.advance(1.0)
        assert ode.time == 1.0
        sgd.close()
        ode.close()


def test_bad_values_of_a_user_schedule(rng):
    with aedyn.Data.spiked(20, 2, rng=rng) as data, \
            aedyn.Net(20, 2, "erf").init_gaussian(rng, 0.1) as net, \
            aedyn.SGD(net, data, rng, lr=0.5) as sgd:
        for fn, exc in ((lambda t: -1.0, AedynError), (lambda t: math.inf, AedynError),
                        (lambda t: "0.5", TypeError), (lambda t: None, TypeError),
                        (lambda: 1.0, TypeError)):
            sgd.set_schedule("encoder-rate", aedyn.Schedule.user(fn))
            with pytest.raises(exc) as info:
                sgd.step(1)
            if exc is AedynError:
                assert info.value.status == aedyn.ERR_INVALID
                assert "finite and >= 0" in info.value.detail
            assert sgd.steps == 0
    with pytest.raises(TypeError, match="callable"):
        aedyn.Schedule.user(3.0)
    raises(aedyn.ERR_NULL, aedyn.Schedule.user, None)


def test_user_schedule_callable_outlives_the_python_objects(rng):
    """The C copies share the function pointer: the trainer, and an ODE made
    from it, keep the Python callable alive after every other reference is gone."""
    with aedyn.Data.spiked(30, 2, rng=rng) as data, \
            aedyn.Net(30, 2, "erf").init_gaussian(rng, 0.1) as net:
        def make():
            factor = [0.5]                          # a closure: freed with the lambda
            s = aedyn.Schedule.user(lambda t: factor[0] / (1 + t))
            sgd = aedyn.SGD(net, data, rng, lr=1.0, schedules={"encoder-rate": s})
            s.close()                               # the C schedule itself is gone too
            return sgd
        sgd = make()
        gc.collect()
        sgd.step(60)
        ode = aedyn.ODE.from_sgd(sgd)
        view = sgd.get_schedule("encoder-rate")
        assert view(1.0) == 0.25
        other = aedyn.SGD(net.copy(), data, rng, lr=1.0)
        other.set_schedule("bias-rate", view)       # a view can be attached elsewhere
        sgd.close()
        del sgd, view
        gc.collect()
        ode.advance(3.0)
        assert ode.get_schedule("encoder-rate")(3.0) == 0.125
        assert other.get_schedule("bias-rate")(1.0) == 0.25
        ode.close()
        other.close()


# ---- views, targets, errors ----

def test_views_are_read_only_and_expire(rng):
    s = aedyn.Schedule.cosine(1.0, 0.2, 4.0, warmup=1.0)
    with aedyn.Data.spiked(20, 2, rng=rng) as data, \
            aedyn.Net(20, 2, "erf").init_gaussian(rng, 0.1) as net, \
            aedyn.SGD(net, data, rng, lr=0.5) as sgd:
        assert sgd.get_schedule("noise") is None and sgd.schedules == {}
        sgd.set_schedule(aedyn.SCHEDULE_TARGETS["noise"], s)
        s.warmup = 2.0                              # the trainer kept a copy
        view = sgd.get_schedule("NOISE")
        assert isinstance(view, aedyn.ScheduleView)
        assert view.warmup == 1.0 and view(0.5) == 2 * s(0.5)   # min(1, t/1) vs t/2
        assert view.breakpoints() == [1.0, 4.0]
        e = raises(aedyn.ERR_INVALID, setattr, view, "warmup", 3.0)
        assert "read-only" in e.detail
        sgd.set_schedule("noise", s)                # replaced: the old view expires
        assert view.closed
        e = raises(aedyn.ERR_NULL, view, 1.0)
        assert "replaced" in e.detail
        assert sgd.get_schedule("noise").warmup == 2.0
        assert list(sgd.schedules) == ["noise"]
    s.close()
    raises(aedyn.ERR_NULL, s.value, 1.0)


def test_errors(rng):
    S = aedyn.Schedule
    raises(aedyn.ERR_INVALID, S.constant, -1.0)
    raises(aedyn.ERR_INVALID, S.constant, math.nan)
    raises(aedyn.ERR_INVALID, S.constant, "fast")
    raises(aedyn.ERR_INVALID, S.power, 1.0, 0.0, 1.0)
    raises(aedyn.ERR_INVALID, S.power, 1.0, 1.0, -1.0)
    raises(aedyn.ERR_INVALID, S.exponential, 1.0, math.inf)
    e = raises(aedyn.ERR_INVALID, S.cosine, 1.0, 2.0, 10.0)
    assert "v_min" in e.detail
    raises(aedyn.ERR_INVALID, S.piecewise, [0.5, 1], [1, 2])
    raises(aedyn.ERR_INVALID, S.piecewise, [0, 2, 1], [1, 2, 3])
    raises(aedyn.ERR_INVALID, S.piecewise, [0, 1], [1, -2])
    raises(aedyn.ERR_SIZE, S.piecewise, [0, 1], [1, 2, 3])
    raises(aedyn.ERR_SIZE, S.piecewise, [], [])
    raises(aedyn.ERR_SIZE, S.piecewise, np.zeros(100001), np.ones(100001))
    raises(aedyn.ERR_SIZE, S.piecewise, [[0, 1]], [[1, 2]])
    raises(aedyn.ERR_INVALID, S.user, abs, [2.0, 1.0])
    raises(aedyn.ERR_INVALID, S.user, abs, [0.0])
    raises(aedyn.ERR_INVALID, S.constant, 1.0, warmup=-1)
    with pytest.raises(TypeError):
        aedyn.Schedule()
    s = S.constant(1.0)
    raises(aedyn.ERR_INVALID, s.value, -1.0)
    raises(aedyn.ERR_INVALID, s.value, math.nan)
    raises(aedyn.ERR_INVALID, s.next_breakpoint, math.inf)
    data = aedyn.Data.spiked(12, 2, rng=rng)
    net = aedyn.Net(12, 2, "erf")
    sgd = aedyn.SGD(net, data, rng, lr=0.5)
    e = raises(aedyn.ERR_INVALID, sgd.set_schedule, "momentum", s)
    assert "encoder-rate" in e.detail                 # lists the valid names
    raises(aedyn.ERR_INVALID, sgd.set_schedule, 6, s)
    raises(aedyn.ERR_INVALID, sgd.set_schedule, 1.5, s)
    raises(aedyn.ERR_INVALID, sgd.set_schedule, "noise", 0.5)
    raises(aedyn.ERR_INVALID, sgd.get_schedule, 6)
    raises(aedyn.ERR_UNSUPPORTED, sgd.set_schedule, "skip-rate", s)   # no skip connection
    raises(aedyn.ERR_UNSUPPORTED, setattr, sgd, "skip_rate", 0.1)
    raises(aedyn.ERR_UNSUPPORTED, setattr, net, "skip", 0.1)
    assert net.skip == 0.0 and sgd.skip_rate == 0.0
    raises(aedyn.ERR_INVALID, sgd.set_denoising, 1.0, -0.1)
    raises(aedyn.ERR_INVALID, sgd.set_denoising, math.nan, 0.1)
    assert sgd.denoising == (1.0, 0.0)                # unchanged after failures
    raises(aedyn.ERR_INVALID, net.error_denoising, data, 1.0, -1.0)
    raises(aedyn.ERR_NULL, net.error_denoising, None)
    skipnet = aedyn.Net(12, 2, "erf", skip=True)
    raises(aedyn.ERR_INVALID, setattr, skipnet, "skip", math.inf)
    ssgd = aedyn.SGD(skipnet, data, rng, lr=0.5)
    raises(aedyn.ERR_INVALID, setattr, ssgd, "skip_rate", -1.0)
    sanger = aedyn.SGD(aedyn.Net(12, 2, "linear", tied=True), data, rng, "sanger", 0.1)
    raises(aedyn.ERR_UNSUPPORTED, sanger.set_schedule, "noise", s)
    raises(aedyn.ERR_UNSUPPORTED, sanger.set_denoising, 0.5, 0.5)
    # a failing keyword argument of the constructor leaves no handle behind
    before = aedyn.handle_counts()["live"]
    raises(aedyn.ERR_UNSUPPORTED, aedyn.SGD, net, data, rng, lr=0.5, skip_rate=0.1)
    raises(aedyn.ERR_INVALID, aedyn.ODE, net, data, lr=0.5, denoising=(1.0, -1.0))
    raises(aedyn.ERR_INVALID, aedyn.ODE, net, data, lr=0.5, schedules=[s])
    gc.collect()
    assert aedyn.handle_counts()["live"] == before
    ode = aedyn.ODE(net, data, lr=0.5)
    raises(aedyn.ERR_UNSUPPORTED, ode.set_schedule, "skip-rate", s)
    raises(aedyn.ERR_UNSUPPORTED, setattr, ode, "skip_rate", 0.2)
    raises(aedyn.ERR_INVALID, ode.set_denoising, 1.0, math.inf)
    s.close()
    raises(aedyn.ERR_NULL, sgd.set_schedule, "noise", s)   # a closed schedule
    for h in (ode, sanger, ssgd, sgd, skipnet, net, data):
        h.close()
