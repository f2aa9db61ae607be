"""Swing: the spec's testable properties (§9: 1-7) on hand-made and random click graphs, both engines."""

import math

import numpy as np
import pandas as pd
import pytest

from paperline.recsys.swing import (
    SwingParams,
    click_graph,
    reservoir_positions,
    swing,
    swing_bruteforce,
    swing_pairwise,
)

EXACT = SwingParams(max_users_per_item=0, top_k=10_000)


def as_dict(index: pd.DataFrame) -> dict:
    return {(int(a), int(b)): s for a, b, s in zip(index["anchor"], index["neighbor"], index["score"])}


def random_clicks(seed: int, users=40, items=60, rows=700):
    rng = np.random.default_rng(seed)
    return rng.integers(0, users, rows), rng.integers(0, items, rows) * 13 + 5


HAND_USERS = ["A"] * 4 + ["B"] * 3 + ["C"] * 4
HAND_ITEMS = [1, 2, 3, 4, 1, 2, 5, 1, 2, 3, 6]


@pytest.mark.parametrize("alpha", [0.0, 1.0, 2.5])
def test_hand_example_to_1e12(alpha):
    users = [{"A": 1, "B": 2, "C": 3}[u] for u in HAND_USERS]
    idx = as_dict(swing(users, HAND_ITEMS, SwingParams(alpha=alpha, max_users_per_item=0)))
    wa, wb, wc = 1 / math.sqrt(4), 1 / math.sqrt(3), 1 / math.sqrt(4)
    expected = wa * wb / (alpha + 2) + wa * wc / (alpha + 3) + wb * wc / (alpha + 2)
    assert abs(idx[(1, 2)] - expected) < 1e-12 and abs(idx[(2, 1)] - expected) < 1e-12
    assert abs(idx[(1, 3)] - wa * wc / (alpha + 3)) < 1e-12  # only A and C share 1 and 3
    assert (1, 4) not in idx and (4, 5) not in idx  # one user alone never scores


def test_symmetric_no_self_pairs_and_two_common_users_needed():
    u, i = random_clicks(0)
    idx = as_dict(swing(u, i, EXACT))
    assert idx and all(abs(s - idx[(b, a)]) < 1e-12 for (a, b), s in idx.items())
    assert all(a != b for a, b in idx)
    users_of = pd.DataFrame({"u": u, "i": i}).groupby("i")["u"].agg(set)
    for (a, b) in idx:
        assert len(users_of[a] & users_of[b]) >= 2


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_engines_agree_with_the_definition_and_strategy_b(seed):
    u, i = random_clicks(seed)
    brute, pairwise = swing_bruteforce(u, i, EXACT), swing_pairwise(u, i, EXACT)
    fast = as_dict(swing(u, i, EXACT, n_threads=2))
    assert set(brute) == set(pairwise) == set(fast) and len(brute) > 100
    assert max(abs(brute[k] - fast[k]) for k in brute) < 1e-9
    assert max(abs(brute[k] - pairwise[k]) for k in brute) < 1e-9


def test_independent_of_row_order_duplicates_and_threads():
    u, i = random_clicks(4)
    base = swing(u, i, SwingParams(top_k=7))
    perm = np.random.default_rng(0).permutation(len(u))
    dup = np.concatenate([perm, perm[:200]])
    again = swing(u[dup], i[dup], SwingParams(top_k=7), n_threads=1)
    pd.testing.assert_frame_equal(base, again)


def test_overlap_penalty_lowers_the_pairs_contribution():
    users = [1, 1, 1, 2, 2, 2, 3, 3]
    items = [10, 20, 30, 10, 20, 40, 10, 20]
    before = as_dict(swing(users, items, EXACT))[(10, 20)]
    # users 1 and 2 now also share item 50 (and each keeps its own degree change small)
    after = as_dict(swing(users + [1, 2], items + [50, 50], EXACT))[(10, 20)]
    w1b, w2b, w3 = 1 / math.sqrt(3), 1 / math.sqrt(3), 1 / math.sqrt(2)
    assert abs(before - (w1b * w2b / 3 + w1b * w3 / 3 + w2b * w3 / 3)) < 1e-12
    assert after < before


def test_activity_penalty_lowers_every_score_the_user_feeds():
    u, i = random_clicks(5, users=15, items=20, rows=150)
    base = as_dict(swing(u, i, EXACT))
    heavy = int(u[0])
    fed = {k for k in base if heavy in set(u[i == k[0]]) & set(u[i == k[1]])}
    extra_items = np.arange(10_000, 10_030)  # unrelated items nobody else clicked
    more = as_dict(swing(np.concatenate([u, np.full(30, heavy)]), np.concatenate([i, extra_items]), EXACT))
    assert fed and all(more[k] < base[k] for k in fed)


def test_reservoir_is_seeded_uniform_and_bounded():
    a, b = reservoir_positions(500, 50, 7, 123), reservoir_positions(500, 50, 7, 123)
    assert np.array_equal(a, b) and len(a) == 50 and len(set(a)) == 50 and np.all(np.diff(a) > 0)
    assert not np.array_equal(a, reservoir_positions(500, 50, 8, 123))
    assert not np.array_equal(a, reservoir_positions(500, 50, 7, 124))
    assert np.array_equal(reservoir_positions(30, 50, 7, 1), np.arange(30))
    # uniform: every position kept about cap/n of the time over many keys
    hits = np.zeros(100)
    for key in range(2000):
        hits[reservoir_positions(100, 10, 0, key)] += 1
    assert abs(hits.mean() - 200) < 1e-9 and hits.min() > 140 and hits.max() < 260


def test_caps_bound_users_per_item_and_drop_heavy_users():
    u, i = random_clicks(6, users=200, items=10, rows=3000)
    g = click_graph(u, i, SwingParams(max_users_per_item=25, max_user_items=8, min_user_items=2))
    assert np.diff(g.i_ptr).max() <= 25
    assert np.diff(g.u_ptr).max() <= 8 and np.diff(g.u_ptr).min() >= 2
    capped = swing(u, i, SwingParams(max_users_per_item=25, seed=3))
    pd.testing.assert_frame_equal(capped, swing(u, i, SwingParams(max_users_per_item=25, seed=3)))
    # a user above max_user_items never contributes: the index equals the one without that user
    heavy = np.concatenate([u, np.full(50, 9999)]), np.concatenate([i, np.arange(50) * 13 + 5])
    p = SwingParams(max_users_per_item=0, max_user_items=40)
    pd.testing.assert_frame_equal(swing(*heavy, p), swing(u, i, p))


def test_top_k_sorted_bounded_and_ties_by_neighbour_id():
    u, i = random_clicks(7)
    idx = swing(u, i, SwingParams(top_k=5, max_users_per_item=0))
    for a, g in idx.groupby("anchor"):
        assert len(g) <= 5 and (g["neighbor"] != a).all() and list(g["rank"]) == list(range(1, len(g) + 1))
        s, n = g["score"].to_numpy(), g["neighbor"].to_numpy()
        assert np.all(np.diff(s) <= 0)
        ties = np.flatnonzero(np.diff(s) == 0)
        assert np.all(n[ties] < n[ties + 1])
    # two users with identical lists: every neighbour ties, the smallest ids win
    tie = as_dict(swing([1, 1, 1, 1, 2, 2, 2, 2], [5, 9, 7, 3] * 2, SwingParams(top_k=2)))
    assert set(tie) == {(3, 5), (3, 7), (5, 3), (5, 7), (7, 3), (7, 5), (9, 3), (9, 5)}


def test_normalise_puts_each_anchors_best_at_one_and_keeps_ranks():
    from paperline.recsys.swing import normalise

    u, i = random_clicks(9)
    idx = swing(u, i, SwingParams(top_k=6))
    norm = normalise(idx)
    assert (norm[norm["rank"] == 1]["score"] == 1.0).all() and (norm["score"] <= 1.0).all()
    assert norm[["anchor", "neighbor", "rank"]].equals(idx[["anchor", "neighbor", "rank"]])
    ratio = idx["score"] / norm["score"]
    assert np.allclose(ratio, idx.groupby("anchor")["score"].transform("max"), rtol=1e-15)


def test_spark_local2_gives_the_same_index():
    """PySpark item-centric engine on local[2]: caps off to 1e-9, caps on identical (same reservoir),
    from a pandas table and from the canonical Parquet table with the behaviour filter."""
    from paperline.recsys.interactions import write_parquet
    from paperline.recsys.swing_spark import swing_spark

    u, i = random_clicks(8, users=60, items=80, rows=1500)
    clicks = pd.DataFrame({"user_id": u, "item_id": i})
    exact = swing_spark(clicks, EXACT)
    ref = swing_bruteforce(u, i, EXACT)
    got = as_dict(exact)
    assert set(got) == set(ref) and max(abs(got[k] - ref[k]) for k in ref) < 1e-9
    capped = SwingParams(max_users_per_item=12, top_k=8, seed=5)
    a, b = swing(u, i, capped), swing_spark(clicks, capped)
    assert a[["anchor", "neighbor", "rank"]].equals(b[["anchor", "neighbor", "rank"]])
    assert np.abs(a["score"].to_numpy() - b["score"].to_numpy()).max() < 1e-12
    import tempfile

    with tempfile.TemporaryDirectory() as d:
        table = clicks.assign(category_id=1, behavior=np.where(np.arange(len(u)) % 5 == 0, "buy", "pv"), ts=0)
        write_parquet(table, f"{d}/log.parquet")
        from_parquet = swing_spark(f"{d}/log.parquet", capped)
        pv = table[table["behavior"] == "pv"]
        pd.testing.assert_frame_equal(from_parquet, swing(pv["user_id"], pv["item_id"], capped))
