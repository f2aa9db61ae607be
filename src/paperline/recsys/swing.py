"""Swing (arXiv:2010.05525): substitutes from the user-item click graph.

    s(i, j) = sum over unordered pairs of distinct users {u, v} who both clicked i and j of
              w_u * w_v / (alpha + |I_u ∩ I_v|),        w_u = (user_offset + |I_u|) ** -beta

(paper: user_offset = 0, beta = 0.5, i.e. w_u = 1/sqrt(|I_u|)). Pruning as Flink ML / Alink: (user,
item) deduplicated, users outside [min_user_items, max_user_items] dropped, at most
`max_users_per_item` users per anchor item kept by seeded reservoir sampling. Index: per anchor the
top-K neighbours, score descending, ties by neighbour id ascending; optionally each anchor's scores
divided by its best (`normalise`).

The single-node engine is the item-centric strategy (Strategy A of the spec) compiled with numba and
spread over cores by anchor; `swing_spark` runs the same per-anchor kernel inside Spark's
`applyInPandas`. `swing_bruteforce` (the formula literally, item pair by item pair) and
`swing_pairwise` (Strategy B, user pair by user pair) are slow references for the tests.
"""

from __future__ import annotations

import os
from collections import defaultdict
from dataclasses import dataclass
from itertools import combinations

import numba
import numpy as np
import pandas as pd

from paperline.core.errors import DataError

INDEX_COLUMNS = ["anchor", "neighbor", "score", "rank"]


@dataclass
class SwingParams:
    alpha: float = 1.0
    user_offset: float = 0.0
    beta: float = 0.5
    min_user_items: int = 2     # a user with one item is never in a swing: 2 drops nothing (Flink uses 10)
    max_user_items: int = 1000
    max_users_per_item: int = 1000  # 0 = no cap (exact scores)
    top_k: int = 100
    seed: int = 0


def user_weight(n_items, p: SwingParams):
    return (p.user_offset + np.asarray(n_items, dtype=np.float64)) ** -p.beta


def reservoir_positions(n: int, cap: int, seed: int, key: int) -> np.ndarray:
    """Algorithm R over positions 0..n-1 with a generator seeded by (seed, key): which of an item's n
    users (in user-id order) are kept, in ascending order. Depends only on (n, cap, seed, key), so
    every engine and partitioning keeps the same users."""
    if cap <= 0 or n <= cap:
        return np.arange(n)
    rng = np.random.default_rng([seed, int(key) & 0x7FFFFFFFFFFFFFFF])
    res = np.arange(cap)
    ks = np.arange(cap, n)
    draws = rng.integers(0, ks + 1)  # Algorithm R: element k replaces slot draws[k] when draws[k] < cap
    hit = draws < cap
    slots, elems = draws[hit][::-1], ks[hit][::-1]
    _, last = np.unique(slots, return_index=True)  # the last element written to a slot stays
    res[slots[last]] = elems[last]
    return np.sort(res)


@dataclass
class ClickGraph:
    """Deduplicated, pruned clicks as two CSR structures over dense indices."""
    items: np.ndarray      # item index -> raw item id (ascending)
    users: np.ndarray      # user index -> raw user id (ascending)
    u_ptr: np.ndarray
    u_items: np.ndarray    # each user's item indices, ascending
    i_ptr: np.ndarray
    i_users: np.ndarray    # each item's (sampled) user indices, ascending
    weight: np.ndarray     # w_u


def click_graph(user_ids: np.ndarray, item_ids: np.ndarray, p: SwingParams) -> ClickGraph:
    pairs = np.unique(np.stack([np.asarray(user_ids, np.int64), np.asarray(item_ids, np.int64)], 1), axis=0)
    users, u_inv, deg = np.unique(pairs[:, 0], return_inverse=True, return_counts=True)
    keep_user = (deg >= p.min_user_items) & (deg <= p.max_user_items)
    pairs = pairs[keep_user[u_inv]]
    users, u = np.unique(pairs[:, 0], return_inverse=True)
    items, it = np.unique(pairs[:, 1], return_inverse=True)
    # pairs are sorted by (user, item): user rows are contiguous with ascending items
    u_ptr = np.concatenate([[0], np.cumsum(np.bincount(u, minlength=len(users)))]).astype(np.int64)
    u_items = it.astype(np.int64)
    order = np.lexsort((u, it))  # by item, then user
    i_users = u[order].astype(np.int64)
    counts = np.bincount(it, minlength=len(items))
    i_ptr = np.concatenate([[0], np.cumsum(counts)]).astype(np.int64)
    if p.max_users_per_item > 0 and counts.max(initial=0) > p.max_users_per_item:
        keep = np.ones(len(i_users), bool)
        for i in np.flatnonzero(counts > p.max_users_per_item):
            sel = np.zeros(counts[i], bool)
            sel[reservoir_positions(counts[i], p.max_users_per_item, p.seed, items[i])] = True
            keep[i_ptr[i]:i_ptr[i + 1]] = sel
        i_users = i_users[keep]
        i_ptr = np.concatenate([[0], np.cumsum(np.minimum(counts, p.max_users_per_item))]).astype(np.int64)
    weight = user_weight(np.diff(u_ptr), p)
    return ClickGraph(items, users, u_ptr, u_items, i_ptr, i_users, weight)


@numba.njit(cache=True, nogil=True)
def _credit(anchor, users, u_ptr, u_items, weight, alpha, acc, mark, touched, buf):
    """Adds every swing of `anchor`'s users into acc[j]; returns how many j it touched."""
    nt = 0
    n = len(users)
    for a in range(n):
        ua = users[a]
        la = u_items[u_ptr[ua]:u_ptr[ua + 1]]
        for b in range(a + 1, n):
            ub = users[b]
            lb = u_items[u_ptr[ub]:u_ptr[ub + 1]]
            p = 0
            q = 0
            c = 0
            while p < len(la) and q < len(lb):
                if la[p] == lb[q]:
                    buf[c] = la[p]
                    c += 1
                    p += 1
                    q += 1
                elif la[p] < lb[q]:
                    p += 1
                else:
                    q += 1
            if c < 2:
                continue
            wt = weight[ua] * weight[ub] / (alpha + c)
            for x in range(c):
                j = buf[x]
                if j == anchor:
                    continue
                if not mark[j]:
                    mark[j] = True
                    touched[nt] = j
                    nt += 1
                acc[j] += wt
    return nt


@numba.njit(cache=True, nogil=True)
def _top_k(acc, mark, touched, nt, k, out_nb, out_sc):
    """Top-k of the touched entries (score desc, index asc), written to out_*; resets acc and mark."""
    cand = np.sort(touched[:nt])
    sc = acc[cand]
    order = np.argsort(-sc, kind="mergesort")
    m = min(k, nt)
    for r in range(m):
        out_nb[r] = cand[order[r]]
        out_sc[r] = sc[order[r]]
    for x in range(nt):
        acc[touched[x]] = 0.0
        mark[touched[x]] = False
    return m


@numba.njit(parallel=True, cache=True)
def _swing_all(u_ptr, u_items, i_ptr, i_users, weight, alpha, k, n_threads):
    n_items = len(i_ptr) - 1
    max_deg = 1
    for u in range(len(u_ptr) - 1):
        max_deg = max(max_deg, u_ptr[u + 1] - u_ptr[u])
    out_nb = np.full((n_items, k), -1, np.int32)
    out_sc = np.zeros((n_items, k))
    counts = np.zeros(n_items, np.int64)
    for t in numba.prange(n_threads):
        acc = np.zeros(n_items)
        mark = np.zeros(n_items, np.bool_)
        touched = np.empty(n_items, np.int64)
        buf = np.empty(max_deg, np.int64)
        nb = np.empty(k, np.int64)
        for i in range(t, n_items, n_threads):
            users = i_users[i_ptr[i]:i_ptr[i + 1]]
            nt = _credit(i, users, u_ptr, u_items, weight, alpha, acc, mark, touched, buf)
            m = _top_k(acc, mark, touched, nt, k, nb, out_sc[i])
            out_nb[i, :m] = nb[:m]
            counts[i] = m
    return out_nb, out_sc, counts


def threads(n: int = 0) -> int:
    return n if n > 0 else max(1, len(os.sched_getaffinity(0)))


def swing(user_ids, item_ids, p: SwingParams, n_threads: int = 0) -> pd.DataFrame:
    """The Swing index over click pairs: rows (anchor, neighbor, score, rank), rank 1 = best."""
    g = click_graph(user_ids, item_ids, p)
    if len(g.items) == 0:
        return empty_index()
    numba.set_num_threads(min(threads(n_threads), numba.config.NUMBA_NUM_THREADS))
    nb, sc, counts = _swing_all(g.u_ptr, g.u_items, g.i_ptr, g.i_users, g.weight, float(p.alpha), int(p.top_k),
                                numba.get_num_threads())
    mask = np.arange(p.top_k)[None, :] < counts[:, None]
    return pd.DataFrame({"anchor": np.repeat(g.items, counts), "neighbor": g.items[nb[mask]],
                         "score": sc[mask], "rank": np.nonzero(mask)[1].astype(np.int32) + 1})


def normalise(index: pd.DataFrame) -> pd.DataFrame:
    """Each anchor's scores divided by its best one (Alink `resultNormalize`): 1.0 at rank 1, ranks kept."""
    best = index.groupby("anchor")["score"].transform("max")
    return index.assign(score=index["score"] / best)


def empty_index() -> pd.DataFrame:
    return pd.DataFrame({"anchor": np.array([], np.int64), "neighbor": np.array([], np.int64),
                         "score": np.array([], np.float64), "rank": np.array([], np.int32)})


def anchor_index(anchor: int, user_ids: np.ndarray, item_lists: list, weights: np.ndarray,
                 p: SwingParams) -> pd.DataFrame:
    """One anchor's top-K from its users' full item lists (what each Spark task computes): same
    reservoir, same kernel, on indices local to this anchor."""
    order = np.argsort(user_ids, kind="stable")
    keep = order[reservoir_positions(len(order), p.max_users_per_item, p.seed, anchor)]
    lists = [np.asarray(item_lists[x], np.int64) for x in keep]
    flat = np.concatenate(lists) if lists else np.array([], np.int64)
    local_ids, local = np.unique(flat, return_inverse=True)
    ptr = np.concatenate([[0], np.cumsum([len(x) for x in lists])]).astype(np.int64)
    pos = np.searchsorted(local_ids, anchor)
    if pos >= len(local_ids) or local_ids[pos] != anchor:
        raise DataError(f"anchor {anchor} is missing from its own users' item lists")
    n = len(local_ids)
    acc, mark, touched = np.zeros(n), np.zeros(n, np.bool_), np.empty(n, np.int64)
    buf = np.empty(max(1, max((len(x) for x in lists), default=1)), np.int64)
    nt = _credit(pos, np.arange(len(lists), dtype=np.int64), ptr, local.astype(np.int64),
                 np.asarray(weights, np.float64)[keep], float(p.alpha), acc, mark, touched, buf)
    nb, sc = np.empty(p.top_k, np.int64), np.empty(p.top_k)
    m = _top_k(acc, mark, touched, nt, p.top_k, nb, sc)
    return pd.DataFrame({"anchor": np.full(m, anchor, np.int64), "neighbor": local_ids[nb[:m]],
                         "score": sc[:m], "rank": np.arange(1, m + 1, dtype=np.int32)})


# --- references for the tests: the formula literally, and the user-pair-centric strategy -------------

def _user_sets(user_ids, item_ids, p: SwingParams) -> dict:
    sets = defaultdict(set)
    for u, i in zip(user_ids, item_ids):
        sets[int(u)].add(int(i))
    return {u: s for u, s in sets.items() if p.min_user_items <= len(s) <= p.max_user_items}


def swing_bruteforce(user_ids, item_ids, p: SwingParams) -> dict:
    """{(i, j): s(i, j)} by the definition: every item pair, every unordered pair of its common users."""
    sets = _user_sets(user_ids, item_ids, p)
    w = {u: float(user_weight(len(s), p)) for u, s in sets.items()}
    by_item = defaultdict(set)
    for u, s in sets.items():
        for i in s:
            by_item[i].add(u)
    out = {}
    for i in by_item:
        for j in by_item:
            if i == j:
                continue
            common = sorted(by_item[i] & by_item[j])
            total = sum(w[u] * w[v] / (p.alpha + len(sets[u] & sets[v])) for u, v in combinations(common, 2))
            if total > 0:
                out[(i, j)] = total
    return out


def swing_pairwise(user_ids, item_ids, p: SwingParams) -> dict:
    """Strategy B: for each user pair, its common items C_uv, credit w_u w_v/(alpha+|C_uv|) to every
    ordered pair of distinct items in C_uv."""
    sets = _user_sets(user_ids, item_ids, p)
    out = defaultdict(float)
    for u, v in combinations(sorted(sets), 2):
        common = sets[u] & sets[v]
        if len(common) < 2:
            continue
        wt = float(user_weight(len(sets[u]), p) * user_weight(len(sets[v]), p)) / (p.alpha + len(common))
        for i in common:
            for j in common:
                if i != j:
                    out[(i, j)] += wt
    return dict(out)
