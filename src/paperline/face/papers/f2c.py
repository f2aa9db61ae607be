"""F²C: An Efficient Training Approach for Very Large Scale Face Recognition (arXiv:2105.10375, CVPR 2022).

Trainer: paperline.face.f2c.train_f2c (Probe Net, Gallery Net as its moving average, Dynamic Class Pool
with an LRU over identities, dual identity/instance loaders). Release settings (tiandunx/FFC
train_ffc.sh, config/optim_config): AM loss, SGD nesterov lr 0.1, wd 1e-4, 19 epochs with steps at
8/14/17, batch 64 per GPU on 8 GPUs, Gallery momentum 0.99, Q = 1 % / 0.1 % of the identities.
"""

from paperline.core.papers import hook
from paperline.face.config import F2CTrainConfig
from paperline.face.papers import face_paper

PAPER = face_paper(
    name="f2c",
    title="An Efficient Training Approach for Very Large Scale Face Recognition (F²C)",
    arxiv="2105.10375",
    pipeline="f2c",
    config_cls=F2CTrainConfig,
    trainer=hook("paperline.face.f2c:train_f2c"),
    model_name="paperline-f2c",
    description="F²C face recognition (Dynamic Class Pool instead of FC): train, verify, index, register, promote",
    embedded={"backbone": "mobilefacenet", "width": 0.5, "input_size": 64, "embedding_size": 128,
              "head": "cosface", "m": 0.4, "epochs": 8, "batch_size": 32, "lr": 0.1, "pool_size": 100},
    full_scale={"backbone": "ir50", "width": 1.0, "input_size": 112, "embedding_size": 512, "head": "cosface",
                "m": 0.5, "epochs": 19, "batch_size": 512, "lr": 0.1, "weight_decay": 1e-4,
                "milestones": [8 / 19, 14 / 19, 17 / 19], "pool_size": 0},
    reference=[],
)
