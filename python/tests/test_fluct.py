"""Replica ensembles, the reduced chain and the band from Python (thin
bindings; the statistics are tested in C)."""
import numpy as np

import aedyn


def _trainer(D=300, act="erf"):
    rng = aedyn.Rng(4)
    data = aedyn.Data.spiked(D, 2, rng=rng)
    net = aedyn.Net(D, 2, act).init_gaussian(rng, 0.1)
    return rng, data, net, aedyn.SGD(net, data, rng, lr=1.0)


def test_replicas_threads_do_not_change_results():
    rng, data, net, sgd = _trainer()
    out = []
    for n in (1, 2):
        r = aedyn.Rng(9)
        with aedyn.Replicas(sgd, 5, r) as rep:
            rep.n_threads = n
            rep.set_escape(0.45, 0.1)
            rep.step(3 * 300)
            assert rep.steps == 900 and rep.time == 3.0
            m, s, q = rep.stats((0.1, 0.9))
            assert m.shape == (17,) and q.shape == (2, 17)
            assert np.all(q[0] <= q[1])
            out.append((rep.values(), rep.escape_times()))
    assert np.array_equal(out[0][0], out[1][0])
    assert np.array_equal(out[0][1], out[1][1])


def test_chain_and_band():
    rng, data, net, sgd = _trainer(1000)
    with aedyn.Chain(sgd, rng) as ch:
        e0 = ch.error()
        assert abs(e0 - net.population_error(data)) < 1e-12
        ch.step(2000)
        assert ch.time == 2.0 and ch.error() < e0
        y = ch.get_state()
        ch.set_state(y)
    with aedyn.Band(sgd) as band:
        band.advance(3.0)
        mean, shift, s1, s2 = band.error()
        assert 0 < s1 <= s2 < 0.05 and 0 < mean < 0.5
        S, d = band.covariance()
        assert S.shape == (18, 18) and np.allclose(S, S.T)
        ys = band.sample(rng)
        band.set_mean(3.0, ys)
        assert band.time == 3.0
    with aedyn.Replicas(sgd, 4, rng, reduced=True) as rep:
        rep.step(1000)
        assert rep.values().shape == (4, 17)
