"""Handles are freed exactly once, borrowed handles outlive their borrowers,
and many create/destroy cycles do not leak.

What is measured: (1) aedyn.handle_counts(), the module's own count of
successful create calls and of destroy calls it made -- it proves every
handle the module created was passed to its destroy function exactly once
(it cannot see leaks inside the C library); (2) the resident set size of the
process over 10000 cycles, which would grow by megabytes if C handles (each
hundreds of bytes to kilobytes here) were leaked by either side.
"""
import gc

import numpy as np

import aedyn


def live():
    gc.collect()   # earlier tests may leave cycles holding handles
    return aedyn.handle_counts()["live"]


def rss_kib():
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def test_close_context_and_del_free_once():
    base = aedyn.handle_counts()
    r = aedyn.Rng(1)
    r.close()
    r.close()
    del r
    with aedyn.Rng(2):
        pass
    r = aedyn.Rng(3)
    del r          # __del__ fallback
    after = aedyn.handle_counts()
    assert after["created"] - base["created"] == 3
    assert after["destroyed"] - base["destroyed"] == 3


def test_borrowed_handles_are_kept_until_borrowers_close():
    n0 = live()
    rng = aedyn.Rng(1)
    data = aedyn.Data.spiked(20, 2, rng=rng)
    net = aedyn.Net(20, 2, "erf").init_gaussian(rng, 0.1)
    sgd = aedyn.SGD(net, data, rng, lr=0.5)
    assert live() == n0 + 4
    net.close()
    data.close()
    rng.close()
    assert net.closed and data.closed and rng.closed
    assert live() == n0 + 4            # still borrowed by sgd: not freed
    sgd.step(100)                      # and the trainer still works
    assert sgd.steps == 100
    sgd.close()
    assert live() == n0                # now everything is freed


def test_images_shared_by_real_sampler():
    n0 = live()
    X = np.random.default_rng(1).random((20, 6))
    im = aedyn.Images(X, 2, 3)
    d = im.data("real")                # shares the pixels in C: needs nothing of im
    g = im.data("gaussian")
    im.close()
    assert live() == n0 + 2            # the set is freed at once
    rng = aedyn.Rng(0)
    x = d.sample(rng, 2)
    assert x.shape == (2, 6)
    assert all(any(np.array_equal(row, img) for img in X) for row in x)
    d.close()
    g.close()
    rng.close()
    assert live() == n0


def test_reference_cycles_are_collected_safely():
    n0 = live()
    for _ in range(20):
        rng = aedyn.Rng(1)
        data = aedyn.Data.spiked(10, 1, rng=rng)
        net = aedyn.Net(10, 1)
        sgd = aedyn.SGD(net, data, rng, lr=0.1)
        net.cycle = sgd                # net -> sgd -> net
        del rng, data, net, sgd
    gc.collect()
    assert live() == n0


def test_run_frees_what_it_creates():
    rng = aedyn.Rng(1)
    data = aedyn.Data.spiked(20, 2, rng=rng)
    net = aedyn.Net(20, 2).init_gaussian(rng, 0.1)
    n0 = live()
    aedyn.run(data, net, rng, lr=0.5, t_max=1, points=3)
    assert live() == n0


def one_cycle(i, rng):
    D = 64
    with aedyn.Data.spiked(D, 2, rng=rng) as data, aedyn.Net(D, 2, "erf") as net:
        net.init_gaussian(rng, 0.1)
        sgd = aedyn.SGD(net, data, rng, lr=0.5)
        sgd.step(4)
        ode = aedyn.ODE.from_sgd(sgd)
        ode.advance(0.125)
        ode.close()
        if i % 2:
            sgd.close()
        else:
            del sgd                    # __del__ path
    try:                               # failing creates must not leak
        aedyn.Net(D, 0)
    except aedyn.AedynError:
        pass
    try:
        aedyn.Data.gaussian(np.diag([1.0, -1.0]))
    except aedyn.AedynError:
        pass
    g = aedyn.Data.gaussian(np.eye(8))
    if i % 3 == 0:
        g.close()


def test_many_cycles_no_leak():
    rng = aedyn.Rng(5)
    n0 = live()
    for i in range(1000):              # warm up allocator and caches
        one_cycle(i, rng)
    gc.collect()
    before = rss_kib()
    for i in range(10000):
        one_cycle(i, rng)
    gc.collect()
    growth = rss_kib() - before
    assert live() == n0
    # 10000 leaked spiked models alone (2 x 64 doubles each) would be > 10 MB
    assert growth < 3 * 1024, f"RSS grew by {growth} KiB over 10000 cycles"
