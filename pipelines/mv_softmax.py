"""MV-Softmax (arXiv:1912.00833): the shared face DAG with the MV-AM head."""

from paperline.pipelines.face import face_pipeline

pipeline = face_pipeline("mv-softmax")
