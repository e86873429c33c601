"""The public Python API is typed and documented (NumPy style).

* every public function, method and property has annotations for all its
  parameters and its return value, and the package ships py.typed;
* every docstring has a Parameters section naming each parameter (a class
  documents its constructor's), says the default of each optional one, and
  has a Returns section unless the function returns None;
* mypy --strict accepts the package (when mypy is installed: Debian's mypy).
"""
import dataclasses
import inspect
import os
import pydoc
import re
import shutil
import subprocess
import sys

import pytest

import aedyn

PKG = os.path.dirname(aedyn.__file__)


def public_objects():
    """(qualified name, function) of every public callable and property."""
    out = []
    for name in aedyn.__all__:
        obj = getattr(aedyn, name)
        if inspect.isclass(obj) and obj.__module__.startswith("aedyn"):
            if issubclass(obj, BaseException) or not hasattr(obj, "__mro__"):
                if obj is aedyn.AedynError or obj is aedyn.ProgramError:
                    out.append((name, obj))
                continue
            out.append((name, obj))
            for attr in dir(obj):
                if attr.startswith("_"):
                    continue
                # where it is defined: this class or a base of the package's own
                # (methods inherited from Handle, ScheduleOwner, ... are public too)
                owner = next(k for k in obj.__mro__ if attr in vars(k))
                if not owner.__module__.startswith("aedyn"):
                    continue
                member = vars(owner)[attr]
                if isinstance(member, property):
                    out.append((f"{name}.{attr}", member))
                elif isinstance(member, (staticmethod, classmethod)):
                    out.append((f"{name}.{attr}", member.__func__))
                elif inspect.isfunction(member):
                    out.append((f"{name}.{attr}", member))
        elif inspect.isfunction(obj) and obj.__module__.startswith("aedyn"):
            out.append((name, obj))
    return out


def signature_of(obj):
    if inspect.isclass(obj):
        return inspect.signature(obj.__init__)
    return inspect.signature(obj)


def params_of(obj):
    sig = signature_of(obj)
    return [p for p in sig.parameters.values() if p.name not in ("self", "cls")]


def test_the_package_is_marked_typed():
    assert os.path.isfile(os.path.join(PKG, "py.typed"))


def test_every_public_callable_is_annotated():
    missing = []
    for name, obj in public_objects():
        if isinstance(obj, property):
            if "return" not in getattr(obj.fget, "__annotations__", {}):
                missing.append(f"{name}: return")
            continue
        if inspect.isclass(obj) and obj.__init__ is object.__init__:
            continue
        fn = obj.__init__ if inspect.isclass(obj) else obj
        ann = fn.__annotations__
        for p in params_of(obj):
            if p.name not in ann:
                missing.append(f"{name}: {p.name}")
        if "return" not in ann:
            missing.append(f"{name}: return")
    assert not missing, "not annotated:\n" + "\n".join(missing)


def sections(doc):
    """{section title: text} of a NumPy-style docstring."""
    doc = inspect.cleandoc(doc)
    out = {}
    parts = re.split(r"\n([A-Z][A-Za-z ]+)\n-{3,}\n", "\n" + doc)
    for title, text in zip(parts[1::2], parts[2::2]):
        out[title] = text
    return out


def documented_params(text):
    """{name: its type line} of a Parameters section ("a, b : float" names two)."""
    out = {}
    for line in text.splitlines():
        m = re.match(r"^(\*{0,2}[A-Za-z_][\w, *]*?)\s*:\s*(.*)$", line)
        if m and not line.startswith(" "):
            for n in m.group(1).split(","):
                out[n.strip().lstrip("*")] = m.group(2)
        elif re.match(r"^\*{1,2}\w+$", line):
            out[line.lstrip("*")] = ""
    return out


def test_docstrings_are_numpy_style_and_complete():
    bad = []
    for name, obj in public_objects():
        fn = obj.fget if isinstance(obj, property) else obj
        doc = inspect.getdoc(fn) if not inspect.isclass(obj) else obj.__doc__
        if not doc or len(doc.strip()) < 10:
            bad.append(f"{name}: no docstring")
            continue
        if isinstance(obj, property):
            continue
        if inspect.isclass(obj) and (obj.__init__ is object.__init__ or
                                     not params_of(obj) or
                                     all(p.kind in (p.VAR_POSITIONAL, p.VAR_KEYWORD)
                                         for p in params_of(obj))):
            continue                     # no constructor arguments to document
        sec = sections(doc)
        params = params_of(obj)
        if dataclasses.is_dataclass(obj) and "Attributes" in sec:
            sec.setdefault("Parameters", sec["Attributes"])   # the fields are the arguments
        if params:
            if "Parameters" not in sec:
                bad.append(f"{name}: no Parameters section")
                continue
            documented = documented_params(sec["Parameters"])
            for p in params:
                if p.name not in documented:
                    bad.append(f"{name}: parameter {p.name} not documented")
                elif p.default is not p.empty and p.kind is not p.VAR_KEYWORD and not re.search(
                        r"\b(default|optional)\b", documented[p.name]):
                    bad.append(f"{name}: the default of {p.name} is not given")
        if not inspect.isclass(obj):
            ret = signature_of(obj).return_annotation
            if ret not in (None, "None", inspect.Signature.empty) and "Returns" not in sec:
                bad.append(f"{name}: no Returns section")
    assert not bad, "docstrings:\n" + "\n".join(bad)


def test_help_of_run_explains_every_parameter():
    text = pydoc.render_doc(aedyn.run, renderer=pydoc.plaintext)
    params = documented_params(sections(aedyn.run.__doc__)["Parameters"])
    for p in params_of(aedyn.run):
        assert p.name in text
        if p.default is not p.empty:
            assert "default" in params[p.name] or "optional" in params[p.name], p.name


def test_mypy_strict_accepts_the_package(tmp_path):
    mypy = shutil.which("mypy")
    if mypy is None:
        pytest.skip("mypy not installed (apt-get install mypy)")
    # a copy, so that mypy checks the package as installed and writes no cache
    # into it; matplotlib ships no type information: it is the only exception
    shutil.copytree(PKG, tmp_path / "aedyn", ignore=shutil.ignore_patterns("__pycache__",
                                                                             "_native"))
    p = subprocess.run([mypy, "--strict", "--no-incremental", "--cache-dir", os.devnull,
                        "--python-executable", sys.executable,
                        "--config-file", os.devnull, "--ignore-missing-imports",
                        str(tmp_path / "aedyn")],
                       capture_output=True, text=True, cwd=str(tmp_path), timeout=600)
    assert p.returncode == 0, p.stdout + p.stderr
    assert "Success" in p.stdout
