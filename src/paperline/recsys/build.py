"""UserBehavior-format click logs with planted structure (what `paperline data build interactions` and
the DVC stage `interactions_data` run).

Planted: items in categories, and inside each category clusters of substitutes (a user browses a few
favourite categories; a browsing session stays in one cluster); ordered complementary categories
(after a purchase in `a` the buyer often comes back hours later to buy in `comp(a)`, never the
reverse by design); power-law user activity, cluster and item popularity; a few bot-like users
clicking thousands of random items; a handful of rows outside the dataset's time window, as in the
real file. The truth is written beside the log (`planted_items.csv`: item, category, cluster;
`planted.json`: complement pairs) so tests and the evaluation can check what the indexes recover.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd

from paperline.core.files import building_dir
from paperline.recsys.config import InteractionsDataConfig
from paperline.recsys.interactions import USERBEHAVIOR_WINDOW

HOUR = 3600


def _zipf_weights(n: int, a: float, rng) -> np.ndarray:
    w = 1.0 / np.arange(1, n + 1) ** a
    return rng.permutation(w / w.sum())


def generate(cfg: InteractionsDataConfig) -> tuple[pd.DataFrame, pd.DataFrame, dict]:
    """(log in canonical columns, planted items, planted complement pairs)."""
    cfg.check()
    rng = np.random.default_rng(cfg.seed)
    n_items = max(cfg.rows // cfg.rows_per_item, 4 * cfg.items_per_cluster * cfg.clusters_per_category)
    per_cat = cfg.items_per_cluster * cfg.clusters_per_category
    n_cats = max(4, n_items // per_cat)
    n_items = n_cats * per_cat
    n_clusters = n_cats * cfg.clusters_per_category
    n_users = max(20, cfg.rows // cfg.rows_per_user)
    # ids look like the real ones: sparse, shuffled
    item_ids = np.sort(rng.choice(5_000_000, n_items, replace=False)) + 1
    item_ids = rng.permutation(item_ids)
    cat_ids = rng.choice(5_000_000, n_cats, replace=False) + 1
    user_ids = np.sort(rng.choice(1_000_000, n_users, replace=False)) + 1
    cluster_of = np.arange(n_items) // cfg.items_per_cluster           # item index -> cluster
    cat_of_cluster = np.arange(n_clusters) // cfg.clusters_per_category
    comp = (np.arange(n_cats) + 1 + rng.integers(0, n_cats - 1, n_cats)) % n_cats  # a -> comp(a) != a
    comp = np.where(comp == np.arange(n_cats), (comp + 1) % n_cats, comp)

    cluster_w = _zipf_weights(n_clusters, 1.0, rng)
    cat_w = cluster_w.reshape(n_cats, cfg.clusters_per_category).sum(1)
    item_w = 1.0 / np.arange(1, cfg.items_per_cluster + 1) ** 1.2
    item_w /= item_w.sum()
    user_w = rng.lognormal(0, 1.0, n_users)
    user_w /= user_w.sum()
    t0, t1 = USERBEHAVIOR_WINDOW

    def sessions(users, clusters, start, clicks, buy):
        n = len(users)
        reps = np.repeat(np.arange(n), clicks)
        pos = np.arange(len(reps)) - np.repeat(np.cumsum(clicks) - clicks, clicks)
        items = clusters[reps] * cfg.items_per_cluster + rng.choice(cfg.items_per_cluster, len(reps), p=item_w)
        ts = start[reps] + pos * rng.integers(20, 300, len(reps))
        beh = rng.choice(np.array(["pv", "pv", "pv", "pv", "pv", "pv", "pv", "pv", "cart", "fav"]), len(reps))
        last = pos == clicks[reps] - 1
        beh = np.where(last & buy[reps], "buy", beh)
        return users[reps], items, ts, beh

    human_rows = int(cfg.rows * (1 - cfg.bot_share))
    n_sess = int(human_rows / (cfg.session_clicks * (1 + cfg.buy_rate * cfg.complement_rate)))
    users = rng.choice(n_users, n_sess, p=user_w)
    # each user browses a few favourite categories; a session picks a cluster inside one of them
    interests = rng.choice(n_cats, (n_users, cfg.interests), p=cat_w)
    cats = interests[users, rng.integers(0, cfg.interests, n_sess)]
    within = cluster_w.reshape(n_cats, cfg.clusters_per_category)
    within = within / within.sum(1, keepdims=True)
    pick = (rng.random(n_sess)[:, None] > np.cumsum(within[cats], 1)).sum(1)
    clusters = cats * cfg.clusters_per_category + np.minimum(pick, cfg.clusters_per_category - 1)
    start = rng.integers(t0, t1 - 6 * HOUR, n_sess)
    clicks = 1 + rng.poisson(cfg.session_clicks - 1, n_sess)
    buy = rng.random(n_sess) < cfg.buy_rate
    parts = [sessions(users, clusters, start, clicks, buy)]
    # complements: a later session of the same buyer in a cluster of the complementary category
    follow = buy & (rng.random(n_sess) < cfg.complement_rate)
    fu = users[follow]
    fcat = comp[cat_of_cluster[clusters[follow]]]
    fclusters = fcat * cfg.clusters_per_category + rng.integers(0, cfg.clusters_per_category, len(fu))
    fstart = start[follow] + clicks[follow] * 300 + rng.integers(HOUR, 48 * HOUR, len(fu))
    keep = fstart < t1 - HOUR
    fclicks = 1 + rng.poisson(2, len(fu))
    parts.append(sessions(fu[keep], fclusters[keep], fstart[keep], fclicks[keep], np.ones(keep.sum(), bool)))
    # bots: a few heavy users clicking uniformly at random
    n_bots = max(1, n_users // 1000)
    bot_rows = cfg.rows - sum(len(p[0]) for p in parts)
    if bot_rows > 0:
        parts.append((rng.choice(n_users, n_bots, replace=False)[rng.integers(0, n_bots, bot_rows)],
                      rng.integers(0, n_items, bot_rows), rng.integers(t0, t1, bot_rows),
                      np.full(bot_rows, "pv")))
    u, it, ts, beh = (np.concatenate(x) for x in zip(*parts))
    if len(u) > cfg.rows:  # sessions overshoot a little: drop random rows down to the asked size
        sel = np.sort(rng.choice(len(u), cfg.rows, replace=False))
        u, it, ts, beh = u[sel], it[sel], ts[sel], beh[sel]
    out = rng.choice(len(u), min(cfg.outside_window, len(u)), replace=False)
    ts = ts.copy()
    ts[out] = np.where(rng.random(len(out)) < 0.5, t0 - rng.integers(1, 30 * 86400, len(out)),
                       t1 + rng.integers(0, 30 * 86400, len(out)))
    log = pd.DataFrame({"user_id": user_ids[u], "item_id": item_ids[it], "category_id": cat_ids[cat_of_cluster[
        cluster_of[it]]], "behavior": beh, "ts": ts.astype(np.int64)})
    log = log.sort_values(["user_id", "ts"], kind="stable").reset_index(drop=True)
    planted = pd.DataFrame({"item_id": item_ids, "category_id": cat_ids[cat_of_cluster[cluster_of]],
                            "cluster": cluster_of})
    pairs = {"complement_categories": [[int(cat_ids[a]), int(cat_ids[b])] for a, b in enumerate(comp)],
             "users": int(n_users), "items": int(n_items), "categories": int(n_cats),
             "clusters": int(n_clusters), "bots": int(n_bots), "seed": cfg.seed}
    return log, planted, pairs


def write_userbehavior(df: pd.DataFrame, path: str | Path) -> None:
    """The Tianchi layout exactly: no header, no quotes, user,item,category,behavior,ts."""
    import pyarrow as pa
    import pyarrow.csv as pacsv

    table = pa.Table.from_pandas(df[["user_id", "item_id", "category_id", "behavior", "ts"]], preserve_index=False)
    pacsv.write_csv(table, path, pacsv.WriteOptions(include_header=False, quoting_style="none"))


def build_interactions_dataset(out: str | Path, cfg: InteractionsDataConfig) -> dict:
    """UserBehavior.csv + the planted truth, into a sibling directory renamed into place."""
    log, planted, pairs = generate(cfg)
    with building_dir(out) as tmp:
        write_userbehavior(log, tmp / "UserBehavior.csv")
        planted.to_csv(tmp / "planted_items.csv", index=False)
        (tmp / "planted.json").write_text(json.dumps(pairs, indent=1))
    counts = log["behavior"].value_counts().to_dict()
    return {"images": len(log), "behaviors": {k: int(v) for k, v in counts.items()}, **{
        k: v for k, v in pairs.items() if k != "complement_categories"}}
