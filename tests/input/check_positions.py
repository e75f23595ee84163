#!/usr/bin/env python3
"""Checks the line and column the template readers give each group and
container against positions found here, on Python's own.

JSON: a small recursive-descent parser written below records where each
object starts (it shares nothing with gate's bracket scan).  YAML: PyYAML's
pure-Python composer (SafeLoader, not libyaml), whose mapping nodes carry
a start mark.  Each input is checked as it is, with CRLF line endings,
and read from stdin; a generated languageVersion 2.0 template (resources
in an object) and a generated one-line template are checked too, a
template with its parameters file, a container a variable builds and
YAML containers an alias places (no position: 0:0).

Usage: check_positions.py --dump DUMP_POSITIONS --fixtures DIR --out DIR
"""
import argparse
import functools
import json
import os
import re
import subprocess
import sys

import yaml

GROUP_TYPES = ("microsoft.containerinstance/containergroups",
               "microsoft.containerinstance/containergroupprofiles")
WORKLOADS = {"Pod": (), "Deployment": ("spec", "template"), "ReplicaSet": ("spec", "template"),
             "StatefulSet": ("spec", "template"), "DaemonSet": ("spec", "template"),
             "Job": ("spec", "template"), "CronJob": ("spec", "jobTemplate", "spec", "template")}


class Obj(dict):
    """A JSON object or YAML mapping with the (line, column) it starts at."""
    pos = (0, 0)


def text_positions(text):
    """A function from an index into text (code points) to its 1-based
    (line, column); lines end at LF, CRLF or CR only, as editors, GitHub
    and grep count them."""
    starts = [0] + [m.end() for m in re.finditer(r"\r\n|\r|\n", text)]

    def pos(i):
        lo, hi = 0, len(starts) - 1
        while lo < hi:
            mid = (lo + hi + 1) // 2
            if starts[mid] <= i:
                lo = mid
            else:
                hi = mid - 1
        return lo + 1, i - starts[lo] + 1
    return pos


def parse_json(text):
    """text as Python values, objects as Obj."""
    pos = text_positions(text)

    dec = json.JSONDecoder()
    ws = re.compile(r"[ \t\r\n]*")

    def value(i):
        i = ws.match(text, i).end()
        if text[i] == "{":
            o = Obj()
            o.pos = pos(i)
            i = ws.match(text, i + 1).end()
            if text[i] == "}":
                return o, i + 1
            while True:
                k, i = dec.raw_decode(text, ws.match(text, i).end())
                i = ws.match(text, i).end() + 1             # ':'
                o[k], i = value(i)
                i = ws.match(text, i).end()
                if text[i] == "}":
                    return o, i + 1
                i += 1                                      # ','
        if text[i] == "[":
            a, i = [], ws.match(text, i + 1).end()
            if text[i] == "]":
                return a, i + 1
            while True:
                v, i = value(i)
                a.append(v)
                i = ws.match(text, i).end()
                if text[i] == "]":
                    return a, i + 1
                i += 1
        return dec.raw_decode(text, i)

    return value(0)[0]


def get_ci(obj, key):
    """obj[key] with the key's case ignored, as gate and ARM read it."""
    if not isinstance(obj, dict):
        return None
    for k, v in obj.items():
        if k.lower() == key.lower():
            return v
    return None


def group_fields(g):
    props = get_ci(g, "properties")
    return props if isinstance(props, dict) else g


def containers_of(spec):
    """The container objects gate reads, in its order: containers, then
    initContainers; an item an expression gives has no position."""
    out = []
    for key in ("containers", "initContainers"):
        items = get_ci(spec, key)
        for c in items if isinstance(items, list) else []:
            out.append(c.pos if isinstance(c, Obj) else (0, 0))
    return out


def want_json(doc):
    """[(group position, [container positions])] in gate's group order."""
    if isinstance(doc, dict) and "resources" in doc:
        res = doc["resources"]
        res = list(res.values()) if isinstance(res, dict) else res
        groups = [r for r in res if str(r.get("type", "")).lower() in GROUP_TYPES]
    elif isinstance(doc, list):
        groups = doc
    else:
        groups = [doc]
    return [(g.pos, containers_of(group_fields(g))) for g in groups]


class PosLoader(yaml.SafeLoader):
    """SafeLoader (pure Python) making mappings into Obj with their start
    mark.  PyYAML, as libyaml, also breaks lines at NEL, LS and PS (YAML
    1.1): the mark's index into the text (a str: the mark holds it) is
    turned into a line and column here instead."""


@functools.lru_cache(maxsize=4)
def _positions_in(text):
    return text_positions(text)


def _mapping(loader, node):
    o = Obj(loader.construct_mapping(node, deep=True))
    o.pos = _positions_in(node.start_mark.buffer)(node.start_mark.index)
    return o


PosLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _mapping)


def want_yaml(text):
    out = []
    for doc in yaml.load_all(text, Loader=PosLoader):
        if not isinstance(doc, dict):
            continue
        kind = doc.get("kind")
        if kind is None:
            out.append((doc.pos, containers_of(group_fields(doc))))
        elif kind in WORKLOADS:
            pod = doc
            for k in WORKLOADS[kind]:
                pod = pod[k]
            out.append((doc.pos, containers_of(pod["spec"])))
    return out


def dump(exe, path, stdin=None, params=None):
    args = [exe, "-" if stdin is not None else path] + ([params] if params else [])
    r = subprocess.run(args, input=stdin, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    if r.returncode:
        raise RuntimeError("%s: %s" % (path, r.stderr.decode().strip()))
    got = []
    # Names may hold LS or PS, where str.splitlines() would split too.
    for line in r.stdout.decode().split("\n")[:-1]:
        what, l, c = line.split(" ", 3)[:3]
        if what == "group":
            got.append(((int(l), int(c)), []))
        else:
            got[-1][1].append((int(l), int(c)))
    return got


def expected(path, data):
    # Python's "utf-16" reads the byte order mark, as libyaml does.
    text = data.decode("utf-16" if data[:2] in (b"\xff\xfe", b"\xfe\xff") else "utf-8")
    if path.endswith(".json"):
        return want_json(parse_json(text))
    return want_yaml(text)


def check_one(exe, name, path, problems, params=None):
    """path as a file and through stdin (with its parameters file, if
    any); returns the number of containers checked."""
    with open(path, "rb") as f:
        data = f.read()
    want = expected(path, data)
    for how, got in (("file", dump(exe, path, params=params)),
                     ("stdin", dump(exe, path, stdin=data, params=params))):
        if got != want:
            problems.append("%s (%s): gate says %s, want %s" % (name, how, got, want))
    return sum(len(c) for _, c in want)


def crlf_copy(path, out):
    with open(path, "rb") as f:
        data = f.read().replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")
    dest = os.path.join(out, "crlf-" + os.path.basename(path))
    with open(dest, "wb") as f:
        f.write(data)
    return dest


def utf16_copies(path, out):
    """The YAML in UTF-16, little and big endian, told by the byte order
    mark as libyaml tells it, with a character beyond the BMP (a surrogate
    pair, one code point to libyaml's index) before everything else."""
    with open(path, "rb") as f:
        text = "# \U0001F600 beyond the BMP\n" + f.read().decode("utf-8")
    dests = []
    for bom, enc in ((b"\xff\xfe", "utf-16-le"), (b"\xfe\xff", "utf-16-be")):
        dest = os.path.join(out, enc + "-" + os.path.basename(path))
        with open(dest, "wb") as f:
            f.write(bom + text.encode(enc))
        dests.append(dest)
    return dests


def generated(fixtures, out):
    """Twins of the cleanroom sample: languageVersion 2.0 (resources by
    name, indented by 3), and all on one line with UTF-8 left as is."""
    src = os.path.join(fixtures, "samples", "real-world", CLEANROOM)
    with open(src) as f:
        doc = json.load(f)
    doc["languageVersion"] = "2.0"
    doc["resources"] = {"r%d" % i: r for i, r in enumerate(doc["resources"])}
    v2 = os.path.join(out, "language-v2.json")
    with open(v2, "w") as f:
        json.dump(doc, f, indent=3)
    one = os.path.join(out, "one-line.json")
    with open(one, "w") as f:
        json.dump(doc, f, ensure_ascii=False)
    return [v2, one]


def check_expression_built(exe, out, problems):
    """A container a variable builds is in no object of the text: the
    model says 0:0 for it (reports then take its group's line)."""
    doc = {"variables": {"cs": [{"name": "a", "properties": {"image": "x.io/a:1"}}]},
           "resources": [{"type": "Microsoft.ContainerInstance/containerGroups", "name": "g",
                          "properties": {"containers": ["[variables('cs')[0]]",
                                                        {"name": "b", "properties": {"image": "x.io/b:1"}}]}}]}
    path = os.path.join(out, "expression-built.json")
    with open(path, "w") as f:
        json.dump(doc, f, indent=2)
    with open(path) as f:
        g = parse_json(f.read())["resources"][0]
    want = [(g.pos, [(0, 0), g["properties"]["containers"][1].pos])]
    got = dump(exe, path)
    if got != want:
        problems.append("expression-built.json: gate says %s, want %s" % (got, want))
    return 2


def check_aliases(exe, out, problems):
    """An alias places its anchor's very value again, which gate keeps by
    address: a container an alias names, or whose anchor one names, has
    no position (0:0: reports take its group's line).  An anchor no alias
    names keeps its own."""
    text = ("name: aliases\n"
            "properties:\n"
            "  containers:\n"
            "  - &c\n"
            "    name: one\n"
            "    properties: {image: x.io/a:1}\n"
            "  - &t {name: two, properties: {image: x.io/b:1}}\n"
            "  - *c\n")
    path = os.path.join(out, "aliases.yaml")
    with open(path, "w") as f:
        f.write(text)
    g = want_yaml(text)[0]
    want = [(g[0], [(0, 0), g[1][1], (0, 0)])]
    got = dump(exe, path)
    if got != want or g[1][1] != (7, 5):
        problems.append("aliases.yaml: gate says %s, want %s" % (got, want))
    return 3


CLEANROOM = "Azure__azure-cleanroom__src__tools__aci-to-k8s__samples__sample-template.json"
INPUTS = [
    ("samples", "real-world", CLEANROOM),
    ("samples", "real-world", "vinfnet__confidential-computing__multi-party-samples__advanced-app__deployment-template-contoso.json"),
    ("samples", "real-world", "Azure-Samples__aci-confidential-hello-world__template.json"),
    ("samples", "real-world", "Azure__azure-rest-api-specs__specification__containerinstance__resource-manager__Microsoft.ContainerInstance__ContainerInstance__examples__2025-09-01__ContainerGroupCreateConfidential.response200-body.json"),
    ("templates", "nested_deployment_unrelated.json"),
    ("templates", "expressions.json"),
    ("templates", "deployed.json"),
    ("templates", "aci.yaml"),
    ("templates", "k8s.yaml"),
    ("templates", "aci-line-separators.yaml"),
]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--dump", required=True)
    ap.add_argument("--fixtures", required=True)
    ap.add_argument("--out", required=True)
    a = ap.parse_args()
    os.makedirs(a.out, exist_ok=True)
    problems = []
    paths = [os.path.join(a.fixtures, *p) for p in INPUTS]
    paths += [crlf_copy(p, a.out) for p in paths] + generated(a.fixtures, a.out)
    paths += utf16_copies(os.path.join(a.fixtures, "templates", "aci-line-separators.yaml"), a.out)
    paths += utf16_copies(os.path.join(a.fixtures, "templates", "aci.yaml"), a.out)
    checked = 0
    for p in paths:
        checked += check_one(a.dump, os.path.basename(p), p, problems)
    # With a parameters file, positions are still the template's.
    tmpl = os.path.join(a.fixtures, "templates", "expressions.json")
    checked += check_one(a.dump, "expressions.json -p", tmpl, problems,
                         params=os.path.join(a.fixtures, "templates", "expressions.parameters.json"))
    checked += check_expression_built(a.dump, a.out, problems)
    checked += check_aliases(a.dump, a.out, problems)
    # The checker must be able to fail: one line off is seen.
    want = expected(paths[0], open(paths[0], "rb").read())
    want[0][1][0] = (want[0][1][0][0] + 1, want[0][1][0][1])
    if dump(a.dump, paths[0]) == want:
        problems.append("the checker accepts a container one line off")
    # Every fixture container has a position: none came from an expression.
    if any((0, 0) in c for p in paths for _, c in expected(p, open(p, "rb").read())):
        problems.append("a fixture container has no position to check")
    for p in problems:
        print(p)
    print("%d inputs, %d containers: %s" % (len(paths), checked, "FAILED" if problems else "ok"))
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
