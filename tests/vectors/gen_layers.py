#!/usr/bin/env python3
"""Seeded, deterministic generator of adversarial layer tars for differential
testing of gate's tar -> compact ext4 -> dm-verity pipeline against the
reference (hcsshim tar2ext4.ConvertAndComputeRootDigest).

The tars are written byte by byte (no tarfile module) so that every header
field can be set to odd values: PAX records with binary xattr values, PAX
times (negative, fractional, far future), base-256 numbers, GNU long names,
GNU atime/ctime, sparse files (PAX 0.1 and 1.0), unknown typeflags.

  gen_layers.py random --seed N [--count K] --out DIR
      K tars random_<seed+i>.tar, each a random mix of operations on a
      model of the tree (so links, whiteouts and overwrites hit things that
      exist).
  gen_layers.py curated --out DIR
      the named corner cases listed in CURATED (one tar each).
  gen_layers.py list
      the names of the curated cases.

The same seed always gives the same bytes (Python's random.Random is
specified to be reproducible for a given seed)."""
import argparse
import os
import random
import sys

BLOCK = 512

# ---------------------------------------------------------------- raw tar


def _octal(v, width):
    """Octal with a NUL terminator if it fits, else base-256 (Go's
    formatNumeric), also for negative values."""
    if 0 <= v < 8 ** (width - 1):
        return ("%0*o" % (width - 1, v)).encode() + b"\0"
    if v >= 0:
        b = v.to_bytes(width, "big")
        if b[0] & 0x80:
            raise ValueError("number too big for base-256 field")
        return bytes([0x80]) + b[1:]
    b = (v & ((1 << (8 * width)) - 1)).to_bytes(width, "big")
    return bytes([0xFF]) + b[1:]


def _field(data, width):
    data = data if isinstance(data, bytes) else data.encode("utf-8", "surrogateescape")
    if len(data) > width:
        raise ValueError("field too long: %r" % data[:40])
    return data + b"\0" * (width - len(data))


def header(name, typeflag=b"0", mode=0o644, uid=0, gid=0, size=0, mtime=0,
           linkname=b"", uname=b"", gname=b"", devmajor=0, devminor=0,
           prefix=b"", fmt="ustar", atime=None, ctime=None, chksum_delta=0):
    """One 512-byte header. fmt: 'ustar', 'gnu' (with optional atime/ctime),
    'v7' (no magic)."""
    h = bytearray(BLOCK)
    h[0:100] = _field(name, 100)
    h[100:108] = _octal(mode, 8)
    h[108:116] = _octal(uid, 8)
    h[116:124] = _octal(gid, 8)
    h[124:136] = _octal(size, 12)
    h[136:148] = _octal(mtime, 12)
    h[156:157] = typeflag if isinstance(typeflag, bytes) else typeflag.encode()
    h[157:257] = _field(linkname, 100)
    if fmt == "ustar":
        h[257:263] = b"ustar\0"
        h[263:265] = b"00"
    elif fmt == "gnu":
        h[257:263] = b"ustar "
        h[263:265] = b" \0"
    if fmt in ("ustar", "gnu"):
        h[265:297] = _field(uname, 32)
        h[297:329] = _field(gname, 32)
        h[329:337] = _octal(devmajor, 8)
        h[337:345] = _octal(devminor, 8)
    if fmt == "ustar":
        h[345:500] = _field(prefix, 155)
    elif fmt == "gnu":
        if atime is not None:
            h[345:357] = _octal(atime, 12)
        if ctime is not None:
            h[357:369] = _octal(ctime, 12)
    h[148:156] = b" " * 8
    chk = sum(h) + chksum_delta
    h[148:156] = ("%06o" % chk).encode() + b"\0 "
    return bytes(h)


def _enc(s):
    return s if isinstance(s, bytes) else s.encode("utf-8", "surrogateescape")


def pad(data):
    return data + b"\0" * (-len(data) % BLOCK)


def pax_record(key, value):
    key = key if isinstance(key, bytes) else key.encode("utf-8", "surrogateescape")
    value = value if isinstance(value, bytes) else value.encode("utf-8", "surrogateescape")
    body = b" " + key + b"=" + value + b"\n"
    n = len(body) + 1
    while len(str(n)) + len(body) != n:
        n = len(str(n)) + len(body)
    return str(n).encode() + body


def pax_header(records, typeflag=b"x", name=b"PaxHeaders.0/x"):
    data = b"".join(pax_record(k, v) for k, v in records)
    return header(name, typeflag, size=len(data), mode=0o644) + pad(data)


def gnu_long(typeflag, value):
    data = (value if isinstance(value, bytes) else _enc(value)) + b"\0"
    return header(b"././@LongLink", typeflag, size=len(data), fmt="gnu") + pad(data)


def entry(name, typeflag=b"0", data=b"", mode=0o644, uid=0, gid=0, mtime=0,
          linkname=b"", devmajor=0, devminor=0, xattrs=(), pax=(), fmt="ustar",
          longnames="pax", size=None, atime=None, ctime=None):
    """A whole entry: optional PAX header (xattrs as ordered (name, value)
    pairs, extra records), optional GNU long name records, header, data."""
    name = name if isinstance(name, bytes) else name.encode("utf-8", "surrogateescape")
    linkname = linkname if isinstance(linkname, bytes) else linkname.encode("utf-8", "surrogateescape")
    records = [(b"SCHILY.xattr." + (k if isinstance(k, bytes) else k.encode("utf-8", "surrogateescape")), v)
               for k, v in xattrs] + list(pax)
    out = b""
    hname, hlink, prefix = name, linkname, b""
    if len(name) > 100:
        if longnames == "gnu":
            out += gnu_long(b"L", name)
            hname = name[:100]
        elif longnames == "prefix" and b"/" in name[-101:]:
            i = name.index(b"/", len(name) - 101)
            prefix, hname = name[:i], name[i + 1:]
            if len(prefix) > 155:
                records.append((b"path", name))
                prefix, hname = b"", name[:100]
        else:
            records.append((b"path", name))
            hname = name[:100]
    if len(linkname) > 100:
        if longnames == "gnu":
            out += gnu_long(b"K", linkname)
        else:
            records.append((b"linkpath", linkname))
        hlink = linkname[:100]
    if records:
        out += pax_header(records)
    if size is None:
        size = len(data)
    out += header(hname, typeflag, mode=mode, uid=uid, gid=gid, size=size, mtime=mtime,
                  linkname=hlink, devmajor=devmajor, devminor=devminor, prefix=prefix,
                  fmt=fmt, atime=atime, ctime=ctime)
    out += pad(data)
    return out


def sparse_pax10(name, realsize, segments, mode=0o644, mtime=0):
    """PAX GNU sparse 1.0: segments [(offset, length)], data filled with a
    per-offset pattern."""
    mp = ("%d\n" % len(segments)) + "".join("%d\n%d\n" % s for s in segments)
    mp = pad(mp.encode())
    data = b"".join(bytes((o + i) & 0xFF or 1 for i in range(n)) for o, n in segments)
    recs = [(b"GNU.sparse.major", b"1"), (b"GNU.sparse.minor", b"0"),
            (b"GNU.sparse.name", _enc(name)), (b"GNU.sparse.realsize", str(realsize).encode())]
    return (pax_header(recs) + header(b"GNUSparseFile.0/" + _enc(name)[:80], b"0", mode=mode,
                                      size=len(mp) + len(data), mtime=mtime) + pad(mp + data))


def sparse_pax01(name, realsize, segments, mode=0o644, mtime=0):
    """PAX GNU sparse 0.1: the map in GNU.sparse.map."""
    data = b"".join(bytes((o * 7 + i) & 0xFF for i in range(n)) for o, n in segments)
    recs = [(b"GNU.sparse.offset", b"0")] if False else []
    recs += [(b"GNU.sparse.numblocks", str(len(segments)).encode()),
             (b"GNU.sparse.map", ",".join("%d,%d" % s for s in segments).encode()),
             (b"GNU.sparse.name", _enc(name)), (b"GNU.sparse.size", str(realsize).encode())]
    return pax_header(recs) + header(_enc(name)[:100], b"0", mode=mode, size=len(data),
                                     mtime=mtime) + pad(data)


def end():
    return b"\0" * 1024


# ---------------------------------------------------------------- random


PREFIXES = ["user.", "trusted.", "security.", "system.", "system.posix_acl_access",
            "system.posix_acl_default", "system.richacl", "", "trusted.overlay.", "user.u",
            "security.capability", "trusted.overlay.opaque"]
TYPES = {"file": b"0", "dir": b"5", "sym": b"2", "chr": b"3", "blk": b"4", "fifo": b"6"}


class Gen:
    def __init__(self, seed):
        self.r = random.Random(seed)
        self.seed = seed
        self.out = []
        self.paths = {}     # path -> kind ('dir', 'file', 'sym', 'chr', 'blk', 'fifo', 'data', 'longsym')
        self.paths[""] = "dir"
        self.n = 0
        self.allow_errors = self.r.random() < 0.15

    # --- values
    def name(self, maxlen=None):
        r = self.r
        self.n += 1
        k = r.random()
        if k < 0.55:
            s = "%s%d" % (r.choice("abcdefgh"), self.n)
        elif k < 0.7:
            s = "n%d_" % self.n + "x" * r.randint(0, 240)
        elif k < 0.8:
            s = "u%d_" % self.n + "".join(r.choice(["é", "ß", "日", "\u200b", "~", " ", "-", "\\", "%"])
                                          for _ in range(r.randint(1, 20)))
        elif k < 0.97:
            s = "l%d" % self.n
            s += "y" * (r.choice([255, 254, 253, 252, 251]) - len(s))
        else:
            s = r.choice([".wh.x", "..data", "...", ".hidden%d" % self.n, "-%d" % self.n,
                          "lost+found", "z" * 255, "r%d\udcff\udc80\n\t" % self.n,
                          "q%d\udcc3\udca9=" % self.n])
        if maxlen:
            s = _enc(s)[:maxlen].decode("utf-8", "surrogateescape") or "q"
        return s

    def time(self):
        r = self.r
        k = r.random()
        if k < 0.5:
            return r.randint(0, 2 ** 31 - 1), None
        choices = ["-1.5", "-1", "0", "0.000000001", "-0.5", str(0x37FFFFFFF + 1), str(0x37FFFFFFF),
                   str(2 ** 33), str(2 ** 31), str(2 ** 32 - 1), str(2 ** 32), str(2 ** 31 - 1),
                   "-2147483648", "-2147483649", "-62135596800", "-62135596801", "1.1234567899",
                   "1700000000.5", "+17", "17.", str(2 ** 62), "-" + str(2 ** 62),
                   "%d.%09d" % (r.randint(-2 ** 34, 2 ** 34), r.randint(0, 999999999)),
                   "%d.%d" % (r.randint(0, 2 ** 35), r.randint(0, 99))]
        return 0, r.choice(choices)

    def xvalue(self):
        r = self.r
        k = r.random()
        if k < 0.3:
            return b""[:0] + bytes(r.randint(0, 255) for _ in range(r.randint(0, 12)))
        if k < 0.5:
            return b"y"
        if k < 0.7:
            return bytes(r.randint(0, 255) for _ in range(r.randint(0, 200)))
        if k < 0.8:
            return b"\0" * r.randint(1, 9)
        return bytes(r.randint(0, 255) for _ in range(r.choice([3, 4, 5, 63, 64, 65, 500, 1000])))

    def xname(self):
        r = self.r
        p = r.choice(PREFIXES)
        k = r.random()
        if k < 0.1:
            return p                       # exactly a prefix (or empty)
        if k < 0.12:
            return p + "n" * r.randint(200, 300)
        return p + "".join(r.choice("abcxyz._-0") for _ in range(r.randint(1, 24)))

    def xattrs(self):
        r = self.r
        k = r.random()
        if k < 0.5:
            return []
        n = r.choice([1, 2, 3, 5, 12, 13, 14, 20, 30, 40]) if k < 0.9 else r.randint(1, 60)
        xs = {}
        budget = 3900
        for _ in range(n):
            nm = self.xname()
            v = self.xvalue()
            cost = len(nm) + len(v) + 24
            if cost > budget and not self.allow_errors:
                continue
            budget -= cost
            xs[nm] = v
        items = list(xs.items())
        r.shuffle(items)
        return items

    def attrs(self):
        r = self.r
        a = {}
        pax = []
        mt, mts = self.time()
        a["mtime"] = mt
        if mts is not None:
            pax.append((b"mtime", mts.encode()))
        for key in (b"atime", b"ctime"):
            if r.random() < 0.3:
                s = self.time()[1]
                pax.append((key, s if s is not None else str(r.randint(0, 2 ** 32))))
        pax = [(k, v.encode() if isinstance(v, str) else v) for k, v in pax]
        k = r.random()
        if k < 0.1:
            a["uid"] = r.choice([65535, 65536, 70000, 2 ** 21 - 1, 2 ** 31, 2 ** 32 - 1])
            a["gid"] = r.choice([65536, 99999, 2 ** 32 + 5, 2 ** 40])
        elif k < 0.15:
            pax.append((b"uid", str(r.choice([2 ** 32 + 7, 2 ** 31, -5, 123456789])).encode()))
            pax.append((b"gid", str(r.choice([2 ** 33, 65536, -1])).encode()))
        else:
            a["uid"] = r.randint(0, 2000)
            a["gid"] = r.randint(0, 2000)
        k = r.random()
        if k < 0.15:
            a["mode"] = r.choice([0o177777, 0o140755, 0o120777, 0o060644, 0o020600, 0o010600,
                                  0o7777, 0o4755, 0o2755, 0o1777, 0o100000])
        elif k < 0.18:
            a["mode"] = r.choice([2 ** 20 + 0o755, 2 ** 16 + 0o644, 0o7777777])
        else:
            a["mode"] = r.choice([0o644, 0o755, 0o600, 0o700, 0o444, 0o000])
        a["pax"] = pax
        a["xattrs"] = self.xattrs()
        if r.random() < 0.1:
            a["fmt"] = "gnu"
            a["pax"] = []
            a["xattrs"] = []
            a["atime"] = r.choice([None, 0, 1, 2 ** 32, r.randint(0, 2 ** 33)])
            a["ctime"] = r.choice([None, 5, 2 ** 31 + 3])
            a["longnames"] = "gnu"
        return a

    # --- tree helpers
    def pick(self, kinds=None):
        ps = [p for p, k in self.paths.items() if kinds is None or k in kinds]
        if not ps:
            return None
        return self.r.choice(sorted(ps))

    def child_path(self, parent=None):
        if parent is None:
            parent = self.pick(["dir"]) if self.r.random() < 0.8 else ""
        nm = self.name()
        if len(_enc(parent)) + len(_enc(nm)) > 3900:
            parent = ""    # keep names within gate's 4096-byte limit
        return (parent + "/" + nm) if parent else nm

    def spell(self, p, is_dir=False):
        """A spelling of path p that the reference cleans to p."""
        r = self.r
        k = r.random()
        if k < 0.7:
            s = p
        elif k < 0.78:
            s = "./" + p
        elif k < 0.84:
            s = "/" + p
        elif k < 0.9:
            s = p.replace("/", "//")
        elif k < 0.95:
            s = "x/../" + p
        else:
            s = "./" + p.replace("/", "/./")
        if len(_enc(s)) > 4000:
            s = p    # gate refuses names over 4096 bytes (PATH_MAX); the reference does not
        if is_dir and r.random() < 0.5:
            s += "/"
        return s

    def set_kind(self, p, kind):
        if kind == "dir":
            parts = p.split("/")
            for i in range(1, len(parts)):
                self.paths.setdefault("/".join(parts[:i]), "dir")
        self.paths[p] = kind

    def emit(self, p, typ, data=b"", linkname="", dev=(0, 0), a=None, is_dir=False, size=None):
        a = a or self.attrs()
        fmt = a.get("fmt", "ustar")
        longnames = a.get("longnames", self.r.choice(["pax", "pax", "gnu", "prefix"]))
        if fmt == "gnu":
            longnames = "gnu"
        name = self.spell(p, is_dir)
        if size is None and typ in (b"1", b"2", b"3", b"4", b"5", b"6") and self.r.random() < 0.08:
            # Go reads no data for these types whatever the size says
            size = self.r.choice([1, 512, 513, 1 << 20])
        self.out.append(entry(name, typ, data=data, mode=a["mode"], uid=a.get("uid", 0),
                              gid=a.get("gid", 0), mtime=a["mtime"], linkname=linkname,
                              devmajor=dev[0], devminor=dev[1], xattrs=a["xattrs"], pax=a["pax"],
                              fmt=fmt, longnames=longnames, size=size, atime=a.get("atime"),
                              ctime=a.get("ctime")))

    # --- operations
    def op_file(self):
        r = self.r
        p = self.child_path()
        size = r.choice([0, 0, 0, 1, 59, 60, 4095, 4096, 4097, 8191, 8192, 12288, 65536,
                         r.randint(0, 20000)])
        data = bytes([r.randint(0, 255)]) * size
        self.emit(p, b"0", data)
        self.set_kind(p, "data" if size else "file")

    def op_dir(self):
        p = self.child_path()
        self.emit(p, b"5", is_dir=True)
        self.set_kind(p, "dir")

    def op_deep(self):
        r = self.r
        depth = r.choice([10, 50, 200, 600])
        comp = r.choice(["d", "dd", "x" * 20])
        p = "/".join([comp + str(i) for i in range(depth)])
        if len(p) > 4000:
            p = p[:4000].rsplit("/", 1)[0]
        self.emit(p + "/f", b"0", b"deep")
        self.set_kind(p, "dir")
        self.set_kind(p + "/f", "data")
        if r.random() < 0.5:
            q = p.rsplit("/", 3)[0]
            self.emit(q, b"5", is_dir=True)

    def op_symlink(self):
        r = self.r
        p = self.child_path()
        n = r.choice([0, 1, 58, 59, 60, 61, 100, 255, 1000, 4095, 4096])
        target = ("t" * n)
        if n > 3 and r.random() < 0.5:
            target = ("../" * (n // 3) + "t")[:n]
        self.emit(p, b"2", linkname=target)
        self.set_kind(p, "sym" if n <= 59 else "longsym")

    def op_dev(self):
        r = self.r
        p = self.child_path()
        typ = r.choice([b"3", b"4", b"6"])
        dev = (r.choice([0, 1, 8, 255, 256, 4095, 4096, 0xFFFFF, 2 ** 20, 2 ** 21 - 1, 2 ** 24, 2 ** 31 - 1, 2 ** 32 + 3]),
               r.choice([0, 1, 255, 256, 0xFFFFF, 2 ** 20, 2 ** 21 - 1, 2 ** 24 + 5, 2 ** 31 - 1, 2 ** 33 + 7]))
        self.emit(p, typ, dev=dev)
        self.set_kind(p, {b"3": "chr", b"4": "blk", b"6": "fifo"}[typ])

    def op_hardlink(self):
        r = self.r
        t = self.pick(["file", "data", "sym", "longsym", "chr", "blk", "fifo"])
        if t is None:
            return self.op_file()
        if r.random() < 0.3:
            # replace an existing link (allowed when that name has >= 2 links)
            p = self.child_path()
        else:
            p = self.child_path()
        self.out.append(entry(self.spell(p), b"1", linkname=self.spell(t),
                              mtime=r.randint(0, 100), mode=r.choice([0o644, 0o777]),
                              size=r.choice([0, 0, 0, 10]) if False else 0))
        self.set_kind(p, self.paths[t])
        if r.random() < 0.3:
            # chain: link to the link
            q = self.child_path()
            self.out.append(entry(self.spell(q), b"1", linkname=self.spell(p)))
            self.set_kind(q, self.paths[t])
            if r.random() < 0.5:
                # re-point q (which has >= 2 links) elsewhere
                self.out.append(entry(self.spell(q), b"1", linkname=self.spell(t)))

    def op_overwrite(self):
        """Re-create an existing path (the reference allows it for dirs over
        dirs and for non-dirs without data blocks)."""
        r = self.r
        kinds = ["dir", "file", "sym", "chr", "blk", "fifo"]
        if self.allow_errors:
            kinds += ["data", "longsym"]
        p = self.pick(kinds)
        if not p:
            return self.op_file()
        k = self.paths[p]
        if k == "dir":
            self.emit(p, b"5", is_dir=True)
        else:
            nk = r.choice(["file", "sym", "chr", "fifo", "file0"])
            if nk == "file":
                self.emit(p, b"0", b"z" * r.choice([0, 1, 4096]))
            elif nk == "file0":
                self.emit(p, b"0")
            elif nk == "sym":
                self.emit(p, b"2", linkname="s" * r.choice([3, 59, 60, 200]))
            elif nk == "chr":
                self.emit(p, b"3", dev=(1, 3))
            else:
                self.emit(p, b"6")
            self.paths[p] = "data"    # conservatively frozen

    def op_whiteout(self):
        r = self.r
        kinds = ["file", "sym", "chr", "blk", "fifo", None]
        if self.allow_errors:
            kinds += ["dir", "data", "longsym"]
        kind = r.choice(kinds)
        if kind is None:
            p = self.child_path()
        else:
            p = self.pick([kind]) or self.child_path()
        if p == "":
            return
        d, _, f = p.rpartition("/")
        wh = (d + "/" if d else "") + ".wh." + f
        self.emit(wh, r.choice([b"0", b"0", b"5", b"2", b"1", b"3"]), linkname="whatever",
                  a={"mode": 0o644, "mtime": 0, "pax": [], "xattrs": []})
        self.paths[p] = "chr"

    def op_opaque(self):
        r = self.r
        kinds = ["dir", "dir", "dir", "file", "chr", "fifo", "sym"]
        if self.allow_errors:
            kinds += ["data", "longsym"]
        p = self.pick(kinds)
        if p is None:
            return
        if r.random() < 0.5:
            # give it xattrs first (inline and block) by re-creating it
            if self.paths[p] == "dir":
                self.emit(p, b"5", is_dir=True)
        self.emit((p + "/" if p else "") + ".wh..wh..opq", b"0",
                  a={"mode": 0o644, "mtime": 0, "pax": [], "xattrs": []})
        if self.paths[p] != "dir":
            self.paths[p] = "data"

    def op_implicit(self):
        """Entries under parents not yet listed, with the parents given
        afterwards (or never)."""
        r = self.r
        base = self.child_path()
        p = base + "/" + self.name(40) + "/" + self.name(40)
        self.emit(p, b"0", b"c" * r.choice([0, 5]))
        self.set_kind(p, "data")
        if r.random() < 0.6:
            self.emit(base, b"5", is_dir=True)

    def op_manydir(self):
        r = self.r
        d = self.child_path()
        self.emit(d, b"5", is_dir=True)
        self.set_kind(d, "dir")
        n = r.choice([100, 300, 1000, 2000])
        ln = r.choice([1, 8, 40, 120, 250])
        for i in range(n):
            nm = ("%d_" % i + "m" * ln)[:255]
            typ = r.choice([b"0", b"0", b"5", b"2", b"6"])
            self.out.append(entry(d + "/" + nm, typ, linkname="x" if typ == b"2" else "",
                                  mtime=i))
            self.paths[d + "/" + nm] = {b"0": "file", b"5": "dir", b"2": "sym", b"6": "fifo"}[typ]

    def op_unknown_type(self):
        r = self.r
        p = self.child_path()
        typ = r.choice([b"7", b"A", b"Z", b"9", b"\0", b"X", b"V", b"M", b"N", b"D", b"8"])
        data = b"u" * r.choice([0, 3, 4096])
        if typ in (b"V", b"M", b"N", b"D"):
            data = b""
        self.emit(p, typ, data=data, is_dir=(typ == b"\0" and r.random() < 0.3))
        self.set_kind(p, "data")

    def op_global(self):
        self.out.append(pax_header([(b"comment", b"hi"), (b"mtime", b"5")], typeflag=b"g",
                                   name=b"pax_global_header%d" % self.r.randint(0, 9)))
        self.paths["pax_global_header"] = "data"

    def op_sparse(self):
        r = self.r
        p = self.child_path(parent="")
        real = r.choice([4096 * 3, 1 << 20, (1 << 20) + 1, 5 << 20])
        segs = []
        off = 0
        for _ in range(r.randint(0, 4)):
            off += r.randint(0, 8192)
            ln = r.randint(1, 5000)
            if off + ln > real:
                break
            segs.append((off, ln))
            off += ln
        if r.random() < 0.5:
            self.out.append(sparse_pax10(p, real, segs))
        else:
            self.out.append(sparse_pax01(p, real, segs or [(0, 0)]))
        self.set_kind(p, "data")

    def op_xattr_storm(self):
        """Up to ~200 tiny xattrs: long runs of Go's pdqsort (ninther,
        partitions, pattern breaking) over the inconsistent comparator."""
        r = self.r
        p = self.child_path()
        xs = {}
        for _ in range(r.randint(40, 220)):
            nm = r.choice(["user.", "trusted.", "security.", "system.", "", "user."]) + \
                "".join(r.choice("ab") for _ in range(r.randint(1, 4)))
            xs[nm] = bytes(r.randint(0, 255) for _ in range(r.randint(0, 4)))
        items = list(xs.items())
        r.shuffle(items)
        a = self.attrs()
        a["xattrs"] = items
        a.pop("fmt", None)
        self.emit(p, r.choice([b"0", b"5", b"6"]), a=a)
        self.set_kind(p, "data")

    def op_tarquirks(self):
        """Header-level oddities of archive/tar that still name a file."""
        r = self.r
        p = self.name(maxlen=90)
        q = self.name(maxlen=90)
        k = r.randrange(9)
        if k == 0:      # GNU long name, then PAX path: the GNU name wins
            self.out.append(gnu_long(b"L", q) + pax_header([(b"path", p)]) + header(b"short", b"0"))
            self.set_kind(q, "file")
        elif k == 1:    # two PAX headers: only the second counts
            self.out.append(pax_header([(b"path", q), (b"mtime", b"9")]) +
                            pax_header([(b"path", p)]) + header(b"short2", b"0"))
            self.set_kind(p, "file")
        elif k == 2:    # PAX size overrides the header's
            self.out.append(pax_header([(b"size", b"3")]) + header(_enc(p), b"0", size=999) + pad(b"abc"))
            self.set_kind(p, "data")
        elif k == 3:    # V7 header, name ending in '/', typeflag NUL: a directory
            self.out.append(header(_enc(p)[:90] + b"/", b"\0", fmt="v7", mode=0o700))
            self.set_kind(_enc(p)[:90].decode("utf-8", "surrogateescape"), "dir")
        elif k == 4:    # ustar prefix/name split
            self.out.append(header(b"n" + _enc(p)[:60], b"0", prefix=b"pre/" + _enc(q)[:100]))
        elif k == 5:    # checksum as a sum of signed bytes
            h = bytearray(header(_enc("\udcff" + p)[:99], b"0"))
            h[148:156] = b" " * 8
            chk = sum(b - 256 if b > 127 else b for b in h)
            h[148:156] = ("%06o" % (chk & 0o777777)).encode() + b"\0 "
            self.out.append(bytes(h))
        elif k == 6:    # empty PAX path: the name is "" (the root)
            self.out.append(pax_header([(b"path", b"")]) + header(b"x", b"5"))
        elif k == 7:    # GNU long link name for a symlink
            self.out.append(gnu_long(b"K", "k" * r.randint(90, 300)) + header(_enc(p)[:99], b"2", linkname=b"k"))
            self.set_kind(p, "longsym")
        else:           # PAX records GNU sparse 0.0 style (offset/numbytes pairs)
            data = b"0123456789"
            self.out.append(pax_header([(b"GNU.sparse.size", b"8192"), (b"GNU.sparse.numblocks", b"2"),
                                        (b"GNU.sparse.offset", b"0"), (b"GNU.sparse.numbytes", b"5"),
                                        (b"GNU.sparse.offset", b"4096"), (b"GNU.sparse.numbytes", b"5")]) +
                            header(_enc(p)[:99], b"0", size=len(data)) + pad(data))
            self.set_kind(p, "data")

    def op_root(self):
        self.emit(self.r.choice(["./", ".", "/"]).rstrip("/") or ".", b"5",
                  a=self.attrs())

    def build(self, size_hint=None):
        r = self.r
        ops = [(self.op_file, 20), (self.op_dir, 10), (self.op_symlink, 6), (self.op_dev, 4),
               (self.op_hardlink, 8), (self.op_overwrite, 8), (self.op_whiteout, 6),
               (self.op_opaque, 6), (self.op_implicit, 5), (self.op_unknown_type, 2),
               (self.op_deep, 1), (self.op_root, 1), (self.op_global, 0.5),
               (self.op_xattr_storm, 1), (self.op_tarquirks, 2)]
        if r.random() < 0.15:
            ops.append((self.op_manydir, 3))
        if r.random() < 0.1:
            ops.append((self.op_sparse, 3))
        fns = [f for f, _ in ops]
        ws = [w for _, w in ops]
        n = size_hint or r.choice([5, 10, 20, 40, 80, 150])
        for _ in range(n):
            r.choices(fns, ws)[0]()
        k = r.random()
        if k < 0.9:
            tail = end()
        elif k < 0.93:
            tail = b"\0" * 512                       # one zero block
        elif k < 0.96:
            tail = b""                               # none
        elif k < 0.98:
            tail = end() + b"garbage after the end"  # ignored
        else:
            tail = b"\0" * 512 + b"x" * 512           # rejected
        return b"".join(self.out) + tail


def random_tar(seed):
    return Gen(seed).build()


# header fields (offset, length) worth mutating, and the bytes to put there
FIELDS = [(0, 100), (100, 8), (108, 8), (116, 8), (124, 12), (136, 12), (156, 1), (157, 100),
          (257, 8), (329, 8), (337, 8), (345, 155), (345, 24)]
MUTANTS = b"0123456789 \0\x80\xff/.=\n7xLKSgx5a"


def mutate_tar(seed):
    """A small random tar with a few header bytes (or PAX record bytes)
    changed; the header checksum is usually fixed up so the change is seen.
    For differential runs of the tar reader against Go's archive/tar."""
    r = random.Random(seed)
    g = Gen(seed)
    data = bytearray(g.build(size_hint=r.choice([3, 6, 12])))
    headers = []
    for off in range(0, len(data) - 511, BLOCK):
        h = data[off:off + BLOCK]
        try:
            chk = int(bytes(h[148:156]).split(b"\0")[0].strip() or b"x", 8)
        except ValueError:
            continue
        if chk == sum(h[:148]) + 256 + sum(h[156:]) and any(h):
            headers.append(off)
    for _ in range(r.choice([1, 1, 2, 3])):
        if not headers:
            break
        off = r.choice(headers)
        if r.random() < 0.25 and data[off + 156] in b"xgLK":
            # inside the record data that follows
            try:
                size = int(bytes(data[off + 124:off + 135]).strip(b"\0 ") or b"0", 8)
            except ValueError:
                size = 0
            if size:
                i = off + BLOCK + r.randrange(min(size, 2048))
                data[i] = r.choice(MUTANTS)
            continue
        f, n = r.choice(FIELDS)
        i = off + f + r.randrange(n)
        k = r.random()
        if k < 0.6:
            data[i] = r.choice(MUTANTS)
        elif k < 0.8:
            data[i] ^= 1 << r.randrange(8)
        else:
            data[off + f:off + f + n] = bytes([r.choice(MUTANTS)]) * n
        if r.random() < 0.9:
            h = data[off:off + BLOCK]
            h[148:156] = b" " * 8
            data[off + 148:off + 156] = ("%06o" % sum(h)).encode() + b"\0 "
    if r.random() < 0.1:
        data = data[:r.randrange(len(data))]
    return bytes(data)


# ---------------------------------------------------------------- curated


def _x(n, vlen=8, prefix="user.", seed=0):
    r = random.Random(seed)
    return [(prefix + "k%03d" % i + "v" * r.randint(0, 9),
             bytes(r.randint(0, 255) for _ in range(r.randint(0, vlen)))) for i in range(n)]


def c_xattrs_13_block():
    return entry("f", xattrs=_x(20, 40, seed=1)) + end()


def c_xattrs_many_block():
    xs = []
    for i, p in enumerate(["user.", "trusted.", "security.", "system.", "", "user.", "trusted."] * 8):
        xs.append((p + "a" * (i % 9) + "%02d" % i, bytes([i]) * (i % 7)))
    return entry("f", xattrs=xs) + entry("d/", b"5", xattrs=xs[:30]) + end()


def c_xattrs_exact_prefix():
    xs = [("user.", b"u"), ("trusted.", b"t"), ("security.", b""), ("system.", b"s"),
          ("system.posix_acl_access", b"\x02\0\0\0"), ("system.posix_acl_default", b"d"),
          ("system.richacl", b"r"), ("user.a", b"1")]
    big = [("user.k%02d" % i, b"v" * 30) for i in range(6)]
    return (entry("inline", xattrs=xs[:3] + [("user.z", b"z")]) +
            entry("block", xattrs=big + xs) +
            entry("d/", b"5", xattrs=xs) + entry("d/.wh..wh..opq") +
            entry("inline2", xattrs=[("user.", b"u"), ("user.zz", b"after")]) +
            entry(".wh.inline2") + end())


def c_xattr_empty_name():
    return entry("f", xattrs=[("", b"empty name"), ("user.b", b"b")]) + entry("g", xattrs=[("", b"")]) + end()


def c_xattrs_storm():
    g = Gen(7)
    for _ in range(6):
        g.op_xattr_storm()
    return b"".join(g.out) + end()


def c_xattr_binary_values():
    vals = [b"\0", b"\0\0\0\0", b"\xff" * 5, bytes(range(256)), b"=\n=", b"a\0b", b""]
    return entry("f", xattrs=[("user.v%d" % i, v) for i, v in enumerate(vals)]) + end()


def c_xattr_long_names():
    return (entry("f", xattrs=[("user." + "n" * 250, b"v"), ("trusted." + "m" * 255, b"w")]) +
            entry("g", xattrs=[("user." + "o" * 300, b"x" * 3), ("q" * 256, b"y")]) + end())


def c_xattr_too_many():
    return entry("f", xattrs=[("user.%04d" % i, b"v" * 100) for i in range(50)]) + end()


def c_xattr_exactly_full():
    # inline: 96 bytes left; one entry of name 8 -> 24 + value 72 = 96
    xs = [("user.aaaaaaaa", b"i" * 72)]
    # block: 4060 bytes left
    xs += [("user.b%03d" % i, b"b" * 80) for i in range(40)]
    used = sum(((len(n) - 5 + 3) & ~3) + 16 + ((len(v) + 3) & ~3) for n, v in xs[1:])
    rest = 4060 - used - 24
    xs.append(("user.zzzzzzzz", b"z" * rest))
    return entry("f", xattrs=xs) + end()


def c_recreate_xattrs_then_opaque():
    inline = [("user.in", b"1"), ("trusted.t", b"2")]
    block = [("user.b%02d" % i, b"x" * 20) for i in range(14)]
    return (entry("d/", b"5", xattrs=inline + block, mtime=100) +
            entry("d/child", data=b"c") +
            entry("d/", b"5", xattrs=[("user.new", b"n")], mtime=200) +
            entry("d/.wh..wh..opq") +
            entry("e/", b"5", xattrs=block) +
            entry("e/.wh..wh..opq") +
            entry("e/", b"5", xattrs=[("user.only", b"o")]) +
            entry("f", xattrs=block + inline) +
            entry("f", xattrs=[("user.again", b"a")]) +
            entry("g", xattrs=inline) + entry(".wh.g") +
            entry("h", b"2", linkname="short", xattrs=block) + entry(".wh.h") + end())


def c_opaque_on_nondirs():
    return (entry("file") + entry("file/.wh..wh..opq") +
            entry("sym", b"2", linkname="t" * 10) + entry("sym/.wh..wh..opq") +
            entry("fifo", b"6", xattrs=[("user.k%02d" % i, b"q" * 30) for i in range(5)]) +
            entry("fifo/.wh..wh..opq") +
            entry("a") + entry("b", b"1", linkname="a") + entry("a/.wh..wh..opq") +
            entry(".wh..wh..opq") + entry("./.wh..wh..opq") + end())


def c_opaque_long_symlink():
    return entry("sym", b"2", linkname="t" * 100) + entry("sym/.wh..wh..opq") + end()


def c_whiteouts_existing():
    return (entry("empty") + entry(".wh.empty") +
            entry("fifo", b"6", xattrs=[("user.a", b"1")]) + entry(".wh.fifo") +
            entry("s", b"2", linkname="x") + entry(".wh.s") +
            entry("h1") + entry("h2", b"1", linkname="h1") + entry(".wh.h2") +
            entry("d/x") + entry("d/.wh.x") + entry("e") + entry("e/.wh.") + entry(".wh.nothere") +
            entry("w/.wh.a", b"5") + entry("w//.wh.b", b"2", linkname="q") +
            entry("w/.wh.c", b"1", linkname="empty") + entry("w/.wh.d/") + end())


def c_whiteout_spellings():
    # whiteouts are found by path.Split of the raw name: a trailing slash
    # makes an ordinary entry; "x/../" and "//" spellings still count
    return (entry("a/", b"5") + entry("a/.wh..wh..opq/", b"5") + entry("b/.wh..wh..opq/", b"0") +
            entry("c/d") + entry("c/.wh.d/", b"5") + entry("c/./.wh.e") + entry("./.wh.f") +
            entry("c//.wh..wh..opq") + entry("x/../.wh..wh..opq") + entry("g/h/i") + entry("g/h/../.wh.z") +
            entry("p/q/.wh..wh..opq") + entry("p/q/r") + entry(".wh.w") + entry("w/.wh..wh..opq") +
            entry("l", b"1", linkname="w") + entry(".wh.l") + entry("f") + entry(".wh.k", b"1", linkname="f") +
            entry(".wh./", b"5") + entry("a\\.wh.b") + entry("m/n/o/.wh.p") + end())


def c_whiteout_dir():
    return entry("d/", b"5") + entry(".wh.d") + end()


def c_whiteout_dotdot():
    return entry("a/", b"5") + entry("a/.wh..") + end()


def c_whiteout_data_file():
    return entry("f", data=b"data") + entry(".wh.f") + end()


def c_hardlinks():
    return (entry("a", data=b"A" * 5000) + entry("b", b"1", linkname="a") +
            entry("c", b"1", linkname="b") + entry("./d", b"1", linkname="/c") +
            entry("s", b"2", linkname="target") + entry("s2", b"1", linkname="s") +
            entry("ls", b"2", linkname="L" * 300) + entry("ls2", b"1", linkname="ls") +
            entry("e") + entry("f", b"1", linkname="a") + entry("f", b"1", linkname="e") +
            entry("b", b"1", linkname="ls") +
            entry("dev", b"3", devmajor=4, devminor=5) + entry("dev2", b"1", linkname="dev") +
            entry("z/zz", b"1", linkname="a") +
            entry("c", data=b"new") + entry("self", b"0") + entry("self2", b"1", linkname="self") +
            entry("self", b"1", linkname="self") + end())


def c_hardlink_onto_single():
    return entry("a") + entry("b") + entry("b", b"1", linkname="a") + end()


def c_hardlink_to_dir():
    return entry("d/", b"5") + entry("l", b"1", linkname="d") + end()


def c_symlinks_long():
    out = b""
    for n in (0, 1, 58, 59, 60, 61, 4095, 4096):
        out += entry("s%d" % n, b"2", linkname=("x" * n))
    out += entry("s59", b"2", linkname="y" * 20)
    return out + end()


def c_symlink_over_4096():
    return entry("s4097", b"2", linkname="x" * 4097) + entry("s9000", b"2", linkname="y" * 9000) + end()


def c_overwrite_entries():
    return (entry("a") + entry("a", mode=0o600, mtime=5, xattrs=[("user.a", b"a")]) +
            entry("a", b"2", linkname="to") + entry("a", b"6") + entry("a", b"3", devmajor=1, devminor=2) +
            entry("a", data=b"now data") +
            entry("d/", b"5", mode=0o700) + entry("d/f") + entry("d", b"5", mode=0o751, uid=7) +
            entry("./d/", b"5", mode=0o1777) + end())


def c_dirs_after_children():
    return (entry("a/b/c/d/file", data=b"x") + entry("a/b/c/", b"5", mode=0o700, mtime=2 ** 31) +
            entry("a/b/c/d/e/f/g") + entry("a/", b"5", mode=0o711, mtime=3) +
            entry("a/b/", b"5", mode=0o2775, uid=70000, gid=80000) + end())


def c_implicit_parents_times():
    # implicit parents copy the parent's times through fsTimeToTime/timeToFsTime
    recs = [(b"mtime", b"-1.5"), (b"atime", b"2147483648"), (b"ctime", b"4294967295.25")]
    return (entry("p/", b"5", pax=recs, mode=0o750, uid=3, gid=4) + entry("p/q/r/s") +
            entry("n/", b"5", pax=[(b"mtime", b"-2147483648"), (b"atime", b"2147483647.999999999")]) +
            entry("n/m/f") +
            entry("z/", b"5", pax=[(b"mtime", b"17179869183"), (b"atime", b"-62135596800")]) +
            entry("z/y/x") + end())


def c_implicit_parent_under_file():
    return entry("f") + entry("f/g") + end()


def c_times_pax():
    out = b""
    vals = ["-1.5", "-1", "-0.5", "0", "0.000000001", "1.1234567899", str(0x37FFFFFFF),
            str(0x37FFFFFFF + 1), str(2 ** 33), str(2 ** 31), str(2 ** 32 - 1), str(2 ** 32),
            "-2147483648", "-2147483649", "-62135596800", "-62135596801", "-62135596799.5",
            "+17", "17.", str(2 ** 62), "-" + str(2 ** 62), "1700000000.5", "-1700000000.75"]
    for i, v in enumerate(vals):
        out += entry("t%02d" % i, pax=[(b"mtime", v.encode()), (b"atime", v.encode()), (b"ctime", v.encode())])
    return out + end()


def c_times_base256():
    return (entry("neg", mtime=-5) + entry("big", mtime=2 ** 34) + entry("huge", mtime=2 ** 40) +
            entry("max_octal", mtime=8 ** 11 - 1) + end())


def c_gnu_atime_ctime():
    return (entry("g1", fmt="gnu", mtime=100, atime=200, ctime=300) +
            entry("g2", fmt="gnu", mtime=2 ** 31 + 1, atime=0, ctime=2 ** 33) +
            entry("g3/", b"5", fmt="gnu", mtime=1, atime=2 ** 35) + end())


def _star(name, prefix=b"", atime=0, ctime=0, typeflag=b"0", data=b"", mtime=1000, raw_atime=None):
    """A STAR header: ustar magic and "tar\\0" at offset 508; a 131-byte
    prefix, then atime and ctime, which Go reads."""
    h = bytearray(header(name, typeflag, size=len(data), mtime=mtime))
    h[345:500] = b"\0" * 155
    h[345:345 + len(prefix)] = prefix
    if raw_atime is not None:
        h[476:488] = raw_atime
    else:
        h[476:488] = _octal(atime, 12)
        h[488:500] = _octal(ctime, 12)
    h[508:512] = b"tar\0"
    h[148:156] = b" " * 8
    h[148:156] = ("%06o" % sum(h)).encode() + b"\0 "
    return bytes(h) + pad(data)


def c_star_format():
    return (_star(b"f", atime=123456, ctime=2 ** 32 + 5, data=b"star") +
            _star(b"g", prefix=b"pre/fix", typeflag=b"5") + _star(b"n", prefix=b"p" * 130) +
            _star(b"b", raw_atime=b"\x80" + b"\0" * 6 + b"\x01\0\0\0\0") + end())


def c_pax_time_bad():
    return entry("f", pax=[(b"mtime", b".5")]) + end()


def c_devices():
    out = b""
    for i, (ma, mi) in enumerate([(0, 0), (1, 3), (255, 255), (256, 256), (4095, 0xFFFFF),
                                  (2 ** 20, 2 ** 20), (2 ** 21 - 1, 2 ** 21 - 1), (2 ** 24, 2 ** 24 + 5),
                                  (2 ** 31 - 1, 2 ** 31 - 1), (2 ** 32 + 3, 2 ** 33 + 7), (-1, -2)]):
        out += entry("c%d" % i, b"3", devmajor=ma, devminor=mi)
        out += entry("b%d" % i, b"4", devmajor=mi, devminor=ma)
    return out + entry("fifo", b"6", devmajor=9, devminor=9) + end()


def c_ids():
    return (entry("a", uid=65535, gid=65536) + entry("b", uid=2 ** 21 - 1, gid=2 ** 21) +
            entry("c", uid=2 ** 31, gid=2 ** 32 + 5) + entry("d", uid=-1, gid=-2) +
            entry("e", pax=[(b"uid", b"4294967303"), (b"gid", b"-5")]) +
            entry("f", pax=[(b"uid", b"123456789"), (b"gid", b"9223372036854775807")]) + end())


def c_mode_bits():
    out = b""
    for i, (t, m) in enumerate([(b"0", 0o177777), (b"0", 0o140755), (b"5", 0o100644), (b"2", 0o644),
                                (b"3", 0o010600), (b"6", 0o7777), (b"0", 0o4755), (b"5", 0o2755),
                                (b"5", 0o1777), (b"0", 2 ** 20 + 0o755), (b"0", 2 ** 16 + 0o123),
                                (b"0", 0o7777777), (b"0", -1)]):
        out += entry("m%02d" % i + ("/" if t == b"5" else ""), t, mode=m,
                     linkname="x" if t == b"2" else "")
    return out + end()


def c_unknown_typeflags():
    out = b""
    for i, t in enumerate([b"7", b"A", b"Z", b"9", b"X", b"8", b"\0"]):
        out += entry("u%d" % i, t, data=b"data%d" % i, mode=0o40755)
    out += entry("v7dir/", b"\0") + entry("d/", b"5") + entry("e", b"Z")
    return out + end()


def c_unknown_typeflag_over_dir():
    return entry("d/", b"5") + entry("d", b"Z") + end()


def c_many_entries_dir(n=3000, ln=60):
    out = [entry("big/", b"5")]
    for i in range(n):
        out.append(entry("big/%05d_" % i + "e" * (ln + i % 7), b"0" if i % 3 else b"6", mtime=i))
    return b"".join(out) + end()


def c_long_names_255():
    out = b""
    for n in (250, 251, 252, 253, 254, 255):
        out += entry("d%d/" % n + "a" * n, b"0")
        out += entry("d%d/" % n + "b" * (n - 3), b"5")
    for i in range(40):
        out += entry("many/" + ("%03d" % i) * 85, b"2", linkname="x")
    return out + end()


def c_name_256():
    return entry("a" * 256) + end()


def c_block_boundaries():
    out = b""
    for n in (0, 1, 4095, 4096, 4097, 8191, 8192, 8193, 32768, 65536, 65537, 1 << 20):
        out += entry("f%d" % n, data=bytes([n & 0xFF or 7]) * n)
    return out + end()


def c_sparse():
    return (sparse_pax10("s10", 3 << 20, [(0, 10), (4096, 4096), (1 << 20, 5)]) +
            sparse_pax10("s10_empty", 12288, []) +
            sparse_pax01("s01", 100000, [(5, 3), (70000, 100)]) +
            sparse_pax01("s01_tail", 8192, [(8192, 0)]) + end())


def _old_gnu_sparse(name, realsize, segs):
    """Old GNU sparse: typeflag 'S', four map entries in the header, more in
    extension blocks (21 each)."""
    data = b"".join(bytes(((o + i) * 13) & 0xFF for i in range(n)) for o, n in segs)
    h = bytearray(header(name, b"S", size=len(data), fmt="gnu", mtime=77))
    first, rest = segs[:4], segs[4:]
    for i, (o, n) in enumerate(first):
        h[386 + 24 * i:398 + 24 * i] = _octal(o, 12)
        h[398 + 24 * i:410 + 24 * i] = _octal(n, 12)
    h[482] = 1 if rest else 0
    h[483:495] = _octal(realsize, 12)
    h[148:156] = b" " * 8
    h[148:156] = ("%06o" % sum(h)).encode() + b"\0 "
    out = bytes(h)
    while rest:
        e = bytearray(BLOCK)
        chunk, rest = rest[:21], rest[21:]
        for i, (o, n) in enumerate(chunk):
            e[24 * i:24 * i + 12] = _octal(o, 12)
            e[24 * i + 12:24 * i + 24] = _octal(n, 12)
        e[504] = 1 if rest else 0
        out += bytes(e)
    return out + pad(data)


def c_sparse_old_gnu():
    return (_old_gnu_sparse(b"s1", 20000, [(0, 10), (4096, 4096), (12000, 5)]) +
            _old_gnu_sparse(b"s2", 30 * 8192 + 500, [(i * 8192, 100 + i) for i in range(30)]) +
            _old_gnu_sparse(b"s3", 4096, []) +
            _old_gnu_sparse(b"s4", 9000, [(0, 0), (100, 5), (9000, 0)]) +
            _old_gnu_sparse(b"s5/", 10, [(0, 10)]) + end())


def c_sparse_multigroup():
    # a sparse file bigger than one block group (128 MiB) costs the tar nothing
    return sparse_pax10("big", (130 << 20) + 1, [(0, 100), (129 << 20, 4096)]) + entry("after") + end()


def c_many_inodes_groups():
    return b"".join(entry("d%02d/%d" % (i % 64, i)) for i in range(33000)) + end()


def c_deep_tree():
    p = "/".join("d%d" % i for i in range(900))[:4000].rsplit("/", 1)[0]
    return entry(p + "/leaf", data=b"leaf") + entry(p.rsplit("/", 100)[0] + "/", b"5", mode=0o700) + end()


def c_empty_files():
    return b"".join(entry("e%d" % i) for i in range(50)) + end()


def c_dirs_maxlinks():
    return b"".join(entry("p/%d/" % i, b"5") for i in range(65001)) + end()


def c_global_and_root():
    return (pax_header([(b"mtime", b"5"), (b"SCHILY.xattr.user.g", b"g")], typeflag=b"g",
                       name=b"pax_global_header") +
            entry("./", b"5", mode=0o700, uid=5, xattrs=[("user.root", b"r")]) +
            entry("f") + entry(".", b"5", mode=0o755, pax=[(b"mtime", b"7")]) + end())


def c_headeronly_with_size():
    # typeflags 1-6 carry no data in Go's reader whatever their size field:
    # what follows is the next header
    inner = entry("inner", data=b"inner data")
    return (entry("d/", b"5", size=len(inner)) + inner +
            entry("s", b"2", linkname="t", size=512) + entry("after_s") +
            entry("c", b"3", size=3) + entry("l", b"1", linkname="after_s", size=1024) +
            entry("f", b"6", size=1 << 30) + entry("last", data=b"x") + end())


def c_file_too_big():
    # the reference refuses a file over 128 GiB before reading its data
    return entry("small", data=b"s") + header(b"big", b"0", size=(128 << 30) + 1) + end()


def c_pax_size_negative_dir():
    # a negative PAX size is an error only for entries that have data
    return (pax_header([(b"size", b"-5")]) + header(b"d", b"5") +
            pax_header([(b"SCHILY.xattr.user.v", b"a\0b"), (b"comment", b"c\0d")]) + header(b"f", b"0") +
            gnu_long(b"L", b"long\0ignored") + header(b"x", b"0") + end())


def c_names_odd():
    return (entry("a/../b") + entry("../../c") + entry("/abs/d") + entry("e/./f//g/") +
            entry("x\\y") + entry("sp ace") + entry("t/", b"0") + end())


def _opaque_xattr_name(n):
    # re-reading an xattr block entry: the reference computes 16+nameLen in
    # uint8 and panics for names of 240..255 bytes (after the prefix)
    xs = [("user." + "n" * n, b"v")] + [("user.k%02d" % i, b"x" * 10) for i in range(4)]
    return entry("d/", b"5", xattrs=xs) + entry("d/f") + entry("d/.wh..wh..opq") + end()


def c_opaque_xattr_name_239():
    return _opaque_xattr_name(239)


def c_opaque_xattr_name_240():
    return _opaque_xattr_name(240)


def c_opaque_xattr_name_300():
    # stored name length is 300 & 0xff = 44: the block reads back as garbage
    return _opaque_xattr_name(300)


def c_lost_found():
    return (entry("lost+found/", b"5", mode=0o755, uid=9, xattrs=[("user.l", b"f")]) +
            entry("lost+found/x", data=b"x") + entry("lost+found/.wh..wh..opq") + end())


def c_whiteout_lost_found():
    return entry(".wh.lost+found") + end()


def c_hardlink_odd_names():
    return (entry("a") + entry("l1", b"1", linkname="a/") + entry("l2", b"1", linkname="./a") +
            entry("d/", b"5") + entry("d/l3", b"1", linkname="../a") + entry("d/l4/", b"1", linkname="/d/../a") +
            end())


def c_hardlink_to_itself():
    return entry("g", b"1", linkname="g") + end()


def c_hardlink_empty_target():
    return entry("a") + entry("l", b"1", linkname="") + end()


def c_hardlinks_maxlinks():
    return entry("a") + b"".join(entry("l%d" % i, b"1", linkname="a") for i in range(65000)) + end()


def c_sparse_extents(blocks, extra=0):
    n = blocks * 4096 + extra
    return sparse_pax10("s", n, [(0, 10), (n - 10, 10)] if n > 20 else []) + end()


def c_sparse_4_extents():
    return c_sparse_extents(4 * 32768)


def c_sparse_5_extents():
    return c_sparse_extents(4 * 32768 + 1)


def c_sparse_over_4gib():
    return c_sparse_extents(0, (4 << 30) + 5)


def c_inode_groups(inodes, sparse_mib):
    out = [sparse_pax10("big", sparse_mib << 20, [(0, 1)])] if sparse_mib else []
    out += [entry("d%02d/%d" % (i % 50, i)) for i in range(inodes - 50 - 13)]
    return b"".join(out) + end()


CURATED = {
    "xattrs_13_block": c_xattrs_13_block,
    "xattrs_many_block": c_xattrs_many_block,
    "xattrs_exact_prefix": c_xattrs_exact_prefix,
    "xattr_empty_name": c_xattr_empty_name,
    "xattr_binary_values": c_xattr_binary_values,
    "xattrs_storm": c_xattrs_storm,
    "xattr_long_names": c_xattr_long_names,
    "xattr_too_many": c_xattr_too_many,
    "xattr_exactly_full": c_xattr_exactly_full,
    "recreate_xattrs_then_opaque": c_recreate_xattrs_then_opaque,
    "opaque_on_nondirs": c_opaque_on_nondirs,
    "opaque_long_symlink": c_opaque_long_symlink,
    "whiteouts_existing": c_whiteouts_existing,
    "whiteout_spellings": c_whiteout_spellings,
    "whiteout_dir": c_whiteout_dir,
    "whiteout_dotdot": c_whiteout_dotdot,
    "whiteout_data_file": c_whiteout_data_file,
    "hardlinks": c_hardlinks,
    "hardlink_onto_single": c_hardlink_onto_single,
    "hardlink_to_dir": c_hardlink_to_dir,
    "symlinks_long": c_symlinks_long,
    "symlink_over_4096": c_symlink_over_4096,
    "overwrite_entries": c_overwrite_entries,
    "dirs_after_children": c_dirs_after_children,
    "implicit_parents_times": c_implicit_parents_times,
    "implicit_parent_under_file": c_implicit_parent_under_file,
    "times_pax": c_times_pax,
    "times_base256": c_times_base256,
    "gnu_atime_ctime": c_gnu_atime_ctime,
    "pax_time_bad": c_pax_time_bad,
    "star_format": c_star_format,
    "devices": c_devices,
    "ids": c_ids,
    "mode_bits": c_mode_bits,
    "unknown_typeflags": c_unknown_typeflags,
    "unknown_typeflag_over_dir": c_unknown_typeflag_over_dir,
    "many_entries_dir": c_many_entries_dir,
    "long_names_255": c_long_names_255,
    "name_256": c_name_256,
    "block_boundaries": c_block_boundaries,
    "sparse": c_sparse,
    "sparse_multigroup": c_sparse_multigroup,
    "sparse_old_gnu": c_sparse_old_gnu,
    "many_inodes_groups": c_many_inodes_groups,
    "deep_tree": c_deep_tree,
    "empty_files": c_empty_files,
    "dirs_maxlinks": c_dirs_maxlinks,
    "global_and_root": c_global_and_root,
    "names_odd": c_names_odd,
    "headeronly_with_size": c_headeronly_with_size,
    "file_too_big": c_file_too_big,
    "pax_size_negative_dir": c_pax_size_negative_dir,
    "opaque_xattr_name_239": c_opaque_xattr_name_239,
    "opaque_xattr_name_240": c_opaque_xattr_name_240,
    "opaque_xattr_name_300": c_opaque_xattr_name_300,
    "lost_found": c_lost_found,
    "whiteout_lost_found": c_whiteout_lost_found,
    "hardlink_odd_names": c_hardlink_odd_names,
    "hardlink_empty_target": c_hardlink_empty_target,
    "hardlink_to_itself": c_hardlink_to_itself,
}

# Big to write out (or to hash): for differential runs, not for fixtures.
BIG = {
    "hardlinks_maxlinks": c_hardlinks_maxlinks,
    "sparse_4_extents": c_sparse_4_extents,
    "sparse_5_extents": c_sparse_5_extents,
    "sparse_over_4gib": c_sparse_over_4gib,
}
for _i in (32757, 32758, 32759, 32768 + 16, 40000, 65516, 65530):
    for _m in (0, 100, 127, 129, 300):
        BIG["inode_groups_%d_%d" % (_i, _m)] = (lambda i, m: lambda: c_inode_groups(i, m))(_i, _m)
for _n in ("dirs_maxlinks", "many_inodes_groups"):
    BIG[_n] = CURATED.pop(_n)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    a = sub.add_parser("random")
    a.add_argument("--seed", type=int, required=True)
    a.add_argument("--count", type=int, default=1)
    a.add_argument("--out", required=True)
    m = sub.add_parser("mutate")
    m.add_argument("--seed", type=int, required=True)
    m.add_argument("--count", type=int, default=1)
    m.add_argument("--out", required=True)
    c = sub.add_parser("curated")
    c.add_argument("--out", required=True)
    c.add_argument("--big", action="store_true", help="the big cases (BIG) instead")
    c.add_argument("names", nargs="*")
    sub.add_parser("list")
    args = ap.parse_args()
    if args.cmd == "list":
        print("\n".join(list(CURATED) + ["%s (big)" % n for n in BIG]))
        return 0
    os.makedirs(args.out, exist_ok=True)
    if args.cmd in ("random", "mutate"):
        make = random_tar if args.cmd == "random" else mutate_tar
        for s in range(args.seed, args.seed + args.count):
            with open(os.path.join(args.out, "%s_%d.tar" % (args.cmd, s)), "wb") as f:
                f.write(make(s))
    else:
        cases = BIG if args.big else CURATED
        for name in args.names or cases:
            with open(os.path.join(args.out, name + ".tar"), "wb") as f:
                f.write(cases[name]())
    return 0


if __name__ == "__main__":
    sys.exit(main())
