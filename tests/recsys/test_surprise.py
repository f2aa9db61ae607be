"""Surprise: the spec's properties (§9: 8) on hand-made purchases, and recovery of the planted
complements of the generator."""

import json

import numpy as np
import pandas as pd
import pytest

from paperline.recsys.surprise import (
    SurpriseParams,
    category_theta,
    label_propagation,
    ordered_scores,
    related_categories,
    surprise,
)
from paperline.recsys.swing import SwingParams, swing

DAY = 86400


def buys(rows):
    """rows: (user, item, category, day)."""
    df = pd.DataFrame(rows, columns=["user_id", "item_id", "category_id", "ts"])
    df["ts"] = df["ts"] * DAY
    return df


def s1(df):
    s = ordered_scores(df.assign(key=df["item_id"]), "key")
    return {(int(i), int(j)): v for i, j, v in zip(s["i"], s["j"], s["s"])}


def test_s1_needs_the_order_and_decays_with_the_gap():
    after = s1(buys([(1, 10, 1, 0), (1, 20, 2, 1), (2, 10, 1, 0), (2, 20, 2, 3)]))
    assert after[(10, 20)] == pytest.approx((1 / 2 + 1 / 4) / (2 * 2), abs=1e-12)
    assert (20, 10) not in after  # not symmetric: nobody bought 10 after 20
    before = s1(buys([(1, 10, 1, 5), (1, 20, 2, 1), (2, 10, 1, 4), (2, 20, 2, 3)]))
    assert before.get((10, 20), 0) == 0
    near = s1(buys([(1, 10, 1, 0), (1, 20, 2, 1)]))[(10, 20)]
    far = s1(buys([(1, 10, 1, 0), (1, 20, 2, 9)]))[(10, 20)]
    assert near > far > 0


def test_theta_in_unit_interval_and_cut_at_the_largest_relative_drop():
    rng = np.random.default_rng(0)
    df = buys([(int(u), int(rng.integers(0, 50)), int(rng.integers(0, 6)), int(rng.integers(0, 9)))
               for u in rng.integers(0, 80, 600)])
    theta = category_theta(df)
    assert len(theta) and ((theta["theta"] >= 0) & (theta["theta"] <= 1)).all() and (theta["a"] != theta["b"]).all()
    hand = pd.DataFrame({"a": [1, 1, 1, 1], "b": [2, 3, 4, 5], "n_ab": [9, 8, 2, 1], "n_b": [10, 10, 10, 10],
                         "theta": [0.9, 0.8, 0.2, 0.1]})
    assert related_categories(hand)["b"].tolist() == [2, 3]  # 0.8 -> 0.2 is the largest relative drop
    assert related_categories(hand, min_pairs=5)["b"].tolist() == [2]  # a single candidate is kept


def test_weight_one_is_s1_and_a_cluster_shares_s2():
    rows = [(u, 10 + u % 2, 1, 0) for u in range(6)] + [(u, 30 + u % 3, 2, 1) for u in range(6)]
    df = buys(rows)
    # Swing graph: 10~11 and 30~31~32 are substitutes (two clusters)
    sub = pd.DataFrame({"anchor": [10, 11, 30, 31, 32, 30], "neighbor": [11, 10, 31, 30, 30, 32],
                        "score": 1.0, "rank": [1, 1, 1, 1, 1, 2]})
    only_s1, _ = surprise(df, sub, SurpriseParams(weight=1.0, min_category_pairs=1))
    ref = s1(df)
    assert {(a, b): s for a, b, s in zip(only_s1["anchor"], only_s1["neighbor"], only_s1["score"])} == \
        pytest.approx({k: v for k, v in ref.items()}, abs=1e-12)
    mixed, info = surprise(df, sub, SurpriseParams(weight=0.0, min_category_pairs=1))
    assert info["clusters"] == 2
    # with w = 0 only s2 counts: both members of the first cluster get the same score for every j
    scores = mixed.set_index(["anchor", "neighbor"])["score"]
    for j in (30, 31, 32):
        assert scores[(10, j)] == pytest.approx(scores[(11, j)], abs=1e-15)


def test_label_propagation_uses_graph_labels_and_is_seed_stable():
    u = np.random.default_rng(1).integers(0, 50, 800)
    i = np.random.default_rng(2).integers(0, 40, 800)
    sub = swing(u, i, SwingParams(top_k=5))
    a, b = label_propagation(sub, 5, 20, seed=3), label_propagation(sub, 5, 20, seed=3)
    nodes = set(sub["anchor"]) | set(sub["neighbor"])
    assert a.equals(b) and set(a.index) == nodes and set(a.unique()) <= nodes
    assert label_propagation(sub.iloc[:0]).empty


def test_planted_complements_are_recovered(tmp_path):
    from paperline.recsys.build import InteractionsDataConfig, build_interactions_dataset
    from paperline.recsys.interactions import clean, read_log

    build_interactions_dataset(tmp_path / "log", InteractionsDataConfig(rows=60_000, seed=1))
    df, _ = clean(read_log(tmp_path / "log"))
    truth = {tuple(p) for p in json.loads((tmp_path / "log" / "planted.json").read_text())["complement_categories"]}
    b = df[df["behavior"] == "buy"]
    theta = category_theta(b)
    related = set(map(tuple, related_categories(theta, 2).to_numpy()))
    assert len(related & truth) >= 0.8 * len(truth)
    # direction: more purchases in comp(a) after a than in a after comp(a) (pairs planted one way only)
    n = theta.set_index(["a", "b"])["n_ab"]
    one_way = [(a, c) for a, c in truth if (c, a) not in truth]
    wins = [n.get((a, c), 0) > n.get((c, a), 0) for a, c in one_way]
    assert len(one_way) > 10 and np.mean(wins) > 0.8
