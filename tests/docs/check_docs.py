#!/usr/bin/env python3
"""Checks the man page and the bash completion against the built gate.

  check_docs.py man GATE docs/gate.1
  check_docs.py completion GATE docs/completion/gate.bash

man: `man --warnings -l` renders the page with no warning (and
`mandoc -T lint -W warning` finds nothing, where mandoc is installed), and
the rendered page names every command, every long option of every
`gate COMMAND --help`, the environment variables gate reads and the exit
codes.  completion: completing `-` after each command offers exactly the
long options of its --help.
"""
import os
import re
import shutil
import subprocess
import sys
import tempfile

# Each (sub)command, as typed after `gate`.
COMMANDS = ["hash", "verify", "rules list", "rules check", "policy show", "policy hostdata"]
ENVIRONMENT = ["GATE_USERNAME", "GATE_PASSWORD", "REGISTRY_AUTH_FILE", "DOCKER_CONFIG",
               "XDG_CACHE_HOME", "NO_COLOR", "GATE_GZIP"]


def long_options(gate, command):
    """The long options `gate COMMAND --help` lists, --help included."""
    out = subprocess.run([gate] + command.split() + ["--help"], capture_output=True,
                         text=True, check=True).stdout
    return set(re.findall(r"^  (?:-\w, )?(--[a-z0-9-]+)", out, re.M))


def man_warnings(page):
    env = dict(os.environ, MANWIDTH="80", LC_ALL="C.UTF-8")
    run = subprocess.run(["man", "--warnings", "-l", page], capture_output=True, text=True, env=env)
    problems = [f"man: {line}" for line in run.stderr.splitlines()]
    if run.returncode:
        problems.append(f"man exited {run.returncode}")
    if shutil.which("mandoc"):
        lint = subprocess.run(["mandoc", "-T", "lint", "-W", "warning", page],
                              capture_output=True, text=True)
        problems += [f"mandoc: {line}" for line in (lint.stdout + lint.stderr).splitlines()]
    return run.stdout, problems


def check_man(gate, page):
    # The warning check must be able to fail: an unknown macro and an
    # unclosed list are warnings.
    with tempfile.NamedTemporaryFile("w", suffix=".1") as bad:
        bad.write(open(page).read() + ".Xyz broken\n.Bl -tag -width Ds\n.It x\n")
        bad.flush()
        if not man_warnings(bad.name)[1]:
            return ["a broken page rendered without warnings: the check cannot fail"]
    text, problems = man_warnings(page)
    text = text.replace("\u2010", "-").replace("\u2212", "-")
    words = set(re.findall(r"--?[a-z0-9-]+|[A-Z_]{3,}|\w+", text))
    for command in COMMANDS:
        if not re.search(r"\bgate " + re.escape(command) + r"\b", text):
            problems.append(f"the page has no synopsis of 'gate {command}'")
        problems += [f"the page does not describe {opt} of gate {command}"
                     for opt in sorted(long_options(gate, command) - words)]
    problems += [f"the page does not mention {v}" for v in ENVIRONMENT if v not in words]
    problems += [f"the page does not name {w}" for w in ("--version", "--check-args", "EXIT")
                 if w not in words]
    return problems


def complete(script, words):
    """What the completion offers for the last of words."""
    line = " ".join(f"'{w}'" for w in words)
    prog = (f'source "{script}"; COMP_WORDS=({line}); COMP_CWORD={len(words) - 1}; _gate; '
            f'printf "%s\\n" "${{COMPREPLY[@]}}"')
    return set(subprocess.run(["bash", "-c", prog], capture_output=True, text=True,
                              check=True).stdout.split())


def check_completion(gate, script):
    problems = []
    for command in COMMANDS:
        offered = complete(script, ["gate"] + command.split() + ["--"])
        want = {o for o in long_options(gate, command) if o.startswith("--")}
        if offered != want:
            problems.append(f"gate {command} --<TAB>: missing {sorted(want - offered)},"
                            f" extra {sorted(offered - want)}")
    top = complete(script, ["gate", ""])
    for word in ("hash", "verify", "rules", "policy", "--version", "--check-args"):
        if word not in top:
            problems.append(f"gate <TAB> does not offer {word}")
    return problems


def main():
    mode, gate, path = sys.argv[1], os.path.abspath(sys.argv[2]), sys.argv[3]
    if mode == "man" and not shutil.which("man"):
        # ctest counts 77 as skipped; tests/install-deps.sh installs man-db.
        print("SKIPPED: docs.man needs man-db and groff-base (tests/docs/apt-packages.txt)")
        return 77
    problems = check_man(gate, path) if mode == "man" else check_completion(gate, path)
    for p in problems:
        print(f"FAIL {p}")
    print(f"{mode}: {len(problems)} problems")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
