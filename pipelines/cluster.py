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
    from paperline.core import settings

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


def face_train_task(paper: str, params, dataset, image_size):
    """The training task of a face pipeline: training in the step's own pod (default), or with
    PAPERLINE_TRAIN_NODES=N a launcher that runs it as a Kubeflow Trainer TrainJob on N nodes. Both
    give the same outputs (model, metrics, MLflow run id). The launcher's CPU/memory/GPU requests,
    node selector and tolerations are forwarded to the TrainJob's nodes by TaskConfig passthrough."""
    from kfp import dsl

    from paperline.components.face import train_face, train_face_distributed
    from paperline.core import settings

    common = dict(paper=paper, params=params, dataset=dataset, kfp_run_id=dsl.PIPELINE_JOB_ID_PLACEHOLDER,
                  image_size=image_size)
    nodes = settings.train_nodes()
    if nodes <= 0:
        return gpu_step(train_face(**common))
    task = train_face_distributed(**common, nodes=nodes, local_procs=settings.local_procs(),
                                  trainer_image=settings.image(gpu=True), staging_uri=settings.staging_uri())
    task.set_cpu_request(os.environ.get("PAPERLINE_TRAIN_CPU", "4"))
    task.set_memory_request(os.environ.get("PAPERLINE_TRAIN_MEMORY", "16Gi"))
    return gpu_step(task)
