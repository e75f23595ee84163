#!/usr/bin/env python3
"""Checks the config of the built image (`buildah inspect --type image`).

    check_config.py INSPECT.json VERSION

What the Dockerfile promises its users: a non-root user, gate as the
entrypoint, the cache in the /cache volume, and the OCI labels, whose
version is the project's.
"""
import json
import sys


def main():
    with open(sys.argv[1]) as f:
        cfg = json.load(f)["OCIv1"]["config"]
    version = sys.argv[2]
    labels = cfg.get("Labels") or {}
    env = dict(e.split("=", 1) for e in cfg.get("Env") or [])
    want = [
        ("user", cfg.get("User"), "gate"),
        ("entrypoint", cfg.get("Entrypoint"), ["gate"]),
        ("XDG_CACHE_HOME", env.get("XDG_CACHE_HOME"), "/cache"),
        ("volumes", sorted(cfg.get("Volumes") or {}), ["/cache"]),
        ("label version", labels.get("org.opencontainers.image.version"), version),
        ("label title", labels.get("org.opencontainers.image.title"), "gate"),
    ]
    bad = ["%s: %r, want %r" % (what, got, exp) for what, got, exp in want if got != exp]
    if not labels.get("org.opencontainers.image.description"):
        bad.append("label description: missing")
    for b in bad:
        print("image config: " + b, file=sys.stderr)
    if not bad:
        print("image config: user gate, entrypoint gate, /cache volume, labels of version %s" % version)
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
