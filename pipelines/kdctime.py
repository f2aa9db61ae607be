"""KDCTime (arXiv:2112.02291): ingest a UCR dataset → validate → train the InceptionTime members (a
ParallelFor) → assemble the teacher and its soft labels → calibrate (the variant's targets) → distil the
student → evaluate against the teacher and ROCKET (fitted in the same run) → register → promote."""

from typing import NamedTuple

from kfp import dsl

from paperline.components.platform import ingest, promote_model, register_model
from paperline.components.timeseries import (
    assemble_teacher,
    calibrate_targets,
    evaluate_timeseries,
    fit_rocket,
    plan_teacher,
    train_student,
    train_teacher_member,
    validate_ucr,
)
from paperline.core.papers import get_paper
from paperline.pipelines import cluster
from paperline.pipelines.paper import paper_pipeline

PAPER = get_paper("kdctime")
Outputs = NamedTuple("Outputs", metric=float, run_id=str, version=str, decision=str)


@paper_pipeline(PAPER, Outputs)
def pipeline(p) -> Outputs:
    data = ingest(data_path=p.data_path, data_repo=p.data_repo, data_rev=p.data_rev)
    files = data.outputs["dataset"]
    checked = validate_ucr(dataset=files, name=p.dataset)
    plan = plan_teacher(paper=PAPER.name, params=p.params).after(checked)
    with dsl.ParallelFor(plan.output) as member:
        trained_member = train_teacher_member(paper=PAPER.name, params=p.params, dataset=files, name=p.dataset,
                                              member=member)
        cluster.gpu_step(trained_member)
    teacher = assemble_teacher(paper=PAPER.name, params=p.params, dataset=files, name=p.dataset,
                               members=dsl.Collected(trained_member.outputs["model"]))
    targets = calibrate_targets(paper=PAPER.name, params=p.params, soft_labels=teacher.outputs["soft_labels"])
    student = train_student(paper=PAPER.name, params=p.params, dataset=files, name=p.dataset,
                            targets=targets.outputs["targets"], teacher=teacher.outputs["teacher"],
                            kfp_run_id=dsl.PIPELINE_JOB_ID_PLACEHOLDER)
    cluster.gpu_step(student)
    rocket = fit_rocket(paper=PAPER.name, params=p.params, dataset=files, name=p.dataset).after(checked)
    evaluated = evaluate_timeseries(dataset=files, name=p.dataset, student=student.outputs["model"],
                                    teacher=teacher.outputs["teacher"], rocket=rocket.outputs["model"],
                                    run_id=student.outputs["Output"])
    registered = register_model(model=student.outputs["model"], run_id=student.outputs["Output"],
                                model_name=p.model_name, metric=evaluated.outputs["metric"],
                                eval_md5=evaluated.outputs["eval_md5"])
    promoted = promote_model(model_name=p.model_name, version=registered.output, dataset=files)
    for side_effect in (student, evaluated, registered, promoted):
        side_effect.set_caching_options(False)
    for task in (data, checked, plan, trained_member, teacher, targets, student, rocket, evaluated, registered,
                 promoted):
        cluster.cluster_task(task)
    return Outputs(evaluated.outputs["metric"], student.outputs["Output"], registered.output, promoted.output)
