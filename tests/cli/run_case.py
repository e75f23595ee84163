#!/usr/bin/env python3
"""Runs one CLI case: run_case.py GATE REPO_ROOT CASE_DIR.

A case is a directory holding
  cmd            the arguments after 'gate', one per line, run from REPO_ROOT
  status         the expected exit status
  stdout         (optional) the exact expected standard output
  stdout.sha256  (optional) the sha256 the standard output must have
  stderr         (optional) the exact expected standard error
  stdin          (optional) what the command reads on stdin (else nothing)
An output without its file must be empty."""
import hashlib
import os
import subprocess
import sys


def read(path):
    with open(path, "rb") as f:
        return f.read()


def main():
    gate, root, case = sys.argv[1:4]
    args = [a for a in read(os.path.join(case, "cmd")).decode().split("\n") if a]
    want_status = int(read(os.path.join(case, "status")))
    stdin = os.path.join(case, "stdin")
    run = subprocess.run([gate] + args, cwd=root, capture_output=True, timeout=60,
                         input=read(stdin) if os.path.exists(stdin) else b"")
    problems = []
    if run.returncode != want_status:
        problems.append("exit status %d, expected %d" % (run.returncode, want_status))
    hashed = os.path.exists(os.path.join(case, "stdout.sha256"))
    for name, got in (("stdout", run.stdout), ("stderr", run.stderr)):
        path = os.path.join(case, name)
        want = read(path) if os.path.exists(path) else None if name == "stdout" and hashed else b""
        if want is not None and got != want:
            problems.append("%s differs:\n--- expected\n%s\n--- got\n%s"
                            % (name, want.decode(errors="replace"), got.decode(errors="replace")))
    path = os.path.join(case, "stdout.sha256")
    if os.path.exists(path):
        want = read(path).decode().strip()
        got = hashlib.sha256(run.stdout).hexdigest()
        if got != want:
            problems.append("stdout sha256 %s, expected %s" % (got, want))
    for p in problems:
        print("%s: %s" % (os.path.basename(case), p))
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
