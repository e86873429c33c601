#!/usr/bin/env python3
"""ABI test: the public headers follow the one naming rule of docs/abi.md.

Usage: check-naming.py INCLUDE_DIR   (the directory holding aedyn.h and aedyn/)

Rules checked, for every declaration of the installed headers:
  N1  functions are aedyn_<module>_<words> with a known module, lower case
      words joined by '_'; only the four library-wide functions
      (aedyn_strerror, aedyn_error_message, aedyn_version,
      aedyn_version_string) have no module part;
  N2  a function of a module with a handle takes that handle first: a
      constructor (create[_<variant>], or load_<format> for one that reads a
      file) returns aedyn_status and takes aedyn_<module> **; destroy returns void
      and takes aedyn_<module> *; any other function takes aedyn_<module> *
      or const aedyn_<module> *; functions of modules without a handle (npy,
      grid, enum) take none of another module first;
  N3  a function that returns a value (not aedyn_status, not void) from a
      const handle is a getter named get_<property>;
  N4  every set_<property> has a get_<property> (the experimental tier, under
      AEDYN_EXPERIMENTAL, is exempt: its shape is not settled);
  N5  types are aedyn_<module>[_<words>] (the status type aedyn_status is
      library-wide); constants and macros AEDYN_<MODULE>_<WORDS> in upper
      case (status codes AEDYN_OK / AEDYN_ERR_*, the version macros and
      AEDYN_API / AEDYN_EXPERIMENTAL are library-wide).
A violation is reported with the declaration and the rule.
"""
import os
import re
import sys

MODULES = ["rng", "data", "net", "sgd", "ode", "images", "npy", "grid", "enum", "schedule",
           "analysis", "replicas", "chain", "band"]
HANDLE_MODULES = {"rng", "data", "net", "sgd", "ode", "images", "schedule", "analysis",
                  "replicas", "chain", "band"}
LIBRARY_WIDE_FUNCTIONS = {"aedyn_strerror", "aedyn_error_message", "aedyn_version",
                          "aedyn_version_string"}
LIBRARY_WIDE_TYPES = {"aedyn_status"}
LIBRARY_WIDE_MACROS = re.compile(
    r"^AEDYN_(OK|ERR_[A-Z_]+|API|EXPERIMENTAL|DOXYGEN|STATUS_LIST|STATUS_MIN_|"
    r"VERSION_(MAJOR|MINOR|PATCH|STRING|NUMBER)|STATUS_ENUM_|H|[A-Z_]+_H)$")
WORDS = r"[a-z0-9]+(_[a-z0-9]+)*"


def strip_comments(text):
    text = re.sub(r"/\*.*?\*/", " ", text, flags=re.S)
    return re.sub(r"//[^\n]*", " ", text)


def experimental_names(text):
    """Names of the functions declared inside #if ... AEDYN_EXPERIMENTAL blocks."""
    names, depth, exp_depth, block = set(), 0, None, []
    for line in text.splitlines():
        t = line.strip()
        if re.match(r"#\s*if", t):
            depth += 1
            if "AEDYN_EXPERIMENTAL" in t and exp_depth is None:
                exp_depth = depth
        elif re.match(r"#\s*endif", t):
            if exp_depth == depth:
                exp_depth = None
            depth -= 1
        elif exp_depth is not None:
            block.append(line)
    for m in re.finditer(r"AEDYN_API[^;(]*?(\w+)\s*\(", "\n".join(block)):
        names.add(m.group(1))
    return names


def headers(incdir):
    paths = [os.path.join(incdir, "aedyn.h")]
    sub = os.path.join(incdir, "aedyn")
    paths += [os.path.join(sub, n) for n in sorted(os.listdir(sub))
              if n.endswith(".h") or n.endswith(".h.in")]
    return [(p, strip_comments(open(p, encoding="utf-8").read())) for p in paths]


def module_of(name, prefix="aedyn_"):
    rest = name[len(prefix):]
    for m in sorted(MODULES, key=len, reverse=True):
        if rest == m or rest.startswith(m + "_"):
            return m, rest[len(m) + 1:]
    return None, rest


def main():
    if len(sys.argv) != 2:
        print(__doc__)
        return 2
    errors = []
    functions = {}
    experimental = set()
    for path, text in headers(sys.argv[1]):
        where = os.path.basename(path)
        experimental |= experimental_names(text)
        for m in re.finditer(r"AEDYN_API\s+([^;{]*?)\(([^;{]*?)\)\s*;", text, flags=re.S):
            head = " ".join(m.group(1).split())
            params = [" ".join(p.split()) for p in m.group(2).split(",")]
            hm = re.match(r"(.*?)(\w+)\s*$", head)
            ret, name = hm.group(1).strip(), hm.group(2)
            functions[name] = (where, ret, params)
        for m in re.finditer(r"#\s*define\s+(\w+)", text):
            macro = m.group(1)
            if LIBRARY_WIDE_MACROS.match(macro):
                continue
            mm = re.match(r"^AEDYN_([A-Z0-9]+)_[A-Z0-9_]+$", macro)
            if not mm or mm.group(1).lower() not in MODULES:
                errors.append(f"{where}: macro {macro}: not AEDYN_<MODULE>_<WORDS> (N5)")
        for m in re.finditer(r"typedef\s+(?:enum|struct)\s+(\w*)\s*(?:\{([^}]*)\})?\s*(\w+)\s*;",
                             text, flags=re.S):
            tag, body, name = m.group(1), m.group(2), m.group(3)
            for t in filter(None, {tag, name}):
                if t in LIBRARY_WIDE_TYPES:
                    continue
                mod, rest = module_of(t)
                if mod is None or not re.fullmatch(f"({WORDS})?", rest):
                    errors.append(f"{where}: type {t}: not aedyn_<module>[_<words>] (N5)")
            if body and name not in LIBRARY_WIDE_TYPES:
                mod = module_of(name)[0]
                for e in re.findall(r"\b(AEDYN_\w+)\s*=", body):
                    if not e.startswith(f"AEDYN_{(mod or '').upper()}_"):
                        errors.append(f"{where}: enumerator {e} of {name}: not "
                                      f"AEDYN_{(mod or '?').upper()}_<WORDS> (N5)")
        for m in re.finditer(r"typedef\s+[\w\s\*]+\(\s*\*\s*(\w+)\s*\)", text):
            mod, rest = module_of(m.group(1))
            if mod is None:
                errors.append(f"{where}: type {m.group(1)}: not aedyn_<module>_<words> (N5)")

    for name, (where, ret, params) in sorted(functions.items()):
        decl = f"{where}: {ret} {name}({', '.join(params)})"
        if name in LIBRARY_WIDE_FUNCTIONS:
            continue
        mod, rest = module_of(name)
        if mod is None or not re.fullmatch(WORDS, rest):
            errors.append(f"{decl}: not aedyn_<module>_<words> with a known module (N1)")
            continue
        first = params[0] if params and params[0] != "void" else ""
        handle = f"aedyn_{mod}"
        if mod in HANDLE_MODULES:
            if rest.startswith("create") or rest.startswith("load_"):
                if ret != "aedyn_status" or not re.fullmatch(rf"{handle}\s*\*\*\s*\w+", first):
                    errors.append(f"{decl}: a constructor returns aedyn_status and takes "
                                  f"{handle} ** first (N2)")
            elif rest == "destroy":
                if ret != "void" or not re.fullmatch(rf"{handle}\s*\*\s*\w+", first):
                    errors.append(f"{decl}: destroy returns void and takes {handle} * (N2)")
            elif not re.fullmatch(rf"(const\s+)?{handle}\s*\*\s*\w+", first):
                errors.append(f"{decl}: takes its handle {handle} * first (N2)")
            const_handle = first.startswith("const ")
            if ret not in ("aedyn_status", "void") and const_handle and \
                    not rest.startswith("get_"):
                errors.append(f"{decl}: returns a property of a const handle, so its name is "
                              f"get_<property> (N3)")
        elif re.match(r"(const\s+)?aedyn_(?!" + mod + r"\b)\w+\s*\*", first):
            errors.append(f"{decl}: a function of {mod} takes another module's handle first (N2)")
        if rest.startswith("set_") and f"aedyn_{mod}_get_{rest[4:]}" not in functions and \
                name not in experimental:
            errors.append(f"{decl}: set_{rest[4:]} without get_{rest[4:]} (N4)")

    for e in errors:
        print("FAIL:", e)
    if errors:
        print(f"{len(errors)} naming violation(s); the rule is in docs/abi.md")
        return 1
    print(f"OK: {len(functions)} functions and their types follow the naming rule")
    return 0


if __name__ == "__main__":
    sys.exit(main())
