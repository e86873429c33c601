"""Where `import aedyn` finds the library and `python -m aedyn` the program.

Checked on a copy of the package laid out as a source tree (python/aedyn
next to meson.build and a build/ directory), so that the rules are tested
whatever the real build directory is called.
"""
import os
import shutil
import subprocess
import sys

import pytest

import aedyn

PKG = os.path.dirname(aedyn.__file__)


def fake_tree(root, build="build"):
    """root/{meson.build, python/meson.build, python/aedyn, <build>/libaedyn.so.1,
    <build>/tools/aedyn} with the real library and program linked in."""
    (root / "python").mkdir(parents=True)
    (root / "meson.build").write_text("project('libaedyn', 'c')\n")
    (root / "python" / "meson.build").write_text("\n")
    shutil.copytree(PKG, root / "python" / "aedyn",
                    ignore=shutil.ignore_patterns("__pycache__", "_native", "_buildconfig.py"))
    (root / build / "tools").mkdir(parents=True)
    os.symlink(os.path.realpath(aedyn.library_path), root / build / "libaedyn.so.1")
    os.symlink(os.path.realpath(aedyn.program_path()), root / build / "tools" / "aedyn")
    return root


def load(root, **env):
    e = {k: v for k, v in os.environ.items()
         if k not in ("AEDYN_LIBRARY", "AEDYN_PROGRAM", "AEDYN_BUILDDIR", "LD_LIBRARY_PATH")}
    e.update(env)
    e["PYTHONPATH"] = str(root / "python")
    code = "import aedyn; print(aedyn.library_path); print(aedyn.program_path())"
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          env=e, cwd=str(root.parent))


def test_source_tree_finds_build_without_variables(tmp_path):
    root = fake_tree(tmp_path / "src")
    p = load(root)
    assert p.returncode == 0, p.stderr
    lib, prog = p.stdout.split()
    assert lib == str(root / "build" / "libaedyn.so.1")
    assert prog == str(root / "build" / "tools" / "aedyn")


def test_source_tree_with_another_build_directory(tmp_path):
    root = fake_tree(tmp_path / "src", build="out")
    p = load(root)
    if p.returncode == 0:      # a libaedyn installed on the system: not the tree's
        assert str(root) not in p.stdout.split()[0]
    else:
        assert "cannot load libaedyn" in p.stderr and "AEDYN_BUILDDIR" in p.stderr
        assert str(root / "build" / "libaedyn.so.1") in p.stderr
    p = load(root, AEDYN_BUILDDIR=str(root / "out"))
    assert p.returncode == 0, p.stderr
    assert p.stdout.split() == [str(root / "out" / "libaedyn.so.1"),
                                str(root / "out" / "tools" / "aedyn")]


def test_outside_a_source_tree_no_build_directory_is_guessed(tmp_path):
    # the same package without meson.build around it: no build/ is tried
    root = fake_tree(tmp_path / "src")
    (root / "meson.build").unlink()
    e = {k: v for k, v in os.environ.items() if k not in ("AEDYN_LIBRARY", "AEDYN_PROGRAM")}
    e["PYTHONPATH"] = str(root / "python")
    e["LD_LIBRARY_PATH"] = ""
    p = subprocess.run([sys.executable, "-c", "import aedyn._lib as l; "
                        "print([w for w, _ in l._candidates()])"],
                       capture_output=True, text=True, env=e)
    if p.returncode == 0:     # a libaedyn installed on the system was found
        assert "build" not in p.stdout
    else:
        assert "the source tree's build/" not in p.stderr
        assert "dynamic loader search path" in p.stderr


def test_explicit_library_variable_is_exclusive(tmp_path):
    root = fake_tree(tmp_path / "src")
    p = load(root, AEDYN_LIBRARY=str(tmp_path / "nope.so"))
    assert p.returncode != 0 and "$AEDYN_LIBRARY" in p.stderr and "build" not in \
        p.stderr.split("tried:")[1].split("Set")[0]
