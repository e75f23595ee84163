#!/usr/bin/env python3
"""Registry tests for `gate hash IMAGE`: one scenario per run.

    regtest.py SCENARIO --gate BIN --vectors DIR

Every scenario starts what it needs on 127.0.0.1 (Debian's docker-registry,
and Python servers for tokens, faults and hostile answers) in a temporary
directory, pushes images built from the layer vectors over the registry
HTTP API, runs gate, checks, and stops everything, passing or not.  The
root hashes `gate hash IMAGE` prints must equal those `gate hash --tar`
prints for the same layer files.
"""
import argparse
import base64
import email.utils
import gzip
import hashlib
import http.client
import http.server
import json
import os
import re
import secrets
import shutil
import signal
import socket
import ssl
import stat
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse

GATE = None
VECTORS = None
HASH_SCHEMA = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "docs",
                           "hash-report.schema.json")
TMP = None
CLEANUP = []

MT_OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json"
MT_OCI_INDEX = "application/vnd.oci.image.index.v1+json"
MT_OCI_CONFIG = "application/vnd.oci.image.config.v1+json"
MT_DOCKER_V2 = "application/vnd.docker.distribution.manifest.v2+json"
MT_DOCKER_LIST = "application/vnd.docker.distribution.manifest.list.v2+json"
MT_DOCKER_CONFIG = "application/vnd.docker.container.image.v1+json"
LAYER_TYPES = {
    ("oci", "gzip"): "application/vnd.oci.image.layer.v1.tar+gzip",
    ("oci", "zstd"): "application/vnd.oci.image.layer.v1.tar+zstd",
    ("oci", "none"): "application/vnd.oci.image.layer.v1.tar",
    ("docker", "gzip"): "application/vnd.docker.image.rootfs.diff.tar.gzip",
    ("docker", "zstd"): "application/vnd.docker.image.rootfs.diff.tar.zstd",
    ("docker", "none"): "application/vnd.docker.image.rootfs.diff.tar",
}

USER, PASSWORD = "alice", "s3cret-Pa55:with-colon"


class Failed(Exception):
    pass


def check(cond, msg):
    if not cond:
        raise Failed(msg)


def log(msg):
    print(msg, flush=True)


def sha256(b):
    return "sha256:" + hashlib.sha256(b).hexdigest()


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_port(port, proc=None, timeout=20):
    end = time.time() + timeout
    while time.time() < end:
        if proc is not None and proc.poll() is not None:
            raise Failed("server on port %d exited early" % port)
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            time.sleep(0.05)
    raise Failed("nothing listens on 127.0.0.1:%d" % port)


# --- layers and images ------------------------------------------------------

def vector_tar_gz(name):
    return os.path.join(VECTORS, name + ".tar.gz")


def make_layer(name, compression="gzip", flavour="oci"):
    """A layer from a vector: the blob, its media type and its diff_id."""
    gz = open(vector_tar_gz(name), "rb").read()
    tar = gzip.decompress(gz)
    if compression == "gzip":
        blob = gz
    elif compression == "zstd":
        blob = subprocess.run(["zstd", "-q", "-c", "-3"], input=tar, stdout=subprocess.PIPE,
                              check=True).stdout
        check(blob[:4] == b"\x28\xb5\x2f\xfd", "zstd did not write a zstd frame")
    else:
        blob = tar
    return {"name": name, "blob": blob, "media_type": LAYER_TYPES[(flavour, compression)],
            "diff_id": sha256(tar)}


def tar_hashes(names):
    """What `gate hash --tar` says for these vectors: the reference side."""
    r = subprocess.run([GATE, "hash", "--tar", "--format", "json"] + [vector_tar_gz(n) for n in names],
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=600)
    check(r.returncode == 0, "gate hash --tar failed: %s" % r.stderr.decode())
    layers = json.loads(r.stdout)["layers"]
    check(len(layers) == len(names), "gate hash --tar printed %d hashes for %d files" % (len(layers), len(names)))
    return layers


def image_docs(layers, flavour="oci", os_="linux", arch="amd64", variant=None):
    """Config and manifest bytes for an image of these layers."""
    config = {"architecture": arch, "os": os_, "config": {},
              "rootfs": {"type": "layers", "diff_ids": [l["diff_id"] for l in layers]}}
    if variant:
        config["variant"] = variant
    config_b = json.dumps(config, sort_keys=True).encode()
    manifest = {"schemaVersion": 2,
                "mediaType": MT_OCI_MANIFEST if flavour == "oci" else MT_DOCKER_V2,
                "config": {"mediaType": MT_OCI_CONFIG if flavour == "oci" else MT_DOCKER_CONFIG,
                           "digest": sha256(config_b), "size": len(config_b)},
                "layers": [{"mediaType": l["media_type"], "digest": sha256(l["blob"]),
                            "size": len(l["blob"])} for l in layers]}
    return config_b, json.dumps(manifest, indent=2).encode(), manifest["mediaType"]


class Pusher:
    """Pushes over the distribution HTTP API (monolithic uploads)."""

    def __init__(self, port, tls_ca=None, auth=None):
        self.port, self.tls_ca, self.auth = port, tls_ca, auth

    def _conn(self):
        if self.tls_ca:
            ctx = ssl.create_default_context(cafile=self.tls_ca)
            return http.client.HTTPSConnection("127.0.0.1", self.port, context=ctx, timeout=60)
        return http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)

    def _req(self, method, path, body=None, headers=None, want=(200, 201, 202)):
        h = dict(headers or {})
        if self.auth:
            h["Authorization"] = self.auth
        c = self._conn()
        c.request(method, path, body=body, headers=h)
        r = c.getresponse()
        data = r.read()
        c.close()
        check(r.status in want, "push: %s %s: HTTP %d %s" % (method, path, r.status, data[:300]))
        return r, data

    def blob(self, repo, data):
        r, _ = self._req("POST", "/v2/%s/blobs/uploads/" % repo)
        loc = urllib.parse.urlsplit(r.getheader("Location"))
        path = loc.path + "?" + (loc.query + "&" if loc.query else "") + "digest=" + sha256(data)
        self._req("PUT", path, body=data, headers={"Content-Type": "application/octet-stream"})
        return sha256(data)

    def manifest(self, repo, ref, body, media_type):
        r, _ = self._req("PUT", "/v2/%s/manifests/%s" % (repo, ref), body=body,
                         headers={"Content-Type": media_type})
        return r.getheader("Docker-Content-Digest")

    def image(self, repo, tag, layers, flavour="oci", **plat):
        config_b, manifest_b, mt = image_docs(layers, flavour, **plat)
        for l in layers:
            self.blob(repo, l["blob"])
        self.blob(repo, config_b)
        digest = self.manifest(repo, tag, manifest_b, mt)
        check(digest == sha256(manifest_b), "registry stored the manifest under another digest")
        return digest, manifest_b

    def index(self, repo, tag, entries, flavour="oci"):
        """entries: (manifest_bytes, manifest_media_type, platform dict)."""
        idx = {"schemaVersion": 2, "mediaType": MT_OCI_INDEX if flavour == "oci" else MT_DOCKER_LIST,
               "manifests": [{"mediaType": mt, "digest": sha256(b), "size": len(b), "platform": p}
                             for b, mt, p in entries]}
        body = json.dumps(idx).encode()
        return self.manifest(repo, tag, body, idx["mediaType"]), body


# --- the real registry -------------------------------------------------------

def die_with_parent():
    """The registry ends with the harness, even if ctest kills it on a timeout."""
    import ctypes
    PR_SET_PDEATHSIG = 1
    ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGTERM)


class Registry:
    def __init__(self, name, tls=None, htpasswd=None, token=None):
        self.dir = os.path.join(TMP, name)
        os.makedirs(self.dir)
        self.port = free_port()
        self.log_path = os.path.join(self.dir, "registry.log")
        cfg = ["version: 0.1",
               "log:", "  level: info", "  accesslog:", "    disabled: false",
               "storage:", "  filesystem:", "    rootdirectory: %s" % os.path.join(self.dir, "data"),
               "  delete:", "    enabled: true",
               "http:", "  addr: 127.0.0.1:%d" % self.port, "  secret: gate-test-%s" % name]
        if tls:
            cfg += ["  tls:", "    certificate: %s" % tls[0], "    key: %s" % tls[1]]
        if htpasswd:
            cfg += ["auth:", "  htpasswd:", "    realm: gate-test", "    path: %s" % htpasswd]
        if token:
            cfg += ["auth:", "  token:", "    realm: %s" % token.realm, "    service: gate-test",
                    "    issuer: %s" % token.ISSUER, "    rootcertbundle: %s" % token.cert]
        path = os.path.join(self.dir, "config.yml")
        with open(path, "w") as f:
            f.write("\n".join(cfg) + "\n")
        self.logf = open(self.log_path, "wb")
        self.proc = subprocess.Popen(["docker-registry", "serve", path], stdout=self.logf,
                                     stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                     preexec_fn=die_with_parent)
        CLEANUP.append(self.stop)
        wait_port(self.port, self.proc)

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.logf.close()

    def log_lines(self):
        with open(self.log_path, "rb") as f:
            return f.read().splitlines()

    def connections(self, lines):
        """Client connections behind these log lines (by source port)."""
        return len({m for l in lines for m in re.findall(rb'remoteaddr="127\.0\.0\.1:(\d+)"', l)})

    def blob_gets(self):
        """Blob GETs the registry answered, from its access log."""
        n = 0
        with open(self.log_path, "rb") as f:
            for line in f:
                if b'"GET /v2/' in line and b"/blobs/sha256:" in line:
                    n += 1
        return n


# --- running gate --------------------------------------------------------------

def gate_env(extra=None):
    """A clean environment: no user config or cache leaks into a test."""
    home = os.path.join(TMP, "home")
    os.makedirs(home, exist_ok=True)
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": home,
           "DOCKER_CONFIG": os.path.join(home, "no-docker-config"),
           "XDG_CACHE_HOME": os.path.join(home, "cache"), "LC_ALL": "C",
           # A safety net: anything but loopback goes to a closed port.
           "ALL_PROXY": "http://127.0.0.1:9", "NO_PROXY": "127.0.0.1,localhost"}
    for k in ("ASAN_OPTIONS", "UBSAN_OPTIONS", "LSAN_OPTIONS"):
        if k in os.environ:
            env[k] = os.environ[k]
    env.update(extra or {})
    return env


def run_gate(args, env=None, stdin=None, timeout=300, cache=False):
    """A run past `timeout` fails the scenario (a hang is a defect too)."""
    cmd = [GATE, "hash"] + ([] if cache else ["--no-cache"]) + args
    r = subprocess.run(cmd, input=stdin, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       env=gate_env(env), timeout=timeout)
    out, err = r.stdout.decode(), r.stderr.decode()
    log("$ gate hash %s -> %d%s" % (" ".join(args), r.returncode,
                                    ("\n  stderr: " + err.strip()) if err.strip() else ""))
    check("Sanitizer" not in err and "runtime error" not in err, "sanitizer report:\n" + err)
    return r.returncode, out, err


def hash_doc(out):
    """The one JSON document of `gate hash --format json IMAGE...`, checked
    against docs/hash-report.schema.json."""
    import jsonschema
    check(out.endswith("\n") and out.count("\n") == 1, "not one JSON document on one line: %r" % out)
    doc = json.loads(out)
    with open(HASH_SCHEMA) as f:
        jsonschema.validate(doc, json.load(f))
    return doc


def image_roots(out):
    """The root hashes of each image, of a run where every image hashed."""
    images = hash_doc(out)["images"]
    check(all("error" not in i for i in images), "an image failed: %r" % images)
    return [[l["root_hash"] for l in i["layers"]] for i in images]


def expect_hashes(args, names, **kw):
    rc, out, err = run_gate(args + ["--format", "json"], **kw)
    check(rc == 0, "expected success, got exit %d: %s" % (rc, err))
    want = tar_hashes(names)
    got = image_roots(out)
    check(got == [want], "root hashes differ from gate hash --tar:\n got  %s\n want %s" % (got, [want]))
    return out, err


def run_gate_tty(args):
    """run_gate with stderr on a terminal (a pty): exit status, stdout, and
    what the terminal got."""
    import pty
    master, slave = pty.openpty()
    p = subprocess.Popen([GATE, "hash", "--no-cache"] + args, stdin=subprocess.DEVNULL,
                         stdout=subprocess.PIPE, stderr=slave, env=gate_env())
    os.close(slave)
    tty = b""
    while True:
        try:
            chunk = os.read(master, 4096)
        except OSError:                 # EIO: the last writer is gone
            break
        if not chunk:
            break
        tty += chunk
    os.close(master)
    out = p.stdout.read().decode()
    rc = p.wait(300)
    log("$ gate hash %s (stderr on a terminal) -> %d: %r" % (" ".join(args), rc, tty[:200]))
    return rc, out, tty


def expect_fail(args, code, needle, **kw):
    rc, out, err = run_gate(args, **kw)
    check(rc == code, "expected exit %d, got %d (stdout %r, stderr %r)" % (code, rc, out, err))
    check(out == "", "a failed run printed on stdout: %r" % out)
    check(needle.lower() in err.lower(), "expected %r in the error, got %r" % (needle, err))
    return err


# --- Python servers --------------------------------------------------------------

class Server:
    """A threaded HTTP server on 127.0.0.1 whose handler calls self.handle."""

    def __init__(self, handle, tls=None):
        owner = self
        self.handle = handle

        class H(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *a):
                pass

            def do_GET(self):
                owner.handle(self)

            def do_HEAD(self):
                owner.handle(self)

            def do_POST(self):
                owner.handle(self)

            def do_PUT(self):
                owner.handle(self)

        class S(http.server.ThreadingHTTPServer):
            def handle_error(self, request, client_address):
                # gate hanging up on an oversized or bad answer is expected.
                if not isinstance(sys.exc_info()[1], (ConnectionError, BrokenPipeError)):
                    super().handle_error(request, client_address)

        self.httpd = S(("127.0.0.1", 0), H)
        self.httpd.daemon_threads = True
        if tls:
            ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            ctx.load_cert_chain(*tls)
            self.httpd.socket = ctx.wrap_socket(self.httpd.socket, server_side=True)
        self.port = self.httpd.server_address[1]
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()
        CLEANUP.append(self.stop)

    def stop(self):
        self.httpd.shutdown()
        self.httpd.server_close()


def reply(h, status, body=b"", headers=None, head_only=False):
    h.send_response(status)
    for k, v in (headers or {}).items():
        h.send_header(k, v)
    h.send_header("Content-Length", str(len(body)))
    h.end_headers()
    if body and h.command != "HEAD":
        h.wfile.write(body)


def read_body(h):
    n = int(h.headers.get("Content-Length") or 0)
    return h.rfile.read(n) if n else b""


class Proxy:
    """Forwards to a registry; hook(h) may answer first (faults, auth)."""

    def __init__(self, upstream_port, hook=None):
        self.upstream = upstream_port
        self.hook = hook
        self.requests = []
        self.lock = threading.Lock()
        self.server = Server(self.handle)
        self.port = self.server.port

    def count(self, pred):
        with self.lock:
            return sum(1 for r in self.requests if pred(r))

    def handle(self, h):
        with self.lock:
            self.requests.append((h.command, h.path, h.headers.get("Authorization")))
        body = read_body(h)
        if self.hook and self.hook(h, body):
            return
        self.forward(h, body)

    def fetch(self, h, body):
        c = http.client.HTTPConnection("127.0.0.1", self.upstream, timeout=60)
        hdrs = {k: v for k, v in h.headers.items() if k.lower() not in ("host", "authorization", "connection")}
        c.request(h.command, h.path, body=body or None, headers=hdrs)
        r = c.getresponse()
        data = r.read()
        headers = {k: v for k, v in r.getheaders()
                   if k.lower() not in ("content-length", "transfer-encoding", "connection")}
        c.close()
        return r.status, headers, data

    def forward(self, h, body, chunk_delay=None, cut_at=None):
        status, headers, data = self.fetch(h, body)
        h.send_response(status)
        for k, v in headers.items():
            if k.lower() == "location":
                v = v.replace("127.0.0.1:%d" % self.upstream, "127.0.0.1:%d" % self.port)
            h.send_header(k, v)
        h.send_header("Content-Length", str(len(data)))
        h.end_headers()
        if h.command == "HEAD":
            return
        if cut_at is not None:
            h.wfile.write(data[:cut_at])
            h.wfile.flush()
            h.close_connection = True
            h.connection.shutdown(socket.SHUT_RDWR)
            return
        if chunk_delay:
            step = max(1, len(data) // 20)
            for i in range(0, len(data), step):
                h.wfile.write(data[i:i + step])
                h.wfile.flush()
                time.sleep(chunk_delay)
            return
        h.wfile.write(data)


def drop(h):
    """Closes the connection without an answer."""
    h.close_connection = True
    h.connection.shutdown(socket.SHUT_RDWR)


class TokenService:
    """The token endpoint of the distribution token spec, in miniature."""

    def __init__(self, users=None, refresh_tokens=(), anonymous=False, field="token"):
        self.users = users or {}
        self.refresh_tokens = set(refresh_tokens)
        self.anonymous = anonymous
        self.field = field
        self.issued = set()
        self.scopes = []
        self.lock = threading.Lock()
        self.server = Server(self.handle)
        self.realm = "http://127.0.0.1:%d/token" % self.server.port

    def grant(self, h, ok, scope):
        if not ok:
            reply(h, 401, b'{"errors":[{"code":"UNAUTHORIZED"}]}', {"Content-Type": "application/json"})
            return
        tok = self.make_token(scope)
        with self.lock:
            self.issued.add(tok)
            self.scopes.append(scope)
        reply(h, 200, json.dumps({self.field: tok, "expires_in": 300}).encode(),
              {"Content-Type": "application/json"})

    def make_token(self, scope):
        return secrets.token_urlsafe(24)

    def handle(self, h):
        u = urllib.parse.urlsplit(h.path)
        if u.path != "/token":
            return reply(h, 404)
        if h.command == "POST":
            form = urllib.parse.parse_qs(read_body(h).decode())
            ok = (form.get("grant_type") == ["refresh_token"] and
                  form.get("refresh_token", [""])[0] in self.refresh_tokens and
                  form.get("service") == ["gate-test"])
            return self.grant(h, ok, form.get("scope", [""])[0])
        q = urllib.parse.parse_qs(u.query)
        auth = h.headers.get("Authorization")
        if auth:
            try:
                user, _, pw = base64.b64decode(auth.split(" ", 1)[1]).decode().partition(":")
            except Exception:
                user, pw = None, None
            ok = self.users.get(user) == pw
        else:
            ok = self.anonymous
        self.grant(h, ok and q.get("service") == ["gate-test"], q.get("scope", [""])[0])


def b64url(b):
    return base64.urlsafe_b64encode(b).rstrip(b"=").decode()


class JwtTokenService(TokenService):
    """Issues the RS256 JWTs that docker-registry's token auth verifies."""

    ISSUER = "gate-test-issuer"

    def __init__(self, **kw):
        d = os.path.join(TMP, "jwt")
        os.makedirs(d)
        self.key, self.cert = os.path.join(d, "key.pem"), os.path.join(d, "cert.pem")
        subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", self.key,
                        "-out", self.cert, "-days", "2", "-subj", "/CN=gate test token signer"],
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
        der = subprocess.run(["openssl", "x509", "-in", self.cert, "-outform", "DER"],
                             stdout=subprocess.PIPE, check=True).stdout
        self.x5c = base64.b64encode(der).decode()
        super().__init__(**kw)

    def make_token(self, scope):
        access = []
        for one in scope.split():
            typ, _, rest = one.partition(":")
            name, _, actions = rest.rpartition(":")
            access.append({"type": typ, "name": name, "actions": actions.split(",")})
        now = int(time.time())
        header = {"typ": "JWT", "alg": "RS256", "x5c": [self.x5c]}
        claims = {"iss": self.ISSUER, "sub": "gate-test", "aud": "gate-test", "exp": now + 300,
                  "nbf": now - 10, "iat": now, "jti": secrets.token_hex(8), "access": access}
        signing_input = (b64url(json.dumps(header).encode()) + "." + b64url(json.dumps(claims).encode())).encode()
        sig = subprocess.run(["openssl", "dgst", "-sha256", "-sign", self.key], input=signing_input,
                             stdout=subprocess.PIPE, check=True).stdout
        return signing_input.decode() + "." + b64url(sig)


def bearer_hook(tokens, scope):
    """A proxy hook that lets through only tokens the service issued."""
    def hook(h, body):
        auth = h.headers.get("Authorization") or ""
        if h.path.startswith("/v2/") and not (auth.startswith("Bearer ") and auth[7:] in tokens.issued):
            chal = 'Bearer realm="%s",service="gate-test"' % tokens.realm
            if scope:
                chal += ',scope="%s"' % scope
            reply(h, 401, b'{"errors":[{"code":"UNAUTHORIZED"}]}',
                  {"WWW-Authenticate": chal, "Content-Type": "application/json"})
            return True
        return False
    return hook


# --- TLS material ------------------------------------------------------------------

def make_ca(name):
    d = os.path.join(TMP, name)
    os.makedirs(d)
    ca_key, ca_crt = os.path.join(d, "ca.key"), os.path.join(d, "ca.crt")
    key, csr, crt = os.path.join(d, "srv.key"), os.path.join(d, "srv.csr"), os.path.join(d, "srv.crt")
    ext = os.path.join(d, "ext.cnf")
    q = {"stdout": subprocess.DEVNULL, "stderr": subprocess.DEVNULL, "check": True}
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", ca_key,
                    "-out", ca_crt, "-days", "2", "-subj", "/CN=gate test CA"], **q)
    subprocess.run(["openssl", "req", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", csr,
                    "-subj", "/CN=127.0.0.1"], **q)
    with open(ext, "w") as f:
        f.write("subjectAltName=IP:127.0.0.1\nbasicConstraints=CA:FALSE\n")
    subprocess.run(["openssl", "x509", "-req", "-in", csr, "-CA", ca_crt, "-CAkey", ca_key,
                    "-CAcreateserial", "-out", crt, "-days", "2", "-extfile", ext], **q)
    return ca_crt, crt, key


# --- scenarios ----------------------------------------------------------------------

BASIC_LAYERS = ["basic_tree", "symlinks", "hardlinks", "random_1000"]


def s_http_oci():
    reg = Registry("reg")
    p = Pusher(reg.port)
    layers = [make_layer(n) for n in BASIC_LAYERS]
    digest, manifest = p.image("app/oci", "v1", layers)
    host = "127.0.0.1:%d" % reg.port
    ins = ["--insecure-registry", host]
    expect_hashes(ins + [host + "/app/oci:v1"], BASIC_LAYERS)
    expect_hashes(ins + [host + "/app/oci@" + digest], BASIC_LAYERS)
    expect_hashes(ins + [host + "/app/oci:v1@" + digest, "--jobs", "4"], BASIC_LAYERS)
    rc, out, err = run_gate(ins + [host + "/app/oci:v1"])
    check(rc == 0, "text output run failed")
    check("digest   %s" % digest in out and "platform linux/amd64" in out, "text output lacks digest/platform:\n" + out)
    want = tar_hashes(BASIC_LAYERS)
    check([l.split()[1] for l in out.splitlines() if l.startswith("layer")] == want, "text hashes differ")
    # Two images in one run: one document, the images in argument order.
    rc, out, err = run_gate(ins + ["--format", "json", host + "/app/oci:v1", host + "/app/oci@" + digest])
    check(rc == 0 and image_roots(out) == [want] * 2, "two images: %r" % out)
    # Tampered twins.
    wrong = "sha256:" + hashlib.sha256(b"other").hexdigest()
    expect_fail(ins + [host + "/app/oci@" + wrong], 3, "not found")
    expect_fail(ins + [host + "/app/oci:nope"], 3, "not found")
    expect_fail(ins + [host + "/app/missing:v1"], 3, "")
    expect_fail(ins + [host + "/App/oci:v1"], 2, "lowercase")
    expect_fail(ins + [host + "/app/oci:v1@sha256:abc"], 2, "digest")
    # Loopback registries speak plain HTTP without a flag; see s_plain_http.
    expect_hashes([host + "/app/oci:v1"], BASIC_LAYERS)
    # Usage errors are exit 2 and reach no registry.
    expect_fail([], 2, "usage")
    expect_fail(ins + [host + "/app/oci:v1", "--jobs"], 2, "needs a value")
    expect_fail(ins + ["--jobs", "0", host + "/app/oci:v1"], 2, "--jobs")
    expect_fail(ins + ["--format", "yaml", host + "/app/oci:v1"], 2, "--format")
    expect_fail(ins + ["--bogus", host + "/app/oci:v1"], 2, "unknown option")
    expect_fail(["--cache", TMP, "--no-cache", host + "/app/oci:v1"], 2, "exclude")
    expect_fail(ins + ["--platform", "linux/arm64", host + "/app/oci:v1"], 2, "image is for linux/amd64, not linux/arm64")
    expect_fail(ins + ["--platform", "linux/amd", host + "/app/oci:v1"], 2, "not linux/amd")
    expect_fail(ins + ["--platform", "linux/amd64/v2", host + "/app/oci:v1"], 2, "not linux/amd64/v2")
    expect_hashes(ins + ["--platform", "linux/amd64", host + "/app/oci:v1"], BASIC_LAYERS)


def s_docker_v2():
    reg = Registry("reg")
    p = Pusher(reg.port)
    names = ["basic_tree", "whiteouts", "long_names_pax"]
    layers = [make_layer(n, "gzip", "docker") for n in names]
    digest, _ = p.image("app/docker", "latest", layers, flavour="docker")
    host = "127.0.0.1:%d" % reg.port
    # No tag means :latest.
    out, _ = expect_hashes(["--insecure-registry", "127.0.0.1", host + "/app/docker"], names)
    rc, out, _ = run_gate(["--insecure-registry", "127.0.0.1", host + "/app/docker"])
    check(rc == 0 and "digest   " + digest in out, "docker v2 digest not reported")


def s_compression():
    reg = Registry("reg")
    p = Pusher(reg.port)
    names = ["basic_tree", "xattrs_inline", "sizes_around_blocks", "gnu_sparse", "unicode_names"]
    layers = [make_layer("basic_tree", "gzip"), make_layer("xattrs_inline", "none"),
              make_layer("sizes_around_blocks", "none", "docker"), make_layer("gnu_sparse", "gzip", "docker"),
              make_layer("unicode_names", "gzip")]
    p.image("app/mixed", "v1", layers)
    host = "127.0.0.1:%d" % reg.port
    expect_hashes(["--insecure-registry", host, host + "/app/mixed:v1"], names)


def s_zstd():
    reg = Registry("reg")
    p = Pusher(reg.port)
    names = ["basic_tree", "xattrs_inline", "gnu_sparse"]
    p.image("app/zstd", "v1", [make_layer("basic_tree", "zstd"), make_layer("xattrs_inline", "gzip"),
                               make_layer("gnu_sparse", "zstd", "docker")])
    host = "127.0.0.1:%d" % reg.port
    expect_hashes(["--insecure-registry", host, host + "/app/zstd:v1"], names)


def s_multiarch():
    reg = Registry("reg")
    p = Pusher(reg.port)
    amd, arm = ["basic_tree", "symlinks"], ["hardlinks", "ids_and_modes", "whiteouts"]
    host = "127.0.0.1:%d" % reg.port
    ins = ["--insecure-registry", host]
    for flavour, repo in (("oci", "multi/oci"), ("docker", "multi/docker")):
        la = [make_layer(n, "gzip", flavour) for n in amd]
        lb = [make_layer(n, "gzip", flavour) for n in arm]
        _, ma = p.image(repo, "amd64-only", la, flavour)
        _, mb = p.image(repo, "arm64-only", lb, flavour, arch="arm64", variant="v8")
        mt = MT_OCI_MANIFEST if flavour == "oci" else MT_DOCKER_V2
        idx_digest, _ = p.index(repo, "v1", [
            (mb, mt, {"os": "linux", "architecture": "arm64", "variant": "v8"}),
            (ma, mt, {"os": "linux", "architecture": "amd64"})], flavour)
        expect_hashes(ins + [host + "/%s:v1" % repo], amd)
        expect_hashes(ins + ["--platform", "linux/arm64/v8", host + "/%s:v1" % repo], arm)
        expect_hashes(ins + ["--platform", "linux/arm64", host + "/%s@%s" % (repo, idx_digest)], arm)
        rc, out, _ = run_gate(ins + ["--platform", "linux/arm64/v8", host + "/%s:v1" % repo])
        check(rc == 0 and "digest   " + idx_digest in out and "manifest " + sha256(mb) in out
              and "platform linux/arm64/v8" in out, "index text output:\n" + out)
        expect_fail(ins + ["--platform", "windows/amd64", host + "/%s:v1" % repo], 2, "no manifest for platform")
        expect_fail(ins + ["--platform", "linux", host + "/%s:v1" % repo], 2, "OS/ARCH")


def s_tls():
    ca, crt, key = make_ca("pki")
    reg = Registry("reg", tls=(crt, key))
    p = Pusher(reg.port, tls_ca=ca)
    p.image("secure/app", "v1", [make_layer(n) for n in BASIC_LAYERS])
    ref = "127.0.0.1:%d/secure/app:v1" % reg.port
    expect_hashes(["--ca-file", ca, ref], BASIC_LAYERS)
    expect_hashes(["--insecure-registry", "127.0.0.1:%d" % reg.port, ref], BASIC_LAYERS)
    expect_fail([ref], 3, "certificate")
    other_ca, _, _ = make_ca("other-pki")
    expect_fail(["--ca-file", other_ca, ref], 3, "certificate")
    expect_fail(["--insecure-registry", "127.0.0.1:1", ref], 3, "certificate")
    expect_fail(["--ca-file", os.path.join(TMP, "missing.pem"), ref], 2, "missing.pem")


def write_json(path, doc):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as f:
        json.dump(doc, f)


def s_basic_auth():
    htpasswd = os.path.join(TMP, "htpasswd")
    subprocess.run(["htpasswd", "-Bbc", htpasswd, USER, PASSWORD], check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    reg = Registry("reg", htpasswd=htpasswd)
    basic = "Basic " + base64.b64encode(("%s:%s" % (USER, PASSWORD)).encode()).decode()
    Pusher(reg.port, auth=basic).image("private/app", "v1", [make_layer(n) for n in BASIC_LAYERS])
    host = "127.0.0.1:%d" % reg.port
    ref = host + "/private/app:v1"
    ins = ["--insecure-registry", host]
    home = os.path.join(TMP, "home")

    out, err = expect_hashes(ins + ["-v", "--creds", "%s:%s" % (USER, PASSWORD), ref], BASIC_LAYERS)
    check(sorted(re.findall(r": layer (\d+) of 4 sha256:", err)) == ["1", "2", "3", "4"],
          "-v lines, layers counted from 1: %r" % err)
    check(PASSWORD not in out + err and basic.split()[1] not in out + err, "secret printed with -v")
    expect_hashes(ins + ["--creds-stdin", ref], BASIC_LAYERS, stdin=("%s:%s\n" % (USER, PASSWORD)).encode())
    err = expect_fail(ins + ["--creds", "%s:wrong" % USER, ref], 3, "authentication failed")
    check("wrong" not in err, "password printed")
    expect_fail(ins + [ref], 3, "no credentials")
    expect_fail(ins + ["--creds", "nocolon", ref], 2, "USER:PASSWORD")

    # $DOCKER_CONFIG/config.json, auths with "auth", under an https:// key.
    dc = os.path.join(TMP, "dockercfg")
    auth_b64 = base64.b64encode(("%s:%s" % (USER, PASSWORD)).encode()).decode()
    write_json(os.path.join(dc, "config.json"), {"auths": {"https://%s/v1/" % host: {"auth": auth_b64}}})
    expect_hashes(ins + [ref], BASIC_LAYERS, env={"DOCKER_CONFIG": dc})
    write_json(os.path.join(dc, "config.json"), {"auths": {host: {"auth": base64.b64encode(b"alice:nope").decode()}}})
    expect_fail(ins + [ref], 3, "authentication failed", env={"DOCKER_CONFIG": dc})
    # ~/.docker/config.json when DOCKER_CONFIG is unset, with username/password fields.
    env = gate_env()
    write_json(os.path.join(home, ".docker", "config.json"),
               {"auths": {host: {"username": USER, "password": PASSWORD}}})
    expect_hashes(ins + [ref], BASIC_LAYERS, env={"DOCKER_CONFIG": ""})
    os.unlink(os.path.join(home, ".docker", "config.json"))

    # credHelpers and credsStore through a docker-credential-* program.
    bindir = os.path.join(TMP, "bin")
    os.makedirs(bindir)
    helper = os.path.join(bindir, "docker-credential-gatetest")
    with open(helper, "w") as f:
        f.write("#!/bin/sh\n[ \"$1\" = get ] || exit 1\nread server\n"
                "if [ \"$server\" = \"%s\" ]; then\n"
                "  printf '{\"ServerURL\":\"%%s\",\"Username\":\"%s\",\"Secret\":\"%s\"}' \"$server\"\n"
                "else echo 'credentials not found in native keychain'; exit 1; fi\n" % (host, USER, PASSWORD))
    os.chmod(helper, 0o755)
    path = bindir + ":" + env["PATH"]
    write_json(os.path.join(dc, "config.json"), {"credHelpers": {host: "gatetest"}})
    expect_hashes(ins + [ref], BASIC_LAYERS, env={"DOCKER_CONFIG": dc, "PATH": path})
    write_json(os.path.join(dc, "config.json"), {"credsStore": "gatetest", "auths": {host: {}}})
    expect_hashes(ins + [ref], BASIC_LAYERS, env={"DOCKER_CONFIG": dc, "PATH": path})
    # Helpers run concurrently, one per image: a helper that inherits the
    # pipes of another keeps it waiting for an EOF that never comes.  So a
    # helper must get no pipe but its stdin and stdout.
    fdcheck = os.path.join(bindir, "docker-credential-fdcheck")
    with open(fdcheck, "w") as f:
        f.write("#!%s\nimport json, os, sys\nsys.stdin.read()\n"
                "pipes = [fd for fd in os.listdir('/proc/self/fd') if int(fd) > 2 and\n"
                "         os.path.exists('/proc/self/fd/' + fd) and os.readlink('/proc/self/fd/' + fd).startswith('pipe:')]\n"
                "if pipes:\n    sys.stderr.write('inherited pipes %%r' %% pipes)\n    sys.exit(1)\n"
                "print(json.dumps({'Username': %r, 'Secret': %r}))\n" % (sys.executable, USER, PASSWORD))
    os.chmod(fdcheck, 0o755)
    write_json(os.path.join(dc, "config.json"), {"credsStore": "fdcheck"})
    rc, out, err = run_gate(ins + ["--jobs", "4", "--format", "json"] + [ref] * 4,
                            env={"DOCKER_CONFIG": dc, "PATH": path})
    check(rc == 0 and image_roots(out) == [tar_hashes(BASIC_LAYERS)] * 4,
          "credential helper with inherited pipes: %s" % err)
    write_json(os.path.join(dc, "config.json"), {"credHelpers": {host: "absent"}})
    expect_fail(ins + [ref], 3, "docker-credential-absent", env={"DOCKER_CONFIG": dc, "PATH": path})

    # ${XDG_RUNTIME_DIR}/containers/auth.json (podman, skopeo).
    rt = os.path.join(TMP, "runtime")
    write_json(os.path.join(rt, "containers", "auth.json"), {"auths": {host: {"auth": auth_b64}}})
    expect_hashes(ins + [ref], BASIC_LAYERS, env={"XDG_RUNTIME_DIR": rt})

    # --authfile and REGISTRY_AUTH_FILE: looked in first, before a docker
    # config holding wrong credentials, and in place of the runtime one.
    authfile = os.path.join(TMP, "auth.json")
    write_json(authfile, {"auths": {host: {"auth": auth_b64}}})
    write_json(os.path.join(dc, "config.json"), {"auths": {host: {"auth": base64.b64encode(b"alice:nope").decode()}}})
    expect_hashes(ins + ["--authfile", authfile, ref], BASIC_LAYERS, env={"DOCKER_CONFIG": dc})
    expect_hashes(ins + [ref], BASIC_LAYERS, env={"DOCKER_CONFIG": dc, "REGISTRY_AUTH_FILE": authfile})
    expect_fail(ins + [ref], 3, "authentication failed", env={"DOCKER_CONFIG": dc})
    empty = os.path.join(TMP, "empty-auth.json")
    write_json(empty, {"auths": {}})
    expect_fail(ins + ["--authfile", empty, ref], 3, "no credentials", env={"XDG_RUNTIME_DIR": rt})
    expect_fail(ins + ["--authfile", os.path.join(TMP, "absent.json"), ref], 2, "absent.json")
    # GATE_USERNAME/GATE_PASSWORD for CI: under --creds, over stored ones.
    envc = {"GATE_USERNAME": USER, "GATE_PASSWORD": PASSWORD, "DOCKER_CONFIG": dc}
    out, err = expect_hashes(ins + ["-v", ref], BASIC_LAYERS, env=envc)
    check(PASSWORD not in out + err, "GATE_PASSWORD printed")
    expect_fail(ins + ["--creds", "%s:nope" % USER, ref], 3, "authentication failed", env=envc)
    err = expect_fail(ins + [ref], 3, "GATE_USERNAME/GATE_PASSWORD",
                      env={"GATE_USERNAME": USER, "GATE_PASSWORD": "wrong-" + PASSWORD})
    check("wrong-" not in err, "GATE_PASSWORD printed")
    expect_fail(ins + [ref], 2, "GATE_PASSWORD is not", env={"GATE_USERNAME": USER})
    expect_fail(ins + [ref], 2, "GATE_USERNAME is not", env={"GATE_PASSWORD": PASSWORD})


def s_token_auth():
    reg = Registry("reg")
    Pusher(reg.port).image("team/app", "v1", [make_layer(n) for n in BASIC_LAYERS])
    refresh = "acr-refresh-" + secrets.token_hex(8)
    # The scope holds a comma inside quotes, as registries send for push+pull.
    scope = "repository:team/app:pull,push"
    tokens = TokenService(users={USER: PASSWORD}, refresh_tokens=[refresh])
    proxy = Proxy(reg.port, bearer_hook(tokens, scope))
    host = "127.0.0.1:%d" % proxy.port
    ins = ["--insecure-registry", "127.0.0.1"]
    ref = host + "/team/app:v1"

    out, err = expect_hashes(ins + ["-v", "--creds", "%s:%s" % (USER, PASSWORD), ref], BASIC_LAYERS)
    check(tokens.scopes and all(s == scope for s in tokens.scopes), "scope sent: %r" % tokens.scopes)
    check(PASSWORD not in out + err, "password printed with -v")
    for tok in tokens.issued:
        check(tok not in out + err, "token printed")
    expect_fail(ins + [ref], 3, "token endpoint")
    expect_fail(ins + ["--creds", USER + ":bad", ref], 3, "refused")
    # ACR: az acr login --expose-token gives a refresh token for this user.
    acr = "00000000-0000-0000-0000-000000000000"
    expect_hashes(ins + ["--creds", "%s:%s" % (acr, refresh), ref], BASIC_LAYERS)
    expect_fail(ins + ["--creds", acr + ":not-a-refresh-token", ref], 3, "refused")
    # identitytoken in config.json takes the same path.
    dc = os.path.join(TMP, "dockercfg")
    write_json(os.path.join(dc, "config.json"), {"auths": {host: {"identitytoken": refresh}}})
    expect_hashes(ins + [ref], BASIC_LAYERS, env={"DOCKER_CONFIG": dc})
    # A credential helper answering with Docker's "<token>" user holds a refresh token.
    bindir = os.path.join(TMP, "bin")
    os.makedirs(bindir)
    helper = os.path.join(bindir, "docker-credential-acr")
    with open(helper, "w") as f:
        f.write("#!/bin/sh\nread server\nprintf '{\"ServerURL\":\"%%s\",\"Username\":\"<token>\",\"Secret\":\"%s\"}' \"$server\"\n"
                % refresh)
    os.chmod(helper, 0o755)
    write_json(os.path.join(dc, "config.json"), {"credsStore": "acr"})
    before = len(tokens.issued)
    expect_hashes(ins + [ref], BASIC_LAYERS, env={"DOCKER_CONFIG": dc, "PATH": bindir + ":" + gate_env()["PATH"]})
    check(len(tokens.issued) > before, "no token was issued for the helper's refresh token")

    # Anonymous pulls and OAuth-style "access_token" answers.
    # A challenge without a scope gets the repository's pull scope.
    anon = TokenService(anonymous=True, field="access_token")
    proxy2 = Proxy(reg.port, bearer_hook(anon, None))
    expect_hashes(ins + ["127.0.0.1:%d/team/app:v1" % proxy2.port], BASIC_LAYERS)
    check(anon.scopes and all(sc == "repository:team/app:pull" for sc in anon.scopes),
          "anonymous scopes: %r" % anon.scopes)
    # Tokens of many kilobytes (JWTs with long claims) are sent whole.
    long_tok = TokenService(anonymous=True)
    long_tok.make_token = lambda scope: "j" * 12000 + "." + secrets.token_urlsafe(24)
    proxy3 = Proxy(reg.port, bearer_hook(long_tok, None))
    expect_hashes(ins + ["127.0.0.1:%d/team/app:v1" % proxy3.port], BASIC_LAYERS)


def s_token_registry():
    """docker-registry's own token auth, verifying the JWTs of the harness."""
    tokens = JwtTokenService(users={USER: PASSWORD}, anonymous=False)
    reg = Registry("reg", token=tokens)
    push = "Bearer " + tokens.make_token("repository:tok/app:pull,push")
    Pusher(reg.port, auth=push).image("tok/app", "v1", [make_layer(n) for n in BASIC_LAYERS])
    host = "127.0.0.1:%d" % reg.port
    ref = host + "/tok/app:v1"
    ins = ["--insecure-registry", "127.0.0.1"]
    out, err = expect_hashes(ins + ["--creds", "%s:%s" % (USER, PASSWORD), ref], BASIC_LAYERS)
    check(tokens.scopes and all(sc == "repository:tok/app:pull" for sc in tokens.scopes),
          "scopes asked for: %r" % tokens.scopes)
    expect_fail(ins + [ref], 3, "token endpoint")
    expect_fail(ins + ["--creds", USER + ":wrong", ref], 3, "refused")
    # A token for another repository is refused by the registry itself.
    other = JwtTokenService.make_token(tokens, "repository:other/app:pull")
    tokens.make_token = lambda scope: other
    expect_fail(ins + ["--creds", "%s:%s" % (USER, PASSWORD), ref], 3, "authentication failed")


def s_faults():
    reg = Registry("reg")
    Pusher(reg.port).image("flaky/app", "v1", [make_layer(n) for n in BASIC_LAYERS])
    seen = {}
    lock = threading.Lock()

    def nth(key):
        with lock:
            seen[key] = seen.get(key, 0) + 1
            return seen[key]

    def hook(h, body):
        path = h.path
        if "/manifests/" in path:
            k = nth("manifest")
            if k == 1:
                drop(h)                                   # connection dropped
                return True
            if k == 2:
                reply(h, 429, b"slow down", {"Retry-After": "1"})
                return True
            return False
        if "/blobs/" in path:
            k = nth(path)
            if k == 1:
                reply(h, 503 if len(seen) % 2 else 500, b"oops")
                return True
            if k == 2:
                proxy.forward(h, body, cut_at=100)        # body cut short
                return True
            if k == 3:
                # Retry-After as an HTTP date (RFC 9110 10.2.3).
                when = email.utils.formatdate(time.time() + 2, usegmt=True)
                reply(h, 429, b"later", {"Retry-After": when})
                return True
            if k == 4:
                proxy.forward(h, body, chunk_delay=0.02)  # slow body, still flowing
                return True
        return False

    proxy = Proxy(reg.port, hook)
    host = "127.0.0.1:%d" % proxy.port
    t0 = time.time()
    expect_hashes(["--insecure-registry", host, "--jobs", "3", host + "/flaky/app:v1"], BASIC_LAYERS)
    check(time.time() - t0 >= 1.0, "Retry-After: 1 was not honoured")
    check(seen.get("manifest", 0) >= 3, "manifest faults not exercised")
    blob_tries = [v for k, v in seen.items() if "/blobs/" in k]
    check(len(blob_tries) == len(BASIC_LAYERS) + 1 and all(v == 4 for v in blob_tries),
          "blob faults not exercised as planned: %r" % seen)

    # A registry that never recovers: exit 3 within the retry budget.
    def always_503(h, body):
        reply(h, 503, b"down", {"Retry-After": "1"})
        return True

    down = Proxy(reg.port, always_503)
    t0 = time.time()
    expect_fail(["--insecure-registry", "127.0.0.1", "--retries", "2", "--retry-budget", "5",
                 "127.0.0.1:%d/flaky/app:v1" % down.port], 3, "HTTP 503 after 3 attempts")
    check(time.time() - t0 < 30, "gave up too late")
    # Retry-After beyond the budget: give up at once.
    def far_429(h, body):
        reply(h, 429, b"later", {"Retry-After": "3600"})
        return True

    far = Proxy(reg.port, far_429)
    t0 = time.time()
    expect_fail(["--insecure-registry", "127.0.0.1", "127.0.0.1:%d/flaky/app:v1" % far.port], 3, "HTTP 429")
    check(time.time() - t0 < 10, "waited for a Retry-After beyond the budget")
    # A stalled body trips the idle timeout on each attempt, then the retries run out.
    def stall(h, body):
        if "/blobs/sha256:" in h.path:
            h.send_response(200)
            h.send_header("Content-Length", "1000000")
            h.end_headers()
            h.wfile.write(b"\0" * 10)
            h.wfile.flush()
            time.sleep(6)
            drop(h)
            return True
        return False

    stalled = Proxy(reg.port, stall)
    t0 = time.time()
    expect_fail(["--insecure-registry", "127.0.0.1", "--idle-timeout", "1", "--retries", "1",
                 "127.0.0.1:%d/flaky/app:v1" % stalled.port], 3, "no data received for 1 s (gave up after 2 attempts)")
    check(time.time() - t0 < 10, "the idle timeout did not cut the stalled transfers short")


def s_cache():
    reg = Registry("reg")
    Pusher(reg.port).image("cached/app", "v1", [make_layer(n) for n in BASIC_LAYERS])
    host = "127.0.0.1:%d" % reg.port
    # Layers shared between the images of one run are fetched once.
    shared = ["basic_tree", "symlinks", "whiteouts"]
    Pusher(reg.port).image("cached/other", "v1", [make_layer(n) for n in shared])
    before = reg.blob_gets()
    rc, out, err = run_gate(["--insecure-registry", host, "--format", "json", "--jobs", "3",
                             host + "/cached/app:v1", host + "/cached/other:v1", host + "/cached/app:v1"])
    check(rc == 0 and image_roots(out) ==
          [tar_hashes(BASIC_LAYERS), tar_hashes(shared), tar_hashes(BASIC_LAYERS)], "shared layers: %r" % out)
    gets = reg.blob_gets() - before
    check(gets == len(set(BASIC_LAYERS + shared)) + 3, "shared layers: %d blob GETs" % gets)

    cache = os.path.join(TMP, "gate-cache")
    args = ["--insecure-registry", host, "--cache", cache, host + "/cached/app:v1"]
    before, mark = reg.blob_gets(), len(reg.log_lines())
    out1, _ = expect_hashes(args, BASIC_LAYERS, cache=True)
    cold = reg.blob_gets() - before
    check(cold == len(BASIC_LAYERS) + 1, "cold run: %d blob GETs, expected layers + config" % cold)
    # Requests reuse connections: one per thread (--jobs 2), not one each.
    conns = reg.connections(reg.log_lines()[mark:])
    check(1 <= conns <= 2, "cold run: %d connections for %d requests" % (conns, cold + 1))
    check(stat.S_IMODE(os.stat(cache).st_mode) == 0o700, "cache directory is not 0700")
    # A cache others can write to would let them choose the root hashes.
    open_dir = os.path.join(TMP, "shared-cache")
    os.makedirs(open_dir)
    os.chmod(open_dir, 0o777)
    expect_fail(["--insecure-registry", host, "--cache", open_dir, host + "/cached/app:v1"], 2,
                "written by other users", cache=True)
    os.chmod(os.path.join(cache, "engine-1"), 0o770)
    expect_fail(args, 2, "written by other users", cache=True)
    os.chmod(os.path.join(cache, "engine-1"), 0o700)
    entries = os.listdir(os.path.join(cache, "engine-1"))
    check(len(entries) == len(BASIC_LAYERS) and not any(e.startswith(".tmp") for e in entries),
          "cache entries: %r" % entries)
    before = reg.blob_gets()
    out2, _ = expect_hashes(args, BASIC_LAYERS, cache=True)
    warm = reg.blob_gets() - before
    check(warm == 0, "cached run: %d blob GETs, expected none" % warm)
    check(out1 == out2, "cached output differs")
    # --no-cache fetches again; XDG_CACHE_HOME is the default place.
    before = reg.blob_gets()
    expect_hashes(["--insecure-registry", host, host + "/cached/app:v1"], BASIC_LAYERS)
    check(reg.blob_gets() - before == len(BASIC_LAYERS) + 1, "--no-cache used the cache")
    expect_hashes(["--insecure-registry", host, host + "/cached/app:v1"], BASIC_LAYERS, cache=True)
    check(os.path.isdir(os.path.join(TMP, "home", "cache", "gate", "engine-1")), "no cache under XDG_CACHE_HOME")
    # A corrupt entry is a miss, not a hash.
    victim = os.path.join(cache, "engine-1", entries[0])
    with open(victim, "w") as f:
        f.write("not a hash\n")
    before = reg.blob_gets()
    expect_hashes(args, BASIC_LAYERS, cache=True)
    check(reg.blob_gets() - before == 1, "corrupt root-hash entry was trusted")
    # So is a cached config whose bytes no longer match its digest.
    cfgs = os.path.join(cache, "blobs", "sha256")
    (cfg,) = os.listdir(cfgs)
    with open(os.path.join(cfgs, cfg), "ab") as f:
        f.write(b" ")
    before = reg.blob_gets()
    expect_hashes(args, BASIC_LAYERS, cache=True)
    check(reg.blob_gets() - before == 1, "corrupt cached config was trusted")
    before = reg.blob_gets()
    expect_hashes(args, BASIC_LAYERS, cache=True)
    check(reg.blob_gets() - before == 0, "the refetched config was not cached again")


V_LINE = re.compile(r"^gate: hash: (\S+): layer (\d+) of (\d+) (sha256:[0-9a-f]{64}) root ([0-9a-f]{64})( \(cached\))?$")


def v_lines(err):
    """The -v lines of stderr, as (image, index, count, blob digest, root hash, cached)."""
    found = [V_LINE.match(l) for l in err.splitlines()]
    check(all(found), "stderr has other lines than -v's: %r" % err)
    return [(m[1], int(m[2]), int(m[3]), m[4], m[5], bool(m[6])) for m in found]


def s_output():
    """What a run shows: every image's hashes or its error, in text and in
    one JSON document; a -v line per layer as it finishes; under -q,
    nothing on stderr but errors."""
    reg = Registry("reg")
    layers = [make_layer(n) for n in BASIC_LAYERS]
    digest, _ = Pusher(reg.port).image("app/out", "v1", layers)
    host = "127.0.0.1:%d" % reg.port
    good, pinned = host + "/app/out:v1", host + "/app/out@" + digest
    missing, bad = host + "/app/missing:v1", host + "/App/out:v1"
    want = tar_hashes(BASIC_LAYERS)

    # An image that is missing hides no other image's hashes; exit 3 all the same.
    rc, out, err = run_gate([good, missing, pinned])
    check(rc == 3, "one image missing: exit %d, want 3" % rc)
    blocks = out.split("\n\n")
    check(len(blocks) == 2 and blocks[0].startswith("image    " + good + "\n") and
          blocks[1].startswith("image    " + pinned + "\n"), "text of the two good images:\n" + out)
    check([[l.split()[1] for l in b.splitlines() if l.startswith("layer")] for b in blocks] == [want] * 2,
          "text hashes of the good images differ")
    errs = err.splitlines()
    check(len(errs) == 1 and errs[0].startswith("gate: hash: " + missing) and "not found" in errs[0],
          "the missing image's error: %r" % err)

    # One JSON document: each image's resolution and layers, or its error.
    rc, out, err = run_gate(["--format", "json", good, missing, bad])
    check(rc == 3, "json, images missing and malformed: exit %d, want 3 (the worst)" % rc)
    check(len(err.splitlines()) == 2, "json: each failed image's error on stderr too: %r" % err)
    imgs = hash_doc(out)["images"]
    check([i["reference"] for i in imgs] == [good, missing, bad], "json: images not in argument order")
    ok = imgs[0]
    check((ok["name"], ok["digest"], ok["manifest_digest"], ok["platform"]) ==
          (good, digest, digest, "linux/amd64"), "json: the good image's resolution: %r" % ok)
    check(ok["layers"] == [{"digest": sha256(l["blob"]), "diff_id": l["diff_id"], "root_hash": r}
                           for l, r in zip(layers, want)], "json: the good image's layers: %r" % ok["layers"])
    check(imgs[1]["error"]["exit_code"] == 3 and imgs[1]["error"]["class"] == "could-not-verify" and
          "not found" in imgs[1]["error"]["message"] and "layers" not in imgs[1],
          "json: the missing image: %r" % imgs[1])
    check(imgs[2]["error"]["exit_code"] == 2 and imgs[2]["error"]["class"] == "bad-input" and
          "lowercase" in imgs[2]["error"]["message"], "json: the malformed reference: %r" % imgs[2])
    rc, out, err = run_gate(["--format", "json", bad, good])
    check(rc == 2 and len(hash_doc(out)["images"]) == 2, "bad input alone is exit 2: %d" % rc)

    # -v: one line per layer, shared layers included, then (cached) from the cache.
    for args, runs in ((["--jobs", "1", good], 1), (["--jobs", "2", good, pinned], 2)):
        rc, out, err = run_gate(["-v"] + args)
        lines = v_lines(err)
        check(rc == 0 and len(lines) == len(layers) * runs, "-v: %d lines for %d layers" % (len(lines), len(layers) * runs))
        for img in set(l[0] for l in lines):
            mine = sorted(l[1:] for l in lines if l[0] == img)
            check(mine == [(k + 1, len(layers), sha256(layers[k]["blob"]), want[k], False)
                           for k in range(len(layers))],
                  "-v lines of %s: %r" % (img, mine))
    cache = ["--cache", os.path.join(TMP, "cache")]
    run_gate(cache + [good], cache=True)
    rc, _, err = run_gate(cache + ["-v", good], cache=True)
    check(rc == 0 and [l[5] for l in v_lines(err)] == [True] * len(layers), "-v on a warm cache: %r" % err)

    # A -v line is written as its layer finishes: the first layer's line must
    # come while the second's blob is held back until the test has read it.
    ev = Hostile()
    two = layers[:2]
    ev.image("held", "v1", two)
    released = threading.Event()
    held_too_long = []

    def held(h):
        if not released.wait(30):
            held_too_long.append(True)
        reply(h, 200, two[1]["blob"])
    ev.routes["/v2/held/blobs/" + sha256(two[1]["blob"])] = held
    p = subprocess.Popen([GATE, "hash", "--no-cache", "-v", "--jobs", "1", ev.host + "/held:v1"],
                         stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                         env=gate_env())
    first = p.stderr.readline().decode()
    released.set()
    rest = p.stderr.read().decode()
    p.wait(60)
    check(not held_too_long and first.startswith("gate: hash: %s/held:v1: layer 1 of 2 " % ev.host),
          "the first layer's -v line came only after the last layer: %r then %r" % (first, rest))
    check(p.returncode == 0 and len(v_lines(first + rest)) == 2, "held run: exit %d, %r" % (p.returncode, rest))

    # -q: no progress line even on a terminal, where one is drawn without it;
    # errors still come.
    rc, out, tty = run_gate_tty([good])
    check(rc == 0 and b"\r\x1b[K" in tty, "no progress line on a terminal without -q: %r" % tty)
    rc, out, tty = run_gate_tty(["-q", good])
    check(rc == 0 and tty == b"" and "layer    " + want[0] in out, "-q on a terminal printed %r" % tty)
    rc, out, tty = run_gate_tty(["--quiet", good, missing])
    check(rc == 3 and "layer    " + want[0] in out and tty.startswith(b"gate: hash: " + missing.encode())
          and tty.count(b"\n") == 1, "-q with a missing image: exit %d, terminal got %r" % (rc, tty))
    expect_fail(["-q", "-v", good], 2, "-q and -v exclude each other")


def random_layer(path, files, file_size, seed):
    """A gzip layer of incompressible files, so its blob is as large as its tar."""
    import random
    import tarfile
    rng = random.Random(seed)
    with open(path, "wb") as raw:
        with gzip.GzipFile(fileobj=raw, mode="wb", compresslevel=1, mtime=0) as gz:
            with tarfile.open(fileobj=gz, mode="w", format=tarfile.PAX_FORMAT) as tf:
                for i in range(files):
                    data = rng.randbytes(file_size)
                    info = tarfile.TarInfo("data/blob-%04d.bin" % i)
                    info.size, info.mtime, info.mode = len(data), 1700000000, 0o644
                    tf.addfile(info, __import__("io").BytesIO(data))
    blob = open(path, "rb").read()
    return {"name": os.path.basename(path), "blob": blob, "media_type": LAYER_TYPES[("oci", "gzip")],
            "diff_id": sha256(gzip.decompress(blob))}


def s_large():
    """Figures for the README: one large image, cold and cached."""
    reg = Registry("reg")
    vec = ["huge_file_index_extents", "multi_group", "layer_like_debian", "deb_busybox-static", "deb_tzdata"]
    rnd = random_layer(os.path.join(TMP, "random.tar.gz"), 64, 4 << 20, 1)
    layers = [make_layer(n) for n in vec] + [rnd]
    Pusher(reg.port).image("big/app", "v1", layers)
    blob_bytes = sum(len(l["blob"]) for l in layers)
    tar_bytes = sum(len(gzip.decompress(l["blob"])) for l in layers)
    want = tar_hashes(vec) + json.loads(subprocess.run(
        [GATE, "hash", "--tar", "--format", "json", os.path.join(TMP, "random.tar.gz")],
        stdout=subprocess.PIPE, check=True).stdout)["layers"]
    host = "127.0.0.1:%d" % reg.port
    cache = os.path.join(TMP, "gate-cache")
    args = ["--insecure-registry", host, "--cache", cache, "--format", "json", host + "/big/app:v1"]
    times = []
    for run in ("cold", "cached"):
        t0 = time.time()
        before = reg.blob_gets()
        rc, out, err = run_gate(args, cache=True, timeout=1200)
        times.append(time.time() - t0)
        check(rc == 0 and image_roots(out) == [want], "%s run: exit %d, %s" % (run, rc, err or out))
        gets = reg.blob_gets() - before
        check(gets == (len(layers) + 1 if run == "cold" else 0), "%s run: %d blob GETs" % (run, gets))
        check(err == "", "%s run wrote on stderr, which is not a terminal: %r" % (run, err))
    # On a terminal, progress goes to stderr; script(1) provides one.
    cmd = " ".join([GATE, "hash", "--no-cache"] + args[:2] + [args[-1]])
    r = subprocess.run(["script", "-qefc", cmd, "/dev/null"], stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                       stdin=subprocess.DEVNULL, env=gate_env(), timeout=1200)
    check(r.returncode == 0 and b"MiB fetched" in r.stdout, "no progress on a terminal: %r" % r.stdout[-500:])
    log("large image: %d layers, %.0f MiB of blobs, %.0f MiB of tar; cold %.1f s, cached %.2f s (--jobs 2)"
        % (len(layers), blob_bytes / 2**20, tar_bytes / 2**20, times[0], times[1]))
    check(times[1] < times[0], "the cached run was not faster")


class Hostile:
    """A registry of one's own making: serves exactly what a test puts in."""

    def __init__(self, need_auth=None):
        self.routes = {}
        self.need_auth = need_auth
        self.server = Server(self.handle)
        self.port = self.server.port
        self.host = "127.0.0.1:%d" % self.port

    def handle(self, h):
        if self.need_auth and h.headers.get("Authorization") != self.need_auth:
            return reply(h, 401, b"", {"WWW-Authenticate": 'Basic realm="hostile"'})
        route = self.routes.get(h.path.split("?")[0])
        if route is None:
            return reply(h, 404, b'{"errors":[{"code":"NOT_FOUND"}]}')
        if callable(route):
            return route(h)
        status, headers, body = route
        reply(h, status, body, headers)

    def image(self, repo, tag, layers, blobs=None, manifest_hook=None, config_diff_ids=None, **plat):
        config_b, manifest_b, mt = image_docs(layers, **plat)
        if config_diff_ids is not None:
            cfg = json.loads(config_b)
            cfg["rootfs"]["diff_ids"] = config_diff_ids
            config_b = json.dumps(cfg).encode()
            m = json.loads(manifest_b)
            m["config"]["digest"], m["config"]["size"] = sha256(config_b), len(config_b)
            manifest_b = json.dumps(m).encode()
        if manifest_hook:
            manifest_b = manifest_hook(manifest_b)
        self.routes["/v2/%s/manifests/%s" % (repo, tag)] = (
            200, {"Content-Type": mt, "Docker-Content-Digest": sha256(manifest_b)}, manifest_b)
        self.routes["/v2/%s/blobs/%s" % (repo, sha256(config_b))] = (200, {}, config_b)
        for l in layers:
            body = (blobs or {}).get(l["name"], l["blob"])
            self.routes["/v2/%s/blobs/%s" % (repo, sha256(l["blob"]))] = (200, {}, body)
        return sha256(manifest_b)


def s_hostile():
    good = [make_layer(n) for n in ["basic_tree", "symlinks"]]
    ins = ["--insecure-registry", "127.0.0.1"]
    ev = Hostile()
    r = lambda repo: [ev.host + "/" + repo + ":v1"]

    ev.image("sane", "v1", good)
    expect_hashes(ins + r("sane"), ["basic_tree", "symlinks"])

    # A blob whose bytes are not the ones its digest names.
    evil = bytearray(good[1]["blob"])
    evil[len(evil) // 2] ^= 1
    ev.image("baddigest", "v1", good, blobs={"symlinks": bytes(evil)})
    expect_fail(ins + r("baddigest"), 3, "blob content has digest")
    # Longer than the descriptor says.
    ev.image("toolong", "v1", good, blobs={"symlinks": good[1]["blob"] + b"\0" * 4096})
    expect_fail(ins + r("toolong"), 3, "larger than")
    # The registry lies about the manifest digest.
    ev.image("liar", "v1", good)
    st, hd, body = ev.routes["/v2/liar/manifests/v1"]
    ev.routes["/v2/liar/manifests/v1"] = (st, dict(hd, **{"Docker-Content-Digest": sha256(b"x")}), body)
    expect_fail(ins + r("liar"), 3, "registry says")
    # One bad image among good ones: the good ones' hashes, the bad one's
    # error and exit 3, never the bad one's hashes.
    rc, out, err = run_gate(ins + r("sane") + r("liar") + r("sane"))
    check(rc == 3 and [l for l in out.splitlines() if l.startswith("image")] == ["image    " + r("sane")[0]] * 2
          and "liar" in err and "liar" not in out, "one liar among sane images: exit %d, %r" % (rc, out))
    # Asked by digest, served something else.
    d = ev.image("swap", "v1", good)
    ev.routes["/v2/swap/manifests/" + d] = (200, {"Content-Type": MT_OCI_MANIFEST}, body + b" ")
    expect_fail(ins + [ev.host + "/swap@" + d], 3, "content has digest")
    # A manifest beyond the size limit.
    huge = b'{"pad":"' + b"a" * (5 << 20) + b'"}'
    ev.routes["/v2/huge/manifests/v1"] = (200, {"Content-Type": MT_OCI_MANIFEST}, huge)
    expect_fail(ins + r("huge"), 3, "larger than")
    # The config's diff_id does not describe the layer.
    ev.image("diffid", "v1", good, config_diff_ids=[good[0]["diff_id"], good[0]["diff_id"]])
    expect_fail(ins + r("diffid"), 3, "not the config's diff_id")
    # A gzip bomb: a small valid tar followed by a gigabyte of zeros, the
    # config claiming the small tar's diff_id.
    tar = gzip.decompress(open(vector_tar_gz("basic_tree"), "rb").read())
    bomb_path = os.path.join(TMP, "bomb.gz")
    with gzip.open(bomb_path, "wb", compresslevel=9) as f:
        f.write(tar)
        zeros = b"\0" * (1 << 20)
        for _ in range(1024):
            f.write(zeros)
    bomb = {"name": "bomb", "blob": open(bomb_path, "rb").read(), "diff_id": sha256(tar),
            "media_type": LAYER_TYPES[("oci", "gzip")]}
    check(len(bomb["blob"]) < (2 << 20), "bomb is not small")
    ev.image("bomb", "v1", [bomb])
    t0 = time.time()
    expect_fail(ins + r("bomb"), 3, "diff_id")
    log("  gzip bomb refused in %.1f s" % (time.time() - t0))
    # Zeros after the gzip member, as `bsdtar -czf - DIR | cat` writes: the
    # root hash stops at the tar's end marker, but the diff_id covers the
    # whole stream, which does not decode: not verified, never a pass.
    padded = dict(good[0], blob=good[0]["blob"] + bytes(10240 - len(good[0]["blob"]) % 10240))
    ev.image("padded", "v1", [padded, good[1]])
    expect_fail(ins + r("padded"), 3, "layer 1 of 2 sha256:" + sha256(padded["blob"])[7:] + ": diff_id cannot be checked")
    # Foreign and unknown layer types are errors, never skipped.
    foreign = dict(good[0], media_type="application/vnd.docker.image.rootfs.foreign.diff.tar.gzip")
    ev.image("foreign", "v1", [foreign, good[1]])
    expect_fail(ins + r("foreign"), 2, "foreign layer")
    odd = dict(good[0], media_type="application/vnd.example.layer")
    ev.image("odd", "v1", [odd, good[1]])
    expect_fail(ins + r("odd"), 2, "not a layer type")
    # Schema 1 and non-JSON manifests.
    ev.routes["/v2/v1/manifests/v1"] = (200, {"Content-Type": "application/vnd.docker.distribution.manifest.v1+prettyjws"},
                                        b'{"schemaVersion":1,"mediaType":"application/vnd.docker.distribution.manifest.v1+prettyjws"}')
    expect_fail(ins + r("v1"), 2, "schema 1")
    ev.routes["/v2/junk/manifests/v1"] = (200, {"Content-Type": MT_OCI_MANIFEST}, b"<html>")
    expect_fail(ins + r("junk"), 2, "not a JSON object")
    # Control bytes from a manifest or a config reach no terminal raw.
    ev.routes["/v2/esc/manifests/v1"] = (200, {"Content-Type": MT_OCI_MANIFEST}, json.dumps(
        {"schemaVersion": 2, "mediaType": "application/x\x1b]0;owned\x07\x1b[2J"}).encode())
    err = expect_fail(ins + r("esc"), 2, "unsupported media type")
    check("\x1b" not in err and "\x07" not in err, "control bytes from a manifest printed: %r" % err)
    ev.image("escplat", "v1", good, os_="linux\x1b[2J")
    rc, out, err = run_gate(ins + r("escplat"))
    check(rc == 0 and "\x1b" not in out and "platform linux\\x1b[2J/amd64" in out,
          "control bytes from a config printed: %r" % out)

    # A redirect to another host must not carry the registry's credentials.
    basic = "Basic " + base64.b64encode(("%s:%s" % (USER, PASSWORD)).encode()).decode()
    storage_hits = []

    def storage_handle(h):
        storage_hits.append(h.headers.get("Authorization"))
        reply(h, 200, good[1]["blob"])

    storage = Server(lambda h: storage_handle(h))
    locked = Hostile(need_auth=basic)
    locked.image("redir", "v1", good)
    target = "http://127.0.0.1:%d/blob-store/x?sig=secret-signature" % storage.port
    locked.routes["/v2/redir/blobs/" + sha256(good[1]["blob"])] = (307, {"Location": target}, b"")
    rc, out, err = run_gate(ins + ["--creds", "%s:%s" % (USER, PASSWORD), locked.host + "/redir:v1", "--format", "json"])
    check(rc == 0, "redirected blob failed: " + err)
    check(storage_hits and all(a is None for a in storage_hits),
          "blob storage received Authorization: %r" % storage_hits)
    check(image_roots(out) == [tar_hashes(["basic_tree", "symlinks"])], "redirected hashes differ")
    # Redirected to blob storage that serves other bytes.
    storage_hits.clear()
    locked.routes["/v2/redir/blobs/" + sha256(good[1]["blob"])] = (
        302, {"Location": "http://127.0.0.1:%d/other" % Server(lambda h: reply(h, 200, bytes(evil))).port}, b"")
    err = expect_fail(ins + ["--creds", "%s:%s" % (USER, PASSWORD), locked.host + "/redir:v1"], 3, "blob content has digest")
    # Plain-HTTP redirect targets are refused unless named insecure or
    # loopback by name (gate-test.localhost reaches 127.0.0.1 but is not).
    locked.routes["/v2/redir/blobs/" + sha256(good[1]["blob"])] = (
        307, {"Location": "http://gate-test.localhost:%d/blob-store/x?sig=secret-signature" % storage.port}, b"")
    err = expect_fail(["--insecure-registry", locked.host, "--creds", "%s:%s" % (USER, PASSWORD),
                       locked.host + "/redir:v1"], 3, "not named insecure")
    check("secret-signature" not in err, "signed blob URL printed")
    # Blob storage that answers 401 with a token realm of its own must not
    # get the registry's credentials sent there.
    realm_hits = []

    def realm_handle(h):
        realm_hits.append(h.headers.get("Authorization"))
        reply(h, 200, json.dumps({"token": "stolen"}).encode(), {"Content-Type": "application/json"})

    realm = Server(realm_handle)
    challenge = 'Bearer realm="http://127.0.0.1:%d/token",service="storage"' % realm.port
    wants_auth = Server(lambda h: reply(h, 401, b"", {"WWW-Authenticate": challenge}))
    locked.routes["/v2/redir/blobs/" + sha256(good[1]["blob"])] = (
        307, {"Location": "http://127.0.0.1:%d/blob-store/x?sig=secret-signature" % wants_auth.port}, b"")
    err = expect_fail(ins + ["--creds", "%s:%s" % (USER, PASSWORD), locked.host + "/redir:v1"], 3, "401")
    check(not realm_hits, "credentials went to a realm named by blob storage: %r" % realm_hits)
    check("secret-signature" not in err, "signed blob URL printed")
    # A redirect to a scheme gate does not speak: refused, its query unprinted.
    locked.routes["/v2/redir/blobs/" + sha256(good[1]["blob"])] = (
        307, {"Location": "ftp://127.0.0.1:9/blob-store/x?sig=secret-signature"}, b"")
    err = expect_fail(ins + ["--creds", "%s:%s" % (USER, PASSWORD), locked.host + "/redir:v1"], 3, "ftp")
    check("secret-signature" not in err, "signed URL of a redirect printed: %r" % err)


def s_plain_http():
    """Loopback registries may speak plain HTTP; others must be named."""
    reg = Registry("reg")
    Pusher(reg.port).image("app/plain", "v1", [make_layer(n) for n in BASIC_LAYERS])
    expect_hashes(["127.0.0.1:%d/app/plain:v1" % reg.port], BASIC_LAYERS)
    expect_hashes(["localhost:%d/app/plain:v1" % reg.port], BASIC_LAYERS)
    # A name that reaches 127.0.0.1 without being loopback by name: the
    # TLS handshake gets an HTTP answer, and the error says what to do.
    named = "gate-test.localhost:%d" % reg.port
    expect_fail([named + "/app/plain:v1"], 3,
                "this registry speaks plain HTTP: use --insecure-registry " + named)
    expect_hashes(["--insecure-registry", named, named + "/app/plain:v1"], BASIC_LAYERS)
    # A scheme in --insecure-registry would never match: refused, with the fix.
    expect_fail(["--insecure-registry", "http://" + named, named + "/app/plain:v1"], 2,
                "use --insecure-registry " + named)
    expect_fail(["--insecure-registry", "https://%s/v2/" % named, named + "/app/plain:v1"], 2,
                "use --insecure-registry " + named)
    # A loopback registry that speaks TLS is still verified (see s_tls).


def trickle(h, status=200, length=1000, every=2.0, limit=60):
    """Answers with headers at once, then a byte every `every` seconds."""
    h.send_response(status)
    h.send_header("Content-Length", str(length))
    h.end_headers()
    try:
        for _ in range(min(length, limit)):
            h.wfile.write(b"{")
            h.wfile.flush()
            time.sleep(every)
    except OSError:
        pass
    drop(h)


def s_timeouts():
    good = [make_layer(n) for n in ["basic_tree", "symlinks"]]
    ev = Hostile()
    r = lambda repo: [ev.host + "/" + repo + ":v1"]
    ev.image("sane", "v1", good)
    expect_hashes(["--timeout", "0"] + r("sane"), ["basic_tree", "symlinks"])
    expect_fail(["--timeout", "-1"] + r("sane"), 2, "--timeout")

    def cut_off(args, where):
        t0 = time.time()
        expect_fail(["--timeout", "3"] + args, 3, "time limit of 3 s ran out", timeout=60)
        took = time.time() - t0
        log("  trickling %s cut off after %.1f s" % (where, took))
        check(took < 15, "trickling %s ran %.1f s past --timeout 3" % (where, took))

    # A byte every 2 s: the idle timeout never trips, --timeout does.
    ev.routes["/v2/slowman/manifests/v1"] = trickle
    cut_off(r("slowman"), "manifest")
    ev.image("slowblob", "v1", good)
    ev.routes["/v2/slowblob/blobs/" + sha256(good[1]["blob"])] = trickle
    cut_off(r("slowblob"), "blob")
    tokens = Server(trickle)
    locked = Server(lambda h: reply(h, 401, b"", {
        "WWW-Authenticate": 'Bearer realm="http://127.0.0.1:%d/token",service="x"' % tokens.port}))
    cut_off(["127.0.0.1:%d/slowtoken:v1" % locked.port], "token")
    # Without --timeout, the low-speed limit ends a trickle that keeps the
    # idle timeout happy (a byte every 1.5 s against --idle-timeout 4).
    ev.routes["/v2/slowblob/blobs/" + sha256(good[1]["blob"])] = lambda h: trickle(h, every=1.5)
    t0 = time.time()
    expect_fail(["--timeout", "0", "--idle-timeout", "4", "--retries", "0"] + r("slowblob"), 3,
                "too slow", timeout=60)
    check(time.time() - t0 < 20, "low-speed limit did not cut the trickle short")

    # Time an image waits for another image's layers does not count: two
    # images whose slow layer takes ~3.5 s each, one at a time (--jobs 1),
    # both within --timeout 6 though the second ends ~7 s after it began.
    def slow_blob(blob):
        def serve(h):
            h.send_response(200)
            h.send_header("Content-Length", str(len(blob)))
            h.end_headers()
            step = max(1, len(blob) // 10)
            for i in range(0, len(blob), step):
                h.wfile.write(blob[i:i + step])
                h.wfile.flush()
                time.sleep(0.55)
        return serve

    for repo, layer in (("slowa", good[0]), ("slowb", good[1])):
        ev.image(repo, "v1", [layer])
        ev.routes["/v2/%s/blobs/%s" % (repo, sha256(layer["blob"]))] = slow_blob(layer["blob"])
    t0 = time.time()
    # Each layer takes 5.5 s: charged for the other's, the second image
    # would need 11 s; its own leaves 3.5 s of slack for a loaded machine.
    rc, out, err = run_gate(["--timeout", "9", "--jobs", "1", "--format", "json"] + r("slowa") + r("slowb"))
    check(rc == 0 and image_roots(out) == [tar_hashes(["basic_tree"]), tar_hashes(["symlinks"])],
          "an image was charged for the time it waited for another: %s" % err)
    check(time.time() - t0 > 10, "the slow layers were not slow (%.1f s)" % (time.time() - t0))

    # A layer declaring an absurd size is refused before it is fetched.
    def huge_layer(m):
        doc = json.loads(m)
        doc["layers"][0]["size"] = 1 << 50
        return json.dumps(doc).encode()

    ev.image("hugelayer", "v1", good, manifest_hook=huge_layer)
    expect_fail(r("hugelayer"), 3, "declared size 1125899906842624 is beyond the 64 GiB")


SCENARIOS = {
    "http_oci": s_http_oci,
    "docker_v2": s_docker_v2,
    "compression": s_compression,
    "zstd": s_zstd,
    "multiarch": s_multiarch,
    "tls": s_tls,
    "basic_auth": s_basic_auth,
    "token_auth": s_token_auth,
    "token_registry": s_token_registry,
    "faults": s_faults,
    "cache": s_cache,
    "output": s_output,
    "hostile": s_hostile,
    "plain_http": s_plain_http,
    "timeouts": s_timeouts,
    "large": s_large,
}


def main():
    global GATE, VECTORS, TMP
    ap = argparse.ArgumentParser()
    ap.add_argument("scenario", choices=sorted(SCENARIOS))
    ap.add_argument("--gate", required=True)
    ap.add_argument("--vectors", required=True)
    a = ap.parse_args()
    GATE, VECTORS = os.path.abspath(a.gate), os.path.abspath(a.vectors)
    for tool in ("docker-registry", "htpasswd", "openssl", "zstd"):
        if not shutil.which(tool):
            print("missing tool: %s (see tests/registry/apt-packages.txt)" % tool, file=sys.stderr)
            return 1
    TMP = tempfile.mkdtemp(prefix="gate-reg-")
    return run_scenario(SCENARIOS[a.scenario], "registry.%s: 1 passed, 0 failed" % a.scenario)


def run_scenario(scenario, passed):
    """Runs scenario(), prints passed or why not, then stops what it started
    and removes TMP, passing or not; returns the exit status."""
    try:
        scenario()
        print(passed)
        return 0
    except Failed as e:
        print("FAIL: %s" % e, file=sys.stderr)
        return 1
    finally:
        for stop in reversed(CLEANUP):
            try:
                stop()
            except Exception as e:
                print("cleanup: %s" % e, file=sys.stderr)
        shutil.rmtree(TMP, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
