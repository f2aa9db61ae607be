"""KDCTime: Knowledge Distillation with Calibration on InceptionTime (arXiv:2112.02291; Information
Sciences 613, 2022).

Model and methods: paperline.timeseries.inception (InceptionTime exactly as hfawaz/InceptionTime, LSTime, KDTime,
KDCT, KDCR), the experiment's steps: paperline.timeseries.kdctime, data: the UCR datasets sktime bundles
(paperline.timeseries.build). The paper's own accuracy tables were not readable here; `reference` holds
what the spec could confirm: the speed claim from the abstract and InceptionTime's and ROCKET's
published per-dataset accuracies (their authors' result files) for the bundled datasets.

Embedded epochs: 200. With the reference's fixed batch of 64, an epoch of a small UCR training split is
one or two optimiser steps, so the 40 epochs that suited the old min(n/10, 64) batch left even the
teacher untrained (GunPoint 0.933, ArrowHead 0.446 at 40 epochs; docs/papers/kdctime.md).
"""

from paperline.core.papers import Dataset, Paper, Param, common_params, hook
from paperline.timeseries.config import TSConfig, UCRDataConfig

# the UCR datasets sktime bundles, re-written as .ts files
DATASETS = [Dataset("ucr", "ucr_data", "data/ucr", UCRDataConfig, hook("paperline.timeseries.build:build_ucr_dataset"),
                    unit="series")]

INCEPTION = "hfawaz/InceptionTime results-InceptionTime-128.csv"
ROCKET = "angus924/rocket results/results_ucr.csv (10-run mean)"
# (dataset, InceptionTime, ROCKET) test accuracy from those files, for the bundled datasets they cover
SANITY = [("GunPoint", 1.000, 1.000), ("ItalyPowerDemand", 0.965, 0.970), ("ArrowHead", 0.846, 0.814),
          ("ACSF1", 0.920, 0.886)]

PAPER = Paper(
    name="kdctime",
    title="KDCTime: Knowledge Distillation with Calibration on InceptionTime for Time-series Classification",
    arxiv="2112.02291",
    family="timeseries",
    pipeline="kdctime",
    config_cls=TSConfig,
    data_path="data/ucr",
    model_name="paperline-kdctime",
    description="KDCTime on a UCR dataset: validate, InceptionTime teacher (ParallelFor), soft labels, "
                "calibration, student, ROCKET baseline, accuracy and inference time, register, promote",
    # kfp.local trains two members at once on 2 cores: one torch thread each
    embedded={"epochs": 200, "members": 5, "rocket_kernels": 10000, "threads": 1},
    full_scale={"epochs": 1500, "members": 5, "rocket_kernels": 10000},
    pipeline_params={**common_params("data/ucr", "paperline-kdctime",
                                     "UCR archive folder: <name>/<name>_TRAIN.ts and _TEST.ts (or .tsv)"),
                     "dataset": Param(str, "GunPoint", "name of the UCR dataset under data_path")},
    metrics=["accuracy", "teacher_accuracy", "rocket_accuracy", "speedup_vs_rocket"],
    gate_metric="accuracy",
    gate_label="test accuracy",
    reevaluate=hook("paperline.timeseries.stages:reevaluate"),
    reference=[
        {"metric": "speedup_vs_rocket", "benchmark": "UCR-128", "value": 100.0,
         "source": "abstract: inference 'two orders of magnitude faster than ROCKET'"},
        {"metric": "teacher_accuracy", "benchmark": "UCR-128 mean", "value": 0.8436, "source": INCEPTION},
        {"metric": "rocket_accuracy", "benchmark": "UCR-128 mean", "value": 0.8480, "source": ROCKET},
        *({"metric": "teacher_accuracy", "benchmark": name, "value": inc, "source": INCEPTION}
          for name, inc, _ in SANITY),
        *({"metric": "rocket_accuracy", "benchmark": name, "value": rocket, "source": ROCKET}
          for name, _, rocket in SANITY),
    ],
)
