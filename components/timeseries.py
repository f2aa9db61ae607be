"""KDCTime components: validate, plan and train the teacher members (a ParallelFor), assemble the
teacher, calibrate, train the student, fit ROCKET, evaluate (logic: paperline.timeseries.stages);
register and promote are the shared ones (components/platform.py)."""

from typing import List, NamedTuple

from kfp.dsl import HTML, ClassificationMetrics, Dataset, Input, Markdown, Metrics, Model, Output

from ._base import component, gpu_component


@component
def validate_ucr(dataset: Input[Dataset], name: str, report: Output[Markdown], metrics: Output[Metrics]):
    """Great Expectations suite on both splits: lengths, missing values, labels against the declared
    classes, test classes among the training ones, two classes or more."""
    from paperline.core.errors import task_errors

    with task_errors():
        from paperline.core.expectations import report_to
        from paperline.timeseries.validation import validate_ucr

        with report_to(report.path) as report_dir:
            stats = validate_ucr(dataset.path, name, report_dir)
        for k in ("train", "test", "classes"):
            metrics.log_metric(k, stats[k])


@component
def plan_teacher(paper: str, params: str) -> List[int]:
    """The member indices the ParallelFor fans out over (config `members`, InceptionTime's 5)."""
    from paperline.core.errors import task_errors

    with task_errors():
        from paperline.core.papers import get_paper

        cfg = get_paper(paper).configure(params)[0]
        cfg.check()
        return list(range(cfg.members))


@gpu_component
def train_teacher_member(paper: str, params: str, dataset: Input[Dataset], name: str, member: int,
                         model: Output[Model], metrics: Output[Metrics]):
    """One InceptionTime member on one-hot targets with its own seed."""
    from paperline.core.errors import task_errors

    with task_errors():
        from paperline.core.papers import get_paper
        from paperline.timeseries import stages

        cfg = get_paper(paper).configure(params)[0]
        info = stages.train_member(dataset.path, name, cfg, int(member), model.path)
        model.metadata.update({k: float(v) for k, v in info.items()})
        for k, v in info.items():
            metrics.log_metric(k, float(v))


@component
def assemble_teacher(paper: str, params: str, dataset: Input[Dataset], name: str, members: Input[List[Model]],
                     teacher: Output[Model], soft_labels: Output[Dataset], metrics: Output[Metrics]):
    """InceptionTime = the members' mean softmax; its soft labels on the training series at tau."""
    from paperline.core.errors import task_errors

    with task_errors():
        from paperline.core.papers import get_paper
        from paperline.timeseries import stages

        cfg = get_paper(paper).configure(params)[0]
        paths = [m.path for m in sorted(members, key=lambda m: m.metadata.get("member", 0))]
        info = stages.assemble_teacher(dataset.path, name, paths, cfg, teacher.path, soft_labels.path)
        losses = [m.metadata.get("train_loss") for m in members]
        info["teacher_member_mean_train_loss"] = sum(losses) / len(losses)
        teacher.metadata.update(info)
        for k, v in info.items():
            metrics.log_metric(k, float(v))


@component
def calibrate_targets(paper: str, params: str, soft_labels: Input[Dataset], targets: Output[Dataset],
                      metrics: Output[Metrics]):
    """The variant's targets: one-hot, smoothed, the teacher's soft labels, or those calibrated by
    translating (kdct) or reordering (kdcr) where the teacher is wrong."""
    from paperline.core.errors import task_errors

    with task_errors():
        from paperline.core.papers import get_paper
        from paperline.timeseries import stages

        cfg = get_paper(paper).configure(params)[0]
        stats = stages.calibrate(soft_labels.path, cfg, targets.path)
        targets.metadata.update(stats)
        for k, v in stats.items():
            if isinstance(v, (int, float)):
                metrics.log_metric(k, float(v))


@gpu_component
def train_student(paper: str, params: str, dataset: Input[Dataset], name: str, targets: Input[Dataset],
                  teacher: Input[Model], kfp_run_id: str, model: Output[Model], metrics: Output[Metrics]) -> str:
    """The single-net student on the calibrated targets; starts this run's MLflow run, returns its id."""
    from paperline.core.errors import task_errors

    with task_errors():
        from paperline.core.papers import get_paper
        from paperline.core.reports import log_numbers
        from paperline.timeseries import stages

        cfg, run_name = get_paper(paper).configure(params)
        info = {k: float(v) for k, v in {**teacher.metadata, **targets.metadata}.items()
                if isinstance(v, (int, float)) and not isinstance(v, bool)}
        run_id, history = stages.train_student(dataset.path, name, targets.path, cfg, model.path, paper,
                                                   kfp_run_id, dict(dataset.metadata), info, run_name=run_name)
        model.metadata.update({"mlflow_run_id": run_id, "model": "Inception (student)", "variant": cfg.variant})
        log_numbers(metrics, history[-1])
        return run_id


@component
def fit_rocket(paper: str, params: str, dataset: Input[Dataset], name: str, model: Output[Model],
               metrics: Output[Metrics]):
    """ROCKET (aeon) on the same split: the external baseline of the same run."""
    from paperline.core.errors import task_errors

    with task_errors():
        from paperline.core.papers import get_paper
        from paperline.timeseries import stages

        cfg = get_paper(paper).configure(params)[0]
        for k, v in stages.fit_rocket(dataset.path, name, cfg, model.path).items():
            metrics.log_metric(k, float(v))


@component
def evaluate_timeseries(dataset: Input[Dataset], name: str, student: Input[Model], teacher: Input[Model],
                        rocket: Input[Model], run_id: str, metrics: Output[Metrics],
                        confusion: Output[ClassificationMetrics], report: Output[HTML], summary: Output[Markdown]
                        ) -> NamedTuple("EvalOutputs", metric=float, eval_md5=str):
    """Accuracy of student, teacher and ROCKET on the test split; inference time per series of each,
    side by side in this one process; comparison plot (HTML for the KFP UI)."""
    from paperline.core.errors import task_errors

    with task_errors():
        import os
        from collections import namedtuple

        from paperline.core.experiments import failing_run
        from paperline.core.reports import to_kfp
        from paperline.timeseries import stages

        out = os.path.join(os.path.dirname(report.path), "evaluation")
        with failing_run(run_id):
            m = stages.evaluate(dataset.path, name, student.path, teacher.path, rocket.path, out, run_id,
                                    student.metadata.get("variant", ""))
        to_kfp(out, m, metrics, report, summary, confusion)
        return namedtuple("EvalOutputs", ["metric", "eval_md5"])(m[stages.METRIC], m["eval_data_md5"])
