#!/usr/bin/env python3
"""Validates the SARIF and JUnit reports test_reports writes.

SARIF: against the official SARIF 2.1.0 schema, then against the JSON
report of the same findings (rule, level, message, location).  JUnit:
parsed with xml.etree, counts and outcomes checked against the report
test_reports.c builds.  Each checker first proves it can fail, on a
tampered copy.
Usage: check_reports.py --writer TEST_REPORTS --schema SARIF_SCHEMA --out DIR
"""
import argparse
import copy
import json
import os
import re
import subprocess
import sys
import xml.etree.ElementTree as ET

import jsonschema

LEVELS = {"deny": "error", "warn": "warning"}
# GATE_RULE_COUNT: every rule id is in rules/default.yaml (rules.unit
# checks that file against the table).
with open(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "rules", "default.yaml")) as _f:
    RULE_COUNT = sum(1 for _l in _f if re.match(r"^  [a-z_]+\.[a-z_]+:", _l))


def sarif_problems(doc, schema, report):
    """Every way doc falls short; [] when it is right."""
    out = [f"schema: {e.message} at {list(e.absolute_path)}"
           for e in jsonschema.Draft202012Validator(schema).iter_errors(doc)]
    if out:
        return out
    run = doc["runs"][0]
    driver = run["tool"]["driver"]
    rules = driver["rules"]
    if driver["name"] != "gate" or len(rules) != RULE_COUNT:
        out.append(f"driver: {driver['name']}, {len(rules)} rules")
    for r in rules:
        # fullDescription: GitHub's ingestion rule GH2012 wants it on every rule.
        if not all(r.get(k, {}).get("text") for k in ("help", "shortDescription", "fullDescription")):
            out.append(f"rule {r['id']}: no help, short or full description")
    findings = report["findings"]
    if len(run["results"]) != len(findings):
        out.append(f"{len(run['results'])} results for {len(findings)} findings")
    for res, f in zip(run["results"], findings):
        loc = res["locations"][0]["physicalLocation"]
        if res["ruleId"] != f["rule"] or rules[res["ruleIndex"]]["id"] != f["rule"]:
            out.append(f"result {res['ruleId']}: rule is not {f['rule']}")
        if res["level"] != LEVELS[f["severity"]]:
            out.append(f"result {res['ruleId']}: level {res['level']} for {f['severity']}")
        if res["message"]["text"] != f["message"]:
            out.append(f"result {res['ruleId']}: message differs from JSON")
        if loc["artifactLocation"]["uri"] != f["file"].replace(" ", "%20").replace("#", "%23"):
            out.append(f"result {res['ruleId']}: uri {loc['artifactLocation']['uri']}")
        if res["properties"].get("group") != f.get("group"):
            out.append(f"result {res['ruleId']}: group differs from JSON")
    if run.get("columnKind") != "unicodeCodePoints":
        out.append(f"columnKind {run.get('columnKind')}")
    regions = [r["locations"][0]["physicalLocation"].get("region") for r in run["results"]]
    # test_reports.c gives drift line 12 and the allowlist finding line 7,
    # both column 5; the others are unknown: no region, not a made-up line.
    want = [{"startLine": 12, "startColumn": 5}, None, None, None, None, None,
            {"startLine": 7, "startColumn": 5}]
    if regions != want:
        out.append(f"regions {regions}")
    json_lines = [(f.get("line"), f.get("column")) for f in findings]
    if json_lines != [(r["startLine"], r["startColumn"]) if r else (None, None) for r in want]:
        out.append(f"JSON report lines {json_lines}")
    return out


# What test_reports.c's report must give, per testcase (classname, name):
# outcome, the rule ids of the findings shown, and the line attribute.
WANT_CASES = {
    ("deploy/app.json/prod-web", "web"): ("failure", "layers.drift", "12"),
    ("deploy/app.json/prod-web", "db"): ("pass", None, "20"),
    ("deploy/app.json/prod-web", "skr"): ("skipped", None, "25"),
    ("deploy/app.json/dev & <test>", "a\"b'<c>&\\x01"): ("failure", "policy.missing", None),
    ("dir with space/k8s #1.yaml/g3", "api"): ("failure", "image.registry_allowlist", "7"),
    ("dir with space/k8s #1.yaml/g3", "(policy)"): ("pass", None, "1"),
    ("dir with space/k8s #1.yaml/empty-group", "(policy)"): ("failure", "policy.hostdata", "30"),
}


def outcome(tc):
    if tc.find("failure") is not None:
        return "failure", tc.find("failure").get("type")
    if tc.find("skipped") is not None:
        return "skipped", None
    return "pass", None


def junit_problems(root):
    out = []
    if root.tag != "testsuites":
        return [f"root is {root.tag}"]
    totals = {"tests": 0, "failures": 0, "skipped": 0}
    cases = {}
    for suite in root.findall("testsuite"):
        tcs = suite.findall("testcase")
        counts = {"tests": len(tcs),
                  "failures": sum(tc.find("failure") is not None for tc in tcs),
                  "skipped": sum(tc.find("skipped") is not None for tc in tcs)}
        for k, v in counts.items():
            if int(suite.get(k)) != v:
                out.append(f"suite {suite.get('name')}: {k}={suite.get(k)}, counted {v}")
            totals[k] += v
        for tc in tcs:
            if tc.find("failure") is not None and tc.find("skipped") is not None:
                out.append(f"{tc.get('name')}: both failed and skipped")
            cases[(tc.get("classname"), tc.get("name"))] = tc
    for k, v in totals.items():
        if int(root.get(k)) != v:
            out.append(f"testsuites: {k}={root.get(k)}, counted {v}")
    if [s.get("name") for s in root.findall("testsuite")] != ["deploy/app.json",
                                                             "dir with space/k8s #1.yaml"]:
        out.append("suites are not one per input file, in order")
    if set(cases) != set(WANT_CASES):
        out.append(f"testcases {sorted(cases)}")
    for key, want in WANT_CASES.items():
        if key not in cases:
            continue
        got = outcome(cases[key]) + (cases[key].get("line"),)
        if got != want or cases[key].get("file") != key[0].rsplit("/", 1)[0]:
            out.append(f"{key}: {got} in {cases[key].get('file')}, want {want}")
    web = cases.get(("deploy/app.json/prod-web", "web"))
    if web is not None:
        props = {p.get("name"): p.get("value") for p in web.iter("property")}
        if not props.get("digest", "").startswith("sha256:") or props.get("verdict") != "deny":
            out.append(f"web properties {props}")
        text = web.find("failure").text
        if "warn coverage.not_in_template" not in text or "deny layers.drift" not in text:
            out.append("web failure text lacks its findings")
    skr = cases.get(("deploy/app.json/prod-web", "skr"))
    if skr is not None and "infra fragment" not in skr.find("skipped").get("message", ""):
        out.append("skipped testcase lacks the reason")
    return out


def check(name, problems, tampered_problems):
    if not tampered_problems:
        print(f"{name}: the checker accepts a tampered report")
        return 1
    for p in problems:
        print(f"{name}: {p}")
    return 1 if problems else 0


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--writer", required=True)
    ap.add_argument("--schema", required=True)
    ap.add_argument("--out", required=True)
    a = ap.parse_args()
    os.makedirs(a.out, exist_ok=True)
    subprocess.run([a.writer, a.out], check=True)
    with open(a.schema) as f:
        schema = json.load(f)
    with open(os.path.join(a.out, "report.sarif")) as f:
        sarif = json.load(f)
    with open(os.path.join(a.out, "report.json")) as f:
        report = json.load(f)

    bad = copy.deepcopy(sarif)
    bad["runs"][0]["results"][0]["level"] = "fatal"
    rc = check("sarif", sarif_problems(sarif, schema, report), sarif_problems(bad, schema, report))

    root = ET.parse(os.path.join(a.out, "report.xml")).getroot()
    bad = copy.deepcopy(root)
    bad.find("testsuite").set("failures", "0")
    rc |= check("junit", junit_problems(root), junit_problems(bad))

    # The text report counts layers from 1 (JSON's position 1 is the
    # second layer), as hash -v and the registry's errors do.
    with open(os.path.join(a.out, "report.txt")) as f:
        text = f.read()
    if "          layer 2: policy aaaaaaaaaaaa  registry bbbbbbbbbbbb\n" not in text:
        print(f"report.txt: no 'layer 2' drift line in:\n{text}")
        rc = 1

    # A name that is not UTF-8 still gives well-formed XML, shown as \xNN.
    tc = ET.parse(os.path.join(a.out, "not_utf8.xml")).getroot().find("testsuite/testcase")
    if tc.get("name") != "bad\\xFF\\xC3(\\xED\\xA0\\x80\\xEF\\xBF\\xBE end":
        print(f"not_utf8.xml: name {tc.get('name')!r}")
        rc = 1
    # A file name that is not UTF-8: the uri keeps its bytes, the text
    # fields escape them.
    with open(os.path.join(a.out, "not_utf8.sarif")) as f:
        res = json.load(f)["runs"][0]["results"][0]
    uri = res["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
    if uri != "a%FFb.json":
        print(f"not_utf8.sarif: uri {uri!r}, want 'a%FFb.json'")
        rc = 1
    print("reports: ok" if not rc else "reports: FAILED")
    return rc


if __name__ == "__main__":
    sys.exit(main())
