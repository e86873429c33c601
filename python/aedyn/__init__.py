"""libaedyn from Python: online SGD of shallow autoencoders and the exact ODEs
that predict it (Refinetti & Goldt, ICML 2022).

Pure Python over the shared library (ctypes). The library is the first of:
$AEDYN_LIBRARY (full path), the copy installed with the package (pip), the
libdir meson installed it to, the build directory of the source tree the
package is imported from ($AEDYN_BUILDDIR or <top>/build), the dynamic
loader's search path.

    import aedyn
    rng = aedyn.Rng(42)
    data = aedyn.Data.spiked(D=500, M=2, rng=rng)
    net = aedyn.Net(500, 2, "erf").init_gaussian(rng, 0.1)
    res = aedyn.run(data, net, rng, lr=0.5, t_max=50)    # an aedyn.Result
    aedyn.plot(res, file="run.png")                       # needs matplotlib

aedyn.Analysis (experimental) finds the fixed points, stability and plateaus
of an ODE. ``python -m aedyn`` is the aedyn program. Every failing call raises
aedyn.AedynError (status, name, detail). See docs/python.md.
"""

from ._errors import (AedynError, AedynLoadError, ERR_DIVERGED, ERR_FORMAT, ERR_INVALID,
                      ERR_IO, ERR_NOMEM, ERR_NOT_PSD, ERR_NULL, ERR_NUMERIC, ERR_SIZE,
                      ERR_UNSUPPORTED, OK, STATUS_NAMES)
from ._lib import (SOVERSION, SUPPORTED_MAJOR, SUPPORTED_MINOR, error_message, strerror,
                   version_info, version_number, version_string)
from ._lib import path as library_path
from ._handle import handle_counts
from ._core import (ACTIVATIONS, ANALYSIS_OUTCOMES, METHODS, PREPROCESS, RULES, SAMPLERS,
                    SPIKE_VECTORS, ODE, SGD, Analysis, Data, Group, Images, Net, Plateau, Rng,
                    npy_read, npy_write)
from ._schedule import SCHEDULE_TARGETS, Schedule, ScheduleView
from ._result import Result
from ._run import output_steps, run
from ._plot import plot
from ._program import (ProgramError, ProgramOption, program_options, program_path,
                       run_program)
from ._fluct import Band, BandError, Chain, Replicas

#: The release of the package: the library's release it was built with.
__version__ = "0.2.0"

spiked = Data.spiked
gaussian = Data.gaussian

__all__ = [
    "AedynError", "AedynLoadError", "OK", "ERR_NULL", "ERR_INVALID", "ERR_SIZE",
    "ERR_NOMEM", "ERR_NOT_PSD", "ERR_DIVERGED", "ERR_UNSUPPORTED", "ERR_NUMERIC",
    "ERR_IO", "ERR_FORMAT", "STATUS_NAMES", "strerror", "error_message",
    "version_info", "version_number", "version_string", "library_path", "SOVERSION",
    "SUPPORTED_MAJOR", "SUPPORTED_MINOR", "handle_counts",
    "Rng", "Data", "Group", "Images", "Net", "SGD", "ODE", "Analysis", "Plateau",
    "Schedule", "ScheduleView",
    "SCHEDULE_TARGETS", "Result", "run", "output_steps", "plot", "run_program",
    "program_options", "program_path", "ProgramError", "ProgramOption",
    "Replicas", "Chain", "Band", "BandError",
    "npy_read", "npy_write", "spiked", "gaussian",
    "ACTIVATIONS", "RULES", "METHODS", "PREPROCESS", "SAMPLERS", "SPIKE_VECTORS",
    "ANALYSIS_OUTCOMES",
]
