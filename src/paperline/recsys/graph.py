"""The product graph of arXiv:2010.05525: Swing substitutes and Surprise complements from one
interaction log, with the engine for Swing chosen by parameter (numba single node, or Spark)."""

from __future__ import annotations

import resource
import time
from dataclasses import dataclass, fields

import pandas as pd

from paperline.core.config import param
from paperline.core.errors import ConfigError, DataError
from paperline.recsys.surprise import SurpriseParams, surprise
from paperline.recsys.swing import SwingParams, normalise, swing, threads

ENGINES = ("numba", "spark")


@dataclass
class ProductGraphConfig:
    engine: str = param("numba", "Swing engine: numba (this machine) or spark")
    spark_master: str = param("local[2]", "Spark master of the spark engine")
    threads: int = param(0, "numba threads (0: every core)")
    click_behaviors: str = param("pv", "comma-separated behaviours that make the Swing click graph")
    # Swing (paper: alpha 1, w_u = |I_u|^-0.5)
    alpha: float = param(1.0, "Swing α: smoothing of the user-pair overlap")
    user_offset: float = param(0.0, "Swing: a1 in the user weight (a1 + |I_u|)^-β")
    beta: float = param(0.5, "Swing β: exponent of the user weight")
    min_user_items: int = param(2, "users with fewer clicked items are left out")
    max_user_items: int = param(1000, "users with more clicked items are left out (bots)")
    max_users_per_item: int = param(1000, "cap of users sampled per anchor item (reservoir, seeded)")
    top_k: int = param(100, "neighbours kept per anchor")
    seed: int = param(0, "seed of the per-anchor user sampling")
    normalize: bool = param(False, "divide each anchor's scores by its best (Alink resultNormalize)")
    # Surprise
    surprise_weight: float = param(0.8, "Surprise w: item-level vs cluster-level complement score")
    time_unit: int = param(86400, "seconds per unit of the purchase time gap (86400: days)")
    min_category_pairs: int = param(2, "fewest co-purchases for a related category pair")
    lp_iterations: int = param(20, "label-propagation iterations of the Surprise clusters")
    lp_neighbors: int = param(10, "Swing neighbours per item used by label propagation")
    test_days: int = param(1, "last days of the log held out for evaluation")
    max_bad_share: float = param(0.01, "share of bad rows tolerated (unknown behaviour, outside the window, "
                                        "duplicate)")

    def check(self) -> None:
        if self.engine not in ENGINES:
            raise ConfigError(f"engine must be one of {', '.join(ENGINES)}, got {self.engine!r}")
        if self.top_k < 1 or self.min_user_items < 1 or self.max_user_items < self.min_user_items:
            raise ConfigError("need top_k >= 1 and 1 <= min_user_items <= max_user_items")
        if self.alpha < 0 or self.beta < 0:
            raise ConfigError(f"alpha and beta must be >= 0 (a negative beta up-weights heavy users), got "
                              f"alpha={self.alpha}, beta={self.beta}")
        if not 0 <= self.surprise_weight <= 1:
            raise ConfigError(f"surprise_weight must lie in [0, 1], got {self.surprise_weight}")
        if self.test_days < 1 or not 0 <= self.max_bad_share < 1:
            raise ConfigError("need test_days >= 1 and 0 <= max_bad_share < 1")

    @property
    def behaviors(self) -> tuple[str, ...]:
        return tuple(b.strip() for b in self.click_behaviors.split(",") if b.strip())

    def swing_params(self) -> SwingParams:
        return SwingParams(**{f.name: getattr(self, f.name) for f in fields(SwingParams)})

    def surprise_params(self) -> SurpriseParams:
        names = {"weight": "surprise_weight"}  # the one field this config names differently
        return SurpriseParams(**{f.name: getattr(self, names.get(f.name, f.name)) for f in fields(SurpriseParams)})


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def substitutes(train: pd.DataFrame, cfg: ProductGraphConfig, train_path: str | None = None) -> pd.DataFrame:
    """Spark reads the training table from `train_path` (Parquet) itself when given, instead of taking
    a copy of it from this process."""
    clicks = train[train["behavior"].isin(cfg.behaviors)]
    where = cfg.spark_master if cfg.engine == "spark" else f"{threads(cfg.threads)} threads"
    print(f"swing ({cfg.engine}, {where}): {len(clicks)} clicks of {clicks['user_id'].nunique()} users on "
          f"{clicks['item_id'].nunique()} items ...", flush=True)
    if cfg.engine == "spark":
        from paperline.recsys.swing_spark import swing_spark

        index = swing_spark(str(train_path) if train_path else clicks, cfg.swing_params(), cfg.spark_master,
                            cfg.behaviors)
    else:
        index = swing(clicks["user_id"].to_numpy(), clicks["item_id"].to_numpy(), cfg.swing_params(), cfg.threads)
    return normalise(index) if cfg.normalize else index


def build(train: pd.DataFrame, cfg: ProductGraphConfig, train_path: str | None = None
          ) -> tuple[pd.DataFrame, pd.DataFrame, dict]:
    """(substitute index, complement index, build figures). An index that comes out empty is an error
    naming why: Swing needs two users sharing two items, Surprise purchases in order."""
    cfg.check()
    t0 = time.perf_counter()
    sub = substitutes(train, cfg, train_path)
    t1 = time.perf_counter()
    if sub.empty:
        raise DataError(f"no substitutes: no two users with at least {cfg.min_user_items} items share two "
                        f"clicked items ({cfg.click_behaviors}) in the training period; nothing to publish")
    comp, info = surprise(train[train["behavior"] == "buy"], sub, cfg.surprise_params())
    t2 = time.perf_counter()
    stats = {"engine": cfg.engine, "swing_s": t1 - t0, "surprise_s": t2 - t1, "build_s": t2 - t0,
             "peak_rss_mb": peak_rss_mb(), "substitute_anchors": int(sub["anchor"].nunique()),
             "substitute_rows": len(sub), "complement_anchors": int(comp["anchor"].nunique()) if len(comp) else 0,
             "complement_rows": len(comp), "related_category_pairs": info["related_category_pairs"],
             "clusters": info["clusters"], "purchases": info["purchases"]}
    print(f"swing ({cfg.engine}): {stats['substitute_anchors']} anchors in {stats['swing_s']:.1f} s; surprise: "
          f"{stats['complement_anchors']} anchors from {info['purchases']} purchases, "
          f"{info['related_category_pairs']} related category pairs, {info['clusters']} clusters in "
          f"{stats['surprise_s']:.1f} s", flush=True)
    return sub, comp, stats


def warm_up() -> None:
    """Compiles and caches every numba kernel of the product graph on a toy log (image build)."""
    import tempfile

    import numpy as np

    from paperline.recsys.index_build import write_index

    rng = np.random.default_rng(0)
    n = 400
    log = pd.DataFrame({"user_id": rng.integers(0, 20, n), "item_id": rng.integers(0, 30, n),
                        "category_id": rng.integers(0, 3, n), "behavior": np.where(rng.random(n) < 0.3, "buy", "pv"),
                        "ts": rng.integers(0, 10 * 86400, n)})
    sub, comp, _ = build(log, ProductGraphConfig(min_category_pairs=1))
    with tempfile.TemporaryDirectory() as d:
        write_index({"substitute": sub, "complement": comp}, f"{d}/index", {})


if __name__ == "__main__":
    import sys

    if sys.argv[1:] == ["--warm-up"]:
        warm_up()
