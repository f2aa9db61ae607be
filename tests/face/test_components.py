"""Each component body through `.python_func`, with real artifacts on disk (the KFP unit-test pattern)."""

import json

import pytest
from kfp import dsl

from paperline.components.face import embed_face, evaluate_face, index_build_face, train_face, validate_face
from paperline.components.platform import ingest, promote_model, register_model
from paperline.core.config import params_text
from paperline.core.errors import ValidationFailed

TINY_CFG = {"width": 0.25, "input_size": 32, "embedding_size": 16, "batch_size": 8, "epochs": 1, "threads": 1}


def test_validate_writes_markdown_and_metrics(tiny_dataset, tmp_path):
    report, metrics = dsl.Markdown(uri=str(tmp_path / "report")), dsl.Metrics(uri=str(tmp_path / "m"))
    validate_face.python_func(dataset=dsl.Dataset(uri=str(tiny_dataset)), image_size=112, min_identities=2,
                              min_images_per_identity=2, report=report, metrics=metrics)
    assert "PASSED" in (tmp_path / "report").read_text()
    assert metrics.metadata["identities"] == 8 and metrics.metadata["failed_expectations"] == 0


def test_validate_failure_still_leaves_the_report(dataset_copy, tmp_path):
    next((dataset_copy / "train" / "images").rglob("*.jpg")).write_bytes(b"broken")
    with pytest.raises(ValidationFailed):
        validate_face.python_func(dataset=dsl.Dataset(uri=str(dataset_copy)), image_size=112, min_identities=2,
                                  min_images_per_identity=2, report=dsl.Markdown(uri=str(tmp_path / "report")),
                                  metrics=dsl.Metrics(uri=str(tmp_path / "m")))
    assert "FAILED" in (tmp_path / "report").read_text()


def test_train_evaluate_index_register_promote_chain(tiny_dataset, tmp_path, home):
    data = dsl.Dataset(uri=str(tmp_path / "dataset"))
    ingest.python_func(data_path=str(tiny_dataset), data_repo="", data_rev="", dataset=data)
    assert data.metadata["data_md5"] and data.metadata["data_uri"].startswith("file://")

    model, tmetrics = dsl.Model(uri=str(tmp_path / "train" / "model")), dsl.Metrics(uri=str(tmp_path / "tm"))
    treport = dsl.HTML(uri=str(tmp_path / "train" / "report"))
    run_id = train_face.python_func(paper="mv-softmax", params=params_text(TINY_CFG), dataset=data,
                                    kfp_run_id="job-42", image_size=112, model=model, metrics=tmetrics,
                                    report=treport)
    assert model.metadata["mlflow_run_id"] == run_id and "loss" in tmetrics.metadata
    assert {"target_cosine", "hard_share", "probe_mean_norm", "impostor_cosine"} <= set(tmetrics.metadata)
    assert "collapse diagnostics" in (tmp_path / "train" / "report").read_text()

    vectors = dsl.Dataset(uri=str(tmp_path / "emb" / "embeddings"))
    embed_face.python_func(dataset=data, model=model, run_id=run_id, image_size=112, embeddings=vectors)
    assert vectors.metadata["images"] == 60 and vectors.metadata["embedding_size"] == 16

    report, summary = dsl.HTML(uri=str(tmp_path / "ev" / "report")), dsl.Markdown(uri=str(tmp_path / "ev" / "md"))
    roc, metrics = dsl.ClassificationMetrics(uri=str(tmp_path / "ev" / "roc")), dsl.Metrics(uri=str(tmp_path / "em"))
    out = evaluate_face.python_func(dataset=data, embeddings=vectors, run_id=run_id, metrics=metrics, roc=roc,
                                    report=report, summary=summary)
    assert 0.0 <= out.accuracy <= 1.0 and len(out.eval_md5) == 32
    assert "data:image/png;base64" in (tmp_path / "ev" / "report").read_text()
    # the ROC in KFP's own view: what the UI reads, monotone from (0, 0) to (1, 1)
    curve = roc.metadata["confidenceMetrics"]
    fpr, tpr = [p["falsePositiveRate"] for p in curve], [p["recall"] for p in curve]
    assert len(curve) == 101 and fpr == sorted(fpr) and tpr == sorted(tpr) and fpr[-1] == tpr[-1] == 1.0
    assert metrics.metadata["verification_accuracy"] == out.accuracy

    index = dsl.Artifact(uri=str(tmp_path / "ix" / "index"))
    imetrics = dsl.Metrics(uri=str(tmp_path / "im"))
    index_build_face.python_func(dataset=data, embeddings=vectors, run_id=run_id, index=index, metrics=imetrics)
    assert imetrics.metadata["gallery_size"] == 20 and 0 <= imetrics.metadata["rank1"] <= 1

    version = register_model.python_func(model=model, run_id=run_id, model_name="comp-test", metric=out.accuracy,
                                         eval_md5=out.eval_md5)
    decision = promote_model.python_func(model_name="comp-test", version=version, dataset=data)
    assert decision == "promoted"

    from paperline.core import experiments
    run = experiments.client().get_run(run_id)
    tags = run.data.tags
    assert tags["paper"] == "mv-softmax" and tags["kfp.run_id"] == "job-42"
    assert tags["data_md5"] == data.metadata["data_md5"] and tags["git_sha"]
    assert run.data.params["head"] == "mv_am" and run.info.status == "FINISHED"
    assert run.info.run_name == "mv-softmax width=0.25 input_size=32 embedding_size=16 epochs=1 batch_size=8 threads=1"
    assert [m.step for m in experiments.client().get_metric_history(run_id, "loss")] == [1]
    # the registered model is a python-function model from code: it loads back and embeds, and
    # nothing in it was pickled
    import mlflow.pyfunc
    import numpy as np
    import torch

    loaded = mlflow.pyfunc.load_model("models:/comp-test@champion")
    emb = loaded.predict(np.zeros((2, 3, 32, 32), np.float32))
    assert emb.shape == (2, 16) and np.allclose(np.linalg.norm(emb, axis=1), 1, atol=1e-5)
    local = mlflow.artifacts.download_artifacts("models:/comp-test@champion", dst_path=str(tmp_path / "dl"))
    files = {p.name for p in __import__("pathlib").Path(local).rglob("*")}
    assert "python_model.py" in files or "mlflow_model.py" in files, files
    assert not {f for f in files if f.endswith((".pkl", ".pickle", ".cloudpickle"))}, files
    # the index artifact loads back and answers queries
    from paperline.face.gallery import GalleryIndex
    idx = GalleryIndex(index.path)
    assert len(json.loads((tmp_path / "ix" / "index" / "labels.json").read_text())) == 20
    assert len(idx.query(torch.nn.functional.normalize(torch.randn(2, 16), dim=1).numpy(), 3)[0]) == 3
