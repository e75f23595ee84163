#!/usr/bin/env python3
"""One layer vector against the reference: the root hash must match exactly
(or, for a vector the reference rejects, gate must reject it too: exit 2,
no hash printed).  The layer is fed compressed as stored, and uncompressed
in chunks of several sizes through stdin.  On a mismatch, the ext4 image is
compared with the reference's to name the first differing block."""
import argparse
import gzip
import json
import os
import subprocess
import sys
import tempfile

BLOCK = 4096
# Feeding byte by byte is slow for big layers: small chunks only up to this.
SMALL_CHUNK_LIMIT = 4 << 20


def run(gate, args, stdin=None):
    return subprocess.run([gate, "hash", "--tar", "--format", "json"] + args,
                          input=stdin, capture_output=True)


def first_difference(ours, theirs):
    n = max(len(ours), len(theirs))
    for off in range(0, n, BLOCK):
        a, b = ours[off:off + BLOCK], theirs[off:off + BLOCK]
        if a != b:
            byte = next((i for i in range(min(len(a), len(b))) if a[i] != b[i]), min(len(a), len(b)))
            return "block %d byte %d (0x%x): ours %s, reference %s" % (
                off // BLOCK, byte, byte, a[byte:byte + 16].hex(), b[byte:byte + 16].hex())
    return "images identical"


def explain(gate, vec_dir, v):
    if not v.get("ext4"):
        return "no reference image to compare"
    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, "ours.ext4")
        run(gate, ["--ext4-out", out, os.path.join(vec_dir, v["tar"])])
        with open(out, "rb") as f:
            ours = f.read()
    with gzip.open(os.path.join(vec_dir, v["ext4"])) as f:
        theirs = f.read()
    return "ext4 size ours %d reference %d; first difference: %s" % (
        len(ours), len(theirs), first_difference(ours, theirs))


def check(gate, vec_dir, v, label, args, stdin=None):
    p = run(gate, args, stdin)
    if "root_hash" in v:
        if p.returncode != 0:
            return "%s: exit %d: %s" % (label, p.returncode, p.stderr.decode(errors="replace").strip())
        got = json.loads(p.stdout)["layers"]
        if got != [v["root_hash"]]:
            return "%s: root hash %s, want %s; %s" % (label, got, v["root_hash"], explain(gate, vec_dir, v))
    else:
        if p.returncode != 2 or p.stdout.strip() or not p.stderr.strip():
            return "%s: want exit 2, an error and no hash; got exit %d, stdout %r" % (
                label, p.returncode, p.stdout[:200])
    return None


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--gate", required=True)
    ap.add_argument("--vectors", required=True)
    ap.add_argument("--name", required=True)
    a = ap.parse_args()
    index = json.load(open(os.path.join(a.vectors, "index.json")))
    v = next(x for x in index if x["name"] == a.name)
    path = os.path.join(a.vectors, v["tar"])
    failures = [check(a.gate, a.vectors, v, "gzip file", [path])]
    with gzip.open(path) as f:
        raw = f.read()
    chunks = [65536, 512] + ([7, 1] if len(raw) <= SMALL_CHUNK_LIMIT else [])
    # a vector whose image is large may name fewer chunk sizes
    chunks = v.get("chunks", chunks)
    for c in chunks:
        failures.append(check(a.gate, a.vectors, v, "tar on stdin in %d-byte chunks" % c,
                              ["--chunk-size", str(c), "-"], raw))
    failures = [f for f in failures if f]
    for f in failures:
        print("%s: %s" % (a.name, f))
    if not failures:
        print("%s: ok (%s)" % (a.name, v.get("root_hash", "rejected: " + v.get("error", ""))[:80]))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
