#!/usr/bin/env python3
"""Checks that the recipes of docs/recipes/ work as written.

  check_recipes.py GATE RECIPES_DIR

- every YAML recipe parses (python3-yaml), every shell recipe passes
  `bash -n`;
- every gate command line in them (shell lines starting with `gate `, in
  the shell files and in the YAML's scripts, and the args of Kubernetes
  containers running the gate image) is accepted by the built gate's own
  option parser: `gate --check-args ARGS...`, with shell and pipeline
  variables replaced by sample values first;
- the wiring: the variables of gate lines are set by an env of the file,
  upload-sarif and PublishTestResults read the file a gate
  line writes (-o sarif=, -o junit=), an Indexed Job's --shard I/N has N
  equal to its completions, its /cache is a PVC the file declares;
- pre-deploy.sh deploys on exit 0 only, retries 3 and fails closed, with a
  stub gate that also checks the argv it is given;
- the gate steps of the GitHub and Azure pipelines, run by `bash -e` with a
  stub docker that checks gate's argv, exit with gate's status and print
  the text report.
"""
import os
import re
import shlex
import subprocess
import sys
import tempfile

try:
    import yaml
except ImportError:
    # ctest counts 77 as skipped (SKIP_RETURN_CODE); tests/install-deps.sh
    # installs it from tests/recipes/apt-packages.txt.
    print("SKIPPED: docs.recipes needs python3-yaml (tests/recipes/apt-packages.txt)")
    sys.exit(77)

# Sample values for the variables the recipes' gate lines use.  A variable
# not listed here fails the test, so that a new one gets a deliberate value.
SAMPLES = {
    "TEMPLATES": "templates/",
    "JOB_COMPLETION_INDEX": "2",
    "JOB_NAME": "gate-drift-scan-29000000",
    "template": "app.json",
    "parameters": "app.parameters.json",
    "reports": "reports",
}

VAR = re.compile(r"\$\(([A-Za-z_][A-Za-z0-9_.]*)\)|\$\{([A-Za-z_][A-Za-z0-9_]*)\}"
                 r"|\$([A-Za-z_][A-Za-z0-9_]*)")
SHELL_OPERATORS = {"|", "||", "&", "&&", ";", ";;", ">", ">>", "<", "(", ")"}


def substitute(line):
    def one(m):
        name = m.group(1) or m.group(2) or m.group(3)
        if name not in SAMPLES:
            raise ValueError(f"no sample value for ${name} in: {line}")
        return SAMPLES[name]
    return VAR.sub(one, line)


def shell_gate_lines(text):
    """The argv (without `gate`) of each shell line that runs gate."""
    found = []
    logical = re.sub(r"\\\n", " ", text)
    for line in logical.splitlines():
        line = line.strip()
        if not line.startswith("gate "):
            continue
        lexer = shlex.shlex(substitute(line), posix=True, punctuation_chars=True)
        lexer.whitespace_split = True
        lexer.commenters = "#"
        argv = []
        for tok in lexer:
            if tok in SHELL_OPERATORS:
                break
            argv.append(tok)
        found.append((line, argv[1:]))
    return found


# The keys whose values are shell scripts: GitHub Actions' run, Azure
# Pipelines' script and bash.  Other strings (a step's name) are not run.
SCRIPT_KEYS = {"run", "script", "bash"}


def yaml_gate_lines(node, out):
    """Walks parsed YAML: gate lines in every script, and Kubernetes
    containers of a gate image (its entrypoint is gate, so args are gate's)."""
    if isinstance(node, dict):
        for key in SCRIPT_KEYS & node.keys():
            if isinstance(node[key], str):
                out.extend(shell_gate_lines(node[key]))
        image = node.get("image")
        if isinstance(image, str) and "/gate:" in image and "args" in node:
            if "command" in node:
                raise ValueError(f"container '{node.get('name')}' overrides gate's entrypoint")
            raw = " ".join(str(a) for a in node["args"])
            argv = [substitute(str(a)) for a in node["args"]]
            out.append((f"args of container '{node.get('name')}': {raw}", argv))
        for v in node.values():
            yaml_gate_lines(v, out)
    elif isinstance(node, list):
        for v in node:
            yaml_gate_lines(v, out)


def has_shard(gate):
    help_text = subprocess.run([gate, "verify", "--help"], capture_output=True, text=True).stdout
    return "--shard" in help_text


def drop_shard(argv):
    """--shard I/N, which the lead is adding to gate verify: checked here
    (0 <= I < N) and left out of the argv while gate does not know it."""
    out, i = [], 0
    while i < len(argv):
        a = argv[i]
        if a == "--shard" or a.startswith("--shard="):
            value = a.split("=", 1)[1] if "=" in a else argv[i + 1]
            m = re.fullmatch(r"(\d+)/(\d+)", value)
            if not m or not int(m.group(1)) < int(m.group(2)):
                raise ValueError(f"--shard '{value}': expected I/N with 0 <= I < N")
            i += 1 if "=" in a else 2
            continue
        out.append(a)
        i += 1
    return out


def check_args(gate, argv):
    return subprocess.run([gate, "--check-args"] + argv, capture_output=True, text=True)


def self_test(gate):
    """The checks must be able to fail."""
    bad = check_args(gate, ["verify", "templates/", "--no-such-option"])
    assert bad.returncode == 2, f"--check-args accepted a bad option: {bad.returncode}"
    assert check_args(gate, ["verify", "templates/", "-o", "sarif=x"]).returncode == 0
    lines = shell_gate_lines('x=1\n  gate verify "$TEMPLATES" \\\n    --format sarif || s=$?\ngate() {\n')
    assert lines == [(lines[0][0], ["verify", "templates/", "--format", "sarif"])], lines
    try:
        substitute("gate verify $UNKNOWN")
        raise AssertionError("an unknown variable was accepted")
    except ValueError:
        pass
    assert drop_shard(["verify", "t", "--shard", "1/4"]) == ["verify", "t"]
    for bad_shard in ("4/4", "x/2", "1"):
        try:
            drop_shard(["verify", "--shard", bad_shard])
            raise AssertionError(f"--shard {bad_shard} was accepted")
        except ValueError:
            pass


def outputs(lines, fmt):
    """The files gate lines write in fmt (-o FMT=FILE, --output=FMT=FILE)."""
    found = set()
    for _, argv in lines:
        for i, a in enumerate(argv):
            value = argv[i + 1] if a in ("-o", "--output") and i + 1 < len(argv) else \
                a[len("--output="):] if a.startswith("--output=") else None
            if value and value.startswith(fmt + "="):
                found.add(value.split("=", 1)[1])
    return found


def walk(node):
    if isinstance(node, dict):
        yield node
        for v in node.values():
            yield from walk(v)
    elif isinstance(node, list):
        for v in node:
            yield from walk(v)


def check_wiring(docs, lines):
    """What publishes a report reads the file a gate line writes, and a
    sharded Job runs as many indexes as --shard I/N says."""
    problems = undefined_variables(docs, lines)
    for node in walk(docs):
        uses = node.get("uses", "")
        if isinstance(uses, str) and uses.startswith("github/codeql-action/upload-sarif"):
            if node.get("with", {}).get("sarif_file") not in outputs(lines, "sarif"):
                problems.append("upload-sarif reads a file no gate line writes")
        if node.get("task", "").startswith("PublishTestResults@"):
            if node.get("inputs", {}).get("testResultsFiles") not in outputs(lines, "junit"):
                problems.append("PublishTestResults reads a file no gate line writes")
        if node.get("completionMode") == "Indexed":
            problems += check_indexed_job(node, docs)
    return problems


def undefined_variables(docs, lines):
    """A variable of a gate line must be set by an env of the file: the
    runner leaves an unset one empty, Kubernetes leaves $(NAME) as it is.
    JOB_COMPLETION_INDEX is set by the Job controller."""
    names = {"JOB_COMPLETION_INDEX"}
    for node in walk(docs):
        env = node.get("env")
        if isinstance(env, dict):
            names |= set(env)
        elif isinstance(env, list):
            names |= {e.get("name") for e in env if isinstance(e, dict)}
    unset = {(where, "".join(m)) for where, _ in lines for m in VAR.findall(where)}
    return [f"{where}: ${name} is set by no env of the file"
            for where, name in sorted(unset) if name not in names]


def check_indexed_job(job, docs):
    problems = []
    pod = job["template"]["spec"]
    claims = {d["metadata"]["name"] for d in walk(docs) if d.get("kind") == "PersistentVolumeClaim"}
    volumes = {v["name"]: v for v in pod.get("volumes", [])}
    for c in pod["containers"]:
        args = [str(a) for a in c.get("args", [])]
        if "--shard" in args:
            shard = args[args.index("--shard") + 1]
            if shard != f"$(JOB_COMPLETION_INDEX)/{job.get('completions')}":
                problems.append(f"--shard {shard} with completions {job.get('completions')}")
        mounts = {m["mountPath"]: m["name"] for m in c.get("volumeMounts", [])}
        for m in mounts.values():
            if m not in volumes:
                problems.append(f"container '{c['name']}' mounts an undeclared volume '{m}'")
        cache = volumes.get(mounts.get("/cache"), {})
        if cache.get("persistentVolumeClaim", {}).get("claimName") not in claims:
            problems.append(f"/cache of container '{c['name']}' is not a PVC of the file")
    return problems


def recipe_lines(path):
    if path.endswith((".yml", ".yaml")):
        with open(path) as f:
            docs = [d for d in yaml.safe_load_all(f) if d is not None]
        if not docs:
            raise ValueError("no YAML document")
        lines = []
        for d in docs:
            yaml_gate_lines(d, lines)
        wiring = check_wiring(docs, lines)
        if wiring:
            raise ValueError("; ".join(wiring))
        return lines
    if path.endswith(".sh"):
        syntax = subprocess.run(["bash", "-n", path], capture_output=True, text=True)
        if syntax.returncode:
            raise ValueError(f"bash -n: {syntax.stderr.strip()}")
        with open(path) as f:
            return shell_gate_lines(f.read())
    return None


STUB = """#!/bin/sh
# A stub gate: checks its argv with the real gate, records the call, and
# exits with $STUB_STATUS.
"$REAL_GATE" --check-args "$@" || exit 99
echo call >> "$STUB_CALLS"
exit "$STUB_STATUS"
"""


DOCKER_STUB = """#!/bin/sh
# A stub docker for `docker run [options] IMAGE ARGS...`: checks ARGS with
# the real gate, writes each -o FORMAT=FILE, exits with $STUB_STATUS.
[ "$1" = run ] || exit 98
shift
while [ $# -gt 0 ]; do
	case $1 in
	--user|-e|-v|-w) shift 2 ;;
	-*) shift ;;
	*) shift; break ;;
	esac
done
"$REAL_GATE" --check-args "$@" || exit 99
while [ $# -gt 0 ]; do
	[ "$1" = -o ] && echo "report of gate $STUB_STATUS" > "${2#*=}"
	shift
done
exit "$STUB_STATUS"
"""


def write_stub(tmp, name, text):
    """An executable tmp/bin/NAME, to put first on PATH."""
    stub = os.path.join(tmp, "bin", name)
    os.makedirs(os.path.dirname(stub), exist_ok=True)
    with open(stub, "w") as f:
        f.write(text)
    os.chmod(stub, 0o755)
    return stub


def pipeline_scripts(path):
    """The run/script/bash steps of a YAML recipe that run gate."""
    with open(path) as f:
        docs = [d for d in yaml.safe_load_all(f) if d is not None]
    return [node[key] for node in walk(docs) for key in SCRIPT_KEYS & node.keys()
            if isinstance(node[key], str) and shell_gate_lines(node[key])]


def test_pipeline_scripts(gate, recipes):
    """Each pipeline step that runs gate, run by bash -e as the runners do
    with a stub docker: its exit status is gate's, and the text report is
    in the log."""
    failures = []
    with tempfile.TemporaryDirectory() as tmp:
        stub = write_stub(tmp, "docker", DOCKER_STUB)
        for name in ("github-actions.yml", "azure-pipelines.yml"):
            for script in pipeline_scripts(os.path.join(recipes, name)):
                for status in (0, 1, 2, 3):
                    work = tempfile.mkdtemp(dir=tmp)
                    env = dict(os.environ, PATH=os.path.dirname(stub) + ":" + os.environ["PATH"],
                               REAL_GATE=gate, STUB_STATUS=str(status), TEMPLATES="templates/",
                               RUNNER_TEMP=work, GITHUB_WORKSPACE=work,
                               AGENT_TEMPDIRECTORY=work, BUILD_SOURCESDIRECTORY=work)
                    run = subprocess.run(["bash", "-e", "-c", script], cwd=work, env=env,
                                         capture_output=True, text=True)
                    if run.returncode != status or f"report of gate {status}" not in run.stdout:
                        failures.append(f"{name}: the gate step with gate exiting {status}: exit"
                                        f" {run.returncode}, log: {run.stdout!r} {run.stderr!r}")
    return failures


def test_pre_deploy(gate, script):
    """Deploys on 0 only; 3 is retried GATE_ATTEMPTS times, then fails closed."""
    failures = []
    with tempfile.TemporaryDirectory() as tmp:
        stub = write_stub(tmp, "gate", STUB)
        for status, calls in ((0, 1), (1, 1), (2, 1), (3, 3), (5, 1)):
            calls_file = os.path.join(tmp, f"calls-{status}")
            deployed = os.path.join(tmp, f"deployed-{status}")
            env = dict(os.environ, PATH=os.path.dirname(stub) + ":" + os.environ["PATH"],
                       REAL_GATE=gate, STUB_STATUS=str(status), STUB_CALLS=calls_file,
                       GATE_REPORT_DIR=tmp, GATE_ATTEMPTS="3", GATE_RETRY_DELAY="0")
            run = subprocess.run(["sh", script, "app.json", "app.parameters.json", "--",
                                  "touch", deployed], env=env, capture_output=True, text=True)
            made = len(open(calls_file).read().splitlines()) if os.path.exists(calls_file) else 0
            want_rc = status
            if run.returncode != want_rc or os.path.exists(deployed) != (status == 0) or made != calls:
                failures.append(f"pre-deploy.sh with gate exiting {status}: exit {run.returncode}"
                                f" (want {want_rc}), deployed {os.path.exists(deployed)},"
                                f" gate ran {made} times (want {calls}); stderr: {run.stderr}")
        usage = subprocess.run(["sh", script, "app.json"], capture_output=True, text=True)
        if usage.returncode != 2:
            failures.append(f"pre-deploy.sh without its arguments: exit {usage.returncode}, want 2")
    return failures


def main():
    gate, recipes = os.path.abspath(sys.argv[1]), sys.argv[2]
    self_test(gate)
    shard_known = has_shard(gate)
    failures, checked = [], 0
    for name in sorted(os.listdir(recipes)):
        path = os.path.join(recipes, name)
        try:
            lines = recipe_lines(path)
        except (ValueError, yaml.YAMLError) as e:
            failures.append(f"{name}: {e}")
            continue
        if lines is None:
            continue
        if not lines:
            failures.append(f"{name}: no gate command line found")
        for where, argv in lines:
            try:
                if not shard_known:
                    argv = drop_shard(argv)
            except ValueError as e:
                failures.append(f"{name}: {where}: {e}")
                continue
            run = check_args(gate, argv)
            checked += 1
            if run.returncode:
                failures.append(f"{name}: {where}: gate {shlex.join(argv)}: exit {run.returncode}:"
                                f" {run.stderr.strip()}")
            else:
                print(f"ok   {name}: gate {shlex.join(argv)}")
    failures += test_pre_deploy(gate, os.path.join(recipes, "pre-deploy.sh"))
    failures += test_pipeline_scripts(gate, recipes)
    if not shard_known:
        print("note: gate verify has no --shard yet; --shard I/N was checked here and left out")
    for f in failures:
        print(f"FAIL {f}")
    print(f"{checked} gate command lines checked, {len(failures)} failures")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
