"""libaedyn from Python: online SGD of shallow autoencoders and the exact ODEs
that predict it (Refinetti & Goldt, ICML 2022).

Pure Python over the installed shared library (ctypes): no compiler needed.
The library is found through $AEDYN_LIBRARY (full path), else the libdir it
was installed to, else the dynamic loader's search path.

    import aedyn
    rng = aedyn.Rng(42)
    data = aedyn.Data.spiked(D=500, M=2, rng=rng)
    net = aedyn.Net(500, 2, "erf").init_gaussian(rng, 0.1)
    res = aedyn.run(data, net, rng, lr=0.5, t_max=50)

Every failing call raises aedyn.AedynError (status, name, detail).
"""

from ._errors import (AedynError, AedynLoadError, ERR_DIVERGED, ERR_FORMAT, ERR_INVALID,
                      ERR_IO, ERR_NOMEM, ERR_NOT_PSD, ERR_NULL, ERR_NUMERIC, ERR_SIZE,
                      ERR_UNSUPPORTED, OK, STATUS_NAMES)
from ._lib import (SOVERSION, SUPPORTED_MAJOR, SUPPORTED_MINOR, error_message, strerror,
                   version_info, version_number, version_string)
from ._lib import path as library_path
from ._handle import handle_counts
from ._core import (ACTIVATIONS, METHODS, PREPROCESS, RULES, SAMPLERS, SPIKE_VECTORS, ODE,
                    SGD, Data, Group, Images, Net, Rng, npy_read, npy_write)
from ._run import output_steps, run
from ._fluct import Band, Chain, Replicas

__version__ = "0.2.0"

spiked = Data.spiked
gaussian = Data.gaussian

__all__ = [
    "AedynError", "AedynLoadError", "OK", "ERR_NULL", "ERR_INVALID", "ERR_SIZE",
    "ERR_NOMEM", "ERR_NOT_PSD", "ERR_DIVERGED", "ERR_UNSUPPORTED", "ERR_NUMERIC",
    "ERR_IO", "ERR_FORMAT", "STATUS_NAMES", "strerror", "error_message",
    "version_info", "version_number", "version_string", "library_path", "SOVERSION",
    "SUPPORTED_MAJOR", "SUPPORTED_MINOR", "handle_counts",
    "Rng", "Data", "Group", "Images", "Net", "SGD", "ODE", "run", "output_steps",
    "Replicas", "Chain", "Band",
    "npy_read", "npy_write", "spiked", "gaussian",
    "ACTIVATIONS", "RULES", "METHODS", "PREPROCESS", "SAMPLERS", "SPIKE_VECTORS",
]
