"""The ctypes prototypes of the module against the C headers.

Every function declared with AEDYN_API in include/aedyn/*.h (the experimental
tier included) must be bound with the ctypes types that its C declaration
implies, and every bound function must be declared; the enumerations the
module reads by name (aedyn_enum_name) must have as many values as the
header declares. A header change that the bindings do not follow fails here.
"""
import ctypes
import os
import re
from ctypes import (POINTER, c_bool, c_char_p, c_double, c_int, c_size_t, c_uint, c_uint64,
                    c_void_p)

import pytest

import aedyn
from aedyn import _core, _lib

HERE = os.path.dirname(os.path.abspath(__file__))
INCLUDE = os.environ.get("AEDYN_INCLUDE_DIR",
                         os.path.join(HERE, "..", "..", "include", "aedyn"))


def _headers():
    if not os.path.isdir(INCLUDE):
        pytest.skip(f"headers not found in {INCLUDE} (set AEDYN_INCLUDE_DIR)")
    text = ""
    for name in sorted(os.listdir(INCLUDE)):
        if name.endswith(".h") or name.endswith(".h.in"):
            with open(os.path.join(INCLUDE, name), encoding="utf-8") as f:
                text += f.read() + "\n"
    text = re.sub(r"/\*.*?\*/", " ", text, flags=re.S)
    return re.sub(r"//[^\n]*", " ", text)


def _declarations(text):
    """{name: (return type, [parameter types])} of the AEDYN_API functions."""
    out = {}
    for m in re.finditer(r"AEDYN_API\s+([^;{]*?)\(([^;{]*?)\)\s*;", text, flags=re.S):
        head = " ".join(m.group(1).split())
        params = " ".join(m.group(2).split())
        hm = re.match(r"(.*?)(\w+)\s*$", head)
        ret, name = hm.group(1).strip(), hm.group(2)
        types = []
        if params != "void":
            for p in params.split(","):
                p = p.strip()
                pm = re.match(r"(.*?)(\w+)$", p)  # drop the parameter name
                types.append(pm.group(1).strip())
        out[name] = (ret, types)
    return out


def _typedefs(text):
    enums = set(re.findall(r"typedef\s+enum\s+\w*\s*\{[^}]*\}\s*(\w+)\s*;", text, flags=re.S))
    handles = set(re.findall(r"typedef\s+struct\s+(\w+)\s+\1\s*;", text))
    fnptrs = set(re.findall(r"typedef\s+[\w\s\*]+\(\s*\*\s*(\w+)\s*\)", text))
    return enums, handles, fnptrs


def _ctype(ctext, enums, handles, fnptrs):
    """The ctypes type a C type text maps to."""
    t = " ".join(ctext.replace("*", " * ").split())
    t = re.sub(r"\bconst\b", "", t)
    t = " ".join(t.split())
    stars = t.count("*")
    base = t.replace("*", "").strip()
    scalars = {"double": c_double, "size_t": c_size_t, "uint64_t": c_uint64, "unsigned": c_uint,
               "bool": c_bool, "int": c_int, "aedyn_status": c_int}
    if base == "char" and stars == 1:
        return c_char_p
    if base == "void":
        return None if stars == 0 else c_void_p
    if base in handles:
        return c_void_p if stars == 1 else POINTER(c_void_p)
    if base in fnptrs and stars == 0:
        return c_void_p
    if base in enums:
        typ = c_int
    elif base in scalars:
        typ = scalars[base]
    else:
        raise AssertionError(f"unknown C type {ctext!r}")
    for _ in range(stars):
        typ = POINTER(typ)
    return typ


def _same(a, b):
    if a is None or b is None:
        return a is b
    return a == b or (hasattr(a, "_type_") and hasattr(b, "_type_") and
                      issubclass(a, ctypes._Pointer) and issubclass(b, ctypes._Pointer) and
                      _same(a._type_, b._type_))


def test_every_declared_function_is_bound_with_its_types():
    text = _headers()
    decls = _declarations(text)
    enums, handles, fnptrs = _typedefs(text)
    assert len(decls) > 90
    bound = _lib._PROTOTYPES
    missing = sorted(set(decls) - set(bound))
    extra = sorted(set(bound) - set(decls))
    assert not missing, f"declared in the headers but not bound: {missing}"
    assert not extra, f"bound but not declared in the headers: {extra}"
    bad = []
    for name, (ret, params) in decls.items():
        want_ret = _ctype(ret, enums, handles, fnptrs)
        want_args = [_ctype(p, enums, handles, fnptrs) for p in params]
        got_ret, got_args = bound[name]
        if not _same(want_ret, got_ret) or len(want_args) != len(got_args) or \
                not all(_same(w, g) for w, g in zip(want_args, got_args)):
            bad.append(f"{name}: header ({ret}; {', '.join(params)}) -> "
                       f"{want_ret}, {want_args}; bound {got_ret}, {got_args}")
    assert not bad, "prototypes that disagree with the headers:\n" + "\n".join(bad)


def test_enumerations_match_the_headers():
    text = _headers()
    body = {}
    for m in re.finditer(r"typedef\s+enum\s+\w*\s*\{([^}]*)\}\s*(\w+)\s*;", text, flags=re.S):
        body[m.group(2)] = re.findall(r"\b(AEDYN_\w+)\s*=\s*(-?\d+)", m.group(1))
    # the ids of aedyn_enum, as the module numbers them
    ids = {n: int(v) for n, v in body["aedyn_enum"]}
    assert ids == {"AEDYN_ENUM_ACTIVATION": _lib.ENUM_ACTIVATION, "AEDYN_ENUM_RULE": _lib.ENUM_RULE,
                   "AEDYN_ENUM_METHOD": _lib.ENUM_METHOD, "AEDYN_ENUM_SPIKES": _lib.ENUM_SPIKES,
                   "AEDYN_ENUM_IMAGES_MODE": _lib.ENUM_IMAGES_MODE,
                   "AEDYN_ENUM_IMAGES_SAMPLER": _lib.ENUM_IMAGES_SAMPLER,
                   "AEDYN_ENUM_ODE_STAT": _lib.ENUM_ODE_STAT,
                   "AEDYN_ENUM_SCHEDULE_TARGET": _lib.ENUM_SCHEDULE_TARGET}
    tables = {"aedyn_net_activation": aedyn.ACTIVATIONS, "aedyn_sgd_rule": aedyn.RULES,
              "aedyn_ode_method": aedyn.METHODS, "aedyn_data_spikes": aedyn.SPIKE_VECTORS,
              "aedyn_images_mode": aedyn.PREPROCESS, "aedyn_images_sampler": aedyn.SAMPLERS,
              "aedyn_ode_stat": _core.ODE_STATS, "aedyn_schedule_target": aedyn.SCHEDULE_TARGETS}
    for ctype, table in tables.items():
        values = sorted(int(v) for _, v in body[ctype])
        assert values == sorted(table.values()), (ctype, values, table)
    # the library's names are the header's enumerators, lower case with '-'
    prefix = {"aedyn_ode_stat": "AEDYN_ODE_STAT_", "aedyn_schedule_target": "AEDYN_SCHEDULE_"}
    for ctype, pre in prefix.items():
        names = {n[len(pre):].lower().replace("_", "-"): int(v) for n, v in body[ctype]}
        assert names == dict(tables[ctype]), (ctype, names, tables[ctype])
    # the program's spellings are accepted
    assert aedyn.PREPROCESS["pca-white"] == 4
    assert aedyn.PREPROCESS.parse("pca_white") == 4 and aedyn.PREPROCESS.parse("centered") == 2
    assert aedyn.PREPROCESS.parse("PCA-White") == 4 and aedyn.PREPROCESS.parse("blur") is None
    # status codes: the module's constants are the header's
    codes = dict(re.findall(r"X\((\w+),\s*(-?\d+),", text))
    from aedyn import _errors
    for name, value in codes.items():
        assert getattr(_errors, name) == int(value), name


def test_flag_constants_match_the_headers():
    text = _headers()
    macros = {n: int(v) for n, v in re.findall(r"#define\s+(AEDYN_\w+)\s+(\d+)u?\b", text)}
    from aedyn import _run
    assert macros["AEDYN_NET_BIAS"] == _core.NET_BIAS
    assert macros["AEDYN_NET_TIED"] == _core.NET_TIED
    assert macros["AEDYN_NET_SKIP"] == _core.NET_SKIP
    assert macros["AEDYN_SCHEDULE_MAX_POINTS"] == aedyn._schedule.MAX_POINTS
    assert macros["AEDYN_DATA_STANDARDISE"] == _core.SPIKED_STANDARDISE
    assert macros["AEDYN_GRID_ZERO"] == _run.GRID_ZERO
    assert macros["AEDYN_GRID_MAX_POINTS"] == _run.GRID_MAX_POINTS
