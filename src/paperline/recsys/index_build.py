"""Writes a product index in its published layout (paperline.recsys.index describes it), with the
lookup tables built by numba: kept apart from the reader so that opening an index and answering
queries never imports numba."""

from __future__ import annotations

import json
from pathlib import Path

import numba
import numpy as np
import pandas as pd

from paperline.core.errors import DataError
from paperline.core.files import building_dir
from paperline.recsys.index import GOLDEN, RELATIONS


@numba.njit(cache=True)
def fill(keys, bits):
    """Open addressing with linear probing: rows (anchor, row of the anchor) in a table of 2**bits."""
    size = 1 << bits
    slots = np.full((size, 2), -1, np.int64)
    shift = np.uint64(64 - bits)
    for r in range(len(keys)):
        h = np.int64((np.uint64(keys[r]) * np.uint64(GOLDEN)) >> shift)
        while slots[h, 1] != -1:
            h = (h + 1) & (size - 1)
        slots[h, 0] = keys[r]
        slots[h, 1] = r
    return slots


def _bits(n: int) -> int:
    return max(4, int(np.ceil(np.log2(max(2 * n, 2)))))


def _write_relation(df: pd.DataFrame, out: Path) -> None:
    df = df.sort_values(["anchor", "rank"])
    anchors, counts = np.unique(df["anchor"].to_numpy(np.int64), return_counts=True)
    out.mkdir(parents=True, exist_ok=True)
    np.save(out / "slots.npy", fill(anchors, _bits(len(anchors))))
    np.save(out / "offsets.npy", np.concatenate([[0], np.cumsum(counts)]).astype(np.int64))
    np.save(out / "neighbors.npy", df["neighbor"].to_numpy(np.int64))
    np.save(out / "scores.npy", df["score"].to_numpy(np.float64))


def _write_dump(df: pd.DataFrame, path: Path) -> None:
    df = df.sort_values(["anchor", "rank"])
    cells = df["neighbor"].astype(str) + ":" + df["score"].map("{:.6g}".format)
    lines = cells.groupby(df["anchor"].to_numpy()).agg(",".join)
    with open(path, "w") as f:
        for anchor, row in lines.items():
            f.write(f"{anchor}\t{row}\n")


def write_index(relations: dict[str, pd.DataFrame], out_dir: str | Path, meta: dict) -> Path:
    """All files into a sibling directory, renamed into place when complete."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    with building_dir(out_dir) as tmp:
        frames = []
        for rel, df in relations.items():
            if rel not in RELATIONS:
                raise DataError(f"unknown relation {rel!r}; relations: {', '.join(RELATIONS)}")
            _write_relation(df, tmp / "lookup" / rel)
            _write_dump(df, tmp / f"{rel}.txt")
            frames.append(df.assign(relation=rel))
        table = pd.concat(frames, ignore_index=True)
        schema = pa.schema([("anchor", pa.int64()), ("neighbor", pa.int64()), ("score", pa.float64()),
                            ("rank", pa.int32()), ("relation", pa.string())])
        pq.write_table(pa.Table.from_pandas(table[schema.names], schema=schema, preserve_index=False),
                       tmp / "i2i.parquet")
        counts = {rel: {"anchors": int(df["anchor"].nunique()), "rows": len(df)} for rel, df in relations.items()}
        (tmp / "meta.json").write_text(json.dumps({**meta, "relations": counts}, indent=1, default=str))
    return Path(out_dir)
