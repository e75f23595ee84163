#!/usr/bin/env python3
"""Builds a realistic layer for the benchmark from the test vectors: the
Debian-package trees (and the Debian-like layer) again and again under
distinct prefixes, until the tar is at least --size MiB, then gzip -6."""
import argparse
import copy as copy_module
import gzip
import io
import os
import tarfile


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--vectors", required=True)
    ap.add_argument("--out", required=True, help="LAYER.tar.gz to write")
    ap.add_argument("--size", type=int, default=160, help="minimum tar size in MiB")
    a = ap.parse_args()
    sources = sorted(f for f in os.listdir(a.vectors)
                     if f.endswith(".tar.gz") and (f.startswith("deb_") or f == "layer_like_debian.tar.gz"))
    members = []
    for s in sources:
        with tarfile.open(os.path.join(a.vectors, s)) as t:
            for m in t.getmembers():
                data = t.extractfile(m).read() if m.isreg() else None
                members.append((m, data))
    raw = io.BytesIO()
    with tarfile.open(fileobj=raw, mode="w", format=tarfile.PAX_FORMAT) as out:
        copy = 0
        while raw.tell() < a.size << 20:
            for m, data in members:
                m2 = copy_module.copy(m)
                m2.name = "copy%03d/%s" % (copy, m.name.lstrip("./"))
                if m.islnk():
                    m2.linkname = "copy%03d/%s" % (copy, m.linkname.lstrip("./"))
                out.addfile(m2, io.BytesIO(data) if data is not None else None)
            copy += 1
    with open(a.out, "wb") as f, gzip.GzipFile(fileobj=f, mode="wb", compresslevel=6, mtime=0) as g:
        g.write(raw.getvalue())
    print("%s: %d MiB tar, %d copies, %d MiB gzip" % (
        a.out, raw.tell() >> 20, copy, os.path.getsize(a.out) >> 20))


if __name__ == "__main__":
    main()
