#!/usr/bin/env python3
"""Untrusted text on every error path reaches stderr escaped (issue 12
item 7): escape.py GATE.  And a name gate echoes on success (rules check).

Each case puts HOSTILE (ESC with a colour sequence, BEL, a C1 CSI and a
bidi override) into a tar entry name, a link, a whiteout, an xattr, a
template container or group name, or a policy's layer, runs gate on it,
and wants exit status 2, the escaped form on stderr, and no raw control
byte or bidi override anywhere on stderr."""
import io
import json
import os
import subprocess
import sys
import tarfile
import tempfile

HOSTILE = "x\x1b[31m\x07\u009b\u202ey"
ESCAPED = "x\\x1b[31m\\x07\\u{009b}\\u{202e}y"
RAW = ["\x1b", "\x07", "\u009b", "\u202a", "\u202e", "\u2066", "\u2069"]


def tar_bytes(members, cut=0, fmt=tarfile.GNU_FORMAT):
    buf = io.BytesIO()
    # GNU: short names go into the header as they are, UTF-8 bytes and all.
    with tarfile.open(fileobj=buf, mode="w", format=fmt, encoding="utf-8") as t:
        for info, data in members:
            t.addfile(info, io.BytesIO(data) if data is not None else None)
    raw = buf.getvalue()
    return raw[:cut] if cut else raw


def entry(name, kind=tarfile.REGTYPE, data=b"", linkname="", pax=None):
    info = tarfile.TarInfo(name)
    info.type = kind
    info.size = len(data) if kind == tarfile.REGTYPE else 0
    info.linkname = linkname
    if pax:
        info.pax_headers = pax
    return info, data if kind == tarfile.REGTYPE else None


def tar_cases():
    # The tar reader's own errors show the name it is reading with '?'
    # for any byte outside printable ASCII; later stages name entries in
    # full, and the CLI escapes them.
    yield "truncated entry", "'x?[31m??????y'", tar_bytes([entry(HOSTILE, data=b"a" * 5000)], cut=2048)
    yield "file in the way of a directory", ESCAPED, tar_bytes(
        [entry(HOSTILE, data=b"a"), entry(HOSTILE + "/f", data=b"b")])
    yield "whiteout", ESCAPED, tar_bytes([entry(HOSTILE, data=b"a"), entry(HOSTILE + "/.wh.f")])
    yield "hard link", ESCAPED, tar_bytes([entry(HOSTILE, tarfile.LNKTYPE, linkname="missing" + HOSTILE)])
    yield "xattr", ESCAPED, tar_bytes([entry("f", data=b"a",
                                    pax={"SCHILY.xattr.user." + HOSTILE: "v" * 5000})],
                                    fmt=tarfile.PAX_FORMAT)


def template(container, group, image):
    return json.dumps({
        "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
        "contentVersion": "1.0.0.0",
        "resources": [{
            "type": "Microsoft.ContainerInstance/containerGroups",
            "name": group,
            "properties": {"containers": [{"name": container, "properties": {"image": image}}]},
        }],
    }).encode()


def policy_cases():
    yield "template container", ["policy", "show", "-"], template(HOSTILE, "g", "[parameters('nope')]")
    yield "template group", ["policy", "hostdata", "-"], template("c", HOSTILE, "app:v1")
    # Rego refuses C0 controls before it reads anything: the layer carries
    # the C1 control and the override only.
    layer = "\u009b\u202e" + "a" * 62
    rego = ('package policy\n\napi_version := "0.10.0"\n\ncontainers := [{"id": "app", '
            '"layers": ["%s"], "command": [], "env_rules": []}]\n' % layer)
    yield "policy layer", ["policy", "show", "--input-format", "rego", "-"], rego.encode()


def run(gate, what, args, stdin, want):
    r = subprocess.run([gate] + args, input=stdin, capture_output=True, timeout=60)
    err = r.stderr.decode("utf-8", errors="surrogateescape")
    problems = []
    if r.returncode != 2:
        problems.append("exit status %d, expected 2" % r.returncode)
    problems += ["raw %r on stderr" % c for c in RAW if c in err]
    if want not in err:
        problems.append("no %r on stderr" % want)
    for p in problems:
        print("%s: %s\n  stderr: %r" % (what, p, err))
    return not problems


def rules_check_ok(gate):
    """A rule file that loads: its name, which a pull request may choose,
    is echoed on stdout, escaped too."""
    with tempfile.TemporaryDirectory() as d:
        path = os.path.join(d, HOSTILE + ".yaml")
        with open(path, "w") as f:
            f.write("rules:\n  config.env: warn\n")
        r = subprocess.run([gate, "rules", "check", path], capture_output=True, timeout=60)
    out = r.stdout.decode("utf-8", errors="surrogateescape")
    problems = ["raw %r on stdout" % c for c in RAW if c in out]
    if r.returncode != 0 or not out.endswith(ESCAPED + ".yaml: ok\n"):
        problems.append("exit status %d, stdout %r" % (r.returncode, out))
    for p in problems:
        print("rules check: %s" % p)
    return not problems


def main():
    gate = sys.argv[1]
    ok = rules_check_ok(gate)
    for what, want, data in tar_cases():
        ok &= run(gate, "hash --tar, " + what, ["hash", "--tar", "-"], data, want)
    for what, args, data in policy_cases():
        want = "\\u{009b}\\u{202e}" if what == "policy layer" else ESCAPED
        ok &= run(gate, "policy, " + what, args, data, want)
    print("ok" if ok else "FAILED")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
