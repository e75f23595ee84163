#!/usr/bin/env python3
"""Hostile layers for bench/hostile.sh and the engine's regression tests.

  make_hostile.py collide --pairs K OUT.tar.gz   2^K empty files in one
      directory whose names all collide under 32-bit FNV-1a (the directory
      index hash of gate 27140f8 and earlier): K blocks of 4 characters,
      each block one of two strings that reach the same FNV-1a state
      (Joux's multicollision), found by a birthday search.
  make_hostile.py deep --levels N OUT.tar.gz     one file under N directory
      levels ("d/d/.../f"), all of them created as missing parents.
  make_hostile.py longpath [--bytes B] OUT.tar.gz   one file whose PAX path
      is as long as a PAX header may be (B, default 1 MiB): ~B/2 one-letter
      levels.  Smaller B gives a variant for profilers.

Everything is deterministic: the same arguments give the same bytes.
"""
import argparse
import gzip
import io
import itertools
import sys
import tarfile

FNV_PRIME = 16777619
FNV_OFFSET = 2166136261
ALPHABET = b"abcdefghijklmnopqrstuvwxyz0123456789"
BLOCK = 4


def fnv1a(h, data):
    for c in data:
        h = ((h ^ c) * FNV_PRIME) & 0xFFFFFFFF
    return h


def colliding_pair(h):
    """Two different BLOCK-byte strings taking FNV-1a from state h to one state."""
    seen = {}
    for t in itertools.product(ALPHABET, repeat=BLOCK):
        s = bytes(t)
        g = fnv1a(h, s)
        if g in seen:
            return seen[g], s, g
        seen[g] = s
    raise SystemExit("no collision found")


def colliding_names(pairs):
    h, blocks = FNV_OFFSET, []
    for _ in range(pairs):
        a, b, h = colliding_pair(h)
        blocks.append((a, b))
    return [b"".join(c).decode() for c in itertools.product(*blocks)], h


def write(out, members):
    raw = io.BytesIO()
    with tarfile.open(fileobj=raw, mode="w", format=tarfile.PAX_FORMAT) as tf:
        for name, typ in members:
            ti = tarfile.TarInfo(name)
            ti.type = typ
            ti.mode = 0o755 if typ == tarfile.DIRTYPE else 0o644
            ti.mtime = 1700000000
            tf.addfile(ti)
    with open(out, "wb") as f:
        f.write(gzip.compress(raw.getvalue(), 9, mtime=0))


def main():
    ap = argparse.ArgumentParser()
    sub = ap.add_subparsers(dest="cmd", required=True)
    c = sub.add_parser("collide")
    c.add_argument("--pairs", type=int, default=16)
    c.add_argument("out")
    d = sub.add_parser("deep")
    d.add_argument("--levels", type=int, default=40000)
    d.add_argument("out")
    lp = sub.add_parser("longpath")
    lp.add_argument("--bytes", type=int, default=1 << 20)
    lp.add_argument("out")
    a = ap.parse_args()
    if a.cmd == "collide":
        names, h = colliding_names(a.pairs)
        assert all(fnv1a(FNV_OFFSET, n.encode()) == h for n in names[:64])
        write(a.out, [(n, tarfile.REGTYPE) for n in names])
    elif a.cmd == "deep":
        write(a.out, [("d/" * a.levels + "f", tarfile.REGTYPE)])
    else:
        # a PAX record "NNNNNNN path=...\n" within the bound
        levels = (a.bytes - 64) // 2
        write(a.out, [("d/" * levels + "f", tarfile.REGTYPE)])
    return 0


if __name__ == "__main__":
    sys.exit(main())
