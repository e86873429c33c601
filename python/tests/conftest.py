import os
import subprocess

import numpy as np
import pytest


@pytest.fixture(scope="session")
def reference():
    """Results of the C reference program: {name: list of strings}."""
    exe = os.environ.get("AEDYN_PY_REFERENCE")
    if not exe:
        pytest.skip("AEDYN_PY_REFERENCE not set (run through `meson test --suite python`)")
    out = subprocess.run([exe], check=True, capture_output=True, text=True).stdout
    ref = {}
    for line in out.splitlines():
        name, n, *vals = line.split()
        assert int(n) == len(vals), line
        ref.setdefault(name, []).append(vals)
    return ref


def as_doubles(vals):
    # %.17g round-trips: float() of it gives back the very same double
    return np.array([float(v) for v in vals], dtype=np.float64)
