#!/usr/bin/env python3
"""fixtures/vectors-stream: layers whose compressed stream ends oddly (see
tests/vectors/make_stream_fixtures.py).  Each is hashed with isa-l and with
zlib (GATE_GZIP=zlib), whole and in chunks; a vector with a root_hash must
give exactly it (and the note on stderr when "note" is set, none when not),
one with an error must fail with exit 2 and print no hash.  FHCRC vectors
are fed in chunks of every size up to past their header, so the header is
split at every point."""
import argparse
import json
import os
import subprocess
import sys

NOTE = "bytes after the end of the archive: "


def run(gate, path, env, chunk):
    args = [gate, "hash", "--tar", "--format", "json"] + (["--chunk-size", str(chunk)] if chunk else [])
    return subprocess.run(args + [path], capture_output=True, env=dict(os.environ, **env))


def check(gate, vdir, v, env, chunk):
    p = run(gate, os.path.join(vdir, v["file"]), env, chunk)
    err = p.stderr.decode(errors="replace")
    what = "%s (%s, chunks %s)" % (v["name"], env or "isa-l", chunk)
    if "error" in v:
        if p.returncode != 2 or p.stdout or not err.startswith("gate: hash: layer "):
            return "%s: want exit 2 and an error, got exit %d, stdout %r, stderr %r" % (
                what, p.returncode, p.stdout[:100], err)
        return None
    if p.returncode != 0:
        return "%s: exit %d: %s" % (what, p.returncode, err.strip())
    got = json.loads(p.stdout)["layers"]
    if got != [v["root_hash"]]:
        return "%s: root hash %s, want %s" % (what, got, v["root_hash"])
    if (NOTE in err) != v["note"]:
        return "%s: note on stderr %s, got %r" % (what, "expected" if v["note"] else "unexpected", err)
    return None


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--gate", required=True)
    ap.add_argument("--vectors", required=True)
    a = ap.parse_args()
    failures, runs = [], 0
    for v in json.load(open(os.path.join(a.vectors, "index.json"))):
        chunks = [None, 1, 7, 4093]
        if v["name"].startswith("fhcrc"):
            chunks = [None] + list(range(1, 48))
        for env in ({}, {"GATE_GZIP": "zlib"}):
            for chunk in chunks:
                runs += 1
                f = check(a.gate, a.vectors, v, env, chunk)
                if f:
                    failures.append(f)
    for f in failures:
        print(f)
    print("%d runs, %d failed" % (runs, len(failures)))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
