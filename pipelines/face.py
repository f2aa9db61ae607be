"""The face-recognition DAG every face paper shares: ingest → validate → train → evaluate →
index-build → register → promote. A paper differs by its training config (head, schedule, ...), so
its pipeline module is one call: `pipeline = face_pipeline(PAPER)`. Search-Softmax puts its search
rounds before the training step and reuses the rest (`face_head` and `face_tail`)."""

from typing import NamedTuple

from kfp import dsl

from paperline.components.face import evaluate_face, index_build_face, validate_face
from paperline.components.platform import ingest, promote_model, register_model
from paperline.core import settings
from paperline.core.papers import get_paper
from paperline.pipelines import cluster

Outputs = NamedTuple("Outputs", accuracy=float, run_id=str, version=str, decision=str)


def face_head(data_path, data_repo, data_rev, image_size, min_identities, min_images_per_identity):
    """ingest → validate; returns both tasks."""
    data = ingest(data_path=data_path, data_repo=data_repo, data_rev=data_rev)
    checked = validate_face(dataset=data.outputs["dataset"], image_size=image_size,
                            min_identities=min_identities, min_images_per_identity=min_images_per_identity)
    return data, checked


def face_tail(data, trained, model_name, image_size, others=()):
    """evaluate → index-build → register → promote after a training task; sets caching and cluster
    options on these and on `others` (the earlier tasks); returns the pipeline's outputs."""
    evaluated = evaluate_face(dataset=data.outputs["dataset"], model=trained.outputs["model"],
                              run_id=trained.outputs["Output"], image_size=image_size)
    indexed = index_build_face(dataset=data.outputs["dataset"], model=trained.outputs["model"],
                               run_id=trained.outputs["Output"], image_size=image_size).after(evaluated)
    registered = register_model(model=trained.outputs["model"], run_id=trained.outputs["Output"],
                                model_name=model_name, metric=evaluated.outputs["accuracy"],
                                eval_md5=evaluated.outputs["eval_md5"]).after(indexed)
    promoted = promote_model(model_name=model_name, version=registered.output, dataset=data.outputs["dataset"])
    for side_effect in (trained, evaluated, indexed, registered, promoted):
        side_effect.set_caching_options(False)  # MLflow runs, registry versions and aliases
    for task in (*others, data, trained, evaluated, indexed, registered, promoted):
        cluster.cluster_task(task)
    return Outputs(evaluated.outputs["accuracy"], trained.outputs["Output"], registered.output, promoted.output)


def face_pipeline(paper_name: str):
    paper = get_paper(paper_name)

    @dsl.pipeline(name=paper.name, pipeline_root=settings.pipeline_root(), description=paper.description)
    def pipeline(data_path: str = paper.data_path, data_repo: str = "", data_rev: str = "", config: dict = {},
                 model_name: str = paper.model_name, image_size: int = 112, min_identities: int = 2,
                 min_images_per_identity: int = 2) -> Outputs:
        data, checked = face_head(data_path, data_repo, data_rev, image_size, min_identities,
                                  min_images_per_identity)
        trained = cluster.face_train_task(paper.name, config, data.outputs["dataset"], image_size).after(checked)
        return face_tail(data, trained, model_name, image_size, others=(checked,))

    return pipeline
