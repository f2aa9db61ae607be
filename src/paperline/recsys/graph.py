"""The product graph of arXiv:2010.05525: Swing substitutes and Surprise complements from one
interaction log, with the engine for Swing chosen by parameter (numba single node, or Spark)."""

from __future__ import annotations

import resource
import time

import pandas as pd

from paperline.core.errors import DataError
from paperline.recsys.config import ProductGraphConfig
from paperline.recsys.surprise import surprise
from paperline.recsys.swing import normalise, swing, threads


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
