#!/usr/bin/env python3
"""Templates that expand far beyond their size (gate issue 12, item 3), at
the sizes the issue measured, for docs/security.md's before/after figures.

  make_amplify.py yaml OUT.yaml [--size BYTES]   an ACI YAML group (default
      1 MB): one container whose command is a 1,000-byte anchored string
      used 100 times, then that container aliased as often as the size
      allows; about 100 KB materialised per 8-byte alias line.
  make_amplify.py arm OUT.json [--size BYTES]    an ARM template (default
      111 KB): a variable doubled 10 times to 1 MiB (the per-result bound),
      then read by as many environment variables as the size allows; about
      1 MiB materialised per 40-byte reference.

Deterministic: the same arguments give the same bytes.  Measure with
  /usr/bin/time -f '%e s %M KiB' build/gate policy show OUT
"""
import argparse
import json


def yaml_group(size):
    word = "x" * 1000
    head = ("name: g\nproperties:\n  containers:\n  - &c\n    name: c\n    properties:\n"
            "      image: contoso.azurecr.io/app:1\n      command: [&s \"%s\"%s]\n"
            "      resources: {requests: {cpu: 1, memoryInGB: 1}}\n" % (word, ", *s" * 99))
    tail = "  osType: Linux\n  confidentialComputeProperties: {ccePolicy: ''}\n" \
           "  sku: Confidential\ntype: Microsoft.ContainerInstance/containerGroups\n"
    alias = "  - *c\n"
    n = max(0, (size - len(head) - len(tail)) // len(alias))
    return head + alias * n + tail


def arm_template(size):
    variables = {"v0": "x" * 1024}
    for i in range(1, 11):
        variables["v%d" % i] = "[concat(variables('v%d'), variables('v%d'))]" % (i - 1, i - 1)
    doc = {
        "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
        "contentVersion": "1.0.0.0",
        "variables": variables,
        "resources": [{
            "type": "Microsoft.ContainerInstance/containerGroups",
            "apiVersion": "2023-05-01",
            "name": "g",
            "location": "westeurope",
            "properties": {
                "sku": "Confidential",
                "osType": "Linux",
                "confidentialComputeProperties": {"ccePolicy": ""},
                "containers": [{"name": "c", "properties": {
                    "image": "contoso.azurecr.io/app:1",
                    "resources": {"requests": {"cpu": 1, "memoryInGB": 1}},
                    "environmentVariables": []}}],
            },
        }],
    }
    env = doc["resources"][0]["properties"]["containers"][0]["properties"]["environmentVariables"]
    base = len(json.dumps(doc))
    one = len(json.dumps({"name": "E0000", "value": "[variables('v10')]"})) + 2
    for i in range(max(0, (size - base) // one)):
        env.append({"name": "E%04d" % i, "value": "[variables('v10')]"})
    return json.dumps(doc)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("kind", choices=["yaml", "arm"])
    ap.add_argument("out")
    ap.add_argument("--size", type=int)
    a = ap.parse_args()
    text = yaml_group(a.size or 1000000) if a.kind == "yaml" else arm_template(a.size or 111000)
    with open(a.out, "w") as f:
        f.write(text)


if __name__ == "__main__":
    main()
