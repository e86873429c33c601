"""aedyn.Analysis: fixed points, stability and plateaus (experimental module).

The numbers equal the C library's bit for bit (scenario 6 of reference.c:
the plateaus of a linear staircase, Newton at a saddle and everything known
there, the runaway of untied erf units); the saddle's error is the closed
form (Tr Omega - rho_1) / 2D; outcomes are the library's names; a bad
argument raises AedynError with the C status and leaves the analysis usable.
"""
import os
import re

import numpy as np
import pytest

import aedyn
from aedyn import AedynError
from conftest import as_doubles

D, K = 200, 3
HERE = os.path.dirname(os.path.abspath(__file__))
HEADER = os.path.join(os.environ.get("AEDYN_INCLUDE_DIR",
                                     os.path.join(HERE, "..", "..", "include", "aedyn")),
                      "aedyn-analysis.h")


def same(ref, name, value, i=0):
    """== to the C value, NaN equal to NaN (a plateau without exit has t_exit NaN)."""
    want = as_doubles(ref[name][i])
    got = np.asarray(value, dtype=np.float64).ravel()
    assert got.shape == want.shape, name
    assert np.array_equal(got, want, equal_nan=True), \
        f"{name}[{i}]: max |diff| {np.nanmax(np.abs(got - want))}"


def raises(status, fn, *args, **kwargs):
    with pytest.raises(AedynError) as info:
        fn(*args, **kwargs)
    assert info.value.status == status, str(info.value)
    assert info.value.detail
    return info.value


def staircase():
    """The linear staircase of reference.c: (rng, data, net, ode, analysis)."""
    rng = aedyn.Rng(23)
    data = aedyn.Data.spiked(D, 3, rng=rng)
    net = aedyn.Net(D, K, "linear").init_gaussian(rng, 1e-4)
    ode = aedyn.ODE(net, data)
    ode.set_method("dopri5")
    ode.set_tolerances(1e-10, 1e-16)
    return rng, data, net, ode, aedyn.Analysis(ode)


@pytest.fixture
def saddle():
    """An analysis whose ODE sits on the second plateau of the staircase (a saddle)."""
    rng, data, net, ode, an = staircase()
    ps = an.plateaus(400.0, 500)
    ode2 = aedyn.ODE(net, data)
    ode2.advance(ps[1].t_reference)
    an2 = aedyn.Analysis(ode2)
    yield data, ode2, an2, ps
    for h in (an, an2, ode, ode2, net, data, rng):
        h.close()


def test_outcome_names():
    assert dict(aedyn.ANALYSIS_OUTCOMES) == {"none": 0, "fixed-point": 1, "runaway": 2,
                                             "not-found": 3, "linearised": 4}
    assert aedyn.ANALYSIS_OUTCOMES.parse("Fixed-Point") == 1
    assert aedyn.ANALYSIS_OUTCOMES.parse("saddle") is None


def test_plateau_fields_follow_the_header():
    if not os.path.isfile(HEADER):
        pytest.skip(f"no {HEADER} (an installed package without the source tree)")
    with open(HEADER, encoding="utf-8") as f:
        text = f.read()
    found = re.findall(r"\bAEDYN_ANALYSIS_PLATEAU_(\w+)\s*=\s*(\d+)", text)
    assert [int(v) for _, v in found] == list(range(len(found)))
    # the Python names: the C ones, lower case, three of them spelt out
    rename = {"lambda": "lambda_u", "delta": "Delta", "iterations": "newton_iterations"}
    names = [rename.get(n.lower(), n.lower()) for n, _ in found]
    assert names == list(aedyn.Plateau._fields)


def test_staircase_equals_c(reference):
    rng, data, net, ode, an = staircase()
    assert an.outcome == "none"
    ps = an.plateaus(400.0, 500)
    assert ode.time == 400.0                       # the ODE is left at t_end
    same(reference, "an_n_plateaus", len(ps))
    for i, p in enumerate(ps):
        same(reference, "an_plateau", [
            float(aedyn.ANALYSIS_OUTCOMES[p.kind]) if f == "kind" else getattr(p, f)
            for f in aedyn.Plateau._fields], i)
    # three saddles (the origin first), then the minimum
    assert [p.kind for p in ps] == ["fixed-point"] * 4
    assert [p.n_unstable > 0 for p in ps] == [True, True, True, False]
    assert np.isnan(ps[-1].t_exit) and ps[-1].t_predicted == np.inf
    assert all(isinstance(p.n_unstable, int) and isinstance(p.multiplicity, int) for p in ps)
    for h in (an, ode, net, data, rng):
        h.close()


def test_fixed_point_equals_c(reference, saddle):
    data, ode, an, ps = saddle
    assert an.fixed_point() == "fixed-point" == an.outcome
    assert aedyn.ANALYSIS_OUTCOMES[an.outcome] == int(as_doubles(reference["an_outcome"][0])[0])
    same(reference, "an_residuals", an.residuals())
    assert an.n_iterations == len(an.residuals()) - 1
    y = an.state()
    assert y.shape == (2 * ode.modes * K + K,)
    same(reference, "an_state", y)
    ev = an.eigenvalues()
    assert ev.dtype == np.complex128
    same(reference, "an_eig_re", ev.real)
    same(reference, "an_eig_im", ev.imag)
    c = an.counts()
    same(reference, "an_counts", [c["unstable"], c["neutral"], c["stable"], c["symmetry"]])
    same(reference, "an_unstable", an.unstable())
    d, dop = an.direction()
    same(reference, "an_dir", d)
    for k in ("dQ", "dR", "dT", "dT0"):
        same(reference, f"an_{k}", dop[k])
    same(reference, "an_error", an.error())
    op = an.order_params()
    for k in ("Q", "R", "T", "T0"):
        same(reference, f"an_{k}", op[k])
    W, V, b = an.weights(1e-3)
    same(reference, "an_W", W)
    same(reference, "an_V", V)
    same(reference, "an_bias", b)
    same(reference, "an_delta0", an.unstable_component(W, V, b))
    same(reference, "an_delta0", an.unstable_component(W, V))   # bias None: zeros
    assert an.linearise() == "linearised"
    same(reference, "an_lin_re", an.eigenvalues().real)
    c = an.counts()
    same(reference, "an_lin_counts", [c["unstable"], c["neutral"], c["stable"], c["symmetry"]])


def test_saddle_error_is_the_closed_form(saddle):
    data, ode, an, ps = saddle
    assert an.fixed_point() == "fixed-point"
    rho = [g.rho for g in data.groups()]
    # the decoders span the leading principal direction: (Tr Omega - rho_1) / 2D
    want = (data.trace - rho[0]) / (2 * D)
    assert abs(an.error() - want) <= 1e-10 * want
    # the plateau's own Newton started from the same time of another integration
    assert abs(an.error() - ps[1].fixed_point_error) <= 1e-12 * want
    assert abs(ps[1].error - want) <= 1e-4 * want          # the ODE's plateau level
    assert an.residuals()[-1] <= 1e-12
    lam, m = an.unstable()
    assert lam > 0 and m >= 1 and an.counts()["symmetry"] > 0


def test_runaway_equals_c(reference):
    with aedyn.Rng(1) as rd, aedyn.Rng(1, 1) as ri, \
            aedyn.Data.spiked(500, 2, rng=rd) as data, \
            aedyn.Net(500, 2, "erf") as net:
        net.init_gaussian(ri, 0.1)
        with aedyn.ODE(net, data) as ode, aedyn.Analysis(ode) as an:
            ode.advance(2e4)
            assert an.fixed_point() == "runaway"
            same(reference, "ru_outcome", aedyn.ANALYSIS_OUTCOMES[an.outcome])
            same(reference, "ru_iterations", an.n_iterations)
            _, dop = an.direction()
            same(reference, "ru_dQ", dop["dQ"])
            same(reference, "ru_dT0", dop["dT0"])
            # the encoders shrink, the decoders grow
            assert np.all(np.diag(dop["dQ"]) < 0) and np.all(np.diag(dop["dT0"]) > 0)


def test_bad_arguments_leave_the_analysis_usable(saddle):
    data, ode, an, ps = saddle
    # nothing computed yet: the getters refuse
    for fn in (an.state, an.residuals, an.eigenvalues, an.counts, an.error, an.direction):
        raises(aedyn.ERR_INVALID, fn)
    assert an.fixed_point() == "fixed-point"
    y, ev, r = an.state(), an.eigenvalues(), an.residuals()

    # the settings: out of range in C, not numbers in Python; nothing changes
    raises(aedyn.ERR_INVALID, an.set_tolerances, 2.0, 1e-8)
    raises(aedyn.ERR_INVALID, an.set_tolerances, 1e-12, float("nan"))
    raises(aedyn.ERR_INVALID, an.set_tolerances, "tight")
    assert an.tolerances == (1e-12, 1e-8)
    with pytest.raises(AedynError) as info:
        an.max_iterations = 0
    assert info.value.status == aedyn.ERR_INVALID
    with pytest.raises(AedynError) as info:
        an.max_iterations = -1
    assert info.value.status == aedyn.ERR_SIZE
    assert an.max_iterations == 100
    with pytest.raises(AedynError) as info:
        an.plateau_threshold = 1.5
    assert info.value.status == aedyn.ERR_INVALID
    assert an.plateau_threshold == 0.1

    # the calls
    raises(aedyn.ERR_INVALID, an.weights, float("inf"))
    raises(aedyn.ERR_SIZE, an.unstable_component, np.zeros((K, D + 1)), np.zeros((K, D)))
    raises(aedyn.ERR_NULL, an.unstable_component, None, np.zeros((K, D)))
    raises(aedyn.ERR_SIZE, an.unstable_component, np.zeros((K, D)), np.zeros((K, D)),
           np.zeros(K + 1))
    t0 = ode.time
    raises(aedyn.ERR_INVALID, an.plateaus, t0 - 1.0)
    raises(aedyn.ERR_SIZE, an.plateaus, t0 + 1.0, 2)
    raises(aedyn.ERR_INVALID, an.plateaus, t0 + 1.0, 2.5)
    assert ode.time == t0

    # the results of the last search are intact, and the analysis still works
    assert an.outcome == "fixed-point"
    assert np.array_equal(an.state(), y) and np.array_equal(an.eigenvalues(), ev)
    assert an.fixed_point() == "fixed-point"
    assert np.array_equal(an.state(), y) and np.array_equal(an.residuals(), r)
    an.set_tolerances(1e-10, 1e-7)
    an.max_iterations = 50
    an.plateau_threshold = 0.2
    assert an.tolerances == (1e-10, 1e-7) and an.max_iterations == 50
    assert an.plateau_threshold == 0.2


def test_no_direction_at_a_minimum():
    rng, data, net, ode, an = staircase()
    ps = an.plateaus(400.0, 500)
    assert ps[-1].n_unstable == 0
    assert an.fixed_point() == "fixed-point"        # from t = 400: the minimum
    lam, m = an.unstable()
    assert np.isnan(lam) and m == 0
    raises(aedyn.ERR_INVALID, an.direction)
    raises(aedyn.ERR_INVALID, an.weights, 1e-3)
    raises(aedyn.ERR_INVALID, an.unstable_component, *net.get_weights()[:2])
    W, V, b = an.weights()                          # shift 0 needs no direction
    assert W.shape == V.shape == (K, D) and b.shape == (K,)
    for h in (an, ode, net, data, rng):
        h.close()


def test_refusals():
    with aedyn.Rng(2) as rng, aedyn.Data.spiked(50, 2, rng=rng) as data, \
            aedyn.Net(50, 2, "erf") as net:
        net.init_gaussian(rng, 0.1)
        raises(aedyn.ERR_NULL, aedyn.Analysis, None)
        raises(aedyn.ERR_INVALID, aedyn.Analysis, net)
        ode = aedyn.ODE(net, data, schedules={"encoder-rate": aedyn.Schedule.constant(0.5)})
        an = aedyn.Analysis(ode)
        raises(aedyn.ERR_UNSUPPORTED, an.fixed_point)
        raises(aedyn.ERR_UNSUPPORTED, an.linearise)
        raises(aedyn.ERR_UNSUPPORTED, an.plateaus, 10.0)
        assert an.outcome == "none"
        ode.set_schedule("encoder-rate", None)      # the borrowed ODE, changed: read each call
        assert an.linearise() == "linearised"
        an.close()
        ode.close()
        raises(aedyn.ERR_NULL, aedyn.Analysis, ode)    # a closed ODE
        raises(aedyn.ERR_NULL, an.fixed_point)         # a closed analysis


def test_the_analysis_borrows_its_ode():
    n0 = aedyn.handle_counts()["live"]
    with aedyn.Rng(3) as rng, aedyn.Data.spiked(60, 2, rng=rng) as data, \
            aedyn.Net(60, 2, "linear") as net:
        net.init_gaussian(rng, 0.1)
        ode = aedyn.ODE(net, data)
        an = aedyn.Analysis(ode)
        assert an.ode is ode
        ode.close()                                  # unusable, but kept for the analysis
        assert ode.closed
        assert an.linearise() == "linearised"
        assert aedyn.handle_counts()["live"] == n0 + 5
        an.close()
        assert aedyn.handle_counts()["live"] == n0 + 3   # the ODE went with it
    assert aedyn.handle_counts()["live"] == n0


def test_skip_connection_state():
    with aedyn.Rng(4) as rng, aedyn.Data.spiked(80, 2, rng=rng) as data, \
            aedyn.Net(80, 2, "erf", skip=True) as net:
        net.init_gaussian(rng, 0.1)
        net.skip = 0.3
        with aedyn.ODE(net, data, denoising=(1.0, 0.5)) as ode, aedyn.Analysis(ode) as an:
            ode.advance(5.0)
            assert an.linearise() == "linearised"
            y = an.state()
            assert y.shape == (2 * ode.modes * 2 + 2 + 1,)
            assert y[-1] == ode.skip
            assert "Analysis" in repr(an) and "linearised" in repr(an)
        assert repr(an) == "<aedyn.Analysis closed>"
