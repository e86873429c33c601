"""The Python module gives the C library's results bit for bit.

Each scenario repeats, through the Python API, the calls that reference.c
makes through the C API, and compares every number with == (np.array_equal),
not with a tolerance.
"""
import numpy as np

import aedyn
from conftest import as_doubles


def same(ref, name, value, i=0):
    want = as_doubles(ref[name][i])
    got = np.asarray(value, dtype=np.float64).ravel()
    assert got.shape == want.shape, name
    assert np.array_equal(got, want), f"{name}[{i}]: max |diff| {np.max(np.abs(got - want))}"


def test_rng(reference):
    with aedyn.Rng(7, 3) as rng:
        assert [rng.u64() for _ in range(3)] == [int(v) for v in reference["rng_u64"][0]]
        same(reference, "rng_uniform1", rng.uniform())
        same(reference, "rng_normal1", rng.normal())
        same(reference, "rng_uniform", rng.uniform(5))
        same(reference, "rng_normal", rng.normal(5))


def test_spiked_run(reference):
    D, K = 40, 2
    times = [0, 0.5, 1, 2, 5, 10]
    rng = aedyn.Rng(1)
    data = aedyn.Data.spiked(D, 2, sigma=1.0, vectors="random", rng=rng, standardise=True)
    same(reference, "sp_eig", data.eigenvalues())
    same(reference, "sp_trace", data.trace)
    same(reference, "sp_pca1", data.pca_error(1))
    same(reference, "sp_pca2", data.pca_error(2))
    net = aedyn.Net(D, K, "erf").init_gaussian(rng, 0.1)
    same(reference, "sp_W0", net.W)
    same(reference, "sp_V0", net.V)
    same(reference, "sp_X", data.sample(rng, 3))

    res = aedyn.run(data, net, rng, lr=0.5, times=times, copy=False)
    assert np.array_equal(res["t"], np.array(times, dtype=float))
    same(reference, "sp_pca1", res["pca"][0])
    same(reference, "sp_pca2", res["pca"][1])
    for i in range(len(times)):
        for who in ("sgd", "ode"):
            same(reference, f"sp_{who}_error", res[f"{who}_error"][i], i)
            for k in ("Q", "R", "T", "T0"):
                same(reference, f"sp_{who}_{k}", res[f"{who}_{k}"][i], i)
    same(reference, "sp_W_end", net.W)
    same(reference, "sp_V_end", net.V)
    assert res["sgd_status"] == "ok" and res["ode_status"] == "ok"
    for h in (net, data, rng):
        h.close()


def test_spiked_objects(reference):
    """The same scenario with the objects directly (SGD, ODE.from_sgd)."""
    D, K = 40, 2
    with aedyn.Rng(1) as rng, \
            aedyn.Data.spiked(D, 2, rng=rng) as data, \
            aedyn.Net(D, K, "erf") as net:
        net.init_gaussian(rng, 0.1)
        data.sample(rng, 3)
        with aedyn.SGD(net, data, rng, "vanilla", 0.5) as sgd, aedyn.ODE.from_sgd(sgd) as ode:
            for target in (0, 20, 40, 80, 200, 400):
                if target > sgd.steps:
                    sgd.step(target - sgd.steps)
                ode.advance(target / D)
            assert sgd.time == 10.0 and ode.time == 10.0
            W, V = ode.weights()
            same(reference, "sp_ode_W_end", W)
            same(reference, "sp_ode_V_end", V)
        same(reference, "sp_W_end", net.W)


def test_gaussian(reference):
    D, K = 12, 3
    rng = aedyn.Rng(2)
    A = rng.normal((D, D))
    omega = np.empty((D, D))
    for i in range(D):          # the reference's summation order, in Python floats
        for j in range(D):
            s = 0.0
            for k in range(D):
                s += float(A[i, k]) * float(A[j, k])
            omega[i, j] = s / D + (0.1 if i == j else 0.0)
    same(reference, "ga_omega", omega)
    # a Fortran-ordered, non-contiguous view is converted, not misread
    data = aedyn.Data.gaussian(np.asfortranarray(omega))
    same(reference, "ga_eig", data.eigenvalues())
    net = aedyn.Net(D, K, "relu", bias=True).init_gaussian(rng, 0.2)
    ode = aedyn.ODE(net, data, "truncated", 0.3)
    ode.set_method("dopri5", 0)
    ode.advance(3.0)
    same(reference, "ga_ode_error", ode.error())
    same(reference, "ga_ode_Q", ode.order_params()["Q"])
    same(reference, "ga_ode_bias", ode.biases())
    sgd = aedyn.SGD(net, data, rng, "truncated", 0.3)
    sgd.set_weight_decay(0.01)
    sgd.step(300)
    same(reference, "ga_sgd_error", net.population_error(data))
    W, V, b = net.get_weights()
    same(reference, "ga_W", W)
    same(reference, "ga_V", V)
    same(reference, "ga_bias", b)
    for h in (ode, sgd, net, data, rng):
        h.close()


def test_images(reference):
    N, rows, cols, K = 30, 4, 5, 2
    rng = aedyn.Rng(5, 1)
    X = rng.uniform((N, rows * cols))
    imgs = aedyn.Images(X, rows, cols)
    assert imgs.shape == (rows, cols) and len(imgs) == N
    imgs.preprocess("paper")
    same(reference, "im_X", imgs.get())
    data = imgs.data("real")
    same(reference, "im_eig", data.eigenvalues())
    net = aedyn.Net(rows * cols, K, "linear").init_gaussian(rng, 0.1)
    sgd = aedyn.SGD(net, data, rng, "vanilla", 0.2)
    sgd.step(500)
    mean, se = imgs.error(net)
    same(reference, "im_err_mean", mean)
    same(reference, "im_err_se", se)
    same(reference, "im_W", net.W)
    same(reference, "im_V", net.V)
    # closing the set first is safe: the data model borrows it, so the C
    # handle is freed only once the model (and its trainer) are gone
    imgs.close()
    assert imgs.closed
    sgd.close()
    data.close()
    net.close()
    rng.close()
