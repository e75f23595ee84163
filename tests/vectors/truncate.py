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
import tempfile

OFFSETS_IN_BLOCK = (1, 100, 257, 511)


def cuts(size):
    for k in range(0, 65):
        for extra in (0,) + (OFFSETS_IN_BLOCK if k % 8 == 0 else ()):
            n = k * 512 + extra
            if n < size:
                yield n


def check(gate, name, raw, ns, tmp):
    """All cuts of one vector in one gate run (gate hash --tar takes many
    FILEs and goes on after one fails), so that starting gate, which
    costs more than a small cut under sanitizers, happens once a vector.
    Each cut must have its hash line on stdout or its own error."""
    d = os.path.join(tmp, name)
    os.makedirs(d)
    paths = {}
    for n in ns:
        paths[n] = os.path.join(d, "%d.tar" % n)
        with open(paths[n], "wb") as f:
            f.write(raw[:n])
    try:
        p = subprocess.run([gate, "hash", "--tar"] + [paths[n] for n in ns], capture_output=True,
                           timeout=600)
    except subprocess.TimeoutExpired:
        return ["%s: hung" % name]
    out, err = p.stdout.decode(errors="replace"), p.stderr.decode(errors="replace")
    if p.returncode not in (0, 2) or "AddressSanitizer" in err or "runtime error" in err:
        return ["%s: exit %d, stderr %s" % (name, p.returncode, err[-2000:])]
    hashed = {line.split("  ", 1)[1] for line in out.splitlines() if "  " in line}
    failures = []
    for n in ns:
        if paths[n] in hashed:
            continue
        # the error names the entry cut short, or the header's offset when
        # the cut fell inside a header
        layer = "gate: hash: layer '%s': " % paths[n]
        if layer + "tar entry '" not in err and layer + "tar header at offset " not in err:
            failures.append("%s cut at %d: neither a hash nor an error naming the entry" % (name, n))
    return failures


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--gate", required=True)
    ap.add_argument("--vectors", required=True)
    a = ap.parse_args()
    index = json.load(open(os.path.join(a.vectors, "index.json")))
    jobs, count = [], 0
    with tempfile.TemporaryDirectory(prefix="gate-truncate-") as tmp, \
            concurrent.futures.ThreadPoolExecutor(max_workers=os.cpu_count() or 2) as ex:
        for v in index:
            with gzip.open(os.path.join(a.vectors, v["tar"])) as f:
                raw = f.read(65 * 512 + 512)
            ns = list(cuts(v["tar_size"]))
            count += len(ns)
            jobs.append(ex.submit(check, a.gate, v["name"], raw, ns, tmp))
        failures = [f for j in jobs for f in j.result()]
    for f in failures:
        print(f)
    print("%d cuts, %d failed" % (count, len(failures)))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
