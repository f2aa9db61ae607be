"""The TrainJob the launcher creates, and its wait loop, against an in-memory CustomObjectsApi."""

import pytest

from paperline.core.errors import PaperlineError
from paperline.core.trainjob import GROUP, RUNTIME, run_trainjob, trainjob_manifest
from paperline.face.train_entry import ENTRY, entry_args


class FakeApi:
    def __init__(self, states):
        self.states, self.created, self.deleted = list(states), [], []

    def create_namespaced_custom_object(self, group, version, ns, plural, body):
        assert (group, version, plural) == (GROUP, "v1alpha1", "trainjobs")
        self.created.append((ns, body))

    def get_namespaced_custom_object(self, group, version, ns, plural, name):
        state = self.states.pop(0) if len(self.states) > 1 else self.states[0]
        return {"metadata": {"name": name}, "status": {"conditions": [state] if state else []}}

    def delete_namespaced_custom_object(self, group, version, ns, plural, name):
        self.deleted.append(name)


def _manifest():
    return trainjob_manifest("mv-1", "reg/paperline-cuda:1", ENTRY, entry_args("/ws/data", "/ws/out", '{"epochs": 2}'),
                             nodes=2, gpus_per_node=4)


def test_manifest_targets_the_runtime_with_gpus_and_the_entrypoint():
    m = _manifest()
    assert m["kind"] == "TrainJob" and m["apiVersion"] == "trainer.kubeflow.org/v1alpha1"
    assert m["spec"]["runtimeRef"] == {"name": RUNTIME, "kind": "TrainingRuntime", "apiGroup": GROUP}
    t = m["spec"]["trainer"]
    assert t["numNodes"] == 2 and t["resourcesPerNode"]["limits"] == {"nvidia.com/gpu": "4"}
    assert t["command"] == ["torchrun", "-m", "paperline.face.train_entry"] and "--config" in t["args"]
    assert "resourcesPerNode" not in trainjob_manifest("cpu", "img", ENTRY, [], gpus_per_node=0)["spec"]["trainer"]


def test_waits_until_complete():
    api = FakeApi([None, {"type": "Created", "status": "True"}, {"type": "Complete", "status": "True"}])
    obj = run_trainjob(_manifest(), "team-a", api=api, poll_s=0, log=lambda *_: None)
    assert obj["metadata"]["name"] == "mv-1" and api.created[0][0] == "team-a"


def test_failure_and_timeout_are_clear_and_timeouts_clean_up():
    api = FakeApi([{"type": "Failed", "status": "True", "reason": "PodFailed", "message": "OOMKilled"}])
    with pytest.raises(PaperlineError, match="failed: PodFailed OOMKilled"):
        run_trainjob(_manifest(), "ns", api=api, poll_s=0, log=lambda *_: None)
    api = FakeApi([None])
    with pytest.raises(PaperlineError, match="did not finish"):
        run_trainjob(_manifest(), "ns", api=api, timeout_s=0, poll_s=0, log=lambda *_: None)
    assert api.deleted == ["mv-1"]
