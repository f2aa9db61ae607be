"""The face-recognition DAG every face paper shares: ingest → validate → train → embed → evaluate →
index-build → register → promote (evaluate and index-build read the one embeddings artifact). A paper
differs by its parameters (head, schedule, ...), so its pipeline module is one call:
`pipeline = face_pipeline(PAPER)`. Search-Softmax puts its search
rounds before the training step and reuses the rest (`face_head` and `face_tail`)."""

from typing import NamedTuple

from paperline.components.face import embed_face, evaluate_face, index_build_face, validate_face
from paperline.components.platform import ingest, promote_model, register_model
from paperline.core.papers import get_paper
from paperline.pipelines import cluster
from paperline.pipelines.paper import paper_pipeline

Outputs = NamedTuple("Outputs", accuracy=float, run_id=str, version=str, decision=str)


def face_head(p):
    """ingest → validate; returns both tasks."""
    data = ingest(data_path=p.data_path, data_repo=p.data_repo, data_rev=p.data_rev)
    checked = validate_face(dataset=data.outputs["dataset"], image_size=p.image_size,
                            min_identities=p.min_identities, min_images_per_identity=p.min_images_per_identity)
    return data, checked


def face_tail(data, trained, model_name, image_size, others=()):
    """evaluate → index-build → register → promote after a training task; sets caching and cluster
    options on these and on `others` (the earlier tasks); returns the pipeline's outputs."""
    embedded = embed_face(dataset=data.outputs["dataset"], model=trained.outputs["model"],
                          run_id=trained.outputs["Output"], image_size=image_size)
    vectors = embedded.outputs["embeddings"]
    evaluated = evaluate_face(dataset=data.outputs["dataset"], embeddings=vectors, run_id=trained.outputs["Output"])
    indexed = index_build_face(dataset=data.outputs["dataset"], embeddings=vectors,
                               run_id=trained.outputs["Output"]).after(evaluated)
    registered = register_model(model=trained.outputs["model"], run_id=trained.outputs["Output"],
                                model_name=model_name, metric=evaluated.outputs["accuracy"],
                                eval_md5=evaluated.outputs["eval_md5"]).after(indexed)
    promoted = promote_model(model_name=model_name, version=registered.output, dataset=data.outputs["dataset"])
    for side_effect in (trained, embedded, evaluated, indexed, registered, promoted):
        side_effect.set_caching_options(False)  # MLflow runs, registry versions and aliases
    for task in (*others, data, trained, embedded, evaluated, indexed, registered, promoted):
        cluster.cluster_task(task)
    return Outputs(evaluated.outputs["accuracy"], trained.outputs["Output"], registered.output, promoted.output)


def face_pipeline(paper_name: str):
    paper = get_paper(paper_name)

    @paper_pipeline(paper, Outputs)
    def pipeline(p) -> Outputs:
        data, checked = face_head(p)
        trained = cluster.face_train_task(paper.name, p.params, data.outputs["dataset"], p.image_size).after(checked)
        return face_tail(data, trained, p.model_name, p.image_size, others=(checked,))

    return pipeline
