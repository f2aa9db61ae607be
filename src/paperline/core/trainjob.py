"""Distributed training on a cluster as a Kubeflow Trainer v2 TrainJob (runtime torch-distributed),
or the same entrypoint under `torchrun --standalone` when there is no cluster.

Both run a family's training entry module (the face trainer's: `paperline.face.train_entry`), which
reads rank and world size from the env, so a run is the same code on a laptop (gloo, CPU) and on GPU
nodes (nccl). The TrainJob refers to the namespaced
TrainingRuntime `paperline-torch-distributed` from `manifests/overlays/gpu`, which carries the GPU pool
selector, tolerations and the credentials Secret.
"""

from __future__ import annotations

import subprocess
import sys
import time

from paperline.core.errors import PaperlineError

GROUP, VERSION, PLURAL = "trainer.kubeflow.org", "v1alpha1", "trainjobs"
RUNTIME = "paperline-torch-distributed"


def trainjob_manifest(name: str, image: str, module: str, args: list[str], nodes: int = 1, gpus_per_node: int = 0,
                      runtime: str = RUNTIME, labels: dict | None = None, resources: dict | None = None,
                      env: list | None = None, node_selector: dict | None = None,
                      tolerations: list | None = None) -> dict:
    """`resources`, `env`, `node_selector` and `tolerations` are what kfp's TaskConfig passthrough
    forwards from the pipeline step (its GPU request, pool selector, ...); `resources` overrides
    `gpus_per_node`, the rest add to the runtime's own pod settings (podSpecOverrides has no affinity
    in trainer.kubeflow.org/v1alpha1, so none is forwarded)."""
    if nodes < 1:
        raise PaperlineError(f"a TrainJob needs at least one node, got {nodes}")
    trainer = {"image": image, "command": ["torchrun", "-m", module], "args": list(args),
               "numNodes": nodes}
    if resources:
        trainer["resourcesPerNode"] = resources
    elif gpus_per_node > 0:
        trainer["resourcesPerNode"] = {"requests": {"nvidia.com/gpu": str(gpus_per_node)},
                                       "limits": {"nvidia.com/gpu": str(gpus_per_node)}}
    if env:
        trainer["env"] = list(env)
    spec = {"runtimeRef": {"name": runtime, "kind": "TrainingRuntime", "apiGroup": GROUP}, "trainer": trainer}
    override = {k: v for k, v in (("nodeSelector", node_selector), ("tolerations", tolerations)) if v}
    if override:
        spec["podSpecOverrides"] = [{"targetJobs": [{"name": "node"}], **override}]
    return {"apiVersion": f"{GROUP}/{VERSION}", "kind": "TrainJob",
            "metadata": {"name": name, "labels": {"app.kubernetes.io/part-of": "paperline", **(labels or {})}},
            "spec": spec}


def _condition(obj: dict, kind: str):
    for c in (obj.get("status") or {}).get("conditions") or []:
        if c.get("type") == kind and str(c.get("status")) == "True":
            return c
    return None


def run_trainjob(manifest: dict, namespace: str, api=None, timeout_s: float = 24 * 3600, poll_s: float = 15,
                 log=print) -> dict:
    """Creates the TrainJob, waits for Complete (returns the object) or Failed/timeout (raises; a
    timed-out job is deleted so it does not keep GPUs)."""
    if api is None:
        from kubernetes import client, config

        try:
            config.load_incluster_config()
        except config.ConfigException:
            config.load_kube_config()
        api = client.CustomObjectsApi()
    name = manifest["metadata"]["name"]
    api.create_namespaced_custom_object(GROUP, VERSION, namespace, PLURAL, manifest)
    log(f"created TrainJob {namespace}/{name}")
    deadline = time.monotonic() + timeout_s
    while True:
        obj = api.get_namespaced_custom_object(GROUP, VERSION, namespace, PLURAL, name)
        if _condition(obj, "Complete"):
            log(f"TrainJob {name} complete")
            return obj
        failed = _condition(obj, "Failed")
        if failed:
            raise PaperlineError(f"TrainJob {namespace}/{name} failed: {failed.get('reason', '')} "
                                 f"{failed.get('message', '')}".strip())
        if time.monotonic() > deadline:
            api.delete_namespaced_custom_object(GROUP, VERSION, namespace, PLURAL, name)
            raise PaperlineError(f"TrainJob {namespace}/{name} did not finish in {timeout_s:.0f} s; deleted it")
        time.sleep(poll_s)


def run_torchrun_local(module: str, args: list[str], nproc: int = 1) -> None:
    """The no-cluster path: `python -m module args` in one process, or under `torchrun --standalone
    --nproc-per-node N` (gloo on CPU)."""
    prefix = [sys.executable, "-m", "torch.distributed.run", "--standalone", f"--nproc-per-node={nproc}"] \
        if nproc > 1 else [sys.executable]
    res = subprocess.run([*prefix, "-m", module, *args])
    if res.returncode != 0:
        raise PaperlineError(f"local training ({nproc} process(es)) exited with {res.returncode}")
