#!/usr/bin/env python3
"""Enforces the module rules of ARCHITECTURE.md on the source tree.

usage: check_modules.py SOURCE_DIR

1. A module includes only its own headers and those of the modules it depends on (DEPS in the
   velocity_module() calls of CMakeLists.txt, followed transitively).
2. Each C library is called only by the module that owns it: SQLite and SQL text by store,
   libcurl by net, OpenSSL by crypto, yaml-cpp by compliance, pugixml by providers/aws,
   libarchive and Mustache by report, CLI11 by cli.
Prints every violation as FILE:LINE: what, and exits 1 when there is one.
"""
import pathlib
import re
import sys

OWNERS = [
    # (owning module prefixes, what, pattern over a line of code)
    # A C function is called bare or as ::name(), never as a velocity function some::name().
    (("store",), "SQLite", re.compile(r"#include\s*<sqlite3\.h>|(?<!\w::)\bsqlite3_[a-z_]+\s*\(")),
    # SQL is written in capitals throughout, which keeps "commit: ..." in a message apart.
    (("store",), "SQL text",
     re.compile(r'"\s*(SELECT|INSERT\s+INTO|UPDATE\s+\w+\s+SET|DELETE\s+FROM|CREATE\s+(TABLE|INDEX)'
                r'|PRAGMA|BEGIN\s+(IMMEDIATE|EXCLUSIVE|DEFERRED)|COMMIT|ROLLBACK)\b')),
    (("net",), "libcurl",
     re.compile(r"#include\s*<curl/|(?<!\w::)\bcurl_[a-z_]+\s*\(|\bCURL(OPT|E|INFO)?_[A-Z]")),
    (("crypto",), "OpenSSL", re.compile(r"#include\s*<openssl/|\b(EVP|OSSL|BIO|PEM|RAND|HMAC|SHA256|ERR|X509|BN|RSA|EC|OPENSSL)_[A-Za-z0-9_]+\s*\(")),
    (("compliance",), "yaml-cpp", re.compile(r"#include\s*<yaml-cpp/|\bYAML::")),
    (("providers/aws",), "pugixml", re.compile(r"#include\s*<pugixml|\bpugi::")),
    (("report",), "libarchive", re.compile(r"#include\s*<archive|(?<!\w::)\barchive_[a-z_]+\s*\(")),
    (("report",), "Mustache", re.compile(r"#include\s*<mustache|\bkainjow::")),
    (("cli",), "CLI11", re.compile(r"#include\s*<CLI/")),
]
INCLUDE = re.compile(r'#include\s*<velocity/([a-z_/]+)/[A-Za-z0-9_.]+\.hpp>')
MODULE_CALL = re.compile(r"velocity_module\(\s*([a-z_/]+)((?:\s+[A-Za-z0-9_/:.-]+)*)\s*\)")


def modules_and_deps(source):
    text = (source / "CMakeLists.txt").read_text(encoding="utf-8")
    deps = {}
    for match in MODULE_CALL.finditer(" ".join(text.split())):
        words = match.group(2).split()
        listed, section = [], None
        for word in words:
            if word.isupper():
                section = word
            elif section == "DEPS":
                listed.append(word)
        deps[match.group(1)] = listed
    closure = {}

    def close(module):
        if module not in closure:
            closure[module] = {module}
            for dep in deps.get(module, []):
                closure[module] |= close(dep)
        return closure[module]

    for module in deps:
        close(module)
    return closure


def module_of(relative, modules):
    parts = relative.parts
    inner = parts[1:-1] if parts[0] == "src" else parts[2:-1]
    for length in range(len(inner), 0, -1):
        candidate = "/".join(inner[:length])
        if candidate in modules:
            return candidate
    return None


def code_lines(path):
    in_block = False
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if in_block:
            if "*/" not in line:
                continue
            line, in_block = line.split("*/", 1)[1], False
        if "/*" in line and "*/" not in line:
            line, in_block = line.split("/*", 1)[0], True
        code = line.split("//", 1)[0] if not line.lstrip().startswith("#include") else line
        yield number, code


def main(argv):
    if len(argv) != 2:
        print(__doc__.strip(), file=sys.stderr)
        return 2
    source = pathlib.Path(argv[1])
    closure = modules_and_deps(source)
    if "store" not in closure or "cli" not in closure:
        print(f"check_modules.py: no velocity_module() calls found in {source}/CMakeLists.txt",
              file=sys.stderr)
        return 2
    files = sorted(p for p in (source / "src").rglob("*") if p.suffix in (".cpp", ".hpp"))
    files += sorted((source / "include" / "velocity").rglob("*.hpp"))
    violations = []
    for path in files:
        relative = path.relative_to(source)
        module = module_of(relative, closure)
        if module is None:
            continue
        for number, code in code_lines(path):
            included = INCLUDE.search(code)
            if included:
                target = module_of(pathlib.Path("src") / included.group(1) / "x.hpp", closure)
                if target is not None and target not in closure[module]:
                    violations.append(f"{relative}:{number}: module {module} includes "
                                      f"<velocity/{included.group(1)}/...> but does not depend "
                                      f"on {target} (DEPS in CMakeLists.txt)")
            for owners, what, pattern in OWNERS:
                if module not in owners and pattern.search(code):
                    violations.append(f"{relative}:{number}: {what} outside "
                                      f"{' or '.join(owners)} (in module {module})")
    for violation in violations:
        print(violation)
    if violations:
        print(f"FAIL: {len(violations)} module rule violations in {len(files)} files "
              "(see ARCHITECTURE.md)")
        return 1
    print(f"ok: {len(files)} files keep the module rules of ARCHITECTURE.md")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
