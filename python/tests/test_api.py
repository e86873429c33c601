"""Behaviour of the Python layer itself: conversions, run(), loading."""
import os
import subprocess
import sys

import numpy as np
import pytest

import aedyn


def test_version():
    assert aedyn.version_info[0] == aedyn.SUPPORTED_MAJOR
    assert aedyn.version_info[1] >= aedyn.SUPPORTED_MINOR
    assert aedyn.version_string == ".".join(map(str, aedyn.version_info))
    # the package and the library it loads are one release
    assert aedyn.__version__ == aedyn.version_string
    # libaedyn.so.<SONAME> or the real file it names (libaedyn.so.<SONAME>.<minor>.<patch>)
    assert os.path.basename(aedyn.library_path).startswith(f"libaedyn.so.{aedyn.SOVERSION}")


def run_python(code, **env):
    e = dict(os.environ)
    e.update(env)
    return subprocess.run([sys.executable, "-c", code], env=e, capture_output=True, text=True)


def test_installed_package_uses_its_own_library_and_program():
    """Against a pip-installed package (pip-install.sh sets the prefix): the
    module, its library and its program all come from that environment."""
    prefix = os.environ.get("AEDYN_EXPECT_INSTALLED")
    if not prefix:
        pytest.skip("not testing an installed package (AEDYN_EXPECT_INSTALLED unset)")
    prefix = os.path.realpath(prefix) + os.sep
    native = os.path.join(os.path.dirname(os.path.realpath(aedyn.__file__)), "_native")
    assert os.path.realpath(aedyn.__file__).startswith(prefix)
    assert os.path.realpath(aedyn.library_path) == os.path.join(native, "libaedyn.so.1")
    assert os.path.realpath(aedyn.program_path()) == os.path.join(native, "aedyn")
    assert "AEDYN_LIBRARY" not in os.environ and "AEDYN_PROGRAM" not in os.environ


def test_missing_library_is_an_import_error():
    p = run_python("import aedyn", AEDYN_LIBRARY="/nonexistent/libaedyn.so.1")
    assert p.returncode != 0
    assert "AedynLoadError" in p.stderr and "AEDYN_LIBRARY" in p.stderr


def test_non_contiguous_and_integer_inputs_are_converted():
    with aedyn.Rng(3) as rng:
        net = aedyn.Net(6, 2, "linear", bias=True)
        big = rng.normal((4, 12))
        W = big[::2, ::2]                       # non-contiguous view
        assert not W.flags.c_contiguous
        net.set_weights(W=W, V=np.arange(12).reshape(2, 6), bias=[1, 2])
        Wg, Vg, b = net.get_weights()
        assert np.array_equal(Wg, W) and np.array_equal(Vg, np.arange(12).reshape(2, 6))
        assert np.array_equal(b, [1.0, 2.0])
        X = rng.normal((3, 12))[:, ::2]
        Xh = net.reconstruct(X)
        assert Xh.shape == (3, 6)
        assert np.array_equal(net.reconstruct(X[1]), Xh[1])
        c = net.copy()
        assert np.array_equal(c.W, net.W) and np.array_equal(c.bias, net.bias)


def test_rng_copy_and_shapes():
    with aedyn.Rng(9, 2) as a:
        a.normal(3)
        b = a.copy()
        assert np.array_equal(a.normal((2, 3)), b.normal((2, 3)))
        assert a.uniform(0).shape == (0,)
        b.close()


def test_data_queries():
    with aedyn.Rng(1) as rng, aedyn.Data.spiked(30, 2, rng=rng) as d:
        groups = d.groups()
        assert len(groups) == 3 and groups[-1].n_explicit == 0
        assert sum(g.multiplicity for g in groups) == 30
        assert d.group_vectors(0).shape == (1, 30)
        assert d.group_vectors(2).shape == (0, 30)
        om = d.covariance()
        assert np.allclose(np.sort(np.linalg.eigvalsh(om))[::-1], d.eigenvalues())
        assert abs(d.trace - 30.0) < 1e-9          # standardised by default
        raw = aedyn.Data.spiked(30, 2, rng=rng, standardise=False)
        assert raw.trace > 30.0
        assert d.pca_error(0) > d.pca_error(1) > d.pca_error(2)


def test_run_log_spaced_and_copy():
    with aedyn.Rng(1) as rng, aedyn.Data.spiked(50, 2, rng=rng) as d, \
            aedyn.Net(50, 2).init_gaussian(rng, 0.1) as net:
        W0 = net.W
        res = aedyn.run(d, net, rng, lr=0.5, t_max=4, points=5)
        assert np.array_equal(net.W, W0)        # copy=True leaves net alone
        n = len(res["t"])
        assert res["t"][0] == 0 and res["t"][-1] == 4.0 and n == 6
        assert np.all(np.diff(res["t"]) > 0)
        assert res["steps"].dtype == np.uint64
        for who in ("sgd", "ode"):
            assert res[f"{who}_error"].shape == (n,)
            for k in ("Q", "R", "T", "T0"):
                assert res[f"{who}_{k}"].shape == (n, 2, 2)
        assert res["pca"].shape == (2,)
        # one initial state: errors and order parameters agree at t = 0
        assert abs(res["sgd_error"][0] - res["ode_error"][0]) < 1e-12
        assert np.allclose(res["sgd_Q"][0], res["ode_Q"][0], rtol=1e-12, atol=0)


def test_run_sgd_only_and_ode_only():
    with aedyn.Rng(1) as rng, aedyn.Data.spiked(20, 1, rng=rng) as d, \
            aedyn.Net(20, 1).init_gaussian(rng, 0.1) as net:
        a = aedyn.run(d, net, rng, lr=0.5, times=[0, 1], ode=False)
        assert np.isnan(a["ode_error"]).all() and a["ode_status"] == "off"
        b = aedyn.run(d, net, rng, lr=0.5, times=[0, 1], sgd=False, method="rk4", step=0.01)
        assert np.isnan(b["sgd_error"]).all() and np.isfinite(b["ode_error"]).all()


def test_run_divergence_nan_mode():
    with aedyn.Rng(1) as rng, aedyn.Data.spiked(12, 2, rng=rng) as d, \
            aedyn.Net(12, 2, "linear").init_gaussian(rng, 1.0) as net:
        res = aedyn.run(d, net, rng, lr=1e3, times=[0, 1, 100], ode=False, on_diverge="nan")
        assert res["sgd_status"].startswith("diverged")
        assert np.isfinite(res["sgd_error"][0]) and np.isnan(res["sgd_error"][-1])
        with pytest.raises(aedyn.AedynError) as info:
            aedyn.run(d, net, rng, lr=1e3, times=[0, 1, 100], ode=False)
        assert info.value.status == aedyn.ERR_DIVERGED
        assert "sgd_error" in info.value.result


def test_ode_python_activation_matches_closed_form():
    import math
    with aedyn.Rng(1) as rng, aedyn.Data.spiked(20, 2, rng=rng) as d, \
            aedyn.Net(20, 2, "erf").init_gaussian(rng, 0.1) as net:
        ref = aedyn.ODE(net, d, lr=0.5)
        ref.advance(0.5)
        o = aedyn.ODE(net, d, lr=0.5)
        c = math.sqrt(2 / math.pi)
        o.set_activation(lambda x: math.erf(x / math.sqrt(2)),
                         lambda x: c * math.exp(-x * x / 2),
                         lambda x: -x * c * math.exp(-x * x / 2))
        o.advance(0.5)
        assert abs(o.error() - ref.error()) < 1e-4 * ref.error()


def test_ode_queries():
    with aedyn.Rng(1) as rng, aedyn.Data.spiked(20, 2, rng=rng) as d, \
            aedyn.Net(20, 2, "erf").init_gaussian(rng, 0.1) as net:
        o = aedyn.ODE(net, d, lr=0.5)
        rho, is_eig = o.mode(0)
        assert is_eig and rho == d.eigenvalues()[0]
        enc, dec = o.overlaps()
        assert enc.shape == (2, o.modes)
        W, V = o.weights()
        assert np.allclose(W, net.W, atol=1e-13) and np.allclose(V, net.V, atol=1e-13)
        st = o.stats()
        assert set(st) == {"rhs", "steps", "rejected", "jacobians", "factorisations",
                           "switches", "breakpoints"}
        assert st["breakpoints"] == 0
        # default integrator: the automatic choice between DOPRI5 and BDF
        assert o.method == ("auto", 0.0)
        o.set_method("rkc", 0.25)
        assert o.method == ("rkc", 0.25)
        o.advance(1.0)
        o.set_method("bdf")
        o.advance(2.0)
        assert o.time == 2.0 and 0.0 < o.error() < 0.5


def test_ode_default_integrator_for_large_states():
    # a full spectrum of 100 distinct eigenvalues, K = 2: 402 numbers, also automatic
    rho = np.linspace(1.0, 2.0, 100)
    with aedyn.Rng(2) as rng, aedyn.Data.eigen(rho, np.eye(100)) as d, \
            aedyn.Net(100, 2, "erf").init_gaussian(rng, 0.1) as net:
        o = aedyn.ODE(net, d, lr=0.5)
        assert o.modes == 100 and o.method == ("auto", 0.0)
        o.close()


def test_npy_roundtrip(tmp_path):
    a = np.arange(6.0).reshape(2, 3) / 7
    aedyn.npy_write(tmp_path / "a.npy", a)
    assert np.array_equal(np.load(tmp_path / "a.npy"), a)
    np.save(tmp_path / "b.npy", a.T.copy())
    assert np.array_equal(aedyn.npy_read(tmp_path / "b.npy"), a.T)
    aedyn.npy_write(tmp_path / "c.npy", np.arange(3.0))
    assert aedyn.npy_read(tmp_path / "c.npy").shape == (3, 1)


def test_fashion_mnist_if_installed():
    path = "/usr/share/datasets/fashion-mnist/t10k-images-idx3-ubyte.gz"
    if not os.path.exists(path):
        pytest.skip("dataset-fashion-mnist not installed")
    with aedyn.Images.load_idx(path, 0, 200) as im:
        assert im.shape == (28, 28) and len(im) == 200
        im.preprocess("paper")
        X = im.get()
        assert abs(X.mean()) < 1e-9 and abs(X.std() - 0.5) < 1e-9


def test_threads_with_separate_handles():
    """One set of handles per thread gives the single-threaded results."""
    import threading

    def work(seed, out):
        with aedyn.Rng(seed) as rng, aedyn.Data.spiked(64, 2, rng=rng) as d, \
                aedyn.Net(64, 2).init_gaussian(rng, 0.1) as net:
            with aedyn.SGD(net, d, rng, lr=0.5) as s:
                s.step(3000)
            out[seed] = net.W

    serial, threaded = {}, {}
    for seed in (1, 2, 3):
        work(seed, serial)
    ths = [threading.Thread(target=work, args=(seed, threaded)) for seed in (1, 2, 3)]
    for th in ths:
        th.start()
    for th in ths:
        th.join()
    for seed in (1, 2, 3):
        assert np.array_equal(serial[seed], threaded[seed])


def test_error_detail_is_per_thread():
    import threading
    details = {}

    def fail(name, fn):
        try:
            fn()
        except aedyn.AedynError as e:
            details[name] = e.detail

    ths = [threading.Thread(target=fail, args=("net", lambda: aedyn.Net(3, 5))),
           threading.Thread(target=fail, args=("gauss",
                                               lambda: aedyn.Data.gaussian(-np.eye(2))))]
    for th in ths:
        th.start()
    for th in ths:
        th.join()
    assert "K must be <= D" in details["net"]
    assert "positive semi-definite" in details["gauss"]
