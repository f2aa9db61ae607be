"""X2-Softmax (arXiv:2312.05281): the shared face DAG with the quadratic-target head."""

from paperline.pipelines.face import face_pipeline

pipeline = face_pipeline("x2-softmax")
