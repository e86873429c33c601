"""Replica ensembles, the reduced chain and the band from Python.

The statistics are tested in C (tests/test-replicas.c, test-chain.c,
test-band.c); here the bindings must give the C library's numbers bit for bit
(reference.c, scenario 6, compared with ==), and bad input must raise
AedynError with the right status before or instead of any C call.
"""
import math

import numpy as np
import pytest

import aedyn
from aedyn import AedynError
from conftest import as_doubles


def same(ref, name, value):
    want = as_doubles(ref[name][0])
    got = np.asarray(value, dtype=np.float64).ravel()
    assert got.shape == want.shape, name
    assert np.array_equal(got, want), f"{name}: max |diff| {np.nanmax(np.abs(got - want))}"


def raises(status, fn, *args, **kwargs):
    with pytest.raises(AedynError) as info:
        fn(*args, **kwargs)
    assert info.value.status == status, str(info.value)
    assert info.value.detail
    return info.value


def _trainer(D=60, act="erf", seed=6):
    rng = aedyn.Rng(seed)
    data = aedyn.Data.spiked(D, 2, rng=rng)
    net = aedyn.Net(D, 2, act).init_gaussian(rng, 0.1)
    return rng, data, net, aedyn.SGD(net, data, rng, lr=1.0)


def test_fluct_matches_c(reference):
    """Scenario 6 of reference.c, call for call."""
    D, q = 60, (0.1, 0.5, 0.9)
    rng, data, net, sgd = _trainer(D)
    with aedyn.Replicas(sgd, 5, rng) as rep:
        rep.n_threads = 2
        rep.set_escape(0.485, 0.1)
        rep.step(3 * D)
        assert rep.steps == 3 * D and rep.time == 3.0 and rep.escape == (0.485, 0.1)
        same(reference, "fl_rep_values", rep.values())
        m, s, qs = rep.stats(q)
        same(reference, "fl_rep_mean", m)
        same(reference, "fl_rep_std", s)
        same(reference, "fl_rep_quantiles", qs)
        same(reference, "fl_rep_escape", rep.escape_times())
        frac, eq = rep.escape_stats(q)
        same(reference, "fl_rep_escaped", frac)
        same(reference, "fl_rep_escape_q", eq)
    with aedyn.Replicas(sgd, 5, rng, reduced=True) as rep:
        rep.init_gaussian(0.2)
        rep.step(2 * D)
        same(reference, "fl_red_values", rep.values())
    crng = aedyn.Rng(6, 1)
    with aedyn.Chain(sgd, crng) as ch:
        same(reference, "fl_chain_y0", ch.get_state())
        ch.step(2 * D)
        same(reference, "fl_chain_y", ch.get_state())
        same(reference, "fl_chain_error", ch.error())
        op = ch.order_params()
        for k in ("Q", "R", "T", "T0"):
            same(reference, f"fl_chain_{k}", op[k])
    with aedyn.Band(sgd) as band:
        band.advance(2.0)
        same(reference, "fl_band_error", band.error())
        S, d = band.covariance()
        same(reference, "fl_band_sigma", S)
        same(reference, "fl_band_delta", d)
        same(reference, "fl_band_mean", band.get_mean())
        same(reference, "fl_band_sample", band.sample(crng))


def test_replicas_threads_do_not_change_results():
    rng, data, net, sgd = _trainer(300)
    out = []
    for n in (1, 2, 3):
        with aedyn.Replicas(sgd, 5, aedyn.Rng(9)) as rep:
            rep.n_threads = n
            assert rep.n_threads == n and rep.n_replicas == 5 and rep.n_values == 17
            rep.set_escape(0.45, 0.1)
            rep.step(900)
            m, s, q = rep.stats((0.1, 0.9))
            assert m.shape == (17,) and q.shape == (2, 17) and np.all(q[0] <= q[1])
            v = rep.values()
            # the statistics are those of the values (numpy's quantile convention)
            assert np.allclose(m, v.mean(axis=0), rtol=1e-12, atol=1e-15)
            assert np.allclose(s, v.std(axis=0, ddof=1), rtol=1e-9, atol=1e-15)
            assert np.allclose(q, np.quantile(v, (0.1, 0.9), axis=0), rtol=1e-12, atol=1e-15)
            out.append((v, rep.escape_times()))
    for v, t in out[1:]:
        assert np.array_equal(v, out[0][0]) and np.array_equal(t, out[0][1])


def test_chain_starts_at_the_network_and_band_shapes():
    rng, data, net, sgd = _trainer(1000)
    with aedyn.Chain(sgd, rng) as ch:
        assert ch.n_explicit == 2 and ch.n_state == 22
        e0 = ch.error()
        assert abs(e0 - net.population_error(data)) < 1e-12
        ch.step(2000)
        assert ch.time == 2.0 and ch.steps == 2000 and ch.error() < e0
        y = ch.get_state()
        ch.set_state(y)
        assert np.array_equal(ch.get_state(), y)
    with aedyn.Band(sgd) as band:
        assert band.n_state == 18
        band.advance(3.0)
        err = band.error()
        assert 0 < err.std_first <= err.std < 0.05 and 0 < err.mean < 0.5
        S, d = band.covariance()
        assert S.shape == (18, 18) and np.array_equal(S, S.T) and d.shape == (18,)
        assert band.noise().shape == (18, 18) and band.jacobian().shape == (18, 18)
        band.set_mean(3.0, band.sample(rng))
        assert band.time == 3.0 and np.all(band.covariance()[0] == 0)


def test_bad_input_raises():
    rng, data, net, sgd = _trainer(60)
    raises(aedyn.ERR_INVALID, aedyn.Replicas, net, 4, rng)
    raises(aedyn.ERR_NULL, aedyn.Replicas, None, 4, rng)
    raises(aedyn.ERR_NULL, aedyn.Replicas, sgd, 4, None)
    raises(aedyn.ERR_SIZE, aedyn.Replicas, sgd, 0, rng)
    raises(aedyn.ERR_SIZE, aedyn.Replicas, sgd, -1, rng)
    raises(aedyn.ERR_INVALID, aedyn.Replicas, sgd, 2.5, rng)
    with aedyn.Replicas(sgd, 3, rng) as rep:
        raises(aedyn.ERR_INVALID, rep.escape_times)          # no level set
        assert all(math.isnan(x) for x in rep.escape)
        raises(aedyn.ERR_INVALID, rep.set_escape, 0.3, 0.0)
        raises(aedyn.ERR_INVALID, rep.set_escape, float("nan"), 0.1)
        raises(aedyn.ERR_INVALID, rep.stats, (0.5, 1.5))
        raises(aedyn.ERR_INVALID, rep.stats, ("a",))
        raises(aedyn.ERR_SIZE, rep.stats, [[0.1, 0.2]])
        raises(aedyn.ERR_INVALID, rep.init_gaussian, -1.0)
        raises(aedyn.ERR_INVALID, rep.step, -1)
        rep.n_threads = 0                                    # the online processors
        assert rep.n_threads >= 1
        with pytest.raises(AedynError):
            rep.n_threads = 2000
        rep.step(10)
        raises(aedyn.ERR_INVALID, rep.init_gaussian, 0.1)    # only before the first step
    raises(aedyn.ERR_NULL, rep.step, 1)                      # closed
    with aedyn.Chain(sgd, rng) as ch:
        y = ch.get_state()
        raises(aedyn.ERR_SIZE, ch.set_state, y[:-1])
        bad = y.copy()
        bad[-1] = float("nan")
        raises(aedyn.ERR_INVALID, ch.set_state, bad)
        assert np.array_equal(ch.get_state(), y)             # refused: nothing changed
        raises(aedyn.ERR_INVALID, ch.init_gaussian, rng, float("inf"))
    with aedyn.Band(sgd) as band:
        band.advance(1.0)
        raises(aedyn.ERR_INVALID, band.advance, 0.5)         # backwards
        raises(aedyn.ERR_SIZE, band.set_mean, 1.0, np.zeros(3))
        raises(aedyn.ERR_SIZE, band.set_quadrature, 0)
        raises(aedyn.ERR_INVALID, band.sample, "rng")
    # what the chain does not support is refused with a reason
    tied = aedyn.Net(60, 2, "erf", tied=True).init_gaussian(rng, 0.1)
    with aedyn.SGD(tied, data, rng) as s2:
        e = raises(aedyn.ERR_UNSUPPORTED, aedyn.Chain, s2, rng)
        assert "tied" in e.detail
        raises(aedyn.ERR_UNSUPPORTED, aedyn.Replicas, s2, 2, rng, reduced=True)
        raises(aedyn.ERR_UNSUPPORTED, aedyn.Band, s2)
    full = aedyn.Data.gaussian(np.diag(np.linspace(0.5, 1.5, 60)))
    with aedyn.SGD(net, full, rng) as s3:
        raises(aedyn.ERR_UNSUPPORTED, aedyn.Chain, s3, rng)


def test_schedule_functions_stay_alive_in_copies():
    """The replicas copy the template's schedules: its Python functions must outlive it."""
    rng, data, net, sgd = _trainer(60)
    sgd.set_schedule("encoder-rate", aedyn.Schedule.user(lambda t: 1.0 / (1.0 + t)))
    rep = aedyn.Replicas(sgd, 2, rng)
    ch = aedyn.Chain(sgd, aedyn.Rng(3))
    sgd.close()
    del sgd
    import gc
    gc.collect()
    rep.step(120)
    ch.step(120)
    assert rep.time == 2.0 and ch.time == 2.0
    rep.close()
    ch.close()
