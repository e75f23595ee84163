#!/usr/bin/env python3
"""Fails when an #include in gate/ crosses a folder boundary the wrong way.

The allowed arrows are docs/architecture.md's picture, written once here.
Every quoted include must name its folder ("engine/layer.h"), except a
header of the same folder, which the cli may include bare.
Usage: check_includes.py ROOT [--self-test]
"""
import pathlib
import re
import sys
import tempfile

ALLOWED = {
    "base": set(),
    "engine": {"base"},
    "registry": {"engine", "base"},
    "input": {"base"},
    "verify": {"input", "registry", "engine", "base"},
    "report": {"verify", "input", "registry", "engine", "base"},
    "cli": {"report", "verify", "input", "registry", "engine", "base"},
}
INCLUDE = re.compile(r'^\s*#\s*include\s+"([^"]+)"', re.M)


def violations(root):
    out = []
    gate = pathlib.Path(root) / "gate"
    for path in sorted(gate.rglob("*")):
        if path.suffix not in (".c", ".h", ".cc"):
            continue
        folder = path.relative_to(gate).parts[0]
        if folder not in ALLOWED:
            out.append(f"{path}: file outside the known folders")
            continue
        text = path.read_text(errors="replace")
        for m in INCLUDE.finditer(text):
            inc = m.group(1)
            line = text.count("\n", 0, m.start()) + 1
            target = inc.split("/")[0] if "/" in inc else folder
            if "/" not in inc and not (path.parent / inc).exists():
                out.append(f"{path}:{line}: '{inc}' does not name its folder")
            elif target not in ALLOWED:
                out.append(f"{path}:{line}: '{inc}' is in no known folder")
            elif target != folder and target not in ALLOWED[folder]:
                out.append(f"{path}:{line}: {folder} may not include {inc}")
    return out


def self_test():
    # A wrong-way include must be caught, or this test could never fail.
    with tempfile.TemporaryDirectory() as d:
        base = pathlib.Path(d) / "gate" / "base"
        base.mkdir(parents=True)
        (base / "x.c").write_text('#include "engine/layer.h"\n')
        if not violations(d):
            print("self-test: a wrong-way include went unnoticed")
            return 1
    return 0


def main():
    if self_test():
        return 1
    found = violations(sys.argv[1])
    for v in found:
        print(v)
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
