"""F²C (arXiv:2105.10375): the shared face DAG; training uses the Dynamic Class Pool trainer."""

from paperline.pipelines.face import face_pipeline

pipeline = face_pipeline("f2c")
