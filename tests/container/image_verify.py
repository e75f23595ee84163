#!/usr/bin/env python3
"""The seed story with the gate of the container image.

    image_verify.py --image-gate WRAPPER --vectors DIR --schema FILE

WRAPPER runs `gate ARGS` in the image (tests/container/build.sh writes it),
with $TMPDIR mounted at the same path.  On Debian's docker-registry on
127.0.0.1 (the verify tests' harness), simpleapp:v1 is pushed and a
confcom-format template written for it: gate verify passes; run again, its
layers come from the /cache volume, not the registry; after a hacked
index.html is pushed over the tag, it reports the drift with exit 1.
"""
import argparse
import os
import shutil
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "verify"))
import verifytest  # noqa: E402
from verifytest import regtest, confcom, check  # noqa: E402


def story():
    s = verifytest.Setup()
    pol = confcom.policy([s.app_container("web")])
    t = verifytest.write_template("t/story.json", [("demo", pol, [("web", s.app, [], None)])])
    before = s.reg.blob_gets()
    verifytest.verify([t], s.host, want=0, cache=True)
    first = s.reg.blob_gets() - before
    verifytest.verify([t], s.host, want=0, cache=True)
    second = s.reg.blob_gets() - before - first
    check(second < first, "second run fetched %d blobs, the first %d: is /cache kept?" % (second, first))
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
    a = ap.parse_args()
    regtest.GATE, regtest.VECTORS = a.image_gate, os.path.abspath(a.vectors)
    verifytest.SCHEMA = os.path.abspath(a.schema)
    regtest.TMP = tempfile.mkdtemp(prefix="gate-image-verify-")
    # The image's user, not the one running this, reads the templates.
    os.chmod(regtest.TMP, 0o755)
    try:
        story()
        print("gate verify in the image: pass, cached rerun, drift caught")
        return 0
    except regtest.Failed as e:
        print("FAIL: %s" % e, file=sys.stderr)
        return 1
    finally:
        for stop in reversed(regtest.CLEANUP):
            stop()
        shutil.rmtree(regtest.TMP, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
