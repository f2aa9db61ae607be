"""Surprise (arXiv:2010.05525): directed complements from the purchase graph.

1. Category level: theta(a->b) = N(a->b) / N(b), N(b) = purchases in b, N(a->b) = purchases in b made
   by a user who had bought in a (a != b) strictly earlier. Related categories of a: theta(a->.) sorted
   descending (ties by category id), cut at the largest relative drop (theta_k - theta_k+1) / theta_k;
   only pairs seen `min_category_pairs` times or more count.
2. Product level: s1(i,j) = sum over common buyers u with t_uj > t_ui of 1 / (1 + (t_uj - t_ui) / unit),
   divided by |U_i| |U_j|; t_ui = u's first purchase of i, t_uj = u's first purchase of j after it.
3. Cluster level: label propagation on the Swing graph (each item's top `lp_neighbors` substitutes,
   undirected, weights summed) gives L(i); s2 = s1 with clusters as pseudo-items (buyers of any member,
   first purchase of any member). A purchased item outside the Swing graph is its own cluster.
4. s(i,j) = weight * s1(i,j) + (1 - weight) * s2(L(i), L(j)), for j in a related category of c(i).

The paper leaves the time unit and repeated purchases open: days, and first purchases, as above.
"""

from __future__ import annotations

from dataclasses import dataclass

import numba
import numpy as np
import pandas as pd

from paperline.recsys.swing import empty_index


@dataclass
class SurpriseParams:
    weight: float = 0.8
    time_unit: int = 86400
    min_category_pairs: int = 2
    lp_iterations: int = 20
    lp_neighbors: int = 10
    top_k: int = 100
    seed: int = 0


def category_theta(buys: pd.DataFrame) -> pd.DataFrame:
    """Rows (a, b, n_ab, n_b, theta) for every ordered pair of distinct categories seen in order."""
    first = buys.groupby(["user_id", "category_id"], as_index=False)["ts"].min()
    m = buys[["user_id", "category_id", "ts"]].merge(first, on="user_id", suffixes=("", "_a"))
    m = m[(m["category_id_a"] != m["category_id"]) & (m["ts_a"] < m["ts"])]
    n_ab = m.groupby(["category_id_a", "category_id"]).size().rename("n_ab").reset_index()
    n_ab.columns = ["a", "b", "n_ab"]
    n_b = buys.groupby("category_id").size().rename("n_b")
    n_ab = n_ab.merge(n_b, left_on="b", right_index=True)
    n_ab["theta"] = n_ab["n_ab"] / n_ab["n_b"]
    return n_ab.sort_values(["a", "theta", "b"], ascending=[True, False, True]).reset_index(drop=True)


def related_categories(theta: pd.DataFrame, min_pairs: int = 1) -> pd.DataFrame:
    """Rows (a, b) kept by the largest-relative-drop cut of each a's theta list."""
    keep = []
    for _a, g in theta[theta["n_ab"] >= min_pairs].groupby("a", sort=True):
        t = g["theta"].to_numpy()
        k = 1 if len(t) == 1 else int(np.argmax((t[:-1] - t[1:]) / t[:-1])) + 1
        keep.append(g.iloc[:k][["a", "b"]])
    return pd.concat(keep, ignore_index=True) if keep else pd.DataFrame({"a": [], "b": []}, dtype=np.int64)


def ordered_scores(buys: pd.DataFrame, key: str = "item_id", unit: int = 86400, decay: bool = True,
                   normalise: bool = True) -> pd.DataFrame:
    """Rows (i, j, s) over `key` (an item or a cluster): s1 with decay and normalisation; without both,
    the ordered co-purchase count (users who bought j after i)."""
    first = buys.groupby(["user_id", key], as_index=False)["ts"].min()
    m = first.merge(buys[["user_id", key, "ts"]], on="user_id", suffixes=("_i", "_j"))
    m = m[(m[f"{key}_i"] != m[f"{key}_j"]) & (m["ts_j"] > m["ts_i"])]
    m = m.groupby(["user_id", f"{key}_i", f"{key}_j"], as_index=False).agg(ts_i=("ts_i", "first"),
                                                                           ts_j=("ts_j", "min"))
    m["c"] = 1.0 / (1.0 + (m["ts_j"] - m["ts_i"]) / unit) if decay else 1.0
    s = m.groupby([f"{key}_i", f"{key}_j"])["c"].sum().reset_index()
    s.columns = ["i", "j", "s"]
    if normalise:
        buyers = first.groupby(key).size()
        s["s"] = s["s"] / (buyers.reindex(s["i"]).to_numpy() * buyers.reindex(s["j"]).to_numpy())
    return s


@numba.njit(cache=True)
def _propagate(ptr, nbr, wt, order_seed, iterations):
    n = len(ptr) - 1
    labels = np.arange(n)
    np.random.seed(order_seed)
    for _ in range(iterations):
        changed = 0
        for v in np.random.permutation(n):
            lo, hi = ptr[v], ptr[v + 1]
            if lo == hi:
                continue
            best, best_w = labels[v], -1.0
            for x in range(lo, hi):
                lab = labels[nbr[x]]
                total = 0.0
                for y in range(lo, hi):
                    if labels[nbr[y]] == lab:
                        total += wt[y]
                if total > best_w or (total == best_w and lab < best):
                    best, best_w = lab, total
            if best != labels[v]:
                labels[v] = best
                changed += 1
        if changed == 0:
            break
    return labels


def label_propagation(substitutes: pd.DataFrame, neighbors: int = 10, iterations: int = 20,
                      seed: int = 0) -> pd.Series:
    """item id -> cluster label (an item id of the graph) from the Swing index's top `neighbors`."""
    if substitutes.empty:
        return pd.Series(dtype=np.int64)
    top = substitutes[substitutes["rank"] <= neighbors]
    cols = ["anchor", "neighbor", "score"]
    both = pd.concat([top[cols], top.rename(columns={"anchor": "neighbor", "neighbor": "anchor"})[cols]])
    edges = both.groupby(["anchor", "neighbor"], as_index=False)["score"].sum()
    nodes = np.unique(np.concatenate([edges["anchor"].to_numpy(), edges["neighbor"].to_numpy()]))
    src = np.searchsorted(nodes, edges["anchor"].to_numpy())
    dst = np.searchsorted(nodes, edges["neighbor"].to_numpy())
    ptr = np.concatenate([[0], np.cumsum(np.bincount(src, minlength=len(nodes)))]).astype(np.int64)
    labels = _propagate(ptr, dst.astype(np.int64), edges["score"].to_numpy(np.float64), seed, iterations)
    return pd.Series(nodes[labels], index=nodes, name="cluster")


def surprise(buys: pd.DataFrame, substitutes: pd.DataFrame, p: SurpriseParams) -> tuple[pd.DataFrame, dict]:
    """The complement index (anchor, neighbor, score, rank) and what it was built from."""
    buys = buys[["user_id", "item_id", "category_id", "ts"]]
    if buys.empty:
        return empty_index(), {"related_category_pairs": 0, "clusters": 0, "purchases": 0}
    related = related_categories(category_theta(buys), p.min_category_pairs)
    clusters = label_propagation(substitutes, p.lp_neighbors, p.lp_iterations, p.seed)
    items = buys.drop_duplicates("item_id")[["item_id", "category_id"]]
    lab = clusters.reindex(items["item_id"]).to_numpy(np.float64)
    items = items.assign(cluster=np.where(np.isnan(lab), items["item_id"].to_numpy(), lab).astype(np.int64))
    s1 = ordered_scores(buys.assign(key=buys["item_id"]), "key", p.time_unit).rename(columns={"s": "s1"})
    s2 = ordered_scores(buys.merge(items[["item_id", "cluster"]], on="item_id"), "cluster", p.time_unit)
    # s2 per item pair: members of L(i) against the members of L(j) in a related category of c(i)
    members = items.rename(columns={"item_id": "member", "category_id": "b"})
    s2 = (s2.merge(members.rename(columns={"b": "a"}), left_on="i", right_on="cluster")[["member", "a", "j", "s"]]
          .merge(related, on="a").merge(members, left_on=["j", "b"], right_on=["cluster", "b"]))
    s2 = s2[["member_x", "member_y", "s"]].set_axis(["i", "j", "s2"], axis=1)
    cat = items.set_index("item_id")["category_id"]
    s1["a"], s1["b"] = cat.reindex(s1["i"]).to_numpy(), cat.reindex(s1["j"]).to_numpy()
    s1 = s1.merge(related, on=["a", "b"])[["i", "j", "s1"]]
    both = s1.merge(s2, on=["i", "j"], how="outer").fillna(0.0)
    both = both[both["i"] != both["j"]]
    both["score"] = p.weight * both["s1"] + (1 - p.weight) * both["s2"]
    both = both[both["score"] > 0].sort_values(["i", "score", "j"], ascending=[True, False, True])
    both["rank"] = both.groupby("i").cumcount().astype(np.int32) + 1
    out = both[both["rank"] <= p.top_k].rename(columns={"i": "anchor", "j": "neighbor"})
    out = out[["anchor", "neighbor", "score", "rank"]].astype({"anchor": np.int64, "neighbor": np.int64})
    info = {"purchases": len(buys), "related_category_pairs": len(related),
            "clusters": int(items["cluster"].nunique()), "related": related}
    return out.reset_index(drop=True), info
