"""Evaluation protocol (spec §5, §9: 9) and baselines."""

import numpy as np
import pandas as pd
import pytest

from paperline.recsys import metrics as R

DAY = 86400


def log(rows):
    return pd.DataFrame(rows, columns=["user_id", "item_id", "category_id", "behavior", "ts"])


@pytest.fixture
def split():
    train = log([(1, 10, 1, "pv", 0), (1, 11, 1, "pv", 10), (2, 10, 1, "pv", 0), (2, 12, 1, "pv", 5),
                 (1, 50, 5, "buy", 20), (2, 50, 5, "buy", 30)])
    test = log([(1, 10, 1, "pv", DAY), (1, 12, 1, "pv", DAY + 1), (1, 13, 1, "pv", DAY + 2),
                (2, 11, 1, "pv", DAY), (2, 11, 1, "pv", DAY + 1), (1, 60, 6, "buy", DAY + 3),
                (2, 61, 5, "buy", DAY + 3)])
    return train, test


def test_tasks_follow_the_protocol(split):
    train, test = split
    st = R.substitute_tasks(train, test)
    # user 1: 10->12, 12->13 (anchors seen in training); user 2: 11->11 is not a pair
    assert st["pairs"].values.tolist() == [[10, 12], [12, 13]]
    assert sorted((a, sorted(t)) for a, t in st["recall"]) == [(11, [12, 13]), (12, [11])]
    ct = R.complement_tasks(train, test)
    assert ct["pairs"].values.tolist() == [[50, 60]]  # 50 -> 61 is the same category
    assert ct["recall"] == [(50, {60})]


def test_oracle_scores_one_and_empty_scores_zero(split):
    train, test = split
    st = R.substitute_tasks(train, test)
    oracle = pd.DataFrame({"anchor": [10, 11, 11, 12, 12], "neighbor": [12, 12, 13, 11, 13], "score": 1.0,
                           "rank": [1, 1, 2, 1, 2]})
    m = R.score_index(oracle, st)
    assert all(m[f"hitrate@{k}"] == 1.0 and m[f"recall@{k}"] == 1.0 for k in R.KS) and m["coverage"] == 1.0
    empty = R.score_index(oracle.iloc[:0], st)
    assert all(empty[f"hitrate@{k}"] == 0 and empty[f"recall@{k}"] == 0 for k in R.KS) and empty["coverage"] == 0
    late = R.score_index(oracle.assign(rank=[15, 1, 2, 1, 2]), st)  # 10 -> 12 sits at rank 15
    assert late["hitrate@10"] == 0.5 and late["hitrate@20"] == 1


def test_time_split_takes_the_last_days():
    df = log([(1, 1, 1, "pv", t) for t in (0, DAY - 1, DAY, 2 * DAY - 1)])
    train, test, cut = R.time_split(df, 2 * DAY, 1)
    assert cut == DAY and len(train) == 2 and len(test) == 2


def test_baselines_match_their_definitions():
    rng = np.random.default_rng(0)
    clicks = log([(int(u), int(i), 1, "pv", 0) for u, i in zip(rng.integers(0, 30, 300), rng.integers(0, 25, 300))])
    clicks = clicks.drop_duplicates(["user_id", "item_id"])
    users = clicks.groupby("item_id")["user_id"].agg(set)
    deg = clicks.groupby("user_id").size()
    anchors = [0, 3, 7]
    base = R.cooccurrence_baselines(clicks, anchors, 100)
    for a in anchors:
        for method, f in {"item-cf cosine": lambda x, y: len(x & y) / np.sqrt(len(x) * len(y)),
                          "jaccard": lambda x, y: len(x & y) / len(x | y),
                          "adamic-adar": lambda x, y: sum(1 / np.log(deg[u]) for u in x & y if deg[u] > 1)}.items():
            got = base[method][base[method]["anchor"] == a].set_index("neighbor")["score"]
            for j in users.index:
                if j != a and f(users[a], users[j]) > 0:
                    assert got[j] == pytest.approx(f(users[a], users[j]), rel=1e-12)
    pop = R.popularity(clicks, anchors, 5)
    assert (pop.groupby("anchor").size() == 5).all() and not (pop["anchor"] == pop["neighbor"]).any()
    peer = R.implicit_bm25(clicks, anchors, 10)
    assert set(peer["anchor"]) <= set(anchors) and not (peer["anchor"] == peer["neighbor"]).any()
    assert (peer.groupby("anchor")["score"].apply(lambda s: (np.diff(s.to_numpy()) <= 0).all())).all()


def test_direction_check():
    pairs = pd.DataFrame({"a": [1, 2], "b": [2, 3]})
    index = pd.DataFrame({"anchor": [1, 2, 3], "neighbor": [2, 1, 2], "score": [0.5, 0.1, 0.9], "rank": 1})
    assert R.direction_check(index, pairs) == 0.5  # 1->2 right, 2->3 wrong
