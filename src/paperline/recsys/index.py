"""The published item-to-item index: Parquet for analysis, a text dump for serving systems, and a
memory-mapped lookup layout that answers one anchor in O(1).

    i2i.parquet                 anchor int64, neighbor int64, score double, rank int32, relation string
    substitute.txt, complement.txt   anchor<TAB>j1:s1,j2:s2,...   (rank order)
    lookup/<relation>/slots.npy     open-addressing hash table: (anchor, row) pairs, -1 rows empty
    lookup/<relation>/offsets.npy   row r's neighbours are neighbors[offsets[r]:offsets[r+1]]
    lookup/<relation>/neighbors.npy, scores.npy
    meta.json                   what built it (config, data version, figures)

A lookup hashes the anchor (Fibonacci hashing), probes linearly to its row and slices two arrays:
constant work whatever the index size, and only the touched pages are read from disk. Writing the
layout is paperline.recsys.index_build (numba); opening one from S3 or the registry is
paperline.recsys.serving.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from paperline.core.errors import DataError

RELATIONS = ("substitute", "complement")
GOLDEN = 0x9E3779B97F4A7C15  # 2**64 / golden ratio: Fibonacci hashing


class ProductIndex:
    """Memory-mapped lookups into a published index directory."""

    def __init__(self, path: str | Path):
        self.path = Path(path)
        if not (self.path / "meta.json").is_file():
            raise DataError(f"{self.path}: not a paperline product index (no meta.json)")
        self.meta = json.loads((self.path / "meta.json").read_text())
        self._rel = {}
        for rel in RELATIONS:
            d = self.path / "lookup" / rel
            if d.is_dir():
                t = {n: np.load(d / f"{n}.npy", mmap_mode="r") for n in ("slots", "offsets", "neighbors", "scores")}
                t["mask"] = len(t["slots"]) - 1
                t["shift"] = np.uint64(65 - len(t["slots"]).bit_length())  # 64 - log2(table size)
                self._rel[rel] = t

    @property
    def relations(self) -> list[str]:
        return list(self._rel)

    def neighbors(self, item: int, relation: str = "substitute", k: int = 20) -> list[tuple[int, float]]:
        if relation not in self._rel:
            raise DataError(f"{self.path}: no {relation!r} relation; it has {', '.join(self._rel) or 'none'}")
        t = self._rel[relation]
        slots = t["slots"]
        with np.errstate(over="ignore"):
            h = int((np.uint64(int(item) & 0xFFFFFFFFFFFFFFFF) * np.uint64(GOLDEN)) >> t["shift"])
        while True:
            key, row = slots[h]
            if row == -1:
                return []
            if key == item:
                lo, hi = t["offsets"][row], t["offsets"][row + 1]
                hi = min(hi, lo + k)
                return list(zip(t["neighbors"][lo:hi].tolist(), t["scores"][lo:hi].tolist()))
            h = (h + 1) & t["mask"]


def predictor(path: str | Path):
    """`predict(DataFrame) -> DataFrame` over an index directory, for the registered python-function
    model: input columns `item_id`, optionally `relation` and `k` (default 20) per row; output rows
    item_id, relation, rank, neighbor, score."""
    import pandas as pd

    index = ProductIndex(path)

    def predict(model_input: pd.DataFrame) -> pd.DataFrame:
        rows = []
        for n, item in enumerate(model_input["item_id"]):
            rels = [model_input["relation"].iloc[n]] if "relation" in model_input else index.relations
            k = int(model_input["k"].iloc[n]) if "k" in model_input else 20
            for rel in rels:
                for rank, (nb, score) in enumerate(index.neighbors(int(item), rel, k), start=1):
                    rows.append((int(item), rel, rank, nb, score))
        return pd.DataFrame(rows, columns=["item_id", "relation", "rank", "neighbor", "score"])

    return predict
