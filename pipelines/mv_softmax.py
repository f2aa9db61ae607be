"""MV-Softmax (arXiv:1912.00833): ingest → validate → train → evaluate → index-build → register → promote."""

from typing import NamedTuple

from kfp import dsl

from paperline import settings
from paperline.components.evaluate import evaluate_face
from paperline.components.index_build import index_build_face
from paperline.components.ingest import ingest
from paperline.components.promote import promote_face
from paperline.components.register import register_face
from paperline.components.validate import validate_face
from paperline.pipelines import cluster

PAPER = "mv-softmax"


@dsl.pipeline(name=PAPER, pipeline_root=settings.pipeline_root(),
              description="MV-Softmax face recognition: train, verify (LFW protocol), index, register, promote")
def pipeline(data_path: str = "data/face", data_repo: str = "", data_rev: str = "", config: dict = {},
             model_name: str = "paperline-mv-softmax", image_size: int = 112, min_identities: int = 2,
             min_images_per_identity: int = 2
             ) -> NamedTuple("Outputs", accuracy=float, run_id=str, version=str, decision=str):
    data = ingest(data_path=data_path, data_repo=data_repo, data_rev=data_rev)
    checked = validate_face(dataset=data.outputs["dataset"], image_size=image_size, min_identities=min_identities,
                            min_images_per_identity=min_images_per_identity)
    trained = cluster.face_train_task(PAPER, config, data.outputs["dataset"], image_size).after(checked)
    evaluated = evaluate_face(dataset=data.outputs["dataset"], model=trained.outputs["model"],
                              run_id=trained.outputs["Output"], image_size=image_size)
    indexed = index_build_face(dataset=data.outputs["dataset"], model=trained.outputs["model"],
                               run_id=trained.outputs["Output"], image_size=image_size).after(evaluated)
    registered = register_face(model=trained.outputs["model"], run_id=trained.outputs["Output"],
                               model_name=model_name, accuracy=evaluated.outputs["accuracy"],
                               eval_md5=evaluated.outputs["eval_md5"]).after(indexed)
    promoted = promote_face(model_name=model_name, version=registered.output, dataset=data.outputs["dataset"],
                            image_size=image_size)
    for side_effect in (trained, evaluated, indexed, registered, promoted):
        side_effect.set_caching_options(False)  # MLflow runs, registry versions and aliases
    for task in (data, checked, trained, evaluated, indexed, registered, promoted):
        cluster.cluster_task(task)
    Outputs = NamedTuple("Outputs", accuracy=float, run_id=str, version=str, decision=str)
    return Outputs(evaluated.outputs["accuracy"], trained.outputs["Output"], registered.output, promoted.output)
