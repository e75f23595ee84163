#!/usr/bin/env python3
"""fixtures/vectors-stream: one layer vector wrapped in the compressed
forms where the end of the stream is odd, with what the reference (hcsshim
tar2ext4 reading through Go's gzip and tar readers) answers for each.

The reference stops reading at the tar's end-of-archive marker, so a
stream that breaks after it hashes like the clean archive; one that breaks
before it is an error.  The answers, from a differential run of the
reference (gate issue 12):
  - same root hash as the clean archive: trailing zeros (bsdtar -czf - |
    cat pads gzip to 10240 bytes), one trailing zero byte, a second member
    of garbage, a trailer with a wrong CRC, a missing 8-byte trailer, a
    header with FHCRC, zstd that starts with a skippable frame (pzstd);
  - an error: the same breaks when the tar has no end-of-archive marker.

usage: make_stream_fixtures.py --vectors fixtures/vectors --out fixtures/vectors-stream
"""
import argparse
import gzip
import json
import os
import struct
import subprocess
import sys
import zlib

BASE = "basic_tree"
BLOCK = 512


def deflate(data):
    c = zlib.compressobj(9, zlib.DEFLATED, -15)
    return c.compress(data) + c.flush()


def trailer(data):
    return struct.pack("<II", zlib.crc32(data), len(data) & 0xFFFFFFFF)


def member(data, fhcrc=False, name=None):
    """A gzip member; FHCRC adds the header's CRC16 (RFC 1952 2.3.1)."""
    flg = (0x02 if fhcrc else 0) | (0x08 if name else 0)
    hdr = b"\x1f\x8b\x08" + bytes([flg]) + struct.pack("<I", 0) + b"\x02\xff"
    if name:
        hdr += name + b"\0"
    if fhcrc:
        hdr += struct.pack("<H", zlib.crc32(hdr) & 0xFFFF)
    return hdr + deflate(data) + trailer(data)


def without_marker(tar):
    """The tar with its zero blocks (end marker and padding) cut off."""
    end = len(tar)
    while end >= BLOCK and tar[end - BLOCK:end] == bytes(BLOCK):
        end -= BLOCK
    return tar[:end]


def skippable(payload, nibble=0):
    return struct.pack("<II", 0x184D2A50 + nibble, len(payload)) + payload


def zstd(data):
    return subprocess.run(["zstd", "-q", "-c", "-19"], input=data, capture_output=True,
                          check=True).stdout


def cases(tar):
    gz = member(tar)
    bad_crc = gz[:-8] + struct.pack("<I", zlib.crc32(tar) ^ 1) + gz[-4:]
    garbage = b"\x1f\x8b\x08\x00" + bytes(range(7, 250))
    bare = without_marker(tar)
    bare_gz = member(bare)
    half = len(tar) // 2
    return [
        # (name, bytes, same hash as the clean archive?, note expected?)
        ("clean", gz, True, False),
        ("padded_10240", gz + bytes(-len(gz) % 10240), True, True),
        ("trailing_zero_byte", gz + b"\0", True, True),
        ("garbage_member", gz + garbage, True, True),
        ("bad_crc", bad_crc, True, True),
        ("no_trailer", gz[:-8], True, True),
        # valid gzip, but the decoded tail is well over GATE_MAX_TAIL_SIZE
        # (16 MiB; the check lags the decoder by up to 5 MiB of buffers)
        ("tail_over_bound", member(tar + bytes(32 << 20)), True, True),
        ("fhcrc", member(tar, fhcrc=True, name=b"layer.tar"), True, False),
        ("fhcrc_second_member", member(tar[:half]) + member(tar[half:], fhcrc=True), True, False),
        ("zstd_skippable", skippable(b"pzstd frame sizes") + zstd(tar), True, False),
        ("zstd_skippable_5f", skippable(b"", 0xF) + zstd(tar) + skippable(b"x" * 9, 3), True, False),
        ("no_marker_padded", bare_gz + bytes(16), False, False),
        ("no_marker_bad_crc", bare_gz[:-8] + struct.pack("<I", zlib.crc32(bare) ^ 1) + bare_gz[-4:],
         False, False),
        ("no_marker_no_trailer", bare_gz[:-8], False, False),
        ("no_marker_garbage_member", bare_gz + garbage, False, False),
    ]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--vectors", required=True)
    ap.add_argument("--out", required=True)
    a = ap.parse_args()
    index = {v["name"]: v for v in json.load(open(os.path.join(a.vectors, "index.json")))}
    with open(os.path.join(a.vectors, index[BASE]["tar"]), "rb") as f:
        tar = gzip.decompress(f.read())
    out = []
    for name, data, hashes, note in cases(tar):
        fn = name + ".layer"
        with open(os.path.join(a.out, fn), "wb") as f:
            f.write(data)
        v = {"name": name, "file": fn, "base": BASE}
        if hashes:
            v["root_hash"] = index[BASE]["root_hash"]
            v["note"] = note
        else:
            v["error"] = "the reference fails: the stream breaks before the end-of-archive marker"
        out.append(v)
    with open(os.path.join(a.out, "index.json"), "w") as f:
        json.dump(out, f, indent=1)
        f.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
