"""Compiled pipelines: a golden file guards the DAG's structure; the YAML uses the project image."""

import json
import os
from pathlib import Path

import pytest
import yaml

from paperline.cli import params_table
from paperline.core.errors import ConfigError
from paperline.core.papers import get_paper
from paperline.runner import compile_pipeline

GOLDEN = Path(__file__).resolve().parents[2] / "pipelines" / "golden"


def dag_structure(spec: dict) -> dict:
    root = spec["root"]
    tasks = {}
    for name, t in sorted(root["dag"]["tasks"].items()):
        inputs = t.get("inputs", {})
        tasks[name] = {
            "component": t["componentRef"]["name"],
            "after": sorted(t.get("dependentTasks", [])),
            "parameters": sorted(inputs.get("parameters", {})),
            "artifacts": sorted(inputs.get("artifacts", {})),
            "caching": t.get("cachingOptions", {}).get("enableCache", False),
        }
    params = {k: v["parameterType"] for k, v in sorted(root["inputDefinitions"]["parameters"].items())}
    return {"pipeline": spec["pipelineInfo"]["name"], "parameters": params, "tasks": tasks,
            "outputs": sorted(root.get("outputDefinitions", {}).get("parameters", {}))}


KFP_TYPES = {int: "NUMBER_INTEGER", float: "NUMBER_DOUBLE", bool: "BOOLEAN", str: "STRING", list: "LIST"}


@pytest.mark.parametrize("paper", ["mv-softmax", "x2-softmax", "search-softmax", "mhlr", "f2c", "poseface",
                                   "jd-landmark", "lapa", "kdctime", "swing", "weak-asr", "pts-tracking",
                                   "giu-gan"])
def test_dag_matches_golden_and_every_parameter_is_a_typed_documented_input(tmp_path, paper):
    spec = next(yaml.safe_load_all(compile_pipeline(paper, tmp_path).read_text()))
    got = dag_structure(spec)
    golden = GOLDEN / f"{paper}.json"
    if os.environ.get("UPDATE_GOLDEN"):
        golden.write_text(json.dumps(got, indent=2) + "\n")
    assert got == json.loads(golden.read_text())

    # the run form's fields are what `paperline params` lists: names, types, defaults, meanings
    inputs = spec["root"]["inputDefinitions"]["parameters"]
    declared = get_paper(paper).parameters()
    assert set(inputs) == set(declared) and "config" not in inputs
    table = params_table(paper)
    for name, p in declared.items():
        field = inputs[name]
        assert field["parameterType"] == KFP_TYPES[p.type], name
        assert field["defaultValue"] == p.default, name  # KFP writes 8 as 8.0: equal either way
        assert field["description"] == p.help and p.help, name
        assert f"  {name} " in table, name


def test_poseface_defaults_to_its_frontal_heavy_dataset(tmp_path):
    root = next(yaml.safe_load_all(compile_pipeline("poseface", tmp_path).read_text()))["root"]
    assert root["inputDefinitions"]["parameters"]["data_path"]["defaultValue"] == "data/face-pose"


def test_kdctime_fans_the_teacher_members_out_in_a_parallel_for(tmp_path):
    spec = next(yaml.safe_load_all(compile_pipeline("kdctime", tmp_path).read_text()))
    loop = next(t for name, t in spec["root"]["dag"]["tasks"].items() if name.startswith("for-loop"))
    assert loop["parameterIterator"]["items"]["inputParameter"].endswith("plan-teacher-Output")
    body = spec["components"][loop["componentRef"]["name"]]["dag"]["tasks"]
    assert list(body) == ["train-teacher-member"]
    tasks = spec["root"]["dag"]["tasks"]
    assert "for-loop" in " ".join(tasks["assemble-teacher"]["dependentTasks"])
    # nothing trains before the data passed validation: the member fan-out waits on the plan, the plan
    # and ROCKET on validate-ucr
    assert "validate-ucr" in tasks["plan-teacher"]["dependentTasks"]
    assert "validate-ucr" in tasks["fit-rocket"]["dependentTasks"]


def test_weak_asr_fans_ocr_and_ablations_out_and_asks_gpus_only_for_training(tmp_path, monkeypatch):
    monkeypatch.setenv("PAPERLINE_GPUS", "1")
    spec = next(yaml.safe_load_all(compile_pipeline("weak-asr", tmp_path).read_text()))
    tasks = spec["root"]["dag"]["tasks"]
    loops = {name: t for name, t in tasks.items() if name.startswith("for-loop")}
    bodies = {list(spec["components"][t["componentRef"]["name"]]["dag"]["tasks"])[0]:
              t["parameterIterator"]["items"]["inputParameter"] for t in loops.values()}
    assert bodies == {"ocr-subtitles": "pipelinechannel--plan-ocr-shards-Output",
                      "train-variant": "pipelinechannel--plan-variants-Output"}
    assert "validate-videos" in tasks["plan-ocr-shards"]["dependentTasks"]
    assert "validate-videos" in tasks["plan-variants"]["dependentTasks"]
    executors = spec["deploymentSpec"]["executors"]
    gpu = {name for name, e in executors.items() if "nvidia.com/gpu" in json.dumps(e)}
    assert gpu == {"exec-filter-weak", "exec-train-weak-asr", "exec-train-variant"}


def test_pts_tracking_fans_the_trackers_out_after_training_and_asks_a_gpu_only_to_train(tmp_path, monkeypatch):
    monkeypatch.setenv("PAPERLINE_GPUS", "1")
    spec = next(yaml.safe_load_all(compile_pipeline("pts-tracking", tmp_path).read_text()))
    tasks = spec["root"]["dag"]["tasks"]
    loop = next(t for name, t in tasks.items() if name.startswith("for-loop"))
    body = spec["components"][loop["componentRef"]["name"]]["dag"]["tasks"]
    assert list(body) == ["track"]
    assert loop["parameterIterator"]["items"]["inputParameter"] == "pipelinechannel--plan-trackers-Output"
    assert {"train-siamese", "plan-trackers"} <= set(loop["dependentTasks"])
    assert "validate-sequences" in tasks["train-siamese"]["dependentTasks"]
    assert "evaluate-tracking" in tasks["register-model"]["dependentTasks"]
    executors = spec["deploymentSpec"]["executors"]
    assert {name for name, e in executors.items() if "nvidia.com/gpu" in json.dumps(e)} == {"exec-train-siamese"}


def test_giu_gan_trains_every_model_in_a_parallel_for_on_gpus_after_the_feature_extractor(tmp_path, monkeypatch):
    monkeypatch.setenv("PAPERLINE_GPUS", "1")
    spec = next(yaml.safe_load_all(compile_pipeline("giu-gan", tmp_path).read_text()))
    tasks = spec["root"]["dag"]["tasks"]
    loop = next(t for name, t in tasks.items() if name.startswith("for-loop"))
    body = spec["components"][loop["componentRef"]["name"]]["dag"]["tasks"]
    assert list(body) == ["train-gan"]
    assert loop["parameterIterator"]["items"]["inputParameter"] == "pipelinechannel--plan-models-Output"
    assert {"train-feature-extractor", "plan-models"} <= set(loop["dependentTasks"])
    assert "validate-images" in tasks["train-feature-extractor"]["dependentTasks"]
    assert "evaluate-gans" in tasks["register-model"]["dependentTasks"]
    executors = spec["deploymentSpec"]["executors"]
    assert {name for name, e in executors.items() if "nvidia.com/gpu" in json.dumps(e)} == {
        "exec-train-feature-extractor", "exec-train-gan"}


def test_swing_publishes_and_registers_only_after_evaluation(tmp_path):
    """The index reaches the object store and the registry only once validation, the split, the build
    and the evaluation passed; the build step asks the cluster for CPU and memory."""
    spec = next(yaml.safe_load_all(compile_pipeline("swing", tmp_path).read_text()))
    tasks = spec["root"]["dag"]["tasks"]
    assert "evaluate-product-graph" in tasks["publish-index"]["dependentTasks"]
    assert "publish-index" in tasks["register-model"]["dependentTasks"]
    assert "validate-interactions" in tasks["split-by-time"]["dependentTasks"]
    executor = spec["deploymentSpec"]["executors"]["exec-build-product-graph"]["container"]
    assert executor["resources"]["cpuRequest"] == 2 and executor["resources"]["memoryRequest"] == 4


@pytest.mark.parametrize("paper, component, views", [
    ("mv-softmax", "comp-evaluate-face", {"roc": "system.ClassificationMetrics", "metrics": "system.Metrics"}),
    ("kdctime", "comp-evaluate-timeseries", {"confusion": "system.ClassificationMetrics", "metrics": "system.Metrics"}),
    ("lapa", "comp-evaluate-parsing", {"confusion": "system.ClassificationMetrics", "metrics": "system.Metrics"}),
    ("jd-landmark", "comp-evaluate-landmarks", {"metrics": "system.Metrics"}),
    ("swing", "comp-evaluate-product-graph", {"metrics": "system.Metrics"})])
def test_every_evaluate_step_declares_the_kfp_views_it_writes(tmp_path, paper, component, views):
    spec = next(yaml.safe_load_all(compile_pipeline(paper, tmp_path).read_text()))
    outputs = spec["components"][component]["outputDefinitions"]["artifacts"]
    assert {k: v["artifactType"]["schemaTitle"] for k, v in outputs.items() if k in views} == views
    assert any(v["artifactType"]["schemaTitle"] in ("system.HTML", "system.Markdown") for v in outputs.values())


def test_a_cluster_compile_takes_the_dataset_location_from_settings(tmp_path, monkeypatch):
    monkeypatch.setenv("PAPERLINE_DATA_REPO", "https://git.example.org/ml/paperline.git")
    monkeypatch.setenv("PAPERLINE_DATA_REV", "data-v3")
    inputs = next(yaml.safe_load_all(compile_pipeline("lapa", tmp_path, cluster=True).read_text()))[
        "root"]["inputDefinitions"]["parameters"]
    assert inputs["data_repo"]["defaultValue"] == "https://git.example.org/ml/paperline.git"
    assert inputs["data_rev"]["defaultValue"] == "data-v3"
    assert inputs["data_path"]["defaultValue"] == "data/parsing/lapa"  # inside that repository

    monkeypatch.delenv("PAPERLINE_DATA_REPO")
    monkeypatch.setenv("PAPERLINE_DATA_ROOT", "s3://team-data/paperline/")
    inputs = next(yaml.safe_load_all(compile_pipeline("lapa", tmp_path, cluster=True).read_text()))[
        "root"]["inputDefinitions"]["parameters"]
    assert inputs["data_path"]["defaultValue"] == "s3://team-data/paperline/data/parsing/lapa"
    assert inputs["data_repo"]["defaultValue"] == ""

    # the local compile keeps the embedded default
    local = next(yaml.safe_load_all(compile_pipeline("lapa", tmp_path, cluster=False).read_text()))
    assert local["root"]["inputDefinitions"]["parameters"]["data_path"]["defaultValue"] == "data/parsing/lapa"


def test_a_cluster_compile_refuses_a_dataset_a_pod_cannot_read(tmp_path, monkeypatch):
    for key in ("PAPERLINE_DATA_REPO", "PAPERLINE_DATA_ROOT"):
        monkeypatch.delenv(key, raising=False)
    monkeypatch.setenv("PAPERLINE_IMAGE", "reg.local/p/cpu:7")  # a cluster compile
    with pytest.raises(ConfigError, match="'data/face' is a local path.*PAPERLINE_DATA_REPO.*PAPERLINE_DATA_ROOT"):
        compile_pipeline("mv-softmax", tmp_path)
    monkeypatch.setenv("PAPERLINE_DATA_REPO", str(tmp_path))
    with pytest.raises(ConfigError, match="is a path on this machine.*git URL"):
        compile_pipeline("mv-softmax", tmp_path)
    # a submit naming an object-store dataset needs no default
    monkeypatch.delenv("PAPERLINE_DATA_REPO")
    assert compile_pipeline("mv-softmax", tmp_path, {"data_path": "s3://b/face"}).is_file()


def test_swing_index_root_default_is_set_at_compile_time(tmp_path, monkeypatch):
    monkeypatch.setenv("PAPERLINE_INDEX_ROOT", "s3://paperline/indexes")
    spec = next(yaml.safe_load_all(compile_pipeline("swing", tmp_path).read_text()))
    assert spec["root"]["inputDefinitions"]["parameters"]["index_root"]["defaultValue"] == "s3://paperline/indexes"


def test_compiled_yaml_uses_the_project_image_and_installs_nothing(tmp_path, monkeypatch):
    monkeypatch.setenv("PAPERLINE_IMAGE", "registry.local/paperline/cpu:9.9")
    monkeypatch.setenv("PAPERLINE_DATA_ROOT", "s3://paperline/datasets")
    text = compile_pipeline("mv-softmax", tmp_path).read_text()
    spec = next(yaml.safe_load_all(text))
    images = {e["container"]["image"] for e in spec["deploymentSpec"]["executors"].values()}
    assert images == {"registry.local/paperline/cpu:9.9"}
    assert "pip install" not in text


def test_gpu_settings_appear_only_when_asked(tmp_path, monkeypatch):
    monkeypatch.setenv("PAPERLINE_GPUS", "2")
    text = compile_pipeline("mv-softmax", tmp_path).read_text()
    assert "nvidia.com/gpu" in text and "tolerations" in text
    monkeypatch.delenv("PAPERLINE_GPUS")
    assert "nvidia.com/gpu" not in compile_pipeline("mv-softmax", tmp_path / "cpu").read_text()


def test_every_task_gets_credentials_from_a_secret_and_no_value_leaks(tmp_path, monkeypatch):
    for key, value in {"AWS_SECRET_ACCESS_KEY": "leak-me-secret-123", "AWS_ACCESS_KEY_ID": "leak-me-id-456",
                       "MLFLOW_TRACKING_URI": "http://user:leak-me-pw@mlflow:5000"}.items():
        monkeypatch.setenv(key, value)
    text = compile_pipeline("mv-softmax", tmp_path).read_text()
    assert "leak-me" not in text
    docs = list(yaml.safe_load_all(text))
    platform = docs[1]["platforms"]["kubernetes"]["deploymentSpec"]["executors"]
    spec = docs[0]
    assert set(platform) == set(spec["deploymentSpec"]["executors"])  # every task
    for executor in platform.values():
        envs = {e["envVar"] for s in executor["secretAsEnv"] for e in s["keyToEnv"]}
        assert {"MLFLOW_TRACKING_URI", "AWS_SECRET_ACCESS_KEY", "AWS_ENDPOINT_URL"} <= envs
        assert executor["podMetadata"]["labels"] == {"paperline.dev/role": "pipeline"}


def test_pipeline_root_and_image_from_the_compile_command(tmp_path, monkeypatch):
    from typer.testing import CliRunner

    monkeypatch.setenv("PAPERLINE_PIPELINE_ROOT", "")  # restored after the test; the CLI sets both
    monkeypatch.setenv("PAPERLINE_IMAGE", "paperline/paperline-cpu:0.1.0")
    monkeypatch.setenv("PAPERLINE_DATA_ROOT", "s3://paperline/datasets")

    from paperline.cli import app

    res = CliRunner().invoke(app, ["compile", "mv-softmax", "-o", str(tmp_path), "--pipeline-root",
                                   "s3://paperline/pipeline-root", "--image", "reg.local/p/cpu:7"])
    assert res.exit_code == 0, res.output
    spec = next(yaml.safe_load_all((tmp_path / "mv-softmax.yaml").read_text()))
    assert spec["defaultPipelineRoot"] == "s3://paperline/pipeline-root"
    assert {e["container"]["image"] for e in spec["deploymentSpec"]["executors"].values()} == {"reg.local/p/cpu:7"}


def test_distributed_training_is_a_launcher_whose_task_settings_pass_through(tmp_path, monkeypatch):
    monkeypatch.setenv("PAPERLINE_TRAIN_NODES", "2")
    monkeypatch.setenv("PAPERLINE_GPUS", "4")
    monkeypatch.setenv("PAPERLINE_CUDA_IMAGE", "reg.local/paperline-cuda:3")
    monkeypatch.setenv("PAPERLINE_STAGING_URI", "s3://team-bucket/stage")
    docs = list(yaml.safe_load_all(compile_pipeline("mv-softmax", tmp_path).read_text()))
    spec, platform = docs[0], docs[1]["platforms"]["kubernetes"]["deploymentSpec"]["executors"]
    passthrough = spec["components"]["comp-train-face-distributed"]["taskConfigPassthroughs"]
    assert {p["field"]: p.get("applyToTask", False) for p in passthrough} == {
        "RESOURCES": False, "KUBERNETES_NODE_SELECTOR": False, "KUBERNETES_TOLERATIONS": False, "ENV": True}
    tasks = spec["root"]["dag"]["tasks"]
    assert "train-face" not in tasks
    params = tasks["train-face-distributed"]["inputs"]["parameters"]
    assert params["nodes"]["runtimeValue"]["constant"] == 2
    assert params["trainer_image"]["runtimeValue"]["constant"] == "reg.local/paperline-cuda:3"
    assert params["staging_uri"]["runtimeValue"]["constant"] == "s3://team-bucket/stage"
    assert tasks["embed-face"]["inputs"]["artifacts"]["model"]["taskOutputArtifact"]["producerTask"] == \
        "train-face-distributed"
    launcher = spec["deploymentSpec"]["executors"]["exec-train-face-distributed"]["container"]
    assert launcher["image"] != "reg.local/paperline-cuda:3"  # the launcher pod itself is light
    assert launcher["resources"]["accelerator"]["resourceCount"] == "4"  # forwarded to the TrainJob's nodes
    assert platform["exec-train-face-distributed"]["tolerations"][0]["key"] == "nvidia.com/gpu"
