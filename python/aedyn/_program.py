"""The ``aedyn`` program from Python: ``python -m aedyn`` and run_program().

The program's options live in one table (tools/cli-config.c): its parser,
``--help``, the JSON record and ``aedyn --list-options`` all come from it.
Python does not parse options a second time: ``python -m aedyn ARGS`` runs
the program with ARGS unchanged, and run_program() turns keyword arguments
into options by the names the program lists (``--list-options``), lets the
program check the values, and reads its CSV and JSON back into a Result.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from typing import Any, List, Optional, Sequence, Tuple, Union

from . import _lib
from ._result import PathLike, Result

#: Environment variable naming the program to run (a full path).
PROGRAM_VAR = "AEDYN_PROGRAM"


class ProgramError(Exception):
    """The ``aedyn`` program failed.

    Parameters
    ----------
    returncode : int
        Its exit status.
    message : str
        What it printed on standard error.
    result : Result, optional
        What the run wrote before it failed.
    command : sequence of str, optional
        The command line.

    Attributes
    ----------
    returncode : int
        Its exit status: 2 for bad options or values, 1 for a run that
        failed (divergence, an output that could not be written).
    message : str
        What it printed on standard error (one line naming the option for
        bad options).
    result : Result or None
        What the run wrote before it failed (its CSV), if anything.
    command : list of str
        The command line that was run.
    """

    def __init__(self, returncode: int, message: str, result: Optional[Result] = None,
                 command: Optional[Sequence[str]] = None) -> None:
        self.returncode = returncode
        self.message = message
        self.result = result
        self.command = list(command or [])
        super().__init__(f"aedyn exited with status {returncode}: {message}")


def program_candidates() -> List[Tuple[str, str]]:
    """Where the program is looked for, in order, as (description, path).

    Returns
    -------
    list of (str, str)
        $AEDYN_PROGRAM alone when it is set; otherwise the copy installed
        with the package (pip), the bindir it was installed to (meson
        install), the build directory of a source checkout
        (<build>/tools/aedyn), and ``aedyn`` on PATH.
    """
    env = os.environ.get(PROGRAM_VAR)
    if env:
        return [(f"${PROGRAM_VAR}", env)]
    out = [("the copy installed with the package", os.path.join(_lib.NATIVE_DIR, "aedyn"))]
    cfg = _lib._buildconfig
    bindir = str(getattr(cfg, "BINDIR", "")) if cfg is not None else ""
    if bindir:
        out.append(("configured bindir", os.path.join(bindir, "aedyn")))
    build = _lib.source_tree_build_dir()
    if build is not None:
        out.append(("the source tree's build directory", os.path.join(build, "tools", "aedyn")))
    on_path = shutil.which("aedyn")
    if on_path:
        out.append(("PATH", on_path))
    return out


def program_path() -> str:
    """The ``aedyn`` program that ``python -m aedyn`` runs.

    Returns
    -------
    str
        The first executable of :func:`program_candidates`.

    Raises
    ------
    FileNotFoundError
        If none exists, listing where it was looked for.
    """
    tried = []
    for where, path in program_candidates():
        if os.path.isfile(path) and os.access(path, os.X_OK):
            return path
        tried.append(f"  {where}: {path}")
    raise FileNotFoundError("cannot find the aedyn program; tried:\n" + "\n".join(tried) +
                            f"\nSet {PROGRAM_VAR} to its full path.")


@dataclass(frozen=True)
class ProgramOption:
    """One option of the program's table, as ``aedyn --list-options`` lists it.

    Attributes
    ----------
    name : str
        The option without its dashes ("t-max").
    metavar : str
        The value it takes ("T", "TRAIN [TEST]"); "" for a flag.
    default : str
        The default as the program documents it.
    bound : str
        Its upper bound, if it has one.
    sweep : str
        How aedyn-sweep lists its values ("int", "comma", "slash"; "-" not sweepable).
    """

    name: str
    metavar: str
    default: str
    bound: str
    sweep: str

    @property
    def keyword(self) -> str:
        """The name as a Python keyword of :func:`run_program` ("t_max")."""
        return self.name.replace("-", "_")

    @property
    def is_flag(self) -> bool:
        """Whether the option takes no value."""
        return self.metavar == ""

    @property
    def max_words(self) -> int:
        """How many separate values the option takes ("W.npy V.npy": 2)."""
        return len(self.metavar.split())


_options_cache: Optional[List[ProgramOption]] = None


def program_options() -> List[ProgramOption]:
    """The option table of the program (``aedyn --list-options``).

    Returns
    -------
    list of ProgramOption

    Raises
    ------
    FileNotFoundError
        If the program cannot be found.
    RuntimeError
        If it does not list its options.
    """
    global _options_cache
    if _options_cache is None:
        prog = program_path()
        p = subprocess.run([prog, "--list-options"], capture_output=True, text=True)
        if p.returncode != 0:
            raise RuntimeError(f"{prog} --list-options failed: {p.stderr.strip()}")
        opts = []
        for line in p.stdout.splitlines():
            fields = line.split("\t")
            if len(fields) != 5 or not fields[0].startswith("--"):
                raise RuntimeError(f"{prog} --list-options: unexpected line {line!r}")
            opts.append(ProgramOption(fields[0][2:], *fields[1:]))
        _options_cache = opts
    return list(_options_cache)


def _value_words(opt: ProgramOption, value: Any) -> List[str]:
    def word(v: Any) -> str:
        if isinstance(v, bool):
            raise TypeError(f"--{opt.name} takes {opt.metavar}, not a bool")
        if isinstance(v, float):
            return repr(v)
        if isinstance(v, (str, int)):
            return str(v)
        if isinstance(v, os.PathLike):
            return str(os.fspath(v))
        if hasattr(v, "item") and callable(v.item):     # numpy scalars
            return word(v.item())
        raise TypeError(f"--{opt.name}: cannot pass a {type(v).__name__} ({v!r})")

    if isinstance(value, (list, tuple)):
        words = [word(v) for v in value]
        if "," in opt.metavar:                # a list of numbers in one word: L1,L2,...
            return [",".join(words)]
        if len(words) > opt.max_words:
            raise TypeError(f"--{opt.name} takes at most {opt.max_words} values "
                            f"({opt.metavar}), got {len(words)}")
        return words
    return [word(value)]


def program_args(**options: Any) -> List[str]:
    """Turn keyword arguments into options of the program, by its table.

    Parameters
    ----------
    **options
        ``name=value`` for each option ``--name`` (with "_" for "-":
        ``t_max=300`` is ``--t-max 300``). A flag takes True (given) or False
        (not given); an option of several values (``images``,
        ``init_weights``) a sequence; ``spikes`` a sequence of numbers. Values
        are passed as text and checked by the program.

    Returns
    -------
    list of str

    Raises
    ------
    TypeError
        An unknown option (the message lists them all), or a value of the
        wrong kind (False for a flag that is on by default, a bool for a
        number).
    """
    table = {o.keyword: o for o in program_options()}
    argv: List[str] = []
    for key, value in options.items():
        opt = table.get(key)
        if opt is None or key == "help":
            raise TypeError(f"aedyn has no option --{key.replace('_', '-')}; its options: "
                            + ", ".join(sorted(table)))
        if opt.is_flag:
            if not isinstance(value, bool):
                raise TypeError(f"--{opt.name} is a flag: give True or False, not {value!r}")
            if value:
                argv.append(f"--{opt.name}")
            elif opt.default == "on":
                raise TypeError(f"--{opt.name} is on by default; False cannot turn it off "
                                "(its opposite is another option: see python -m aedyn --help)")
            continue
        if value is None:
            continue
        argv.append(f"--{opt.name}")
        argv += _value_words(opt, value)
    return argv


def run_program(*args: str, out: Optional[PathLike] = None, **options: Any) -> Result:
    """Run the ``aedyn`` program and read its results.

    The same experiment as ``aedyn run ARGS`` on the command line (its
    option table, its checks, its defaults), returned as a :class:`Result`.

    Parameters
    ----------
    *args : str
        Options as on the command line (``"--K", "3"``), before the keyword ones.
    out : str or path-like, optional
        Output prefix of the program's files (PREFIX.csv, PREFIX.json, the
        final weights); default a temporary directory removed afterwards.
    **options
        Options by name, see :func:`program_args` (``D=500, t_max=300,
        activation="relu", bias=True``).

    Returns
    -------
    Result
        Read from the program's CSV and JSON (12 significant digits; the
        PCA errors and parameters from the JSON).

    Raises
    ------
    TypeError
        An unknown option or a value of the wrong kind (before running).
    ProgramError
        The program exited with a failure: 2 for values it refused (its
        one-line message), 1 for a failed run (with the partial result).
    FileNotFoundError
        The program cannot be found (:func:`program_path`).
    """
    argv = [str(a) for a in args] + program_args(**options)
    if "out" in options or any(a == "--out" or a.startswith("--out=") for a in argv):
        raise TypeError("give the output prefix as run_program(out=...), not as an option")
    prog = program_path()
    with tempfile.TemporaryDirectory(prefix="aedyn-") as tmp:
        prefix = os.fspath(out) if out is not None else os.path.join(tmp, "run")
        cmd = [prog, "run", *argv, "--out", prefix]
        if "--quiet" not in argv:
            cmd.append("--quiet")
        p = subprocess.run(cmd, capture_output=True, text=True)
        result = None
        if os.path.exists(prefix + ".csv") and p.returncode != 2:
            result = Result.from_csv(prefix + ".csv")
        if p.returncode != 0:
            raise ProgramError(p.returncode, p.stderr.strip(), result, cmd)
        if result is None:
            raise ProgramError(p.returncode, "the program wrote no CSV", None, cmd)
        return result


def main(argv: Optional[Sequence[str]] = None) -> int:
    """``python -m aedyn [ARGS...]``: run the ``aedyn`` program with ARGS.

    The process becomes the program (``os.execv``), so options, output,
    progress line, exit status and signals are those of the program itself.

    Parameters
    ----------
    argv : sequence of str, optional
        The arguments (default ``sys.argv[1:]``).

    Returns
    -------
    int
        Only when the program cannot be started: 1, after a message.
    """
    import sys
    args = list(sys.argv[1:] if argv is None else argv)
    try:
        prog = program_path()
        sys.stdout.flush()
        sys.stderr.flush()
        os.execv(prog, [prog, *args])
    except (FileNotFoundError, OSError) as exc:
        print(f"python -m aedyn: {exc}", file=sys.stderr)
    return 1
