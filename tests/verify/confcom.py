"""Writes CCE policies and ARM templates the way `az confcom acipolicygen`
does (POLICY-FORMAT.md sections 1.2-1.5 and 4.3), for images the tests
push: compact key-sorted container JSON on one line, the infra fragment,
the default flags and enforcement-point bindings, and the pause container.
"""
import base64
import json

INFRA_FRAGMENT = {
    "feed": "mcr.microsoft.com/aci/aci-cc-infra-fragment",
    "includes": ["containers", "fragments"],
    "issuer": "did:x509:0:sha256:I__iuL25oXEVFdTP_aBLx_eT1RPHbCQ_ECBQfYZpt9s::eku:1.3.6.1.4.1.311.76.59.1.3",
    "minimum_svn": "4",
}
CAPS = ["CAP_AUDIT_WRITE", "CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_FOWNER", "CAP_FSETID", "CAP_KILL",
        "CAP_MKNOD", "CAP_NET_BIND_SERVICE", "CAP_NET_RAW", "CAP_SETFCAP", "CAP_SETGID",
        "CAP_SETPCAP", "CAP_SETUID", "CAP_SYS_CHROOT"]
INJECTED = [("TERM=xterm", "string")] + [(p, "re2") for p in (
    "(?i)(FABRIC)_.+=.+", "HOSTNAME=.+", "T(E)?MP=.+", "FabricPackageFileName=.+",
    "HostedServiceName=.+", "IDENTITY_API_VERSION=.+", "IDENTITY_HEADER=.+",
    "IDENTITY_SERVER_THUMBPRINT=.+", "azurecontainerinstance_restarted_by=.+")]
PAUSE_LAYER = "16b514057a06ad665f92c02863aca074fd5976c755d26bff16365299169e8415"
PATH = "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
POINTS = ["mount_device", "unmount_device", "mount_overlay", "unmount_overlay", "create_container",
          "exec_in_container", "exec_external", "shutdown_container", "signal_container_process",
          "plan9_mount", "plan9_unmount", "get_properties", "dump_stacks", "runtime_logging",
          "load_fragment", "scratch_mount", "scratch_unmount"]
RESOLV = {"destination": "/etc/resolv.conf", "options": ["rbind", "rshared", "rw"],
          "source": "sandbox:///tmp/atlas/resolvconf/.+", "type": "bind"}


def caps(names=CAPS):
    return {"ambient": [], "bounding": list(names), "effective": list(names),
            "inheritable": [], "permitted": list(names)}


def container(name, image, layers, config, template_env=(), command=None):
    """A user container as confcom writes it.  config: the image config's
    "config" object; template_env: (name, value) pairs of the template."""
    rules, seen = [], set()
    for k, v in template_env:
        rules.append({"pattern": "%s=%s" % (k, v), "required": False, "strategy": "string"})
        seen.add(k)
    for e in config.get("Env") or []:
        k = e.split("=", 1)[0]
        if k not in seen:
            rules.append({"pattern": e, "required": False, "strategy": "string"})
            seen.add(k)
    for p, s in INJECTED:
        rules.append({"pattern": p, "required": False, "strategy": s})
    argv = command if command is not None else \
        ((config.get("Entrypoint") or []) + (config.get("Cmd") or [])) or None
    return {"allow_elevated": False, "allow_stdio_access": True, "capabilities": caps(),
            "command": argv, "env_rules": rules, "exec_processes": [], "id": image,
            "layers": list(layers), "mounts": [RESOLV], "name": name, "no_new_privileges": False,
            "seccomp_profile_sha256": "", "signals": [],
            "user": {"group_idnames": [{"pattern": "", "strategy": "any"}], "umask": "0022",
                     "user_idname": {"pattern": "", "strategy": "any"}},
            "working_dir": config.get("WorkingDir") or "/"}


def pause():
    return {"allow_elevated": False, "allow_stdio_access": True, "capabilities": caps(),
            "command": ["/pause"],
            "env_rules": [{"pattern": PATH, "required": True, "strategy": "string"},
                          {"pattern": "TERM=xterm", "required": False, "strategy": "string"}],
            "exec_processes": [], "layers": [PAUSE_LAYER], "mounts": [], "name": "pause-container",
            "no_new_privileges": False, "seccomp_profile_sha256": "", "signals": [],
            "user": {"group_idnames": [{"pattern": "", "strategy": "any"}], "umask": "0022",
                     "user_idname": {"pattern": "", "strategy": "any"}},
            "working_dir": "/"}


def policy(containers, env_dropping=True, debug=False):
    """The decoded Rego text."""
    flags = [("allow_properties_access", True), ("allow_dump_stacks", debug),
             ("allow_runtime_logging", debug), ("allow_environment_variable_dropping", env_dropping),
             ("allow_unencrypted_scratch", False), ("allow_capability_dropping", True)]
    text = ["package policy", "", "import future.keywords.every", "import future.keywords.in", "",
            'api_version := "0.10.0"', 'framework_version := "0.2.3"', "",
            "fragments := " + json.dumps([INFRA_FRAGMENT], indent=2, sort_keys=True), "",
            "containers := " + json.dumps(list(containers) + [pause()], separators=(",", ":"),
                                          sort_keys=True), ""]
    text += ["%s := %s" % (k, "true" if v else "false") for k, v in flags] + [""]
    text += ["%s := data.framework.%s" % (p, p) for p in POINTS]
    text += ["", 'reason := {"errors": data.framework.errors}', "", "", ""]
    return "\n".join(text)


def arm_template(groups):
    """groups: [(group name, policy text or None, [(name, image, env, command)])]."""
    resources = []
    for gname, rego, ctrs in groups:
        props = {"osType": "Linux", "restartPolicy": "OnFailure", "sku": "Confidential",
                 "containers": []}
        for name, image, env, command in ctrs:
            cp = {"image": image, "resources": {"requests": {"cpu": 1, "memoryInGB": 1}}}
            if env:
                cp["environmentVariables"] = [{"name": k, "value": v} for k, v in env]
            if command is not None:
                cp["command"] = command
            props["containers"].append({"name": name, "properties": cp})
        if rego is not None:
            props["confidentialComputeProperties"] = {
                "ccePolicy": base64.b64encode(rego.encode()).decode()}
        resources.append({"type": "Microsoft.ContainerInstance/containerGroups",
                          "apiVersion": "2023-05-01", "name": gname,
                          "location": "[resourceGroup().location]", "properties": props})
    return {"$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
            "contentVersion": "1.0.0.0", "resources": resources}
