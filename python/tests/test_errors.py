"""Every error path raises aedyn.AedynError with the right status."""
import math
import os

import numpy as np
import pytest

import aedyn
from aedyn import AedynError


def raises(status, fn, *args, **kwargs):
    with pytest.raises(AedynError) as info:
        fn(*args, **kwargs)
    e = info.value
    assert e.status == status, str(e)
    assert e.name == aedyn.STATUS_NAMES[status]
    assert e.message == aedyn.strerror(status)
    assert e.detail, "every error carries a detail message"
    return e


@pytest.fixture
def rng():
    with aedyn.Rng(1) as r:
        yield r


def test_exception_carries_c_detail(rng):
    e = raises(aedyn.ERR_SIZE, aedyn.Data.spiked, 0, 0, rng=rng)
    assert "D must be >= 1" in e.detail
    assert e.call == "aedyn_data_create_spiked"
    assert "D must be >= 1" in str(e) and "ERR_SIZE" in str(e)


def test_strerror_for_every_status():
    for code, name in aedyn.STATUS_NAMES.items():
        assert aedyn.strerror(code)
        assert name.startswith("OK") or name.startswith("ERR_")
    assert aedyn.strerror(-999) == "unknown status"


def test_rng_arguments():
    raises(aedyn.ERR_INVALID, aedyn.Rng, -1)
    raises(aedyn.ERR_INVALID, aedyn.Rng, 2 ** 64)
    raises(aedyn.ERR_INVALID, aedyn.Rng, "seed")
    raises(aedyn.ERR_INVALID, aedyn.Rng, 1.5)


def test_spiked(rng):
    raises(aedyn.ERR_SIZE, aedyn.Data.spiked, 3, 4, rng=rng)
    raises(aedyn.ERR_SIZE, aedyn.Data.spiked, -1, 0, rng=rng)
    raises(aedyn.ERR_NULL, aedyn.Data.spiked, 10, 2, vectors="random", rng=None)
    raises(aedyn.ERR_INVALID, aedyn.Data.spiked, 10, 2, sigma=float("nan"), rng=rng)
    raises(aedyn.ERR_INVALID, aedyn.Data.spiked, 10, 2, sigma="big", rng=rng)
    raises(aedyn.ERR_INVALID, aedyn.Data.spiked, 10, 2, lambdas=[1, -1], rng=rng)
    raises(aedyn.ERR_SIZE, aedyn.Data.spiked, 10, 2, lambdas=[1, 2, 3], rng=rng)
    raises(aedyn.ERR_INVALID, aedyn.Data.spiked, 10, 2, vectors="fancy", rng=rng)
    raises(aedyn.ERR_INVALID, aedyn.Data.spiked, 10, 2, rng="not an rng")
    # sinusoidal spikes need no generator
    aedyn.Data.spiked(10, 2, vectors="sinusoidal").close()


def test_gaussian_covariance():
    raises(aedyn.ERR_NOT_PSD, aedyn.Data.gaussian, [[1.0, 0.5], [0.0, 1.0]])
    raises(aedyn.ERR_NOT_PSD, aedyn.Data.gaussian, np.diag([1.0, -1.0]))
    raises(aedyn.ERR_INVALID, aedyn.Data.gaussian, np.diag([1.0, np.nan]))
    raises(aedyn.ERR_SIZE, aedyn.Data.gaussian, np.zeros((0, 0)))
    raises(aedyn.ERR_SIZE, aedyn.Data.gaussian, np.eye(3)[:2])
    raises(aedyn.ERR_SIZE, aedyn.Data.gaussian, np.ones(4))
    raises(aedyn.ERR_NULL, aedyn.Data.gaussian, None)
    raises(aedyn.ERR_INVALID, aedyn.Data.gaussian, [["a", "b"], ["c", "d"]])
    raises(aedyn.ERR_INVALID, aedyn.Data.gaussian, np.eye(2) * (1 + 1j))


def test_eigen():
    raises(aedyn.ERR_INVALID, aedyn.Data.eigen, [1, 2], np.ones((2, 4)), 0.5)
    raises(aedyn.ERR_NOT_PSD, aedyn.Data.eigen, [-1], np.eye(4)[:1], 0.5)
    raises(aedyn.ERR_SIZE, aedyn.Data.eigen, [1, 2], np.eye(4)[:1], 0.5)
    with aedyn.Data.eigen([3.0], np.eye(4)[:1], 0.5) as d:
        assert d.dim == 4 and d.trace == 3.0 + 3 * 0.5


def test_empirical(rng):
    with aedyn.Data.spiked(8, 1, rng=rng) as src:
        raises(aedyn.ERR_SIZE, aedyn.Data.empirical, src, rng, 0)
        raises(aedyn.ERR_NULL, aedyn.Data.empirical, None, rng, 10)
        raises(aedyn.ERR_NULL, aedyn.Data.empirical, src, None, 10)
        with aedyn.Data.empirical(src, rng, 50) as emp:
            assert emp.dim == 8


def test_net(rng):
    raises(aedyn.ERR_SIZE, aedyn.Net, 10, 0)
    raises(aedyn.ERR_SIZE, aedyn.Net, 3, 5)
    raises(aedyn.ERR_INVALID, aedyn.Net, 10, 2, 7)
    raises(aedyn.ERR_INVALID, aedyn.Net, 10, 2, "tanh")
    tied = aedyn.Net(10, 2, "erf", tied=True)
    raises(aedyn.ERR_INVALID, tied.set_weights, V=np.zeros((2, 10)))
    raises(aedyn.ERR_INVALID, tied.set_weights, bias=np.zeros(2))
    raises(aedyn.ERR_INVALID, tied.set_weights, W=np.full((2, 10), np.nan))
    # shapes are checked in Python, before the C call
    raises(aedyn.ERR_SIZE, tied.set_weights, W=np.zeros((10, 2)))
    raises(aedyn.ERR_SIZE, tied.set_weights, W=np.zeros(20))
    raises(aedyn.ERR_SIZE, tied.reconstruct, np.zeros((3, 9)))
    raises(aedyn.ERR_SIZE, tied.loss, np.zeros(11))
    raises(aedyn.ERR_NULL, tied.init_gaussian, None)
    raises(aedyn.ERR_INVALID, tied.init_gaussian, rng, -1.0)
    # a failed set leaves the weights unchanged
    W = tied.W.copy()
    bad = np.ones((2, 10))
    bad[1, 3] = np.inf
    raises(aedyn.ERR_INVALID, tied.set_weights, W=bad)
    assert np.array_equal(tied.W, W)
    with aedyn.Data.spiked(10, 1, rng=rng) as d:
        raises(aedyn.ERR_SIZE, tied.mc_error, d, rng, 1)
        raises(aedyn.ERR_UNSUPPORTED, tied.init_informed, d)   # K = 2 > M = 1
    tied.close()


def test_sgd(rng):
    d = aedyn.Data.spiked(12, 2, rng=rng)
    raises(aedyn.ERR_SIZE, aedyn.SGD, aedyn.Net(10, 2), d, rng)
    net = aedyn.Net(12, 2, "erf")
    raises(aedyn.ERR_INVALID, aedyn.SGD, net, d, rng, lr=0)
    raises(aedyn.ERR_UNSUPPORTED, aedyn.SGD, net, d, rng, "sanger", 0.1)
    raises(aedyn.ERR_INVALID, aedyn.SGD, net, d, rng, 9, 0.1)
    raises(aedyn.ERR_NULL, aedyn.SGD, None, d, rng)
    raises(aedyn.ERR_NULL, aedyn.SGD, net, None, rng)
    raises(aedyn.ERR_NULL, aedyn.SGD, net, d, None)
    s = aedyn.SGD(net, d, rng, lr=0.1)
    raises(aedyn.ERR_INVALID, s.set_weight_decay, 13)
    raises(aedyn.ERR_INVALID, s.set_learning_rates, -1, 0, 0)
    raises(aedyn.ERR_INVALID, s.step, -1)
    raises(aedyn.ERR_SIZE, s.step_input, np.zeros(11))
    s.close()


def test_sgd_divergence(rng):
    d = aedyn.Data.spiked(12, 2, rng=rng)
    net = aedyn.Net(12, 2, "linear").init_gaussian(rng, 1.0)
    s = aedyn.SGD(net, d, rng, lr=1e3)
    raises(aedyn.ERR_DIVERGED, s.step, 100000)
    assert s.steps < 100000
    assert np.all(np.isfinite(net.W))   # weights of the last good step


def test_ode(rng):
    d = aedyn.Data.spiked(12, 2, rng=rng)
    raises(aedyn.ERR_UNSUPPORTED, aedyn.ODE, aedyn.Net(12, 2, "erf", tied=True), d)
    raises(aedyn.ERR_SIZE, aedyn.ODE, aedyn.Net(10, 2), d)
    net = aedyn.Net(12, 2, "erf").init_gaussian(rng, 0.1)
    o = aedyn.ODE(net, d, lr=0.5)
    o.advance(1.0)
    raises(aedyn.ERR_INVALID, o.advance, 0.5)
    raises(aedyn.ERR_INVALID, o.advance, float("inf"))
    raises(aedyn.ERR_INVALID, o.set_tolerances, 0, 0)
    raises(aedyn.ERR_INVALID, o.set_method, 9, 0)
    raises(aedyn.ERR_INVALID, o.set_method, "euler", 0)
    raises(aedyn.ERR_INVALID, o.set_method, "leapfrog", 0.1)
    raises(aedyn.ERR_SIZE, o.overlaps, 100)
    raises(aedyn.ERR_NULL, o.set_activation, None, None)
    raises(aedyn.ERR_NULL, aedyn.ODE.from_sgd, None)
    s = aedyn.SGD(aedyn.Net(12, 2, "linear", tied=True), d, rng, "sanger", 0.1)
    raises(aedyn.ERR_UNSUPPORTED, aedyn.ODE.from_sgd, s)


def test_callback_exception_propagates(rng):
    d = aedyn.Data.spiked(12, 2, rng=rng)
    net = aedyn.Net(12, 2, "erf").init_gaussian(rng, 0.1)
    o = aedyn.ODE(net, d, lr=0.5)

    def bad(x):
        raise ZeroDivisionError("from the callback")

    o.set_activation(bad, bad, bad)
    with pytest.raises(ZeroDivisionError):
        o.advance(0.5)


def test_failed_set_activation_leaves_no_stale_exception(rng):
    # 0.1: after a failed set_activation(3, 4) the next valid call raised the
    # callback's stale TypeError although it worked
    d = aedyn.Data.spiked(12, 2, rng=rng)
    net = aedyn.Net(12, 2, "erf").init_gaussian(rng, 0.1)
    o = aedyn.ODE(net, d, lr=0.5)
    with pytest.raises(TypeError, match="g must be callable"):
        o.set_activation(3, 4)
    with pytest.raises(TypeError, match="ddg must be callable"):
        o.set_activation(abs, abs, "x")

    def raising_dg(x):
        raise ValueError("dg broke")
    with pytest.raises(ValueError, match="dg broke"):
        o.set_activation(math.sin, raising_dg)   # the library probes g' without ddg
    o.advance(0.5)                               # no stale exception: closed forms still in use
    assert o.time == 0.5


def test_closed_handles_raise_null(rng):
    net = aedyn.Net(5, 1)
    net.close()
    net.close()   # idempotent
    e = raises(aedyn.ERR_NULL, lambda: net.W)
    assert "closed" in e.detail
    raises(aedyn.ERR_NULL, aedyn.SGD, net, aedyn.Data.spiked(5, 1, rng=rng), rng)
    r = aedyn.Rng(3)
    with r:
        pass
    raises(aedyn.ERR_NULL, r.normal)
    raises(aedyn.ERR_NULL, r.__enter__)


def test_images(tmp_path, rng):
    p = tmp_path / "x.idx"
    raises(aedyn.ERR_IO, aedyn.Images.load_idx, p)
    raises(aedyn.ERR_NULL, aedyn.Images.load_idx, None)
    header = b"\x00\x00\x08\x03" + b"".join(n.to_bytes(4, "big") for n in (2, 2, 3))
    p.write_bytes(header + bytes(range(11)))
    raises(aedyn.ERR_FORMAT, aedyn.Images.load_idx, p)
    p.write_bytes(b"\x00\x00\x08\x02" + bytes(20))
    raises(aedyn.ERR_FORMAT, aedyn.Images.load_idx, p)
    raises(aedyn.ERR_FORMAT, aedyn.Images.load_cifar10, p)
    p.write_bytes(header + bytes(range(12)))
    raises(aedyn.ERR_SIZE, aedyn.Images.load_idx, p, 3)
    im = aedyn.Images.load_idx(p)
    raises(aedyn.ERR_SIZE, im.get, 1, 2)
    im.preprocess("raw")
    raises(aedyn.ERR_INVALID, im.preprocess, "paper")
    raises(aedyn.ERR_INVALID, im.preprocess, "sharpen")
    im2 = aedyn.Images(np.random.default_rng(0).random((10, 6)), 2, 3)
    raises(aedyn.ERR_INVALID, im2.preprocess, "zca")      # needs eps > 0
    d = im2.data("real")
    im2.preprocess("paper")   # d keeps sampling the raw images (they are shared)
    raises(aedyn.ERR_INVALID, im2.preprocess, "paper")    # already preprocessed
    raises(aedyn.ERR_INVALID, aedyn.Images, np.full((3, 4), np.nan))
    raises(aedyn.ERR_SIZE, aedyn.Images, np.zeros((3, 4)), 3, 3)
    raises(aedyn.ERR_SIZE, im.error, aedyn.Net(5, 1))
    d.close()


def test_npy(tmp_path):
    raises(aedyn.ERR_IO, aedyn.npy_read, tmp_path / "missing.npy")
    bad = tmp_path / "bad.npy"
    bad.write_bytes(b"not numpy at all")
    raises(aedyn.ERR_FORMAT, aedyn.npy_read, bad)
    raises(aedyn.ERR_SIZE, aedyn.npy_write, tmp_path / "x.npy", np.zeros((2, 2, 2)))


def test_run_arguments(rng):
    d = aedyn.Data.spiked(12, 2, rng=rng)
    net = aedyn.Net(12, 2, "erf").init_gaussian(rng, 0.1)
    raises(aedyn.ERR_INVALID, aedyn.run, d, net, rng, lr=0.5, times=[0, 2, 1])
    raises(aedyn.ERR_INVALID, aedyn.run, d, net, rng, lr=0.5, times=[-1, 2])
    raises(aedyn.ERR_SIZE, aedyn.run, d, net, rng, lr=0.5, times=[])
    raises(aedyn.ERR_INVALID, aedyn.run, d, net, rng, lr=0.5, t_max=-1)
    raises(aedyn.ERR_INVALID, aedyn.run, d, net, rng, lr=0.5, on_diverge="ignore")
    raises(aedyn.ERR_INVALID, aedyn.run, d, net, rng, lr=0)
    raises(aedyn.ERR_UNSUPPORTED, aedyn.run, d, aedyn.Net(12, 2, tied=True), rng, lr=0.5)
    raises(aedyn.ERR_INVALID, aedyn.run, d, None, rng, lr=0.5)


def test_out_of_range_numbers_name_the_parameter(rng):
    # 0.1: run(points=2**63) hung and run(t_max=1e300) raised a raw OverflowError
    d = aedyn.Data.spiked(20, 2, rng=rng)
    net = aedyn.Net(20, 2, "erf").init_gaussian(rng, 0.1)
    cases = [
        (lambda: aedyn.run(d, net, rng, lr=0.5, points=2**63), aedyn.ERR_SIZE, "points"),
        (lambda: aedyn.run(d, net, rng, lr=0.5, t_max=1e300), aedyn.ERR_INVALID, "t_max"),
        (lambda: aedyn.run(d, net, rng, lr=10**400), aedyn.ERR_INVALID, "lr"),
        (lambda: aedyn.run(d, net, rng, lr=0.5, times=[1e300]), aedyn.ERR_INVALID, "times"),
        (lambda: aedyn.Rng(-1), aedyn.ERR_INVALID, "seed"),
        (lambda: aedyn.Rng(2**64), aedyn.ERR_INVALID, "seed"),
        (lambda: aedyn.Net(2**64, 1), aedyn.ERR_SIZE, "D"),
        (lambda: aedyn.Data.spiked(20, 2, sigma=1e300, rng=rng), aedyn.ERR_INVALID, "sigma"),
        (lambda: aedyn.Data.spiked(20, 2, sigma=10**400, rng=rng), aedyn.ERR_INVALID, "sigma"),
    ]
    for fn, status, name in cases:
        e = raises(status, fn)
        assert name in str(e), (name, str(e))
