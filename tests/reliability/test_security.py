"""Security rules checked on what the project ships: Pod Security "restricted" on every pod template
of every overlay, RBAC no wider than the API calls the code makes, no unpickling of data files.

The restricted-profile rules are written from the published list (kubernetes.io/docs/concepts/
security/pod-security-standards, "Restricted"): non-root, no privilege escalation, all capabilities
dropped (NET_BIND_SERVICE alone may be added back), seccomp RuntimeDefault or Localhost, no host
namespaces, ports or paths, no privileged containers; and, as this project asks, a read-only root
filesystem."""

import ast
import os
import re
from pathlib import Path

import pytest
import yaml

from tests.core.test_manifests import OVERLAYS, built  # noqa: F401 - the kustomize build fixture

ROOT = Path(__file__).resolve().parents[2]


def pod_specs(obj, where=""):
    """(where, pod spec) for every pod template in a manifest, at any depth (Deployments, StatefulSets,
    a TrainingRuntime's replicated jobs); a SparkApplication's driver and executor as their own specs."""
    if isinstance(obj, dict):
        if obj.get("kind") == "SparkApplication":
            for role in ("driver", "executor"):
                s = obj["spec"][role]
                container = {"name": role, "securityContext": s.get("securityContext", {})}
                yield f"{where}/{role}", {"securityContext": s.get("podSecurityContext", {}), "containers": [container]}
            return
        if isinstance(obj.get("containers"), list):
            yield where, obj
        for k, v in obj.items():
            yield from pod_specs(v, f"{where}/{k}")
    elif isinstance(obj, list):
        for i, v in enumerate(obj):
            yield from pod_specs(v, f"{where}[{i}]")


def restricted_violations(spec: dict) -> list[str]:
    out = []
    pod = spec.get("securityContext") or {}
    for key in ("hostNetwork", "hostPID", "hostIPC"):
        if spec.get(key):
            out.append(f"{key} is set")
    for v in spec.get("volumes", []):
        if "hostPath" in v:
            out.append(f"volume {v.get('name')} is a hostPath")
    for c in spec.get("containers", []) + spec.get("initContainers", []):
        sc = c.get("securityContext") or {}
        name = c.get("name", "?")
        if sc.get("runAsNonRoot", pod.get("runAsNonRoot")) is not True:
            out.append(f"{name}: runAsNonRoot is not true")
        if sc.get("runAsUser", pod.get("runAsUser")) == 0:
            out.append(f"{name}: runs as user 0")
        if sc.get("allowPrivilegeEscalation") is not False:
            out.append(f"{name}: allowPrivilegeEscalation is not false")
        if sc.get("privileged"):
            out.append(f"{name}: privileged")
        caps = sc.get("capabilities") or {}
        if "ALL" not in caps.get("drop", []):
            out.append(f"{name}: capabilities do not drop ALL")
        if set(caps.get("add", [])) - {"NET_BIND_SERVICE"}:
            out.append(f"{name}: adds capabilities {caps['add']}")
        seccomp = (sc.get("seccompProfile") or pod.get("seccompProfile") or {}).get("type")
        if seccomp not in ("RuntimeDefault", "Localhost"):
            out.append(f"{name}: seccompProfile is {seccomp!r}, not RuntimeDefault")
        if sc.get("readOnlyRootFilesystem") is not True:
            out.append(f"{name}: root filesystem is writable")
        if any("hostPort" in p for p in c.get("ports", [])):
            out.append(f"{name}: uses a hostPort")
    return out


def test_rules_catch_a_default_pod():
    """The checker itself: a pod with no security settings breaks every rule it can."""
    container = {"name": "c", "securityContext": {"privileged": True, "capabilities": {"add": ["SYS_ADMIN"]}},
                 "ports": [{"hostPort": 80}]}
    bad = restricted_violations({"hostNetwork": True, "volumes": [{"name": "h", "hostPath": {"path": "/"}}],
                                 "containers": [container]})
    assert len(bad) == 10, bad


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_every_pod_passes_the_restricted_profile(built, overlay):  # noqa: F811
    docs = [d for d in yaml.safe_load_all(built[overlay]) if d]
    specs = [(f"{d['kind']}/{d['metadata']['name']}{w}", s) for d in docs for w, s in pod_specs(d)]
    assert len(specs) >= 3
    bad = {where: v for where, s in specs if (v := restricted_violations(s))}
    assert not bad, bad


# checkov (PyPI, offline) checks that map onto the restricted profile's list
RESTRICTED_CHECKS = {"CKV_K8S_23": "runAsNonRoot",
                     "CKV_K8S_16": "privileged", "CKV_K8S_17": "hostPID", "CKV_K8S_18": "hostIPC",
                     "CKV_K8S_19": "hostNetwork", "CKV_K8S_20": "allowPrivilegeEscalation",
                     "CKV_K8S_25": "added capabilities", "CKV_K8S_28": "NET_RAW", "CKV_K8S_37": "drop ALL",
                     "CKV_K8S_39": "SYS_ADMIN", "CKV_K8S_31": "seccomp RuntimeDefault",
                     "CKV_K8S_22": "read-only root filesystem"}
CHECKOV = ROOT / ".venv-tools" / "bin" / "checkov"


def checkov(pods: dict[str, dict], tmp_path: Path) -> dict:
    """checkov's restricted checks on each pod spec, written as a Pod (so that pod templates inside
    custom resources it does not know, the TrainingRuntime's and Spark's, are checked as well):
    {pod name: {check id: passed}}."""
    import json
    import subprocess

    assert CHECKOV.exists(), f"{CHECKOV} is missing: `make install` puts checkov in its own environment"
    d = tmp_path / "pods"
    d.mkdir()
    (d / "pods.yaml").write_text(yaml.safe_dump_all(
        [{"apiVersion": "v1", "kind": "Pod", "metadata": {"name": n, "namespace": "paperline"}, "spec": spec}
         for n, spec in pods.items()]))
    res = subprocess.run([str(CHECKOV), "-d", str(d), "--framework", "kubernetes", "--skip-download",
                          "--check", ",".join(RESTRICTED_CHECKS), "-o", "json"], capture_output=True, text=True,
                         env={**os.environ, "BC_SKIP_MAPPING": "TRUE"}, timeout=300)
    assert res.stdout.strip(), res.stderr[-3000:]
    out = json.loads(res.stdout)
    results = {}
    for kind, passed in (("passed_checks", True), ("failed_checks", False)):
        for r in out["results"][kind]:
            results.setdefault(r["resource"].split(".")[-1], {})[r["check_id"]] = passed
    return results


def test_checkov_fails_a_default_pod(tmp_path):
    """The tool is really judging: a pod with no security settings fails its restricted checks."""
    got = checkov({"bare": {"containers": [{"name": "c", "image": "busybox:1.36"}]}}, tmp_path)["bare"]
    failed = {c for c, ok in got.items() if not ok}
    assert {"CKV_K8S_20", "CKV_K8S_22", "CKV_K8S_23", "CKV_K8S_28", "CKV_K8S_31", "CKV_K8S_37"} <= failed, got


def test_checkov_passes_every_pod_of_every_overlay(built, tmp_path):  # noqa: F811
    """A real policy tool agrees with the rules above on every pod template the overlays ship."""
    pods = {}
    for overlay in OVERLAYS:
        for d in (d for d in yaml.safe_load_all(built[overlay]) if d):
            for i, (_, spec) in enumerate(pod_specs(d)):
                pods[f"{overlay}-{d['kind'].lower()}-{d['metadata']['name']}-{i}"] = spec
    got = checkov(pods, tmp_path)
    assert set(got) == set(pods), set(pods) - set(got)
    failed = {(pod, RESTRICTED_CHECKS[c]) for pod, checks in got.items() for c, ok in checks.items() if not ok}
    assert not failed, sorted(failed)
    missing = {pod: set(RESTRICTED_CHECKS) - set(checks) for pod, checks in got.items()}
    assert not any(missing.values()), missing  # every check applied to every pod


def test_every_namespaced_object_is_in_the_paperline_namespace(built):  # noqa: F811
    """Objects an overlay generates (its Secrets) land in the namespace of the pods that mount them,
    not in whatever namespace kubectl's context points at (checkov found them in `default`)."""
    cluster_wide = {"Namespace", "ClusterRole", "ClusterRoleBinding", "CustomResourceDefinition",
                    "ClusterTrainingRuntime", "PriorityClass", "StorageClass"}
    for overlay in OVERLAYS:
        docs = [d for d in yaml.safe_load_all(built[overlay]) if d and d["kind"] not in cluster_wide]
        stray = [f"{d['kind']}/{d['metadata']['name']}" for d in docs if d["metadata"].get("namespace") != "paperline"]
        assert not stray, (overlay, stray)


# the Kubernetes API calls the code makes -> (apiGroup, resource, verb)
CALLS = {"create_namespaced_custom_object": "create", "get_namespaced_custom_object": "get",
         "delete_namespaced_custom_object": "delete", "list_namespaced_custom_object": "list",
         "patch_namespaced_custom_object": "patch"}


def code_verbs() -> set[tuple[str, str, str]]:
    used = set()
    for f in (ROOT / "src").rglob("*.py"):
        for name in re.findall(r"\.(\w+_namespaced_\w+)\(", f.read_text()):
            assert name in CALLS, f"{f}: the API call {name} is not in the RBAC check's table"
            used.add(("trainer.kubeflow.org", "trainjobs", CALLS[name]))
    return used


def test_pipeline_role_grants_only_what_the_code_calls(built):  # noqa: F811
    docs = [d for d in yaml.safe_load_all(built["gpu"]) if d]
    role = next(d for d in docs if d["kind"] == "Role" and d["metadata"]["name"].endswith("pipeline-runner"))
    granted = {(g, r, v) for rule in role["rules"] for g in rule["apiGroups"] for r in rule["resources"]
               for v in rule["verbs"]}
    assert granted == code_verbs()


def test_nothing_is_unpickled_from_data_files():
    """pickle and torch.load appear only where the input is safe: the CIFAR reader's unpickler that
    builds arrays only, weights_only torch loads, and the ROCKET baseline the pipeline's own step wrote."""
    allowed = {("gan/formats.py", "load"), ("timeseries/stages.py", "loads")}
    found = set()
    for f in (ROOT / "src" / "paperline").rglob("*.py"):
        for node in ast.walk(ast.parse(f.read_text())):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
                owner = getattr(node.func.value, "id", "") or getattr(node.func.value, "attr", "")
                if node.func.attr in ("load", "loads") and owner in ("pickle", "joblib", "dill", "cloudpickle"):
                    found.add((f.relative_to(ROOT / "src" / "paperline").as_posix(), node.func.attr))
                if node.func.attr == "load" and owner == "torch":
                    assert any(k.arg == "weights_only" and getattr(k.value, "value", None) is True
                               for k in node.keywords), f"{f}:{node.lineno}: torch.load without weights_only=True"
                if isinstance(node.func.value, ast.Call) and node.func.attr == "load" and \
                        getattr(node.func.value.func, "attr", "") == "Unpickler":
                    found.add((f.relative_to(ROOT / "src" / "paperline").as_posix(), "load"))
    assert found <= allowed, found - allowed


def test_mlflow_tags_and_params_carry_no_secret(home, monkeypatch):
    """A dataset URI with a password in it and the S3 secret in the environment: neither reaches the run."""
    from paperline.core import experiments

    secret = "s3cr3t-value-9f8e"
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", secret)
    meta = {"data_uri": f"s3://paperline:{secret}@seaweedfs:8333/data/face", "data_md5": "0" * 32}
    with experiments.training_run("swing", "kfp-1", meta, {"data_path": f"https://u:pw123@host/x?k={secret}"},
                                  tags={"note": f"key {secret}"}) as run:
        experiments.set_tags(run.id, {"later": secret})
    r = experiments.client().get_run(run.id)
    text = repr(r.data.tags) + repr(r.data.params) + repr(r.inputs)
    assert secret not in text and "pw123" not in text
    assert r.data.tags["data_uri"] == "s3://paperline:***@seaweedfs:8333/data/face"
    assert r.data.params["data_path"] == "https://u:***@host/x?k=***"
