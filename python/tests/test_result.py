"""aedyn.Result, run() and the program: one experiment, one set of column names.

run() in Python and the aedyn program make the same library calls in the same
order for the same parameters, so the Python result written as CSV is the
program's CSV byte for byte.
"""
import os

import numpy as np
import pytest

import aedyn


def python_run(D=200, K=2, t_max=10.0, points=8, **kw):
    """aedyn.run() with the program's defaults (seed 1, spikes 3, 5, ...)."""
    with aedyn.Rng(1) as rng, aedyn.Data.spiked(D, K, rng=rng) as data, \
            aedyn.Net(D, K, "erf").init_gaussian(rng, 0.1) as net:
        return aedyn.run(data, net, rng, lr=1.0, t_max=t_max, points=points, method="auto",
                         rtol=1e-6, atol=1e-9, **kw)


def test_python_run_writes_the_programs_csv(tmp_path):
    prog = aedyn.run_program(D=200, t_max=10, points=8, out=tmp_path / "p")
    res = python_run()
    res.to_csv(tmp_path / "py.csv")
    assert (tmp_path / "py.csv").read_text() == (tmp_path / "p.csv").read_text()
    # the same names, the same numbers (to the CSV's 12 digits), D, K, PCA errors
    assert list(prog.to_dict()) == list(res.to_dict()) == prog.columns()
    assert prog.D == res.D == 200 and prog.K == res.K == 2
    assert np.array_equal(prog.pca, res.pca)          # 17 digits from the JSON
    assert np.array_equal(prog.steps, res.steps)
    for name, col in res.to_dict().items():
        assert np.allclose(prog.column(name), col, rtol=1e-11, atol=0), name
    assert prog.sgd_status == prog.ode_status == "ok"
    assert prog.params["D"] == 200 and prog.params["integrator"] == "auto"
    assert set(prog.ode_stats) == {"rhs", "steps", "rejected", "switches"}
    assert prog.ode_stats["steps"] == res.ode_stats["steps"]


def test_from_csv_roundtrip_and_mode(tmp_path):
    res = python_run(K=3, points=5)
    res.to_csv(tmp_path / "r.csv")
    with pytest.raises(ValueError, match="D is unknown"):
        aedyn.Result.from_csv(tmp_path / "r.csv")
    back = aedyn.Result.from_csv(tmp_path / "r.csv", D=200)
    assert back.K == 3 and back.D == 200 and back.columns() == res.columns()
    assert np.allclose(back.sgd_Q, res.sgd_Q, rtol=1e-11) and np.allclose(back.t, res.t)
    # a run of one side only: the other is NaN and "off"
    prog = aedyn.run_program(D=100, t_max=1, points=2, mode="sgd")
    assert prog.ode_status == "off" and np.isnan(prog.ode_error).all()
    assert prog.sgd_status == "ok" and np.isfinite(prog.sgd_error).all()
    assert prog.ode_stats is None


def test_from_csv_refuses_other_files(tmp_path):
    p = tmp_path / "x.csv"
    p.write_text("a,b\n1,2\n")
    with pytest.raises(ValueError, match="not a CSV of aedyn"):
        aedyn.Result.from_csv(p)
    p.write_text("t,sgd_error,ode_error\n0,1,oops\n")
    with pytest.raises(ValueError):
        aedyn.Result.from_csv(p)


def test_result_attributes_dict_access_and_columns():
    res = python_run(points=4)
    n = len(res)
    assert n == len(res.t) == 5 and res.t[0] == 0 and res.t[-1] == 10.0
    assert res.steps.dtype == np.uint64 and res.sgd_Q.shape == (n, 2, 2)
    # the dictionary of 0.2 still works, and the CSV names too
    assert res["sgd_error"] is res.sgd_error and res["pca"] is res.pca
    assert set(res.keys()) >= {"t", "steps", "sgd_error", "ode_T0", "ode_stats"}
    assert "sgd_Q_1_0" in res and "sgd_Q_2_0" not in res and "pca3" not in res
    assert np.array_equal(res["sgd_Q_1_0"], res.sgd_Q[:, 1, 0])
    assert np.array_equal(res["pca2"], np.full(n, res.pca[1]))
    with pytest.raises(KeyError):
        res["nonsense"]
    d = res.to_dict()
    assert all(v.shape == (n,) for v in d.values())
    assert list(d)[:5] == ["t", "sgd_error", "ode_error", "pca1", "pca2"]
    assert "D=200 K=2" in repr(res)


def test_overlaps_are_recorded_for_both_sides():
    res = python_run(K=2, points=5, t_max=30, overlaps=2)
    assert res.sgd_dec_cos.shape == res.ode_enc_cos.shape == (len(res), 2, 2)
    # one initial network: the same cosines at t = 0
    for w in ("dec", "enc"):
        assert np.allclose(getattr(res, f"sgd_{w}_cos")[0], getattr(res, f"ode_{w}_cos")[0],
                           rtol=0, atol=1e-12)
    # the first spike is learnt by t = 30 (SGD and ODE alike)
    assert np.abs(res.ode_dec_cos[-1]).max() > 0.8 and np.abs(res.sgd_dec_cos[-1]).max() > 0.8
    assert "sgd_dec_cos_1_0" in res.columns()
    with aedyn.Rng(1) as rng, aedyn.Data.spiked(40, 2, rng=rng) as data, \
            aedyn.Net(40, 2).init_gaussian(rng, 0.1) as net:
        with pytest.raises(aedyn.AedynError, match="only 2 leading eigenvectors"):
            aedyn.run(data, net, rng, lr=1.0, t_max=1, overlaps=3)


def test_run_with_denoising_and_schedules():
    noise = aedyn.Schedule.piecewise([0, 2], [0.5, 0.2])
    with aedyn.Rng(4) as rng, aedyn.Data.spiked(100, 2, rng=rng) as data, \
            aedyn.Net(100, 2, "erf", skip=True).init_gaussian(rng, 0.1) as net:
        res = aedyn.run(data, net, rng, lr=1.0, times=[0, 1, 3], denoising=(0.9, 0.5),
                        skip_rate=0.2, schedules={"noise": noise})
        # t = 0: the same network and corruption on both sides
        assert res.sgd_error[0] == pytest.approx(res.ode_error[0], rel=1e-12)
        assert res.sgd_error[0] == pytest.approx(net.error_denoising(data, 0.9, 0.5), rel=1e-12)
        assert res.ode_stats["breakpoints"] == 1
        assert res.params["denoising"] == (0.9, 0.5)


def test_program_errors_are_exceptions(tmp_path):
    with pytest.raises(aedyn.ProgramError) as info:
        aedyn.run_program(D=10, K=20)
    assert info.value.returncode == 2 and "--K must be <= D" in info.value.message
    assert info.value.result is None
    with pytest.raises(TypeError, match="no option --colour"):
        aedyn.run_program(colour="red")
    with pytest.raises(TypeError, match="output prefix"):
        aedyn.run_program("--out", "x")
    # a diverging run: exit status 1, the rows written so far come with it
    with pytest.raises(aedyn.ProgramError) as info:
        aedyn.run_program(D=20, lr=30, init_std=1.0, t_max=100, points=5,
                          out=tmp_path / "div")
    e = info.value
    assert e.returncode == 1 and "diverged" in e.message
    assert e.result is not None and e.result.sgd_status.startswith("diverged")
    assert np.isfinite(e.result.sgd_error[0]) and np.isnan(e.result.sgd_error[-1])
