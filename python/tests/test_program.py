"""python -m aedyn is the aedyn program; run_program() drives its option table."""
import os
import subprocess
import sys

import pytest

import aedyn


def run_module(*args):
    return subprocess.run([sys.executable, "-m", "aedyn", *args], capture_output=True,
                          text=True, timeout=120)


def test_module_is_the_program():
    prog = aedyn.program_path()
    for args in (["--help"], ["--version"], ["--list-options"]):
        mine = run_module(*args)
        theirs = subprocess.run([prog, *args], capture_output=True, text=True)
        assert mine.returncode == theirs.returncode == 0
        assert mine.stdout == theirs.stdout and mine.stdout
    # its checks, its messages, its exit statuses
    bad = run_module("--K", "0")
    assert bad.returncode == 2 and "--K must be >= 1" in bad.stderr
    bad = run_module("--D", "100", "--D", "200")
    assert bad.returncode == 2 and "--D" in bad.stderr
    ok = run_module("run", "--D", "100", "--t-max", "1", "--points", "2")
    assert ok.returncode == 0 and "sgd_error" in ok.stdout and "pca(2)" in ok.stdout


def test_module_without_the_program(tmp_path):
    env = dict(os.environ, AEDYN_PROGRAM=str(tmp_path / "missing"))
    p = subprocess.run([sys.executable, "-m", "aedyn", "--help"], capture_output=True,
                       text=True, env=env)
    assert p.returncode == 1 and "cannot find the aedyn program" in p.stderr


def test_options_come_from_the_table():
    opts = aedyn.program_options()
    names = [o.name for o in opts]
    help_text = run_module("--help").stdout
    for o in opts:                                # every option of the table is in --help
        assert f"--{o.name}" in help_text
    assert {"D", "K", "t-max", "lr", "integrator", "images", "spikes"} <= set(names)
    by = {o.name: o for o in opts}
    assert by["bias"].is_flag and not by["K"].is_flag and by["images"].max_words == 2
    assert by["t-max"].keyword == "t_max" and by["standardise"].default == "on"


def test_program_args():
    args = aedyn._program.program_args
    assert args(D=500, t_max=300.0, activation="relu", bias=True, tied=False) == \
        ["--D", "500", "--t-max", "300.0", "--activation", "relu", "--bias"]
    assert args(spikes=[3, 5.5]) == ["--spikes", "3,5.5"]
    assert args(images=["a.gz", "b.gz"]) == ["--images", "a.gz", "b.gz"]
    assert args(lr=1e-5) == ["--lr", "1e-05"]
    with pytest.raises(TypeError, match="no option --k-max"):
        args(k_max=3)
    with pytest.raises(TypeError, match="is a flag"):
        args(bias="yes")
    with pytest.raises(TypeError, match="on by default"):
        args(standardise=False)
    with pytest.raises(TypeError, match="not a bool"):
        args(K=True)
    with pytest.raises(TypeError, match="at most 2 values"):
        args(images=["a", "b", "c"])
    with pytest.raises(TypeError, match="no option --help"):
        args(help=True)


def test_run_program_options_reach_the_program(tmp_path):
    res = aedyn.run_program("--K", "3", D=300, t_max=2, points=3, activation="linear",
                            spikes=[4, 3, 2], rule="truncated", out=tmp_path / "x")
    assert res.K == 3 and res.D == 300 and len(res) == 4
    assert res.params["activation"] == "linear" and res.params["spikes"] == [4, 3, 2]
    assert res.params["rule"] == "truncated"
    assert (tmp_path / "x_W.npy").exists()
    # values are checked by the program, not by Python
    with pytest.raises(aedyn.ProgramError, match="--lr"):
        aedyn.run_program(lr=-1.0)
    with pytest.raises(aedyn.ProgramError, match="--t-max"):
        aedyn.run_program(t_max=float("inf"))
