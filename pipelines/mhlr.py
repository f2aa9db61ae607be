"""MHLR (arXiv:2404.11118): the shared face DAG with the Moving Haar learning-rate scheduler."""

from paperline.pipelines.face import face_pipeline

pipeline = face_pipeline("mhlr")
