#!/usr/bin/env python3
"""The story gate exists for, replayed on a real registry on 127.0.0.1.

    python3 demo/demo.py [--gate build/gate]

simpleapp:v1 is pushed and its template, whose CCE policy was generated
for it, verifies.  Then someone rebuilds simpleapp:v1 with a hacked page
and pushes it over the same tag: the unchanged template would now fail at
deploy time, or run the hacked code if its policy were regenerated blindly.
gate catches it before anyone deploys.
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "tests", "registry"))
sys.path.insert(0, os.path.join(ROOT, "tests", "verify"))
import regtest  # noqa: E402
import verifytest  # noqa: E402

BOLD, RESET = ("\033[1m", "\033[0m") if sys.stdout.isatty() and not os.environ.get("NO_COLOR") else ("", "")


def say(text):
    print("\n%s==> %s%s" % (BOLD, text, RESET), flush=True)


def layer(path):
    import gzip
    blob = open(os.path.join(ROOT, path), "rb").read()
    return {"blob": blob, "diff_id": regtest.sha256(gzip.decompress(blob)),
            "media_type": regtest.LAYER_TYPES[("oci", "gzip")]}


def gate(args, tmp):
    cmd = [regtest.GATE] + args
    print("$ gate " + " ".join(a if " " not in a else "'%s'" % a for a in args), flush=True)
    env = dict(os.environ, XDG_CACHE_HOME=os.path.join(tmp, "cache"))
    return subprocess.run(cmd, env=env).returncode


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--gate", default=os.path.join(ROOT, "build", "gate"))
    a = ap.parse_args()
    regtest.GATE = os.path.abspath(a.gate)
    regtest.TMP = tmp = tempfile.mkdtemp(prefix="gate-demo-")
    try:
        return story(tmp)
    finally:
        for stop in reversed(regtest.CLEANUP):
            stop()
        import shutil
        shutil.rmtree(tmp, ignore_errors=True)


def story(tmp):
    spec = json.load(open(os.path.join(ROOT, "fixtures", "demo", "image.json")))
    say("Starting a container registry (Debian's docker-registry) on 127.0.0.1.")
    reg = regtest.Registry("registry")
    host = "127.0.0.1:%d" % reg.port
    p = regtest.Pusher(reg.port)
    base = layer(spec["base"])

    say("Pushing simpleapp:v1: busybox httpd serving an index.html.")
    v1 = verifytest.push(p, "simpleapp", "v1", [base, layer(spec["layers"]["v1"])], spec["config"])
    print("%s/simpleapp:v1 is %s" % (host, v1))

    params = os.path.join(tmp, "template.parameters.json")
    with open(params, "w") as f:
        json.dump({"parameters": {"registry": {"value": host}}}, f)
    template = os.path.join(ROOT, "fixtures", "demo", "template.json")
    common = ["verify", os.path.relpath(template), "-p", params, "--insecure-registry", host]

    say("Verifying the template, whose CCE policy was generated for simpleapp:v1.")
    rc = gate(common, tmp)
    print("exit status %d: the guest would admit every container" % rc)
    if rc != 0:
        return 1

    say("Someone rebuilds simpleapp:v1 with a hacked index.html and pushes it over the same tag.")
    hacked = verifytest.push(p, "simpleapp", "v1", [base, layer(spec["layers"]["hacked"])], spec["config"])
    print("%s/simpleapp:v1 is now %s" % (host, hacked))

    say("Verifying the unchanged template again.")
    rc = gate(common, tmp)
    print("exit status %d: denied" % rc)
    if rc != 1:
        return 1

    say("The same verdict as a JSON report for a pipeline, written atomically to a file.")
    report = os.path.join(tmp, "report.json")
    gate(common + ["--format", "json", "--output", report], tmp)
    doc = json.load(open(report))
    print(json.dumps({"result": doc["result"], "findings": [
        {k: f[k] for k in ("rule", "severity", "container", "message", "details")}
        for f in doc["findings"] if f["severity"] == "deny"]}, indent=2))

    # The report's own positions (counted from 0), not the story's.
    changed = [p["position"] + 1 for f in doc["findings"] if f["rule"] == "layers.drift"
               for p in f["details"]["positions"]]
    say("Caught: layer %s of simpleapp changed under the tag (%s -> %s); the guest would refuse it, "
        "and gate said so before any deploy, exiting 1."
        % (", ".join(map(str, changed)) or "none", v1[:19], hacked[:19]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
