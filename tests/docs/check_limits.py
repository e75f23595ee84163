#!/usr/bin/env python3
"""Keeps the limits table of docs/security.md true.

  check_limits.py SOURCE_DIR GATE

Reads every `#define` of gate/base/limits.h and the table under
"## Limits" in docs/security.md.  Fails if a constant of limits.h has no
row, if a row names a constant or an option that does not exist, or if a
row's default differs from the source: a constant's value (evaluated, with
the constants it names), or for an option the "(default N)" that
`gate hash --help` prints.  A row may name a constant of another file by
giving that file in its "where" column.

The check must be able to fail: it first runs on a copy of the table with
the first row's default changed, and on one without the first row (which
must therefore be a constant of limits.h), and stops if either passes.
"""
import ast
import operator
import os
import re
import subprocess
import sys

UNITS = {None: 1, "KiB": 1 << 10, "MiB": 1 << 20, "GiB": 1 << 30}
DEFINE = re.compile(r"^#define[ \t]+([A-Z][A-Z0-9_]*)[ \t]+([^\n]+?)[ \t]*(?:/\*[^\n]*)?$", re.M)
OPS = {ast.Add: operator.add, ast.Sub: operator.sub, ast.Mult: operator.mul,
       ast.FloorDiv: operator.floordiv, ast.LShift: operator.lshift}


def defines(path):
    """{NAME: expression text} of the object-like macros of a C file."""
    with open(path) as f:
        text = f.read()
    return {m.group(1): m.group(2) for m in DEFINE.finditer(text)}


def evaluate(name, table, seen=()):
    """The integer value of macro NAME, whose text may name other macros of
    table; None if it is not an integer expression."""
    if name in seen or name not in table:
        return None
    text = re.sub(r"\b(0x[0-9a-fA-F]+|\d+)(?:[uU]?[lL]{0,2}|[lL]{1,2}[uU]?)\b", r"\1", table[name])
    text = text.replace("/", "//")

    def walk(node):
        if isinstance(node, ast.Constant) and isinstance(node.value, int):
            return node.value
        if isinstance(node, ast.Name):
            v = evaluate(node.id, table, seen + (name,))
            if v is None:
                raise ValueError(node.id)
            return v
        if isinstance(node, ast.BinOp) and type(node.op) in OPS:
            return OPS[type(node.op)](walk(node.left), walk(node.right))
        raise ValueError(ast.dump(node))

    try:
        return walk(ast.parse(text, mode="eval").body)
    except (SyntaxError, ValueError):
        return None


def limits_table(doc):
    """Rows of the table under '## Limits': dicts keyed by header."""
    m = re.search(r"^## Limits\n(.*?)(?=^## )", doc, re.M | re.S)
    if not m:
        return None
    lines = [l for l in m.group(1).splitlines() if l.startswith("|")]
    if len(lines) < 3:
        return None
    split = lambda l: [c.strip() for c in l.strip().strip("|").split("|")]
    head = [h.lower() for h in split(lines[0])]
    return [dict(zip(head, split(l))) for l in lines[2:]]


def parse_default(cell):
    """'128 GiB', '4,194,304', '600 s' -> an integer; None if no number leads."""
    m = re.match(r"`?([\d,]+)\s*(KiB|MiB|GiB)?", cell)
    if not m:
        return None
    return int(m.group(1).replace(",", "")) * UNITS[m.group(2)]


def option_defaults(gate):
    """{--option: default} from the '(default N)' of `gate hash --help`."""
    out = subprocess.run([gate, "hash", "--help"], capture_output=True, text=True,
                         check=True).stdout
    found = {}
    for line in out.splitlines():
        m = re.match(r"\s+(?:-\w, )?(--[a-z0-9-]+)\b.*\(default (\d+)\)", line)
        if m:
            found[m.group(1)] = int(m.group(2))
    return found


def check(rows, src, options):
    problems = []
    limits = os.path.join(src, "gate", "base", "limits.h")
    base = defines(limits)
    named = set()
    if rows is None:
        return ["docs/security.md has no table under '## Limits'"]
    for row in rows:
        names = re.findall(r"`([^`]+)`", row.get("name", ""))
        default = parse_default(row.get("default", ""))
        if not names:
            problems.append("a row without a `name`: %r" % row)
            continue
        if default is None:
            problems.append("%s: default %r is not a number" % (names[0], row.get("default")))
            continue
        where = re.findall(r"`([^`]+)`", row.get("where", ""))
        table = dict(base)
        for w in where:
            path = os.path.join(src, "gate", w)
            if os.path.isfile(path):
                table.update(defines(path))
        for n in names:
            named.add(n)
            if n.startswith("--"):
                if n not in options:
                    problems.append("%s: `gate hash --help` shows no '(default N)' for it" % n)
                elif options[n] != default:
                    problems.append("%s: the doc says %d, --help says %d" % (n, default, options[n]))
                continue
            value = evaluate(n, table)
            if n not in table:
                problems.append("%s: no such #define in limits.h%s" %
                                (n, "".join(" or " + w for w in where)))
            elif value is None:
                problems.append("%s: cannot evaluate '%s'" % (n, table[n]))
            elif value != default:
                problems.append("%s: the doc says %d, the source says %d" % (n, default, value))
    for n in sorted(set(base) - named):
        problems.append("%s: in gate/base/limits.h but not in the doc's limits table" % n)
    return problems


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    src, gate = sys.argv[1:]
    with open(os.path.join(src, "docs", "security.md")) as f:
        doc = f.read()
    rows = limits_table(doc)
    options = option_defaults(gate)

    # The check can fail: a changed default and a missing constant are caught.
    if rows:
        changed = [dict(r) for r in rows]
        changed[0]["default"] = "7 " + changed[0]["default"]
        if not check(changed, src, options) or not check(rows[1:], src, options):
            sys.exit("a table with a changed default, or without its first row, passed: "
                     "the check cannot fail")

    problems = check(rows, src, options)
    for p in problems:
        print("docs/security.md: " + p)
    if problems:
        sys.exit(1)
    print("%d rows, every constant of limits.h among them" % len(rows))


if __name__ == "__main__":
    main()
