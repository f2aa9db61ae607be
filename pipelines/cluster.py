"""Cluster settings applied per task through kfp-kubernetes; kfp.local ignores them, so the same
pipeline runs in both places.

- every task: pod label `paperline.dev/role: pipeline` (the NetworkPolicies let it reach MLflow and S3)
  and the credentials Secret as env (MLFLOW_TRACKING_URI, AWS_*, MLFLOW_S3_ENDPOINT_URL); only the
  Secret's name is in the compiled YAML, never a value.
- training steps: GPU request, node selector and toleration for the GPU pool. GPU count and pool
  labels are compile-time settings (KFP cannot take a GPU count as a run-time parameter):
  PAPERLINE_GPUS (default 0 = CPU), PAPERLINE_GPU_NODE_LABEL, PAPERLINE_GPU_TAINT_KEY.
"""

import os

GPU_RESOURCE = "nvidia.com/gpu"
CREDENTIAL_KEYS = ["MLFLOW_TRACKING_URI", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_ENDPOINT_URL",
                   "MLFLOW_S3_ENDPOINT_URL"]


def credentials_secret() -> str:
    return os.environ.get("PAPERLINE_CREDENTIALS_SECRET", "paperline-pipeline-credentials")


def cluster_task(task):
    from kfp import kubernetes

    kubernetes.add_pod_label(task, label_key="paperline.dev/role", label_value="pipeline")
    kubernetes.use_secret_as_env(task, secret_name=credentials_secret(),
                                 secret_key_to_env={k: k for k in CREDENTIAL_KEYS})
    return task


def gpu_step(task):
    from paperline import settings

    gpus = settings.gpus()
    if gpus <= 0:
        return task
    from kfp import kubernetes

    task.set_accelerator_type(GPU_RESOURCE).set_accelerator_limit(gpus)
    label = os.environ.get("PAPERLINE_GPU_NODE_LABEL", "nvidia.com/gpu.present=true")
    key, _, value = label.partition("=")
    kubernetes.add_node_selector(task, label_key=key, label_value=value)
    kubernetes.add_toleration(task, key=os.environ.get("PAPERLINE_GPU_TAINT_KEY", GPU_RESOURCE),
                              operator="Exists", effect="NoSchedule")
    return task
