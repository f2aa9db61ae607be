"""Swing on Spark: the item-centric strategy (Alink `SwingTrainBatchOp`, Flink ML `Swing`) in PySpark.

Stage 1 groups clicks by user, drops users outside [min_user_items, max_user_items] and emits
(anchor, user, the user's sorted items, w_u) for every item of the user; stage 2 groups by anchor and
runs `swing.anchor_index` in `applyInPandas`: the same seeded reservoir and the same compiled kernel
as the single-node engine, so both give the same index. Shuffle volume is sum_u |I_u|^2 ids; per-key
memory and CPU are bounded by the caps.

`spark-submit`/the Spark operator run the same function on a cluster (`python -m paperline.recsys.swing_spark
--input s3a://... --output s3a://...`; see docs/papers/swing.md and manifests/spark/).
"""

from __future__ import annotations

import os
import sys
import warnings

import pandas as pd

from paperline.recsys.swing import INDEX_COLUMNS, SwingParams, anchor_index, empty_index, user_weight

SCHEMA = "anchor long, neighbor long, score double, rank int"


def spark_session(master: str = "local[2]", app: str = "paperline-swing"):
    """A session whose Python workers run this interpreter; the UI off, Arrow on, quiet logs."""
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    os.environ.setdefault("PYSPARK_DRIVER_PYTHON", sys.executable)
    warnings.filterwarnings("ignore", message=".*PySpark does not yet fully support pandas.*")
    from pyspark.sql import SparkSession

    if master.startswith("local"):
        os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")  # a local session listens on loopback only
    cores = int(master[6:-1]) if master.startswith("local[") and master[6:-1].isdigit() else 2
    spark = (SparkSession.builder.master(master).appName(app)
             .config("spark.ui.enabled", "false")
             .config("spark.ui.showConsoleProgress", "false")
             .config("spark.sql.shuffle.partitions", str(4 * cores))
             .config("spark.sql.execution.arrow.pyspark.enabled", "true")
             .config("spark.driver.memory", os.environ.get("PAPERLINE_SPARK_DRIVER_MEMORY", "4g"))
             .getOrCreate())
    spark.sparkContext.setLogLevel("ERROR")
    return spark


def swing_frame(clicks, p: SwingParams):
    """The Spark plan: clicks (a DataFrame with user_id, item_id) -> index DataFrame."""
    from pyspark.sql import functions as F

    per_user = (clicks.select("user_id", "item_id").dropDuplicates()
                .groupBy("user_id").agg(F.sort_array(F.collect_list("item_id")).alias("items"))
                .withColumn("n", F.size("items"))
                .filter((F.col("n") >= p.min_user_items) & (F.col("n") <= p.max_user_items)))
    exploded = per_user.select(F.explode("items").alias("anchor"), "user_id", "items", "n")

    def per_anchor(pdf: pd.DataFrame) -> pd.DataFrame:
        # w_u from the same numpy expression as the single-node engine: bit-identical weights, so equal
        # scores tie (and break by neighbour id) the same way in both engines
        return anchor_index(int(pdf["anchor"].iloc[0]), pdf["user_id"].to_numpy(), list(pdf["items"]),
                            user_weight(pdf["n"].to_numpy(), p), p)

    return exploded.groupBy("anchor").applyInPandas(per_anchor, schema=SCHEMA)


def swing_spark(clicks: pd.DataFrame | str, p: SwingParams, master: str = "local[2]",
                click_behaviors: tuple = ("pv",)) -> pd.DataFrame:
    """Index rows (anchor, neighbor, score, rank) sorted by anchor and rank; `clicks` is a pandas table
    or a Parquet path of the canonical interactions table."""
    from pyspark.sql import functions as F

    spark = spark_session(master)
    if isinstance(clicks, str):
        df = spark.read.parquet(clicks).filter(F.col("behavior").isin(list(click_behaviors)))
    else:
        if clicks.empty:
            return empty_index()
        df = spark.createDataFrame(clicks[["user_id", "item_id"]].astype("int64"))
    out = swing_frame(df, p).toPandas()
    if out.empty:
        return empty_index()
    out = out.astype({"anchor": "int64", "neighbor": "int64", "score": "float64", "rank": "int32"})
    return out.sort_values(["anchor", "rank"]).reset_index(drop=True)[INDEX_COLUMNS]


def arg_parser():
    import argparse

    ap = argparse.ArgumentParser(prog="python -m paperline.recsys.swing_spark",
                                 description="Swing substitutes on Spark: interactions Parquet in, index Parquet out")
    ap.add_argument("--input", required=True, help="interactions Parquet (path, s3a://...)")
    ap.add_argument("--output", required=True, help="index Parquet directory to write")
    for f, default in SwingParams().__dict__.items():
        ap.add_argument(f"--{f.replace('_', '-')}", type=type(default), default=default)
    ap.add_argument("--behaviors", default="pv", help="comma-separated click behaviours")
    return ap


def main(argv: list[str] | None = None) -> None:
    """spark-submit entry: the session comes from spark-submit (the operator), not from here."""
    from pyspark.sql import SparkSession
    from pyspark.sql import functions as F

    args = arg_parser().parse_args(argv)
    p = SwingParams(**{f: getattr(args, f) for f in SwingParams().__dict__})
    spark = SparkSession.builder.appName("paperline-swing").getOrCreate()
    clicks = spark.read.parquet(args.input).filter(F.col("behavior").isin(args.behaviors.split(",")))
    swing_frame(clicks, p).write.mode("overwrite").parquet(args.output)
    spark.stop()


if __name__ == "__main__":
    main()
