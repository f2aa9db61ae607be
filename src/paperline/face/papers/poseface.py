"""PoseFace: pose-invariant features and a pose-adaptive loss for face recognition (arXiv:2107.11721).

Trainer: paperline.face.poseface (landmark-estimated yaw as side information to the shared trainer; the
PoseFace head splits identity and pose features and applies the pose-adaptive margin). No public code
or paper body was readable, so neither the paper's settings nor its table could be checked: the
embedded setting is ours, and `reference` is empty. The paper reports CFP-FP, CPLFW, Multi-PIE by yaw
and IJB-B/C after MS1M-class training with a ResNet (abstract).

Default data: `data/face-pose` (DVC stage face_pose_data), whose training set is frontal-heavy
(80 % of images within 30° of frontal, as web-crawled sets are) while verification covers ±90°.
"""

from paperline.core.papers import hook
from paperline.face.config import PoseFaceTrainConfig
from paperline.face.papers import face_paper


def figures(cfg: PoseFaceTrainConfig, out_dir) -> list:
    from paperline.face.plots import pose_margin_png

    return [pose_margin_png(f"{out_dir}/margin_vs_yaw.png", cfg.m, cfg.pose_lambda, cfg.base)]


PAPER = face_paper(
    name="poseface",
    title="PoseFace: Pose-Invariant Features and Pose-Adaptive Loss for Face Recognition",
    arxiv="2107.11721",
    pipeline="poseface",
    config_cls=PoseFaceTrainConfig,
    trainer=hook("paperline.face.poseface:train_poseface"),
    train_data=hook("paperline.face.poseface:load_pose_train_set"),
    data_path="data/face-pose",
    model_name="paperline-poseface",
    description="PoseFace face recognition (landmark pose, id/pose split, pose-adaptive margin): train, verify "
                "incl. frontal-profile pairs and accuracy by yaw, index, register, promote",
    figures=figures,
    embedded={"backbone": "mobilefacenet", "width": 0.5, "input_size": 64, "embedding_size": 128,
              "head": "poseface", "base": "cosface", "m": 0.35, "pose_lambda": 0.15, "epochs": 8,
              "batch_size": 128, "lr": 0.1},
    full_scale={"backbone": "ir50", "width": 1.0, "input_size": 112, "embedding_size": 512, "head": "poseface",
                "base": "arcface", "s": 64.0, "m": 0.5, "pose_lambda": 0.2, "epochs": 24, "batch_size": 512,
                "lr": 0.1},
    metrics=["verification_accuracy", "tar@far=0.001", "rank1", "frontal_profile_accuracy"],
    reference=[],
)
