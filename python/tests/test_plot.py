"""aedyn.plot: figures written with the Agg backend, checked for size and ink;
a clear ImportError without matplotlib."""
import os
import subprocess
import sys

import numpy as np
import pytest

import aedyn

mpl = pytest.importorskip("matplotlib", reason="matplotlib not installed "
                          "(apt-get install python3-matplotlib)")
mpl.use("Agg")
from matplotlib.image import imread  # noqa: E402


def runs(n, overlaps=0):
    out = []
    for seed in range(1, n + 1):
        with aedyn.Rng(seed) as rng, aedyn.Data.spiked(100, 2, rng=rng) as data, \
                aedyn.Net(100, 2, "erf").init_gaussian(rng, 0.1) as net:
            out.append(aedyn.run(data, net, rng, lr=1.0, t_max=20, points=12,
                                 overlaps=overlaps))
    return out


def inked(path, min_bytes=8000):
    """The PNG exists, is not tiny, and a fair share of its pixels are not white."""
    assert os.path.getsize(path) > min_bytes
    img = imread(path)
    assert img.ndim == 3 and img.shape[0] > 200 and img.shape[1] > 300
    rgb = img[..., :3]
    not_white = np.any(rgb < 0.9, axis=2).mean()
    colours = len(np.unique((rgb * 255).astype(np.uint8).reshape(-1, 3), axis=0))
    assert 0.01 < not_white < 0.9, not_white
    assert colours > 10          # curves, labels, shading: not a flat image
    return not_white


def test_error_figure(tmp_path):
    (res,) = runs(1)
    fig = aedyn.plot(res, file=tmp_path / "err.png")
    inked(tmp_path / "err.png")
    ax = fig.axes[0]
    assert ax.get_xscale() == "log" and ax.get_yscale() == "log"
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert labels == ["SGD", "ODE"]
    # the PCA levels are drawn at their values
    levels = sorted(line.get_ydata()[0] for line in ax.get_lines() if line.get_linestyle() == "--")
    assert np.allclose(levels, sorted(res.pca))


def test_replicas_give_bands_and_other_kinds(tmp_path):
    rs = runs(3, overlaps=2)
    fig = aedyn.plot(rs, file=tmp_path / "band.png", band="minmax")
    inked(tmp_path / "band.png")
    assert len(fig.axes[0].collections) == 2          # the SGD and ODE bands
    fig = aedyn.plot(rs[0], "order", file=tmp_path / "order.svg", params=("Q", "T0"))
    assert len(fig.axes) == 2 and os.path.getsize(tmp_path / "order.svg") > 10000
    aedyn.plot(rs[0], "overlaps", file=tmp_path / "ov.png")
    inked(tmp_path / "ov.png")
    # drawing into given axes
    from matplotlib.figure import Figure
    f = Figure()
    ax = f.subplots()
    assert aedyn.plot(rs[0], ax=ax) is f and ax.get_lines()


def test_bad_arguments():
    (res,) = runs(1)
    with pytest.raises(ValueError, match="unknown kind"):
        aedyn.plot(res, "histogram")
    with pytest.raises(ValueError, match="overlaps"):
        aedyn.plot(res, "overlaps")
    with pytest.raises(ValueError, match="params"):
        aedyn.plot(res, "order", params=("X",))
    with pytest.raises(ValueError, match="band"):
        aedyn.plot(res, band="wide")
    with pytest.raises(ValueError, match="Result"):
        aedyn.plot([])
    other = runs(1)[0]
    other.t = other.t * 2
    with pytest.raises(ValueError, match="same output times"):
        aedyn.plot([res, other])


def test_without_matplotlib_a_clear_import_error():
    code = ("import sys; sys.modules['matplotlib'] = None\n"
            "import aedyn\n"
            "r = aedyn.Result.empty([0, 10], 10, 1, [0.1])\n"
            "try:\n"
            "    aedyn.plot(r)\n"
            "except ImportError as e:\n"
            "    print('IMPORTERROR', e)\n")
    p = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert p.returncode == 0, p.stderr
    assert "IMPORTERROR aedyn.plot needs matplotlib" in p.stdout
    assert "apt-get install python3-matplotlib" in p.stdout
