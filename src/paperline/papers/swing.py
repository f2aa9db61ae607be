"""Swing and Surprise: Large Scale Product Graph Construction for Recommendation in E-commerce
(arXiv:2010.05525, Alibaba/Taobao 2020).

Method: paperline.swing (Swing, numba engine), paperline.swing_spark (the same on Spark),
paperline.surprise, paperline.product_graph (both, engine by parameter); data: UserBehavior-format logs
from paperline.data.interactions_build (loaders for UserBehavior, Retailrocket and Parquet in
paperline.data.interactions); evaluation: paperline.metrics.recsys. The paper's offline figures were
not retrievable (spec §6): `reference` holds none, the report says so.
"""

from ..product_graph import ProductGraphConfig
from . import Paper

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
    pipeline_params={"data_path": str, "data_repo": str, "data_rev": str, "model_name": str, "index_root": str},
    metrics=["hitrate@20", "recall@20", "complement_hitrate@20", "coverage"],
    reference=[],
)
