#!/usr/bin/env python3
"""The gate of the container image against a registry on 127.0.0.1.

    image_registry.py --image-gate WRAPPER --vectors DIR --schema FILE [--verify]

WRAPPER runs `gate ARGS` in the image as its user (tests/container/build.sh
writes it), with $TMPDIR mounted at the same path.  On Debian's
docker-registry (the registry and verify tests' harness):
- gate hash IMAGE gives the layers' root hashes; run again, it fetches no
  blob: the /cache volume kept them;
- with --verify, the seed story: simpleapp:v1 and a confcom-format template
  for it; gate verify passes, and after a hacked index.html is pushed over
  the tag it reports the drift with exit 1.
"""
import argparse
import os
import shutil
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "verify"))
import verifytest  # noqa: E402
from verifytest import regtest, confcom, check  # noqa: E402


def hash_image():
    reg = regtest.Registry("hash")
    host = "127.0.0.1:%d" % reg.port
    regtest.Pusher(reg.port).image("app", "v1", [regtest.make_layer(n) for n in verifytest.BASE])
    args = ["--insecure-registry", host, host + "/app:v1"]
    before = reg.blob_gets()
    regtest.expect_hashes(args, verifytest.BASE, cache=True)
    cold = reg.blob_gets() - before
    regtest.expect_hashes(args, verifytest.BASE, cache=True)
    warm = reg.blob_gets() - before - cold
    check(cold == len(verifytest.BASE) + 1 and warm == 0,
          "blob GETs: %d cold (want layers + config), %d warm (want 0: is /cache kept?)" % (cold, warm))


def story():
    s = verifytest.Setup()
    pol = confcom.policy([s.app_container("web")])
    t = verifytest.write_template("t/story.json", [("demo", pol, [("web", s.app, [], None)])])
    verifytest.verify([t], s.host, want=0, cache=True)
    hacked = verifytest.web_layer("<h1>hacked</h1>\n")
    digest = verifytest.push(s.p, "simpleapp", "v1", s.base + [hacked])
    rc, rep, _ = verifytest.verify([t], s.host, want=1, cache=True)
    drift = [f for f in rep["findings"] if f["rule"] == "layers.drift"]
    check(len(drift) == 1 and (drift[0]["group"], drift[0]["container"]) == ("demo", "web") and
          digest in drift[0]["message"], "one layers.drift naming demo/web and %s: %s" % (digest, drift))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--image-gate", required=True)
    ap.add_argument("--vectors", required=True)
    ap.add_argument("--schema", required=True)
    ap.add_argument("--verify", action="store_true")
    a = ap.parse_args()
    regtest.TMP = tempfile.mkdtemp(prefix="gate-image-")
    # The image's user, not the one running this, reads what is written here,
    # so the layer files it hashes are copied here too.
    os.chmod(regtest.TMP, 0o755)
    regtest.GATE, regtest.VECTORS = a.image_gate, os.path.join(regtest.TMP, "vectors")
    os.mkdir(regtest.VECTORS)
    for n in verifytest.BASE:
        shutil.copy(os.path.join(a.vectors, n + ".tar.gz"), regtest.VECTORS)
    verifytest.SCHEMA = os.path.abspath(a.schema)

    def scenarios():
        hash_image()
        print("gate hash IMAGE in the image: root hashes, and a rerun served by /cache")
        if a.verify:
            story()
            print("gate verify in the image: pass, then the drift caught")
    return regtest.run_scenario(scenarios, "container.image: registry checks passed")

if __name__ == "__main__":
    sys.exit(main())
