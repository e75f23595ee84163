#!/usr/bin/env python3
"""Every vector cut short, at each 512-byte boundary of its first 64 blocks
and at a few offsets inside blocks: gate must end by itself with a hash
(a cut between entries ends the archive, as in Go's reader) or with exit 2
and an error naming what was cut, never crash or hang."""
import argparse
import concurrent.futures
import gzip
import json
import os
import subprocess
import sys

OFFSETS_IN_BLOCK = (1, 100, 257, 511)


def cuts(size):
    for k in range(0, 65):
        for extra in (0,) + (OFFSETS_IN_BLOCK if k % 8 == 0 else ()):
            n = k * 512 + extra
            if n < size:
                yield n


def check(gate, name, raw, n):
    try:
        p = subprocess.run([gate, "hash", "--tar", "-"], input=raw[:n], capture_output=True,
                           timeout=60)
    except subprocess.TimeoutExpired:
        return "%s cut at %d: hung" % (name, n)
    err = p.stderr.decode(errors="replace")
    if p.returncode == 0:
        return None
    if p.returncode != 2 or p.stdout:
        return "%s cut at %d: exit %d, stdout %r, stderr %s" % (name, n, p.returncode, p.stdout, err)
    # the error names the entry cut short, or the header's offset when the
    # cut fell inside a header
    named = "gate: hash: layer '-': tar entry '" in err or "gate: hash: layer '-': tar header at offset " in err
    if not named or "AddressSanitizer" in err or "runtime error" in err:
        return "%s cut at %d: unclear error %r" % (name, n, err)
    return None


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--gate", required=True)
    ap.add_argument("--vectors", required=True)
    a = ap.parse_args()
    index = json.load(open(os.path.join(a.vectors, "index.json")))
    jobs = []
    with concurrent.futures.ThreadPoolExecutor(max_workers=os.cpu_count() or 2) as ex:
        for v in index:
            with gzip.open(os.path.join(a.vectors, v["tar"])) as f:
                raw = f.read(65 * 512 + 512)
            jobs += [ex.submit(check, a.gate, v["name"], raw, n) for n in cuts(v["tar_size"])]
        failures = [j.result() for j in jobs if j.result()]
    for f in failures:
        print(f)
    print("%d cuts, %d failed" % (len(jobs), len(failures)))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
