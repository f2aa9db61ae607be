"""Swing and Surprise: Large Scale Product Graph Construction for Recommendation in E-commerce
(arXiv:2010.05525, Alibaba/Taobao 2020).

Method: paperline.recsys.swing (Swing, numba engine), paperline.recsys.swing_spark (the same on Spark),
paperline.recsys.surprise, paperline.recsys.graph (both, engine by parameter); data: UserBehavior-format
logs from paperline.recsys.build (loaders for UserBehavior, Retailrocket and Parquet in
paperline.recsys.interactions); evaluation: paperline.recsys.metrics. The paper's offline figures were
not retrievable (spec §6): `reference` holds none, the report says so.
"""

from paperline.core.papers import Dataset, Paper, Param, common_params, hook
from paperline.recsys.config import InteractionsDataConfig, ProductGraphConfig

# the UserBehavior-format click log with planted structure
DATASETS = [Dataset("interactions", "interactions_data", "data/interactions", InteractionsDataConfig,
                    hook("paperline.recsys.build:build_interactions_dataset"), unit="interactions")]

PAPER = Paper(
    name="swing",
    title="Large Scale Product Graph Construction for Recommendation in E-commerce (Swing/Surprise)",
    arxiv="2010.05525",
    family="recsys",
    pipeline="swing",
    config_cls=ProductGraphConfig,
    data_path="data/interactions",
    model_name="paperline-swing",
    description="Swing substitutes and Surprise complements from a UserBehavior log: validate, split by time, "
                "build (numba or Spark), evaluate against item-CF baselines, publish the index, register, promote",
    embedded={"engine": "numba"},
    full_scale={"engine": "spark", "spark_master": "k8s://https://kubernetes.default.svc", "max_users_per_item": 1000,
                "max_user_items": 1000, "top_k": 100},
    pipeline_params={**common_params("data/interactions", "paperline-swing",
                                     "interaction log: UserBehavior.csv, Retailrocket events.csv or a Parquet table"),
                     "index_root": Param(str, "", "where the index is published (a folder or s3://bucket/prefix); "
                                                  "empty: PAPERLINE_INDEX_ROOT or the paperline home", where=True)},
    metrics=["hitrate@20", "recall@20", "complement_hitrate@20", "coverage"],
    gate_metric="hitrate_at_20",
    gate_label="substitute HitRate@20",
    reevaluate=hook("paperline.recsys.stages:reevaluate"),
    served=hook("paperline.recsys.index:predictor"),
    serving_requirements=("numpy", "pandas", "pyarrow"),
    reference=[],
)
