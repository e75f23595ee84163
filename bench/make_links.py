#!/usr/bin/env python3
"""A layer of hard links (gate issue 12, item 4), for docs/security.md.

  make_links.py --links N OUT.tar.zst

N hard links ("l0000000", ...) to empty files, a new file ("f000", ...)
every 60,000 links (ext4 allows 65,000 links to one inode), as a ustar
stream compressed by the zstd tool.  Links take no inode, so before
GATE_MAX_HARD_LINKS 24M of them (81 MB of .zst) took 2.15 GB.  Measure with
  /usr/bin/time -f '%e s %M KiB' build/gate hash --tar OUT.tar.zst
"""
import argparse
import subprocess

BLOCK = 512
PER_FILE = 60000


def header(name, typeflag, linkname=b""):
    h = bytearray(BLOCK)
    h[0:len(name)] = name
    h[100:108] = b"0000644\0"
    h[108:116] = b"0000000\0"
    h[116:124] = b"0000000\0"
    h[124:136] = b"00000000000\0"
    h[136:148] = b"00000000000\0"
    h[156:157] = typeflag
    h[157:157 + len(linkname)] = linkname
    h[257:265] = b"ustar\x0000"
    h[148:156] = b" " * 8
    h[148:156] = b"%06o\0 " % sum(h)
    return bytes(h)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--links", type=int, required=True)
    ap.add_argument("out")
    a = ap.parse_args()
    with open(a.out, "wb") as out:
        z = subprocess.Popen(["zstd", "-q", "-3", "-c"], stdin=subprocess.PIPE, stdout=out)
        batch = []
        for i in range(a.links):
            target = b"f%03d" % (i // PER_FILE)
            if i % PER_FILE == 0:
                batch.append(header(target, b"0"))
            batch.append(header(b"l%07d" % i, b"1", target))
            if len(batch) == 4096:
                z.stdin.write(b"".join(batch))
                batch = []
        z.stdin.write(b"".join(batch) + bytes(2 * BLOCK))
        z.stdin.close()
        if z.wait():
            raise SystemExit("zstd failed")


if __name__ == "__main__":
    main()
