"""PoseFace (arXiv:2107.11721): the shared face DAG on the frontal-heavy `data/face-pose`; training
reads each image's landmarks, evaluation adds frontal-profile pairs and accuracy by yaw (every face
paper's evaluation reports them where the verification set has them)."""

from paperline.pipelines.face import face_pipeline

pipeline = face_pipeline("poseface")
