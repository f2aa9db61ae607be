"""Cluster settings applied per task; kfp.local ignores them, so the same pipeline runs in both places.

GPU count and pool labels are compile-time settings (KFP cannot take a GPU count as a run-time
parameter): PAPERLINE_GPUS (default 0 = CPU), PAPERLINE_GPU_NODE_LABEL, PAPERLINE_GPU_TAINT_KEY.
"""

import os

GPU_RESOURCE = "nvidia.com/gpu"


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
