"""Offline evaluation of item-to-item indexes on a time split (the project protocol of the spec, §5).

Substitutes: every pair of consecutive distinct test-period clicks (a -> b) of a user, a seen in the
training clicks: HitRate@K = share of pairs with b in TopK(a); Recall@K per user: trigger = last
training click, targets = test clicks on items the user did not click in training. Complements: every
(training purchase i, test purchase j of the same user in another category): HitRate@K; Recall@K per
user from the last training purchase. Coverage = share of triggers with a non-empty list. Every
method is scored on the same pairs, so their numbers compare directly.

Baselines over the same training clicks: item-CF cosine |Ui∩Uj|/sqrt(|Ui||Uj|), Jaccard, Adamic-Adar
(sum over common users of 1/log|I_u|), popularity; `implicit`'s BM25 item-item recommender as an
external peer; for complements the co-purchase count and the ordered co-purchase count.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import scipy.sparse as sp

from paperline.core.figures import figure, to_png

KS = (10, 20, 50)


def time_split(df: pd.DataFrame, end: int | None, test_days: int = 1) -> tuple[pd.DataFrame, pd.DataFrame, int]:
    """Train = before the last `test_days` days of the window ending at `end` (default: the day after
    the last timestamp's day, UTC+8 as the Taobao data), test = those days. Returns (train, test, cut)."""
    if end is None:
        day = 86400
        end = ((int(df["ts"].max()) + 8 * 3600) // day + 1) * day - 8 * 3600
    cut = int(end) - 86400 * test_days
    return df[df["ts"] < cut].reset_index(drop=True), df[df["ts"] >= cut].reset_index(drop=True), cut


def substitute_tasks(train: pd.DataFrame, test: pd.DataFrame, behaviors=("pv",)) -> dict:
    tr, te = train[train["behavior"].isin(behaviors)], test[test["behavior"].isin(behaviors)]
    seen = set(tr["item_id"].unique())
    te = te.sort_values(["user_id", "ts"], kind="stable")
    u, it = te["user_id"].to_numpy(), te["item_id"].to_numpy()
    nxt = (u[1:] == u[:-1]) & (it[1:] != it[:-1])
    pairs = pd.DataFrame({"a": it[:-1][nxt], "b": it[1:][nxt]})
    pairs = pairs[pairs["a"].isin(seen)].reset_index(drop=True)
    last = tr.sort_values(["user_id", "ts"], kind="stable").groupby("user_id")["item_id"].last()
    known = tr.groupby("user_id")["item_id"].agg(set)
    recall = []
    for user, g in te.groupby("user_id")["item_id"]:
        if user in last.index:
            t = set(g) - known[user]
            if t:
                recall.append((int(last[user]), t))
    return {"pairs": pairs, "recall": recall}


def complement_tasks(train: pd.DataFrame, test: pd.DataFrame) -> dict:
    tb, eb = train[train["behavior"] == "buy"], test[test["behavior"] == "buy"]
    m = tb[["user_id", "item_id", "category_id"]].merge(eb[["user_id", "item_id", "category_id"]], on="user_id",
                                                        suffixes=("_i", "_j"))
    m = m[m["category_id_i"] != m["category_id_j"]]
    pairs = m[["item_id_i", "item_id_j"]].drop_duplicates().set_axis(["a", "b"], axis=1).reset_index(drop=True)
    last = tb.sort_values(["user_id", "ts"], kind="stable").groupby("user_id")[["item_id", "category_id"]].last()
    recall = []
    for user, g in eb.groupby("user_id"):
        if user in last.index:
            t = set(g.loc[g["category_id"] != last.at[user, "category_id"], "item_id"])
            if t:
                recall.append((int(last.at[user, "item_id"]), t))
    return {"pairs": pairs, "recall": recall}


def score_index(index: pd.DataFrame, tasks: dict, ks=KS) -> dict:
    """HitRate@K, Recall@K and coverage of an index (anchor, neighbor, rank) on the tasks; an empty
    task set scores 0 with `pairs` = 0. Tasks with `recall` None are pairs only (no Recall@K)."""
    pairs, out = tasks["pairs"], {"pairs": len(tasks["pairs"])}
    anchors = set(index["anchor"].unique()) if len(index) else set()
    ranked = index.set_index(["anchor", "neighbor"])["rank"] if len(index) else pd.Series(dtype=float)
    if len(pairs):
        r = ranked.reindex(pd.MultiIndex.from_arrays([pairs["a"], pairs["b"]])).to_numpy(np.float64)
        for k in ks:
            out[f"hitrate@{k}"] = float(np.mean(np.nan_to_num(r, nan=np.inf) <= k))
        out["coverage"] = float(np.mean(pairs["a"].isin(anchors)))
    else:
        out.update({f"hitrate@{k}": 0.0 for k in ks}, coverage=0.0)
    if tasks["recall"] is None:
        return out
    out["recall_users"] = len(tasks["recall"])
    lists = index.groupby("anchor")["neighbor"].agg(list) if len(index) else pd.Series(dtype=object)
    for k in ks:
        vals = [len(set(lists.get(a, [])[:k]) & t) / len(t) for a, t in tasks["recall"]]
        out[f"recall@{k}"] = float(np.mean(vals)) if vals else 0.0
    return out


def direction_check(index: pd.DataFrame, pairs: pd.DataFrame) -> float:
    """Share of true-order pairs (i bought before j) whose score s(i,j) beats s(j,i), among pairs where
    the two differ; 0.5 = no sense of direction."""
    s = index.set_index(["anchor", "neighbor"])["score"] if len(index) else pd.Series(dtype=float)
    fwd = s.reindex(pd.MultiIndex.from_arrays([pairs["a"], pairs["b"]])).fillna(0).to_numpy()
    rev = s.reindex(pd.MultiIndex.from_arrays([pairs["b"], pairs["a"]])).fillna(0).to_numpy()
    differ = fwd != rev
    return float(np.mean(fwd[differ] > rev[differ])) if differ.any() else 0.5


# --- baselines -------------------------------------------------------------------------------------

def _matrix(df: pd.DataFrame):
    pairs = df[["user_id", "item_id"]].drop_duplicates()
    users, u = np.unique(pairs["user_id"].to_numpy(), return_inverse=True)
    items, i = np.unique(pairs["item_id"].to_numpy(), return_inverse=True)
    return sp.csr_matrix((np.ones(len(u)), (u, i)), shape=(len(users), len(items))), items


def _positions(items: np.ndarray, anchors) -> np.ndarray:
    """Column positions in `items` (sorted ids) of the anchors that are among them, ascending."""
    return np.searchsorted(items, np.asarray(sorted(set(anchors) & set(items)), np.int64))


def _top(rows: sp.csr_matrix, anchors_idx, items, k: int) -> pd.DataFrame:
    parts = []
    for r, a in enumerate(anchors_idx):
        lo, hi = rows.indptr[r], rows.indptr[r + 1]
        cols, vals = rows.indices[lo:hi], rows.data[lo:hi]
        keep = (cols != a) & (vals > 0)
        cols, vals = cols[keep], vals[keep]
        order = np.lexsort((items[cols], -vals))[:k]
        parts.append((np.full(len(order), items[a]), items[cols[order]], vals[order]))
    if not parts:
        return pd.DataFrame({"anchor": [], "neighbor": [], "score": [], "rank": []})
    a, n, s = (np.concatenate(x) for x in zip(*parts))
    df = pd.DataFrame({"anchor": a.astype(np.int64), "neighbor": n.astype(np.int64), "score": s})
    df["rank"] = df.groupby("anchor").cumcount() + 1
    return df


def cooccurrence_baselines(clicks: pd.DataFrame, anchors, k: int) -> dict[str, pd.DataFrame]:
    """Cosine, Jaccard and Adamic-Adar top-k lists for `anchors` from the click matrix."""
    A, items = _matrix(clicks)
    idx = _positions(items, anchors)
    A_csc = A.tocsc()
    sub = A_csc[:, idx].T.tocsr()                  # anchors x users
    co = (sub @ A).tocsr()                         # |Ui ∩ Uj|
    n = np.asarray(A.sum(0)).ravel()
    deg = np.asarray(A.sum(1)).ravel()
    aa_w = np.where(deg > 1, 1.0 / np.log(np.maximum(deg, 2)), 0.0)
    aa = (sub @ sp.diags(aa_w) @ A).tocsr()
    rows = co.tocoo()
    ni, nj = n[idx][rows.row], n[rows.col]
    cos = sp.csr_matrix((rows.data / np.sqrt(ni * nj), (rows.row, rows.col)), shape=co.shape)
    jac = sp.csr_matrix((rows.data / (ni + nj - rows.data), (rows.row, rows.col)), shape=co.shape)
    return {"item-cf cosine": _top(cos, idx, items, k), "jaccard": _top(jac, idx, items, k),
            "adamic-adar": _top(aa, idx, items, k)}


def popularity(clicks: pd.DataFrame, anchors, k: int) -> pd.DataFrame:
    """The k most clicked items (distinct users) for every anchor, the anchor itself left out."""
    counts = clicks.groupby("item_id")["user_id"].nunique().sort_values(ascending=False, kind="stable")
    top, score = counts.index.to_numpy()[:k + 1], counts.to_numpy(np.float64)[:k + 1]
    a = np.asarray(sorted(set(anchors)), np.int64)
    grid = np.broadcast_to(top, (len(a), len(top)))
    keep = grid != a[:, None]
    keep &= np.cumsum(keep, 1) <= k
    df = pd.DataFrame({"anchor": np.repeat(a, keep.sum(1)), "neighbor": grid[keep],
                       "score": np.broadcast_to(score, grid.shape)[keep]})
    df["rank"] = df.groupby("anchor").cumcount() + 1
    return df


def complement_baselines(buys: pd.DataFrame, anchors, k: int) -> dict[str, pd.DataFrame]:
    """Co-purchase count (users who bought both) and ordered co-purchase count (j after i)."""
    from paperline.recsys.surprise import ordered_scores

    A, items = _matrix(buys)
    idx = _positions(items, anchors)
    co = (A.tocsc()[:, idx].T.tocsr() @ A).tocsr()
    ordered = ordered_scores(buys.assign(key=buys["item_id"]), "key", decay=False, normalise=False)
    ordered = ordered[ordered["i"].isin(items[idx])].sort_values(["i", "s", "j"], ascending=[True, False, True])
    ordered["rank"] = ordered.groupby("i").cumcount() + 1
    ordered = ordered[ordered["rank"] <= k].set_axis(["anchor", "neighbor", "score", "rank"], axis=1)
    return {"co-purchase": _top(co, idx, items, k), "ordered co-purchase": ordered.reset_index(drop=True)}


def implicit_bm25(clicks: pd.DataFrame, anchors, k: int, threads: int = 0) -> pd.DataFrame:
    """`implicit`'s BM25 item-item recommender (an external peer) for `anchors`."""
    import warnings

    from implicit.nearest_neighbours import BM25Recommender
    from threadpoolctl import threadpool_limits

    warnings.filterwarnings("ignore", message="Method expects CSR input")

    A, items = _matrix(clicks)
    model = BM25Recommender(K=k + 1, num_threads=threads)
    with threadpool_limits(1, "blas"):
        model.fit(A, show_progress=False)
    idx = _positions(items, anchors)
    if len(idx) == 0:
        return pd.DataFrame(columns=["anchor", "neighbor", "score", "rank"])
    ids, scores = model.similar_items(idx, N=k + 1)
    rows = sp.csr_matrix((np.where(ids >= 0, scores, 0).ravel(),
                          (np.repeat(np.arange(len(idx)), ids.shape[1]), np.maximum(ids, 0).ravel())),
                         shape=(len(idx), len(items)))
    return _top(rows, idx, items, k)


def plot(results: dict[str, dict[str, dict]], ks=KS) -> bytes:
    """Bars of HitRate@K per method, one panel per task (PNG)."""
    cols = min(2, len(results))
    rows = (len(results) + cols - 1) // cols
    fig, axes = figure(rows, cols, figsize=(6.5 * cols, 4 * rows), squeeze=False)
    for ax in axes.ravel()[len(results):]:
        ax.set_visible(False)
    for ax, (task, methods) in zip(axes.ravel(), results.items()):
        names = list(methods)
        x = np.arange(len(names))
        for n, k in enumerate(ks):
            ax.bar(x + (n - 1) * 0.27, [methods[m][f"hitrate@{k}"] for m in names], 0.27, label=f"HitRate@{k}")
        ax.set_xticks(x, names, rotation=30, ha="right")
        ax.set_title(f"{task} ({methods[names[0]]['pairs']} test pairs)")
        ax.set_ylabel("HitRate")
        ax.legend(fontsize=8)
    return to_png(fig)
