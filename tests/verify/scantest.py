#!/usr/bin/env python3
"""Scans of many templates through a faulty registry (issue 11): one scenario per run.

    scantest.py SCENARIO --gate BIN --vectors DIR --fixtures DIR --schema FILE [--full]

faults      T templates over I images (20 x 10; --full: 200 x 50) pushed to
            docker-registry on 127.0.0.1, scanned by `gate verify` through a
            proxy that drops connections, answers 429 (Retry-After), 500 and
            503, stalls past --idle-timeout, cuts bodies short, and serves
            other bytes for one layer of 2 images.  Every container gets one
            verdict; the 2 images' containers are unverified, no other is;
            each blob is fetched from the registry once plus the faults that
            fetched it; the report's retries equal the faults injected.
concurrent  two scans at once into one --cache: same verdicts, every cache
            entry parses afterwards, no temporary file left.
secrets     a registry with htpasswd and a marker password: every command,
            format and -v, credentials given every way; the marker (and its
            base64 forms) appears in no output, report or cache file.
bench       the figures of bench/scan.sh (see there).

Images share layers as real ones do: each has one of 3 base layers, one of
4 runtime layers and 1 to 3 layers of its own (2 to 4 app layers), all
small deterministic tars.
"""
import argparse
import base64
import hashlib
import io
import json
import os
import random
import re
import subprocess
import sys
import tarfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "registry"))
sys.path.insert(0, HERE)
import regtest  # noqa: E402
from regtest import Registry, Pusher, check, log, sha256  # noqa: E402
import confcom  # noqa: E402
import verifytest  # noqa: E402

IDLE_TIMEOUT = 2
# Each fault costs the scan one failed attempt; the stall outlasts the idle
# timeout by enough for a loaded machine to notice.
STALL_SECONDS = IDLE_TIMEOUT + 2
FAULT_KINDS = ["drop", "429", "500", "503", "stall", "truncate"]
SCAN_ARGS = ["--retries", "8", "--retry-budget", "20", "--idle-timeout", str(IDLE_TIMEOUT),
             "--timeout", "0"]


# --- the fleet ------------------------------------------------------------------

def noise(seed, size):
    out, n = bytearray(), 0
    while len(out) < size:
        out += hashlib.sha256(b"%s-%d" % (seed.encode(), n)).digest()
        n += 1
    return bytes(out[:size])


def make_tar(files):
    """A tar of {path: bytes}, with fixed metadata so the bytes are reproducible."""
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.PAX_FORMAT) as t:
        dirs = sorted({os.path.dirname(p) for p in files} - {""})
        for d in dirs:
            ti = tarfile.TarInfo(d)
            ti.type, ti.mode, ti.mtime = tarfile.DIRTYPE, 0o755, 1700000000
            t.addfile(ti)
        for p in sorted(files):
            ti = tarfile.TarInfo(p)
            ti.size, ti.mode, ti.mtime = len(files[p]), 0o644, 1700000000
            t.addfile(ti, io.BytesIO(files[p]))
    return buf.getvalue()


def layer(name, files):
    import gzip
    tar = make_tar(files)
    blob = gzip.compress(tar, compresslevel=6, mtime=0)
    path = os.path.join(regtest.TMP, "layers", name + ".tar.gz")
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb") as f:
        f.write(blob)
    return {"name": name, "blob": blob, "diff_id": sha256(tar), "path": path,
            "media_type": regtest.LAYER_TYPES[("oci", "gzip")]}


def root_hashes(layers):
    """Root hashes from one `gate hash --tar` run over every layer file."""
    r = subprocess.run([regtest.GATE, "hash", "--tar", "--format", "json"] + [l["path"] for l in layers],
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=600)
    check(r.returncode == 0, "gate hash --tar: %s" % r.stderr.decode())
    roots = json.loads(r.stdout)["layers"]
    check(len(roots) == len(layers), "gate hash --tar: %d hashes for %d files" % (len(roots), len(layers)))
    for l, h in zip(layers, roots):
        l["root"] = h


class Fleet:
    """images: [{ref, repo, layers, config, digest}]; templates written under dir."""

    def __init__(self, host, pusher, n_images, n_templates, dir_name="fleet"):
        self.host = host
        bases = [layer("base%d" % b, {"etc/os-release": b"ID=base%d\n" % b,
                                      "usr/lib/base%d.so" % b: noise("base%d" % b, 48 << 10)})
                 for b in range(3)]
        runtimes = [layer("runtime%d" % r, {"opt/rt%d/bin/rt" % r: noise("rt%d" % r, 24 << 10)})
                    for r in range(4)]
        self.images, own = [], []
        for i in range(n_images):
            mine = [layer("app%d-%d" % (i, k), {"srv/app%d/part%d" % (i, k): noise("a%d-%d" % (i, k), 6 << 10)})
                    for k in range(1 + i % 3)]
            own += mine
            self.images.append({"repo": "fleet/app%d" % i, "ref": "%s/fleet/app%d:v1" % (host, i),
                                "layers": [bases[i % 3], runtimes[i % 4]] + mine,
                                "config": dict(verifytest.APP_CONFIG,
                                               Env=verifytest.APP_CONFIG["Env"] + ["APP=%d" % i])})
        self.layers = bases + runtimes + own
        root_hashes(self.layers)
        for img in self.images:
            img["digest"] = verifytest.push(pusher, img["repo"], "v1", img["layers"], img["config"])
        self.dir = os.path.join(regtest.TMP, dir_name)
        self.containers = {}
        for t in range(n_templates):
            picks = [(t + j * 7) % n_images for j in range(1 + t % 3)]
            if t < n_images:
                picks[0] = t                    # every image is used
            ctrs, pol = [], []
            for j, i in enumerate(picks):
                img = self.images[i]
                pol.append(confcom.container("c%d" % j, img["ref"], [l["root"] for l in img["layers"]],
                                             img["config"]))
                ctrs.append(("c%d" % j, img["ref"], [], None))
                self.containers[("g%03d" % t, "c%d" % j)] = i
            path = os.path.join(dir_name, "t%03d.json" % t)
            verifytest.write_template(path, [("g%03d" % t, confcom.policy(pol), ctrs)])

    def config_blob(self, img):
        cfg = {"architecture": "amd64", "os": "linux", "config": dict(img["config"]),
               "rootfs": {"type": "layers", "diff_ids": [l["diff_id"] for l in img["layers"]]}}
        return json.dumps(cfg, sort_keys=True).encode()


def scan(args, timeout=900, env=None):
    """gate verify --format json; returns (status, report, stderr, seconds)."""
    cmd = [regtest.GATE, "verify", "--format", "json"] + args
    t0 = time.time()
    r = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       env=regtest.gate_env(env), timeout=timeout)
    secs = time.time() - t0
    err = r.stderr.decode()
    log("$ gate verify %s -> %d in %.1f s" % (" ".join(args), r.returncode, secs))
    check("Sanitizer" not in err and "runtime error" not in err, "sanitizer report:\n" + err)
    report = json.loads(r.stdout) if r.stdout.strip() else None
    if report is not None:
        verifytest.validate(report)
    return r.returncode, report, err, secs


def one_verdict_each(fleet, report):
    """Every container of the fleet has exactly one verdict of the three."""
    seen = {}
    for c in report["containers"]:
        key = (c["group"], c["name"])
        check(key not in seen, "two verdicts for %s/%s" % key)
        check(c["verdict"] in ("pass", "deny", "unverified"), "%s/%s: verdict %s" % (key + (c["verdict"],)))
        seen[key] = c
    check(set(seen) == set(fleet.containers),
          "containers without a verdict: %s; unexpected: %s" %
          (sorted(set(fleet.containers) - set(seen))[:5], sorted(set(seen) - set(fleet.containers))[:5]))
    return seen


# --- the faulty proxy -------------------------------------------------------------

def request_key(method, path):
    """A blob is one key whatever repository it is fetched through: a
    layer shared by images is fetched once, from any of them."""
    path = path.split("?")[0]
    return (method, path.rsplit("/", 1)[1] if "/blobs/" in path else path)


class FaultProxy(regtest.Proxy):
    """regtest's proxy with a fault plan per request (method, path).

    Every answer closes its connection: curl silently resends a request
    whose reused connection died before answering, a retry gate never sees
    and the count could not match."""

    def __init__(self, upstream, plan, mangle):
        self.plan = plan                  # request_key -> [kind, ...], consumed in order
        self.mangle = mangle              # blob digests served altered
        self.injected = {}                # request_key -> [kind, ...]
        self.upstream_fetches = {}        # blob digest -> fetches made to inject a fault
        self.mangled = {}
        super().__init__(upstream, self.hook)

    def _note(self, table, key, v=1):
        with self.lock:
            if isinstance(v, str):
                table.setdefault(key, []).append(v)
            else:
                table[key] = table.get(key, 0) + v

    def send(self, h, status, headers, data):
        h.send_response(status)
        for k, v in headers.items():
            h.send_header(k, v)
        h.send_header("Content-Length", str(len(data)))
        h.send_header("Connection", "close")
        h.end_headers()
        return data if h.command != "HEAD" else b""

    def hook(self, h, body):
        key = request_key(h.command, h.path)
        with self.lock:
            todo = self.plan.get(key)
            kind = todo.pop(0) if todo else None
        if kind:
            self._note(self.injected, key, kind)
            return self.fault(h, body, kind, key)
        status, headers, data = self.fetch(h, body)
        if key[1] in self.mangle and status == 200 and h.command == "GET":
            # The gzip header's MTIME: still a valid gzip of the same tar,
            # the same size, but another sha256 than the manifest says.
            data = data[:4] + bytes([data[4] ^ 0x5a]) + data[5:]
            self._note(self.mangled, key[1])
        h.wfile.write(self.send(h, status, headers, data))
        return True

    def fault(self, h, body, kind, key):
        if kind == "drop":
            regtest.drop(h)
        elif kind == "stall":
            time.sleep(STALL_SECONDS)
            regtest.drop(h)
        elif kind == "429":
            h.wfile.write(self.send(h, 429, {"Retry-After": "1"}, b"slow down"))
        elif kind in ("500", "503"):
            h.wfile.write(self.send(h, int(kind), {}, b"oops"))
        elif kind == "truncate":
            status, headers, data = self.fetch(h, body)
            self._note(self.upstream_fetches, key[1])
            h.wfile.write(self.send(h, status, headers, data)[:len(data) // 2])
            h.wfile.flush()
            regtest.drop(h)
        return True


def fault_plan(fleet, bad_digests, seed=11):
    """Faults for about 60% of the manifest and blob GETs, one or two each,
    every kind used; the altered blobs get none, so that their failure is
    the digest alone."""
    keys = set()
    for img in fleet.images:
        keys.add(("GET", "/v2/%s/manifests/v1" % img["repo"]))
        keys.add(("GET", sha256(fleet.config_blob(img))))
        for l in img["layers"]:
            keys.add(("GET", sha256(l["blob"])))
    rng = random.Random(seed)
    keys = sorted(k for k in keys if k[1] not in bad_digests)
    rng.shuffle(keys)
    plan, n = {}, 0
    for k in keys[:int(len(keys) * 0.6)]:
        faults = [FAULT_KINDS[n % len(FAULT_KINDS)]]
        n += 1
        if rng.random() < 0.3:
            faults.append(FAULT_KINDS[n % len(FAULT_KINDS)])
            n += 1
        plan[k] = faults
    return plan


def blob_gets_by_digest(lines):
    """Successful blob GETs per digest, from these lines of the registry's access log."""
    got = {}
    for line in lines:
        m = re.search(rb'"GET /v2/[^ ]*/blobs/(sha256:[0-9a-f]{64}) HTTP/1\.1" 200', line)
        if m:
            d = m.group(1).decode()
            got[d] = got.get(d, 0) + 1
    return got


def s_faults(full):
    n_images, n_templates = (50, 200) if full else (10, 20)
    reg = Registry("reg")
    fleet = Fleet("127.0.0.1:%d" % reg.port, Pusher(reg.port), n_images, n_templates)
    # Two images (never sharing their own layers) get a wrong blob.
    bad = [1, n_images - 2]
    bad_digests = {sha256(fleet.images[i]["layers"][-1]["blob"]) for i in bad}
    plan = fault_plan(fleet, bad_digests)
    proxy = FaultProxy(reg.port, plan, bad_digests)
    host = "127.0.0.1:%d" % proxy.port
    # The proxy's refs: the templates name the registry's own port.
    for name in os.listdir(fleet.dir):
        p = os.path.join(fleet.dir, name)
        with open(p) as f:
            text = f.read()
        with open(p, "w") as f:
            f.write(text.replace(fleet.host, host))
    mark = len(reg.log_lines())
    rc, rep, err, secs = scan([fleet.dir, "--no-cache", "--jobs", "4", "--insecure-registry", host] + SCAN_ARGS)
    check(rep is not None, "no report: exit %d: %s" % (rc, err))
    by_key = one_verdict_each(fleet, rep)
    for key, i in sorted(fleet.containers.items()):
        v = by_key[key]["verdict"]
        if i in bad:
            check(v == "unverified", "%s/%s (image %d, wrong blob) is %s, not unverified" % (key + (i, v)))
            check("digest" in (by_key[key].get("reason") or ""), "%s/%s: reason %r does not name the digest"
                  % (key + (by_key[key].get("reason"),)))
        else:
            check(v == "pass", "%s/%s (image %d) is %s: %s\n%s" % (key + (i, v, by_key[key].get("reason"),
                                                                          verifytest.summary(rep)[:2000])))
    check(rc == 3 and rep["result"] == "unverified", "exit %d, result %s" % (rc, rep["result"]))
    # Every planned fault was served: the plan exercised what it claims.
    left = {k: v for k, v in plan.items() if v}
    check(not left, "faults never served (requests gate did not make?): %s" % list(left.items())[:5])
    kinds = sorted({k for v in proxy.injected.values() for k in v})
    check(kinds == sorted(FAULT_KINDS), "kinds injected: %s" % kinds)
    check(set(proxy.mangled) == bad_digests, "altered blobs served: %s" % proxy.mangled)
    # Each blob once from the registry, plus the faults that fetched it.
    gets = blob_gets_by_digest(reg.log_lines()[mark:])
    bad_only = set()
    for i in bad:
        bad_only |= {sha256(l["blob"]) for l in fleet.images[i]["layers"]}
    for i, img in enumerate(fleet.images):
        if i not in bad:
            bad_only -= {sha256(l["blob"]) for l in img["layers"]}
    extra = proxy.upstream_fetches
    wanted = {sha256(l["blob"]) for l in fleet.layers} | {sha256(fleet.config_blob(i)) for i in fleet.images}
    for d in sorted(wanted):
        want = 1 + extra.get(d, 0)
        got = gets.get(d, 0)
        if d in bad_only and d not in bad_digests:
            # Layers of a failed image alone may be left unfetched.
            check(got <= want, "blob %s (failed image only): %d GETs, at most %d" % (d, got, want))
        else:
            check(got == want, "blob %s: %d GETs from the registry, want 1 + %d fault fetches" %
                  (d, got, want - 1))
    check(set(gets) <= wanted, "blobs fetched that no image has: %s" % (set(gets) - wanted))
    faults = sum(len(v) for v in proxy.injected.values())
    check(rep["timings"]["retries"] == faults,
          "report says %d retries, the proxy injected %d faults: %s" %
          (rep["timings"]["retries"], faults, sorted(proxy.injected.items())[:10]))
    # Twin: the same faults without retries leave faulted images
    # unverified (never passed), and the report counts no retry.
    twin = FaultProxy(reg.port, fault_plan(fleet, bad_digests), bad_digests)
    for name in os.listdir(fleet.dir):
        p = os.path.join(fleet.dir, name)
        with open(p) as f:
            text = f.read()
        with open(p, "w") as f:
            f.write(text.replace(host, "127.0.0.1:%d" % twin.port))
    rc0, rep0, err0, _ = scan([fleet.dir, "--no-cache", "--jobs", "4", "--insecure-registry",
                               "127.0.0.1:%d" % twin.port, "--retries", "0", "--idle-timeout", str(IDLE_TIMEOUT)])
    v0 = one_verdict_each(fleet, rep0)
    lost = [k for k, i in fleet.containers.items() if i not in bad and v0[k]["verdict"] == "unverified"]
    check(rc0 == 3 and lost and rep0["timings"]["retries"] == 0,
          "without retries: exit %d, %d other containers unverified, %d retries" %
          (rc0, len(lost), rep0["timings"]["retries"]))
    check(all(v0[k]["verdict"] != "pass" for k, i in fleet.containers.items() if i in bad),
          "a wrong-digest image passed without retries")
    log("faults: %d templates x %d images, %d containers, %d distinct blobs, %d faults injected "
        "(%s), %d retries reported, %.1f s" %
        (n_templates, n_images, len(fleet.containers), len(wanted), faults,
         ", ".join("%s %d" % (k, sum(v.count(k) for v in proxy.injected.values())) for k in FAULT_KINDS),
         rep["timings"]["retries"], secs))


# --- two scans sharing one cache -----------------------------------------------------

def check_cache(cache):
    """Every entry parses and names its own key; no temporary file is left."""
    n = 0
    for root, dirs, files in os.walk(cache):
        for name in files:
            p = os.path.join(root, name)
            check(not name.startswith(".tmp"), "temporary file left: %s" % p)
            data = open(p, "rb").read()
            if os.path.basename(root).startswith("engine-"):
                lines = data.decode().split("\n")
                check(len(lines) == 4 and lines[0] == "diff_id sha256:" + name and
                      lines[1].startswith("engine ") and lines[2].startswith("root_hash ") and
                      len(lines[2]) == len("root_hash ") + 64 and lines[3] == "",
                      "cache entry %s does not parse: %r" % (p, data[:200]))
            elif root.endswith(os.path.join("blobs", "sha256")):
                check(sha256(data) == "sha256:" + name, "cached blob %s: bytes of another digest" % p)
                json.loads(data)
            elif os.path.basename(root) == "history":
                # REF DIGEST WHEN HASH,HASH,...: one line per resolution, named by the reference.
                for line in data.decode().splitlines():
                    f = line.split(" ")
                    check(len(f) == 4 and sha256(f[0].encode()) == "sha256:" + name and
                          f[1].startswith("sha256:") and f[2].endswith("Z"),
                          "history entry %s does not parse: %r" % (p, line[:200]))
                continue                # the scan history is not a content entry
            else:
                check(False, "unexpected file in the cache: %s" % p)
            n += 1
    return n


def s_concurrent(full):
    reg = Registry("reg")
    fleet = Fleet("127.0.0.1:%d" % reg.port, Pusher(reg.port), 10, 20)
    cache = os.path.join(regtest.TMP, "shared-cache")
    args = [fleet.dir, "--cache", cache, "--insecure-registry", fleet.host, "--jobs", "2"]
    for round_ in ("cold", "warm"):
        out = [None, None]

        def run(k):
            out[k] = scan(args)

        threads = [threading.Thread(target=run, args=(k,)) for k in range(2)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        for k in range(2):
            check(out[k][1] is not None, "%s scan %d: no report: %s" % (round_, k, out[k][2]))
        v = [{(c["group"], c["name"]): (c["verdict"], c.get("digest")) for c in o[1]["containers"]}
             for o in out]
        check(v[0] == v[1], "%s: the two scans disagree" % round_)
        check(set(x[0] for x in v[0].values()) == {"pass"} and out[0][0] == 0 and out[1][0] == 0,
              "%s: verdicts %s, exits %d %d" % (round_, set(x[0] for x in v[0].values()), out[0][0], out[1][0]))
        n = check_cache(cache)
        check(n == len(fleet.layers) + len(fleet.images), "%s: %d cache entries, want %d layers + %d configs"
              % (round_, n, len(fleet.layers), len(fleet.images)))
    # The check itself: a torn entry is caught.
    victim = os.path.join(cache, "engine-1", sorted(os.listdir(os.path.join(cache, "engine-1")))[0])
    with open(victim, "r+b") as f:
        f.truncate(30)
    try:
        check_cache(cache)
    except regtest.Failed:
        pass
    else:
        check(False, "check_cache accepted a truncated entry")


# --- secrets ---------------------------------------------------------------------

def s_secrets(full):
    user = "marker-user"
    marker = "M4rker-" + hashlib.sha256(b"gate issue 11").hexdigest()[:20]
    htpasswd = os.path.join(regtest.TMP, "htpasswd")
    subprocess.run(["htpasswd", "-Bbc", htpasswd, user, marker], check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    reg = Registry("reg", htpasswd=htpasswd)
    basic = base64.b64encode(("%s:%s" % (user, marker)).encode()).decode()
    host = "127.0.0.1:%d" % reg.port
    fleet = Fleet(host, Pusher(reg.port, auth="Basic " + basic), 2, 2)
    needles = [marker.encode(), basic.encode(), base64.b64encode(marker.encode()),
               base64.b64encode(marker.encode()).rstrip(b"=")]
    cache = os.path.join(regtest.TMP, "cache")
    reports = os.path.join(regtest.TMP, "reports")
    os.makedirs(reports)
    dc = os.path.join(regtest.TMP, "dockercfg")
    docker_json = os.path.join(dc, "config.json")
    os.makedirs(dc)
    with open(docker_json, "w") as f:
        json.dump({"auths": {host: {"auth": basic}}}, f)
    ways = {"--creds": (["--creds", "%s:%s" % (user, marker)], None, {}),
            "--creds-stdin": (["--creds-stdin"], ("%s:%s\n" % (user, marker)).encode(), {}),
            "env": ([], None, {"GATE_USERNAME": user, "GATE_PASSWORD": marker}),
            "config.json": ([], None, {"DOCKER_CONFIG": dc})}
    template = os.path.join(fleet.dir, "t000.json")
    helps = subprocess.run([regtest.GATE, "--help"], stdout=subprocess.PIPE, stderr=subprocess.STDOUT).stdout
    runs, n = [], 0
    for way, (cargs, stdin, env) in sorted(ways.items()):
        for v in ([], ["-v"]):
            for fmt in ("text", "json"):
                runs.append((way, ["hash"] + v + cargs + ["--format", fmt, "--cache", cache,
                                                         fleet.images[0]["ref"]], stdin, env, 0))
            for fmt in ("text", "json", "sarif", "junit"):
                out = os.path.join(reports, "%s-%d-%s" % (way.strip("-"), len(v), fmt))
                runs.append((way, ["verify"] + v + cargs + ["--format", fmt, "--cache", cache, template],
                             stdin, env, 0))
                runs.append((way, ["verify"] + v + cargs + ["--cache", cache, "-o", "%s=%s" % (fmt, out),
                                                           fleet.dir], stdin, env, 0))
            for fmt in ("text", "json", "rego"):
                runs.append((way, ["policy", "show"] + v + ["--format", fmt, template], None, env, 0))
            if b"history" in helps:
                runs.append((way, ["history"] + v + cargs + [template], stdin, env, None))
    # A refused password must not be echoed either.
    runs.append(("wrong", ["hash", "-v", "--creds", "%s:%s-wrong" % (user, marker), "--no-cache",
                           fleet.images[0]["ref"]], None, {}, 3))
    for way, args, stdin, env, want in runs:
        if args[0] == "policy" and "-v" in args:
            continue                    # policy show has no -v: it reaches no registry
        r = subprocess.run([regtest.GATE] + args, input=stdin, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                           env=regtest.gate_env(env), timeout=300)
        n += 1
        shown = " ".join(a.replace(marker, "<marker>") for a in args)
        check(want is None or r.returncode == want, "%s: gate %s: exit %s, want %s: %s" %
              (way, shown, r.returncode, want, r.stderr.decode()[:500]))
        for needle in needles:
            check(needle not in r.stdout and needle not in r.stderr,
                  "%s: gate %s printed the secret (%s)" % (way, shown, needle[:8]))
    def hits(d):
        found = []
        for root, _, names in os.walk(d):
            for name in names:
                data = open(os.path.join(root, name), "rb").read()
                found += [os.path.join(root, name) for needle in needles if needle in data]
        return found

    # The search finds the secret where it is: the docker config holds it.
    check(hits(dc), "the search missed the secret in %s" % docker_json)
    for d in (reports, cache, os.path.join(regtest.TMP, "home")):
        check(not hits(d), "the secret is in %s" % hits(d))
    files = sum(len(names) for d in (reports, cache) for _, _, names in os.walk(d))
    check(len(os.listdir(reports)) == 32 and os.listdir(cache),
          "reports %s, cache %s" % (os.listdir(reports), os.listdir(cache)))
    log("secrets: %d runs, %d files searched, 0 hits" % (n, files))


# --- bench --------------------------------------------------------------------------

def timed(args, env=None):
    """Seconds and peak RSS (KiB, /usr/bin/time -f %M) of one gate verify."""
    rss = os.path.join(regtest.TMP, "rss")
    cmd = ["/usr/bin/time", "-o", rss, "-f", "%M", regtest.GATE, "verify", "--format", "json"] + args
    t0 = time.time()
    r = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=regtest.gate_env(env),
                       timeout=3600)
    secs = time.time() - t0
    check(r.returncode in (0, 1, 3) and r.stdout.strip(), "gate verify %s: exit %d: %s" %
          (" ".join(args), r.returncode, r.stderr.decode()[:500]))
    return secs, int(open(rss).read().split()[-1]), json.loads(r.stdout)


def union_of(reports):
    return sorted((c["group"], c["name"], c["verdict"], c.get("digest") or "") for r in reports
                  for c in r["containers"])


def s_bench(sizes, jobs_list, templates_per_image):
    shard = b"--shard" in subprocess.run([regtest.GATE, "verify", "--help"], stdout=subprocess.PIPE,
                                         stderr=subprocess.STDOUT).stdout
    reg = Registry("reg")
    p = Pusher(reg.port)
    rows = []
    for n in sizes:
        fleet = Fleet("127.0.0.1:%d" % reg.port, p, n, n * templates_per_image, "fleet%d" % n)
        host = ["--insecure-registry", fleet.host]
        cache = os.path.join(regtest.TMP, "cache%d" % n)
        cold, cold_rss, rep = timed([fleet.dir, "--cache", cache, "--jobs", "2"] + host)
        warm, warm_rss, _ = timed([fleet.dir, "--cache", cache, "--jobs", "2"] + host)
        by_jobs = {}
        for j in jobs_list:
            by_jobs[j] = timed([fleet.dir, "--no-cache", "--jobs", str(j)] + host)[0]
        row = {"images": n, "templates": n * templates_per_image, "containers": len(rep["containers"]),
               "layers": len(fleet.layers), "cold_s": cold, "warm_s": warm,
               "cold_img_per_s": n / cold, "warm_img_per_s": n / warm,
               "rss_kib": max(cold_rss, warm_rss), "jobs_s": by_jobs}
        if shard:
            scache = os.path.join(regtest.TMP, "shard-cache%d" % n)
            # Shards counted from 0 or from 1: whichever this gate takes.
            probe = subprocess.run([regtest.GATE, "verify", "--shard", "0/4", "--format", "json", fleet.dir,
                                    "--cache", scache] + host, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                   env=regtest.gate_env(), timeout=3600)
            first = 1 if probe.returncode == 2 else 0
            parts = [timed([fleet.dir, "--cache", scache, "--shard", "%d/4" % i] + host)[2]
                     for i in range(first, first + 4)]
            whole = timed([fleet.dir, "--cache", scache] + host)[2]
            row["shards_equal"] = union_of(parts) == union_of([whole])
            check(row["shards_equal"], "%d images: the union of 4 shard reports differs from the unsharded one" % n)
        rows.append(row)
        log(json.dumps(row))
    print("\n| images | templates | containers | distinct layers | cold s | cold img/s | warm s | warm img/s "
          "| peak RSS MiB | " + " | ".join("--jobs %d s" % j for j in jobs_list) + " |")
    print("|" + "---|" * (9 + len(jobs_list)))
    for r in rows:
        print("| %d | %d | %d | %d | %.1f | %.1f | %.2f | %.0f | %.1f | %s |" %
              (r["images"], r["templates"], r["containers"], r["layers"], r["cold_s"], r["cold_img_per_s"],
               r["warm_s"], r["warm_img_per_s"], r["rss_kib"] / 1024.0,
               " | ".join("%.1f" % r["jobs_s"][j] for j in jobs_list)))
    if len(rows) > 1:
        print("\ncold seconds per distinct layer: " +
              ", ".join("%d layers: %.3f" % (r["layers"], r["cold_s"] / r["layers"]) for r in rows))
    print("shards: " + ("union of 4 shard reports == unsharded report at every size" if shard else
                        "skipped: this gate's verify --help lists no --shard"))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("scenario", choices=["faults", "concurrent", "secrets", "bench"])
    ap.add_argument("--gate", required=True)
    ap.add_argument("--vectors", required=True)
    ap.add_argument("--fixtures", required=True)
    ap.add_argument("--schema", required=True)
    ap.add_argument("--full", action="store_true", help="faults: 200 templates x 50 images")
    ap.add_argument("--sizes", default="50,100,200", help="bench: image counts")
    ap.add_argument("--jobs", default="1,2,4,8", help="bench: --jobs values")
    ap.add_argument("--templates-per-image", type=int, default=4, help="bench")
    ap.add_argument("--keep", action="store_true", help="keep the temporary directory")
    a = ap.parse_args()
    regtest.GATE, regtest.VECTORS = os.path.abspath(a.gate), os.path.abspath(a.vectors)
    verifytest.FIXTURES, verifytest.SCHEMA = os.path.abspath(a.fixtures), os.path.abspath(a.schema)
    if a.scenario == "bench":
        return verifytest.run("bench", lambda: s_bench([int(x) for x in a.sizes.split(",")],
                                                       [int(x) for x in a.jobs.split(",")],
                                                       a.templates_per_image), a.keep)
    fn = {"faults": s_faults, "concurrent": s_concurrent, "secrets": s_secrets}[a.scenario]
    return verifytest.run("verify." + a.scenario, lambda: fn(a.full), a.keep)


if __name__ == "__main__":
    sys.exit(main())
