#!/usr/bin/env python3
"""Derives the tampered twins and base64 fixtures in fixtures/policy and
fixtures/templates from the samples, so each twin differs from a real file
by exactly the change its name says.  Run from the repository root; the
outputs are committed."""
import base64
import json
import re

S = "fixtures/samples/"
P = "fixtures/policy/"
T = "fixtures/templates/"


def read(path):
    with open(path, "rb") as f:
        return f.read()


def write(path, data):
    with open(path, "wb") as f:
        f.write(data if isinstance(data, bytes) else data.encode())


template = read(S + "azure-cli-extensions__existing_policy__arm_template.json").decode()
b64 = json.loads(template)["resources"][0]["properties"]["confidentialComputeProperties"]["ccePolicy"]
rego = base64.b64decode(b64, validate=True)
assert rego == read(S + "azure-cli-extensions__existing_policy__ccePolicy.decoded.rego")
write(P + "existing_policy.b64", b64 + "\n")

# One base64 character outside the standard alphabet (the URL-safe '-').
i = len(b64) // 2
assert b64[i] not in "-="
write(P + "b64_bad_char.b64", b64[:i] + "-" + b64[i + 1:] + "\n")

# One base64 character changed inside the alphabet: the sextet that holds
# the top bits of a digit of the layer hash, so that the digit becomes a
# letter that is not hex.
k = rego.index(b"243e1b3ce080")
k += -k % 3
j = k // 3 * 4
alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
one_char = next(b64[:j] + c + b64[j + 1:] for c in alphabet
                if base64.b64decode(b64[:j] + c + b64[j + 1:])[k:k + 1] in (b"r", b"s", b"t", b"u", b"v", b"w"))
write(P + "b64_hash_char.b64", one_char + "\n")
write(T + "existing_policy_tampered.json", template.replace(b64, one_char))

# The ']' closing container1's layers list, removed.
policy = read(S + "azure-cli-extensions__conflicting_variables__policy.rego").decode()
m = re.search(r'"layers":\[[^\]]*\]', policy)
write(P + "bracket_removed.rego", policy[:m.end() - 1] + policy[m.end():])

# The first layer hash shortened by one digit.
policy = read(S + "confidential-aci-examples__policy_attestation.rego").decode()
h = "208d6b1aa8ed709232118ee05fd4f5da166091c949a5566c6c8eaa1c5718cc6f"
write(P + "hash_shortened.rego", policy.replace(h, h[:-1], 1))

# What confcom --debug-mode changes (POLICY-FORMAT.md section 1.5).
debug = rego.decode().replace("allow_dump_stacks := false", "allow_dump_stacks := true")
debug = debug.replace("allow_runtime_logging := false", "allow_runtime_logging := true")
debug = debug.replace('"exec_processes":[]',
                      '"exec_processes":[{"command":["/bin/sh"],"signals":[]},'
                      '{"command":["/bin/bash"],"signals":[]}]', 1)
write(P + "debug.rego", debug)

# containers bound twice.
write(P + "dup_containers.rego", rego.decode() + 'containers := []\n')

# Valid base64 whose text is not text.
write(P + "not_text.b64", base64.b64encode(b"package policy\n\x00\xff").decode() + "\n")
