from kfp.dsl import Dataset, Input, Markdown, Metrics, Output

from ._base import component


@component
def validate_face(dataset: Input[Dataset], image_size: int, min_identities: int, min_images_per_identity: int,
                  report: Output[Markdown], metrics: Output[Metrics]):
    """Great Expectations suite for face datasets; a failed suite fails the step after writing the report."""
    from paperline.errors import task_errors

    with task_errors():
        import os
        import shutil

        from paperline.stages import face

        report_dir = os.path.join(os.path.dirname(report.path), "validation")
        try:
            stats = face.validate(dataset.path, report_dir, image_size, min_identities, min_images_per_identity)
        finally:
            if os.path.exists(os.path.join(report_dir, "report.md")):
                shutil.copy(os.path.join(report_dir, "report.md"), report.path)
        for k in ("images", "identities", "pairs", "failed_expectations"):
            metrics.log_metric(k, stats[k])
